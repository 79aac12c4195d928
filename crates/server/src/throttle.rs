//! The minimum interval between refreshes of one connection.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ServerError;
use crate::sync::lock;

/// Connection id → when its last refresh was started here.
pub struct RefreshThrottle {
    min_interval: Duration,
    last: Mutex<HashMap<String, Instant>>,
}

impl RefreshThrottle {
    /// Refreshes of one connection at least `min_interval` apart.
    pub fn new(min_interval: Duration) -> Self {
        Self {
            min_interval,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` when `connection` may be refreshed at `now`; how long to wait otherwise.
    pub fn check(&self, connection: &str, now: Instant) -> Result<(), ServerError> {
        let last = lock(&self.last).get(connection).copied();
        match last
            .map(|t| self.min_interval.saturating_sub(now.duration_since(t)))
            .filter(|w| !w.is_zero())
        {
            Some(wait) => Err(ServerError::RefreshTooSoon {
                retry_after: wait.as_secs().max(1),
            }),
            None => Ok(()),
        }
    }

    /// Records a refresh of `connection` started at `at`.
    pub fn record(&self, connection: &str, at: Instant) {
        lock(&self.last).insert(connection.to_owned(), at);
    }
}
