//! Browser sessions: a signed value naming the Basiq user in an HttpOnly cookie, renewed while
//! in use, ended by an idle timeout, a maximum age, or server-side revocation. It holds no
//! secret of Basiq's, and with a fixed `SESSION_SECRET` it survives restarts and replicas.
//!
//! A request's session is resolved once, by the `/api` middleware ([`resolve_layer`]): none,
//! valid, or present but invalid (expired, revoked, signed by an unknown secret) — the last is
//! never silently replaced by a new user.

mod keys;
mod link_tokens;
mod revocations;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub use keys::{Session, SessionKeys, random_id};
pub use link_tokens::{LinkTokenError, LinkTokens, random_token};
pub use revocations::Revocations;

use crate::error::ServerError;
use crate::state::AppState;
use crate::store::{RevocationRow, Store, now_ms};

/// Name of the session cookie over plain HTTP (local development on loopback).
pub const COOKIE_NAME: &str = "bc_session";
/// Name of the session cookie over HTTPS: the `__Host-` prefix makes browsers refuse it unless
/// it is `Secure`, `Path=/` and has no `Domain`, so a sibling subdomain or a plain-HTTP page
/// cannot plant one.
pub const SECURE_COOKIE_NAME: &str = "__Host-bc_session";

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimes {
    /// A session unused this long has ended.
    pub idle: Duration,
    /// No session lives longer than this, in use or not.
    pub max_age: Duration,
}

impl SessionTimes {
    /// A value older than this is re-issued on its next use (a twelfth of the idle timeout,
    /// between one minute and one hour).
    fn renew_after(&self) -> u64 {
        (self.idle.as_secs() / 12).clamp(60, 3600)
    }
}

/// A request's session, as the cookies it carries say.
#[derive(Debug, Clone)]
pub enum SessionState {
    /// No session cookie.
    None,
    /// A valid session.
    Valid(Session),
    /// A session cookie that is expired, revoked or not ours.
    Invalid,
}

/// The server's sessions: keys, lifetimes, revocations and how the cookie is set.
pub struct Sessions {
    keys: SessionKeys,
    times: SessionTimes,
    secure: bool,
    anonymous: bool,
    /// Revoked sessions and users.
    pub revocations: Revocations,
}

impl Sessions {
    /// Sessions signed with `keys`; `secure` (HTTPS) selects the `__Host-` cookie.
    pub fn new(keys: SessionKeys, times: SessionTimes, secure: bool) -> Self {
        Self {
            keys,
            times,
            secure,
            anonymous: true,
            revocations: Revocations::default(),
        }
    }

    /// Whether a browser with no session at all gets a new anonymous Basiq user (`false`: only
    /// link tokens start sessions).
    #[must_use]
    pub fn with_anonymous(mut self, anonymous: bool) -> Self {
        self.anonymous = anonymous;
        self
    }

    /// See [`Sessions::with_anonymous`].
    pub fn anonymous(&self) -> bool {
        self.anonymous
    }

    /// Whether cookies are `Secure` (the server is reached over HTTPS).
    pub fn secure(&self) -> bool {
        self.secure
    }

