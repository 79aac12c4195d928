//! Server-side revocation: single sessions (by id) and every session of a user started before
//! a moment. Checked in memory on every request (the hot path never waits for the database);
//! recorded in the store and read back from it every couple of seconds, so a revocation on one
//! replica reaches the others within [`SYNC_OVERLAP_MS`] plus a tick, and survives restarts.
//! Entries go once the sessions they name would have expired anyway.

use std::collections::HashMap;
use std::sync::Mutex;

use super::keys::Session;
use crate::error::ServerError;
use crate::store::{RevocationRow, Store, now_ms};
use crate::sync::lock;

/// Each read from the store reaches back this far before the previous one, so a revocation
/// committed late by another replica is not missed (applying one twice changes nothing).
pub const SYNC_OVERLAP_MS: i64 = 10_000;

/// Revoked session ids and per-user cut-offs (Unix seconds).
#[derive(Default)]
pub struct Revocations {
    /// Session id → until when the entry must be kept.
    sessions: Mutex<HashMap<String, u64>>,
    /// Basiq user → sessions created before this are revoked.
    users: Mutex<HashMap<String, u64>>,
    /// When the store was last read (Unix ms; 0: never).
    synced: Mutex<i64>,
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

    /// Applies a revocation read from the store.
    pub fn apply(&self, row: &RevocationRow, now: u64) {
        let until = row.until_secs.max(0) as u64;
        match row.kind.as_str() {
            "session" => self.revoke_session(&row.subject, until, now),
            "user" => {
                let mut users = lock(&self.users);
                let cutoff = users.entry(row.subject.clone()).or_default();
                *cutoff = (*cutoff).max(until);
            }
            _ => {}
        }
    }

    /// Reads what was revoked since the last read (on any replica) into memory.
    pub async fn sync(&self, store: &Store, now: u64) -> Result<(), ServerError> {
        let started = now_ms();
        let since = match *lock(&self.synced) {
            0 => 0,
            last => last - SYNC_OVERLAP_MS,
        };
        for row in store.revocations_since(since).await? {
            self.apply(&row, now);
        }
        *lock(&self.synced) = started;
        Ok(())
    }

    /// True when `s` was revoked.
    pub fn is_revoked(&self, s: &Session) -> bool {
        (!s.sid.is_empty() && lock(&self.sessions).contains_key(&s.sid))
            || lock(&self.users)
                .get(&s.user)
                .is_some_and(|cutoff| s.created <= *cutoff)
    }
}
