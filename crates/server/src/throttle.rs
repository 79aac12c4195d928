//! The minimum interval between refreshes of one connection, per (user, connection), with the
//! slot reserved atomically so concurrent requests cannot all pass the check.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ServerError;
use crate::sync::lock;

type Key = (String, String);

/// (user, connection) → when its last refresh was started here.
pub struct RefreshThrottle {
    min_interval: Duration,
    last: Mutex<HashMap<Key, Instant>>,
}

/// A reserved refresh slot: given back on drop unless [`RefreshSlot::keep`] is called (the
/// refresh failed, so the person may try again at once).
pub struct RefreshSlot<'a> {
    throttle: &'a RefreshThrottle,
    key: Option<Key>,
    at: Instant,
}

impl RefreshSlot<'_> {
    /// The refresh started: the slot stays taken for the interval.
    pub fn keep(mut self) {
        self.key = None;
    }
}

impl Drop for RefreshSlot<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut last = lock(&self.throttle.last);
            if last.get(&key) == Some(&self.at) {
                last.remove(&key);
            }
        }
    }
}

impl RefreshThrottle {
    /// Refreshes of one connection at least `min_interval` apart.
    pub fn new(min_interval: Duration) -> Self {
        Self {
            min_interval,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// Takes the refresh slot of `user`'s `connection` at `now`, or says how long to wait.
    pub fn reserve(
        &self,
        user: &str,
        connection: &str,
        now: Instant,
    ) -> Result<RefreshSlot<'_>, ServerError> {
        let key = (user.to_owned(), connection.to_owned());
        let mut last = lock(&self.last);
        if let Some(wait) = last
            .get(&key)
            .map(|t| self.min_interval.saturating_sub(now.duration_since(*t)))
            .filter(|w| !w.is_zero())
        {
            return Err(ServerError::RefreshTooSoon {
                retry_after: wait.as_secs().max(1),
            });
        }
        if last.len() > 10_000 {
            last.retain(|_, t| now.duration_since(*t) < self.min_interval);
        }
        last.insert(key.clone(), now);
        Ok(RefreshSlot {
            throttle: self,
            key: Some(key),
            at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_slot_per_user_and_connection_given_back_on_failure() {
        let t = RefreshThrottle::new(Duration::from_secs(300));
        let now = Instant::now();
        let slot = t.reserve("u1", "c1", now).unwrap();
        assert!(t.reserve("u1", "c1", now).is_err(), "taken");
        assert!(t.reserve("u2", "c1", now).is_ok(), "another user's key");
        drop(slot);
        let again = t
            .reserve("u1", "c1", now)
            .expect("a failed refresh gives it back");
        again.keep();
        match t.reserve("u1", "c1", now + Duration::from_secs(10)) {
            Err(ServerError::RefreshTooSoon { retry_after }) => assert_eq!(retry_after, 290),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
}
