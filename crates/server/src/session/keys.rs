//! Signed session values: `v2.<user>.<sid>.<created>.<renewed>.<e|s>.<mac>`, an HMAC-SHA256
//! over the rest under the first `SESSION_SECRET`; every listed secret verifies, so a secret
//! can be rotated without ending sessions. `v1.<user>.<issued>.<mac>` values of earlier
//! releases still open (they are re-signed as v2 on their next use).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// What a session value says, once its signature is checked (times are Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The Basiq user.
    pub user: String,
    /// Random id of this session, for revocation (empty for a v1 value).
    pub sid: String,
    /// When the session started.
    pub created: u64,
    /// When the value was last (re)issued; the idle timeout counts from here.
    pub renewed: u64,
    /// Started by a link token inside a host's frame (decides `SameSite`).
    pub embedded: bool,
    /// Signed with an older secret or in the v1 format: re-sign on this use.
    pub outdated: bool,
}

/// Signs and verifies session values.
pub struct SessionKeys {
    secrets: Vec<SecretString>,
}

impl SessionKeys {
    /// Keys from one secret (at least 32 bytes recommended).
    pub fn new(secret: SecretString) -> Self {
        Self {
            secrets: vec![secret],
        }
    }

    /// Keys from a list: the first signs, every one verifies. An empty list gets a random secret.
    pub fn rotating(mut secrets: Vec<SecretString>) -> Self {
        if secrets.is_empty() {
            secrets.push(Self::random_secret());
        }
        Self { secrets }
    }

    /// A fresh random secret, for when none is configured.
    pub fn random_secret() -> SecretString {
        SecretString::from(random_id(32))
    }

    fn mac(secret: &SecretString, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac
    }

    /// A new standalone session value for `user_id`, started at `now_unix` seconds.
    pub fn sign(&self, user_id: &str, now_unix: u64) -> String {
        self.seal(&Session {
            user: user_id.to_owned(),
            sid: random_id(16),
            created: now_unix,
            renewed: now_unix,
            embedded: false,
            outdated: false,
        })
    }

    /// The signed value of `session` under the current secret.
    pub fn seal(&self, s: &Session) -> String {
        let payload = format!(
            "v2.{}.{}.{}.{}.{}",
            s.user,
            s.sid,
            s.created,
            s.renewed,
            if s.embedded { "e" } else { "s" }
        );
        let tag = URL_SAFE_NO_PAD.encode(
            Self::mac(&self.secrets[0], &payload)
                .finalize()
                .into_bytes(),
        );
        format!("{payload}.{tag}")
    }

    /// The session of a correctly signed value (its times are not checked here).
    pub fn open(&self, value: &str) -> Option<Session> {
        let (payload, tag) = value.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let key = self
            .secrets
            .iter()
            .position(|k| Self::mac(k, payload).verify_slice(&tag).is_ok())?;
        let parts: Vec<&str> = payload.split('.').collect();
        let mut session = match parts.as_slice() {
            ["v2", user, sid, created, renewed, kind] if matches!(*kind, "e" | "s") => Session {
                user: (*user).to_owned(),
                sid: (*sid).to_owned(),
                created: created.parse().ok()?,
                renewed: renewed.parse().ok()?,
                embedded: *kind == "e",
                outdated: false,
            },
            ["v1", user, issued] => {
                let issued = issued.parse().ok()?;
                Session {
                    user: (*user).to_owned(),
                    sid: String::new(),
                    created: issued,
                    renewed: issued,
                    embedded: false,
                    outdated: true,
                }
            }
            _ => return None,
        };
        session.outdated |= key > 0;
        (!session.user.is_empty()).then_some(session)
    }

    /// The Basiq user of a valid value no older than the default 30-day lifetime (tests and
    /// tools; the server checks sessions with its configured timeouts).
    pub fn verify(&self, value: &str, now_unix: u64) -> Option<String> {
        let s = self.open(value)?;
        let fresh =
            s.renewed <= now_unix + 60 && now_unix.saturating_sub(s.renewed) < 30 * 24 * 3600;
        fresh.then_some(s.user)
    }
}

/// `bytes` random bytes, URL-safe base64 (no dots, so it fits in a session value).
pub fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
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
        assert_eq!(k.verify(&v, 1_000 + 30 * 24 * 3600 + 1), None, "expired");
        assert_eq!(k.verify("garbage", 1_000), None);
        assert_eq!(k.verify("", 1_000), None);
        assert_eq!(k.verify("v1..1.AAAA", 1_000), None);
    }

    #[test]
    fn every_listed_secret_verifies_and_the_first_signs() {
        let old = keys("secret-old");
        let value = old.sign("u", 5);
        let rotated = SessionKeys::rotating(vec![
            SecretString::from("secret-new".to_owned()),
            SecretString::from("secret-old".to_owned()),
        ]);
        let s = rotated.open(&value).expect("the old secret still verifies");
        assert!(s.outdated, "signed with a previous secret: re-sign it");
        let resealed = rotated.seal(&s);
        assert!(keys("secret-new").open(&resealed).is_some());
        assert!(old.open(&resealed).is_none());
    }

    #[test]
    fn v1_values_still_open() {
        let k = keys("secret-one");
        let payload = "v1.user-9.1000";
        let tag = URL_SAFE_NO_PAD.encode(
            SessionKeys::mac(&k.secrets[0], payload)
                .finalize()
                .into_bytes(),
        );
        let s = k.open(&format!("{payload}.{tag}")).unwrap();
        assert_eq!(
            (s.user.as_str(), s.renewed, s.outdated),
            ("user-9", 1000, true)
        );
    }
}