    fn cookie_name(&self) -> &'static str {
        if self.secure {
            SECURE_COOKIE_NAME
        } else {
            COOKIE_NAME
        }
    }

    /// The request's session. Every candidate value is checked (not the first one seen); of
    /// several valid ones the most recently renewed wins.
    pub fn resolve(&self, headers: &HeaderMap, now: u64) -> SessionState {
        let mut seen = false;
        let mut best: Option<Session> = None;
        for value in cookie_values(headers, self.cookie_name()) {
            seen = true;
            if let Some(s) = self.keys.open(value).filter(|s| self.is_live(s, now))
                && best.as_ref().is_none_or(|b| s.renewed > b.renewed)
            {
                best = Some(s);
            }
        }
        match best {
            Some(s) => SessionState::Valid(s),
            None if seen => SessionState::Invalid,
            None => SessionState::None,
        }
    }

    fn is_live(&self, s: &Session, now: u64) -> bool {
        s.renewed <= now + 60
            && s.created <= s.renewed
            && now.saturating_sub(s.renewed) < self.times.idle.as_secs()
            && now.saturating_sub(s.created) < self.times.max_age.as_secs()
            && !self.revocations.is_revoked(s)
    }

    /// `Set-Cookie` starting a new session for `user`.
    pub fn start(&self, user: &str, embedded: bool, now: u64) -> String {
        let session = Session {
            user: user.to_owned(),
            sid: random_id(16),
            created: now,
            renewed: now,
            embedded,
            outdated: false,
        };
        self.set_cookie(&self.keys.seal(&session), embedded)
    }

    /// `Set-Cookie` re-issuing `s` at `now`, when it is due (old, or signed with an older secret).
    pub fn renewal(&self, s: &Session, now: u64) -> Option<String> {
        let due = s.outdated || now.saturating_sub(s.renewed) >= self.times.renew_after();
        due.then(|| {
            let renewed = Session {
                renewed: now,
                outdated: false,
                sid: if s.sid.is_empty() {
                    random_id(16)
                } else {
                    s.sid.clone()
                },
                ..s.clone()
            };
            self.set_cookie(&self.keys.seal(&renewed), s.embedded)
        })
    }

    /// Revokes `s` server-side in this process: its value is refused from now on, wherever
    /// it was copied to. Returns what to record in the store for the other replicas.
    pub fn revoke(&self, s: &Session, now: u64) -> RevocationRow {
        let keep_until = s.created + self.times.max_age.as_secs();
        if s.sid.is_empty() {
            self.revocations.revoke_user(&s.user, now);
            user_revocation(&s.user, now)
        } else {
            self.revocations.revoke_session(&s.sid, keep_until, now);
            RevocationRow {
                kind: "session".into(),
                subject: s.sid.clone(),
                until_secs: keep_until as i64,
            }
        }
    }

    /// [`Sessions::revoke`], recorded in `store` too (every replica, every restart).
    pub async fn revoke_shared(
        &self,
        store: &Store,
        s: &Session,
        now: u64,
    ) -> Result<(), ServerError> {
        let row = self.revoke(s, now);
        store.record_revocation(&row, now_ms()).await
    }

    /// Revokes every session of `user` created up to `now`, here and in `store`.
    pub async fn revoke_user_shared(
        &self,
        store: &Store,
        user: &str,
        now: u64,
    ) -> Result<(), ServerError> {
        self.revocations.revoke_user(user, now);
        store
            .record_revocation(&user_revocation(user, now), now_ms())
            .await
    }

    /// `Set-Cookie` that makes the browser drop the session cookie.
    pub fn clear_cookie(&self) -> String {
        format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            self.cookie_name(),
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// `Set-Cookie` for a session value: `SameSite=Lax`, and `Secure` over HTTPS. A session
    /// started by a link token lives in a host site's iframe, where browsers send only
    /// `SameSite=None` cookies to a cross-site widget; over HTTPS it is `SameSite=None; Secure;
    /// Partitioned` (a cookie kept for that one host site only). Plain HTTP (local development)
    /// keeps Lax, which the browser still sends between ports of one host.
    fn set_cookie(&self, value: &str, embedded: bool) -> String {
        set_cookie(
            self.cookie_name(),
            value,
            self.secure,
            embedded,
            self.times.max_age,
        )
    }
}

fn user_revocation(user: &str, now: u64) -> RevocationRow {
    RevocationRow {
        kind: "user".into(),
        subject: user.to_owned(),
        until_secs: now as i64,
    }
}

