//! Server-side revocation: single sessions (by id) and every session of a user started before
//! a moment. Held in memory; entries go once the sessions they name would have expired anyway.

use std::collections::HashMap;
use std::sync::Mutex;

use super::keys::Session;
use crate::sync::lock;

/// Revoked session ids and per-user cut-offs (Unix seconds).
#[derive(Default)]
pub struct Revocations {
    /// Session id → until when the entry must be kept.
    sessions: Mutex<HashMap<String, u64>>,
    /// Basiq user → sessions created before this are revoked.
    users: Mutex<HashMap<String, u64>>,
}

impl Revocations {
    /// Revokes the session `sid` (kept until `keep_until`).
    pub fn revoke_session(&self, sid: &str, keep_until: u64, now: u64) {
        let mut map = lock(&self.sessions);
        map.retain(|_, until| *until > now);
        map.insert(sid.to_owned(), keep_until);
    }

    /// Revokes every session of `user` created up to `now`.
    pub fn revoke_user(&self, user: &str, now: u64) {
        lock(&self.users).insert(user.to_owned(), now);
    }

    /// True when `s` was revoked.
    pub fn is_revoked(&self, s: &Session) -> bool {
        (!s.sid.is_empty() && lock(&self.sessions).contains_key(&s.sid))
            || lock(&self.users)
                .get(&s.user)
                .is_some_and(|cutoff| s.created <= *cutoff)
    }
}
