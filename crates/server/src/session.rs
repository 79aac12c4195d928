//! Browser sessions and link tokens.
//!
//! A session is a signed value naming the Basiq user: `v1.<user id>.<issued unix s>.<mac>` with
//! an HMAC-SHA256 over the rest, sent as an HttpOnly cookie. It holds no secret of Basiq's, and
//! with a fixed `SESSION_SECRET` it survives restarts. Link tokens are single-use random strings
//! a host's backend mints for one of its users; the widget exchanges one for a session.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, header};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::sync::lock;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "bc_session";
/// How long a session cookie is honoured.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// Signs and verifies session values.
pub struct SessionKeys {
    secret: SecretString,
}

impl SessionKeys {
    /// Keys from a secret (at least 32 bytes recommended).
    pub fn new(secret: SecretString) -> Self {
        Self { secret }
    }

    /// A fresh random secret, for when none is configured.
    pub fn random_secret() -> SecretString {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        SecretString::from(URL_SAFE_NO_PAD.encode(bytes))
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac
    }

    /// The signed session value for `user_id`, issued at `now_unix` seconds.
    pub fn sign(&self, user_id: &str, now_unix: u64) -> String {
        let payload = format!("v1.{user_id}.{now_unix}");
        let tag = URL_SAFE_NO_PAD.encode(self.mac(&payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// The Basiq user id of a valid, unexpired session value.
    pub fn verify(&self, value: &str, now_unix: u64) -> Option<String> {
        let (payload, tag) = value.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac(payload).verify_slice(&tag).ok()?;
        let mut parts = payload.splitn(3, '.');
        let (version, user, issued) = (parts.next()?, parts.next()?, parts.next()?);
        let issued: u64 = issued.parse().ok()?;
        let fresh =
            issued <= now_unix + 60 && now_unix - issued.min(now_unix) < SESSION_LIFETIME.as_secs();
        (version == "v1" && !user.is_empty() && fresh).then(|| user.to_owned())
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The server's sessions: the keys and how the cookie is set.
pub struct Sessions {
    keys: SessionKeys,
    secure: bool,
}

impl Sessions {
    /// Sessions signed with `keys`; `secure` marks the cookie Secure.
    pub fn new(keys: SessionKeys, secure: bool) -> Self {
        Self { keys, secure }
    }

    /// The Basiq user of the request's session cookie.
    pub fn user_of(&self, headers: &HeaderMap) -> Option<String> {
        let now = now_unix();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(cookie_value)
            .find_map(|v| self.keys.verify(v, now))
    }

    /// `Set-Cookie` starting a session for `user` (see [`set_cookie`]).
    pub fn start(&self, user: &str, embedded: bool) -> String {
        set_cookie(&self.keys.sign(user, now_unix()), self.secure, embedded)
    }
}

/// The session cookie's value from a `Cookie` header.
pub fn cookie_value(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v)
}

/// `Set-Cookie` for a session value: `SameSite=Lax`, and `Secure` over HTTPS. A session started
/// by a link token lives in a host site's iframe, where browsers send only `SameSite=None`
/// cookies to a cross-site widget; over HTTPS it is `SameSite=None; Secure; Partitioned` (a
/// cookie kept for that one host site only). Plain HTTP (local development) keeps Lax, which the
/// browser still sends between ports of one host.
pub fn set_cookie(value: &str, secure: bool, embedded: bool) -> String {
    let same_site = if secure && embedded {
        "None; Partitioned"
    } else {
        "Lax"
    };
    format!(
        "{COOKIE_NAME}={value}; Path=/api; HttpOnly; SameSite={same_site}; Max-Age={}{}",
        SESSION_LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Why a link token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTokenError {
    /// Never issued, or already used.
    Unknown,
    /// Issued but past its lifetime.
    Expired,
}

/// Single-use link tokens: token → (Basiq user id, expiry).
pub struct LinkTokens {
    ttl: Duration,
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

impl LinkTokens {
    /// An empty store whose tokens live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Lifetime of new tokens.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Mints a token for `user_id`.
    pub fn mint(&self, user_id: &str, now: Instant) -> String {
        let token = random_token();
        let mut map = lock(&self.tokens);
        map.retain(|_, (_, exp)| *exp > now);
        map.insert(token.clone(), (user_id.to_owned(), now + self.ttl));
        token
    }

    /// Consumes a token: its user id, once.
    pub fn redeem(&self, token: &str, now: Instant) -> Result<String, LinkTokenError> {
        let mut map = lock(&self.tokens);
        match map.remove(token) {
            Some((user, exp)) if exp > now => Ok(user),
            Some(_) => Err(LinkTokenError::Expired),
            None => Err(LinkTokenError::Unknown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str) -> SessionKeys {
        SessionKeys::new(SecretString::from(s.to_owned()))
    }

    #[test]
    fn signed_sessions_verify_and_tampering_fails() {
        let k = keys("secret-one");
        let v = k.sign("user-123", 1_000);
        assert_eq!(k.verify(&v, 1_010).as_deref(), Some("user-123"));
        assert_eq!(keys("secret-two").verify(&v, 1_010), None, "another secret");
        assert_eq!(
            k.verify(&v.replace("user-123", "user-124"), 1_010),
            None,
            "another user"
        );
        assert_eq!(
            k.verify(&v, 1_000 + SESSION_LIFETIME.as_secs() + 1),
            None,
            "expired"
        );
        assert_eq!(k.verify("garbage", 1_000), None);
        assert_eq!(k.verify("", 1_000), None);
        assert_eq!(k.verify("v1..1.AAAA", 1_000), None);
    }

    #[test]
    fn cookie_header_parsing() {
        assert_eq!(cookie_value("a=1; bc_session=xyz; b=2"), Some("xyz"));
        assert_eq!(cookie_value("bc_sessionx=1"), None);
        assert!(set_cookie("v", true, false).contains("; Secure"));
        let framed = set_cookie("v", true, true);
        assert!(
            framed.contains("SameSite=None; Partitioned") && framed.contains("; Secure"),
            "{framed}"
        );
        assert!(
            set_cookie("v", false, true).contains("SameSite=Lax"),
            "no SameSite=None without Secure"
        );
        let plain = set_cookie("v", false, false);
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Lax")
                && !plain.contains("Secure")
        );
    }

    #[test]
    fn link_tokens_are_single_use_and_expire() {
        let store = LinkTokens::new(Duration::from_secs(60));
        let now = Instant::now();
        let t = store.mint("u1", now);
        assert_eq!(store.redeem(&t, now), Ok("u1".into()));
        assert_eq!(
            store.redeem(&t, now),
            Err(LinkTokenError::Unknown),
            "single use"
        );
        let t2 = store.mint("u2", now);
        assert_eq!(
            store.redeem(&t2, now + Duration::from_secs(61)),
            Err(LinkTokenError::Expired)
        );
        assert_ne!(random_token(), random_token());
    }
}
