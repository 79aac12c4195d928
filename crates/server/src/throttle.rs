//! The minimum interval between refreshes of one connection, per (user, connection), with the
//! slot reserved atomically in the store, so concurrent requests on any replica cannot all pass
//! the check.

use std::time::Duration;

use crate::error::ServerError;
use crate::store::Store;

/// (user, connection) → when its last refresh was started, in the store.
pub struct RefreshThrottle {
    min_interval: Duration,
    store: Store,
}

/// A reserved refresh slot: given back on drop unless [`RefreshSlot::keep`] is called (the
/// refresh failed, so the person may try again at once).
pub struct RefreshSlot {
    store: Store,
    key: Option<(String, String)>,
    at: i64,
}

impl RefreshSlot {
    /// The refresh started: the slot stays taken for the interval.
    pub fn keep(mut self) {
        self.key = None;
    }
}

impl Drop for RefreshSlot {
    fn drop(&mut self) {
        if let Some((user, connection)) = self.key.take() {
            let (store, at) = (self.store.clone(), self.at);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if let Err(e) = store.release_refresh(&user, &connection, at).await {
                        tracing::warn!(error = %e, "could not give back a refresh slot");
                    }
                });
            }
        }
    }
}

impl RefreshThrottle {
    /// Refreshes of one connection at least `min_interval` apart, recorded in `store`.
    pub fn new(min_interval: Duration, store: Store) -> Self {
        Self {
            min_interval,
            store,
        }
    }

    /// Takes the refresh slot of `user`'s `connection` at `now` (Unix ms), or says how long
    /// to wait.
    pub async fn reserve(
        &self,
        user: &str,
        connection: &str,
        now: i64,
    ) -> Result<RefreshSlot, ServerError> {
        let interval = self.min_interval.as_millis() as i64;
        match self
            .store
            .reserve_refresh(user, connection, now, interval)
            .await?
        {
            Ok(()) => Ok(RefreshSlot {
                store: self.store.clone(),
                key: Some((user.to_owned(), connection.to_owned())),
                at: now,
            }),
            Err(wait_ms) => Err(ServerError::RefreshTooSoon {
                retry_after: (wait_ms as u64 / 1000).max(1),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Location;

    #[tokio::test]
    async fn one_slot_per_user_and_connection_given_back_on_failure() {
        let store = Store::open(&Location::Memory).await.unwrap();
        let t = RefreshThrottle::new(Duration::from_secs(300), store);
        let now = 1_000_000;
        let slot = t.reserve("u1", "c1", now).await.unwrap();
        assert!(t.reserve("u1", "c1", now).await.is_err(), "taken");
        assert!(
            t.reserve("u2", "c1", now).await.is_ok(),
            "another user's key"
        );
        drop(slot);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let again = t
            .reserve("u1", "c1", now)
            .await
            .expect("a failed refresh gives it back");
        again.keep();
        match t.reserve("u1", "c1", now + 10_000).await {
            Err(ServerError::RefreshTooSoon { retry_after }) => assert_eq!(retry_after, 290),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
}