/// See [`Sessions::set_cookie`].
pub fn set_cookie(
    name: &str,
    value: &str,
    secure: bool,
    embedded: bool,
    max_age: Duration,
) -> String {
    let same_site = if secure && embedded {
        "None; Partitioned"
    } else {
        "Lax"
    };
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={}{}",
        max_age.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// Every value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_values<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Middleware for `/api`: resolves the session once (handlers read it through the
/// `SessionUser` extractor) and, after a successful answer, re-issues a session cookie that is
/// due — sliding renewal while the session is in use.
pub async fn resolve_layer(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let now = now_unix();
    let session = state.sessions.resolve(req.headers(), now);
    req.extensions_mut().insert(session.clone());
    let mut response = next.run(req).await;
    if let SessionState::Valid(s) = session
        && response.status().is_success()
        && !response.headers().contains_key(header::SET_COOKIE)
        && let Some(cookie) = state.sessions.renewal(&s, now)
        && let Ok(value) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn sessions(secure: bool, idle_hours: u64) -> Sessions {
        Sessions::new(
            SessionKeys::new(SecretString::from("secret-one".to_owned())),
            SessionTimes {
                idle: Duration::from_secs(idle_hours * 3600),
                max_age: Duration::from_secs(30 * 24 * 3600),
            },
            secure,
        )
    }

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn cookie_attributes() {
        let s = sessions(true, 1);
        let c = s.start("u", false, 1);
        assert!(
            c.starts_with("__Host-bc_session=")
                && c.contains("; Path=/;")
                && c.ends_with("; Secure"),
            "{c}"
        );
        let framed = s.start("u", true, 1);
        assert!(
            framed.contains("SameSite=None; Partitioned") && framed.contains("; Secure"),
            "{framed}"
        );
        let plain = sessions(false, 1).start("u", true, 1);
        assert!(
            plain.starts_with("bc_session=")
                && plain.contains("SameSite=Lax")
                && !plain.contains("Secure"),
            "no SameSite=None without Secure: {plain}"
        );
    }

    #[test]
    fn every_candidate_is_checked_and_invalid_is_not_none() {
        let s = sessions(false, 1);
        let good = s.keys.sign("u1", 1_000);
        let h = with_cookie(&format!("a=1; bc_session=garbage; bc_session={good}"));
        assert!(matches!(s.resolve(&h, 1_010), SessionState::Valid(ref x) if x.user == "u1"));
        assert!(matches!(
            s.resolve(&with_cookie("bc_session=garbage"), 1_010),
            SessionState::Invalid
        ));
        assert!(matches!(
            s.resolve(&with_cookie("bc_sessionx=1"), 1_010),
            SessionState::None
        ));
        let secure = sessions(true, 1);
        assert!(
            matches!(
                secure.resolve(&with_cookie(&format!("bc_session={good}")), 1_010),
                SessionState::None
            ),
            "over HTTPS only the __Host- cookie counts"
        );
    }

    #[test]
    fn idle_timeout_renewal_and_revocation() {
        let s = sessions(false, 1);
        let v = s.keys.sign("u1", 1_000);
        let h = with_cookie(&format!("bc_session={v}"));
        let SessionState::Valid(live) = s.resolve(&h, 1_000 + 3599) else {
            panic!("valid within the idle hour")
        };
        assert!(
            matches!(s.resolve(&h, 1_000 + 3600), SessionState::Invalid),
            "idle for an hour"
        );
        assert!(
            s.renewal(&live, 1_000 + 10).is_none(),
            "fresh values are not re-issued"
        );
        let renewed = s.renewal(&live, 1_000 + 600).expect("due after 5 minutes");
        let value = renewed.split(';').next().unwrap();
        let SessionState::Valid(next) = s.resolve(&with_cookie(value), 1_000 + 600 + 3000) else {
            panic!("the renewed value slides the idle timeout")
        };
        assert_eq!(
            (next.sid.as_str(), next.created),
            (live.sid.as_str(), live.created)
        );
        s.revoke(&next, 5_000);
        assert!(
            matches!(s.resolve(&with_cookie(value), 5_001), SessionState::Invalid),
            "revoked"
        );
    }
}
