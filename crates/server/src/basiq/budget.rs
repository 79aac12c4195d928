//! The budget of upstream `/token` calls (Basiq allows 1,500 per 5 minutes): a share reserved
//! for the SERVER token that client traffic can never spend, calls that never reached Basiq
//! given back, and a short memory of failures so an outage is not hammered (nor the budget
//! spent on it). The calls are counted in the store, so the cap holds for the whole fleet.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ServerError;
use crate::store::{Store, TokenCallRefused, now_ms};
use crate::sync::lock;

/// Limits on calls to Basiq's `/token`.
#[derive(Debug, Clone, Copy)]
pub struct TokenCallCap {
    /// At most this many calls…
    pub max: usize,
    /// …within this window.
    pub window: Duration,
    /// Of `max`, this many only the SERVER token may use.
    pub server_reserve: usize,
}

/// Who a `/token` call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// The server's own SERVER_ACCESS token.
    Server,
    /// A browser's CLIENT_ACCESS token.
    Client,
}

/// After a failed `/token` call, further calls fail fast for this long.
pub const FAILURE_MEMORY: Duration = Duration::from_secs(2);

/// Counts `/token` calls in a sliding window, in the store: every replica's calls count
/// against one cap.
pub struct TokenBudget {
    cap: TokenCallCap,
    store: Store,
    failed_at: Mutex<Option<Instant>>,
}

/// A counted call; [`TokenBudget::release`] gives it back when the call never reached Basiq.
pub struct Reservation(i64);

impl TokenBudget {
    /// An empty budget kept in `store`.
    pub fn new(cap: TokenCallCap, store: Store) -> Self {
        Self {
            cap,
            store,
            failed_at: Mutex::new(None),
        }
    }

    fn limit(&self, use_: TokenUse) -> i64 {
        let n = match use_ {
            TokenUse::Server => self.cap.max,
            TokenUse::Client => self.cap.max.saturating_sub(self.cap.server_reserve),
        };
        n as i64
    }

    fn window_start(&self, now: i64) -> i64 {
        now - self.cap.window.as_millis() as i64
    }

    /// `Ok` when a call for `use_` would be allowed now (nothing is counted).
    pub async fn check(&self, use_: TokenUse) -> Result<(), ServerError> {
        self.fail_fast()?;
        let now = now_ms();
        let since = self.window_start(now);
        if self.store.count_token_calls(since).await? < self.limit(use_) {
            return Ok(());
        }
        let wait = self
            .store
            .token_call_wait(now, since, self.limit(use_))
            .await?;
        Err(refused(wait))
    }

    /// Counts one call for `use_`, or says how long to wait.
    pub async fn reserve(&self, use_: TokenUse) -> Result<Reservation, ServerError> {
        self.fail_fast()?;
        let now = now_ms();
        let since = self.window_start(now);
        match self
            .store
            .reserve_token_call(use_.as_str(), now, since, self.limit(use_))
            .await?
        {
            Ok(id) => Ok(Reservation(id)),
            Err(TokenCallRefused { wait_ms }) => Err(refused(wait_ms)),
        }
    }

    /// Gives back a call that never reached Basiq (no connection could be made).
    pub async fn release(&self, r: Reservation) {
        if let Err(e) = self.store.release_token_call(r.0).await {
            tracing::warn!(error = %e, "could not give back an unsent /token call");
        }
    }

    /// Records the outcome of a call: a failure makes the next calls fail fast for a moment.
    pub fn outcome(&self, ok: bool) {
        *lock(&self.failed_at) = (!ok).then(Instant::now);
    }

    fn fail_fast(&self) -> Result<(), ServerError> {
        match *lock(&self.failed_at) {
            Some(at) if at.elapsed() < FAILURE_MEMORY => Err(ServerError::Unavailable {
                retry_after: FAILURE_MEMORY.saturating_sub(at.elapsed()).as_secs().max(1),
            }),
            _ => Ok(()),
        }
    }
}

impl TokenUse {
    fn as_str(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Client => "client",
        }
    }
}

fn refused(wait_ms: i64) -> ServerError {
    ServerError::TokenRateLimited {
        retry_after: ((wait_ms.max(0) as u64).div_ceil(1000)).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn budget(max: usize, reserve: usize) -> TokenBudget {
        let store = Store::open(&crate::store::Location::Memory).await.unwrap();
        TokenBudget::new(
            TokenCallCap {
                max,
                window: Duration::from_secs(300),
                server_reserve: reserve,
            },
            store,
        )
    }

    #[tokio::test]
    async fn the_cap_refuses_with_a_wait() {
        let b = budget(2, 0).await;
        assert!(b.reserve(TokenUse::Client).await.is_ok());
        assert!(b.reserve(TokenUse::Client).await.is_ok());
        match b.reserve(TokenUse::Client).await {
            Err(ServerError::TokenRateLimited { retry_after }) => {
                assert!((299..=300).contains(&retry_after))
            }
            other => panic!("expected a rate limit, got {:?}", other.map(|_| ())),
        }
    }

    #[tokio::test]
    async fn clients_cannot_spend_the_server_reserve_and_unreached_calls_come_back() {
        let b = budget(3, 1).await;
        b.reserve(TokenUse::Client).await.unwrap();
        let r = b.reserve(TokenUse::Client).await.unwrap();
        assert!(
            b.check(TokenUse::Client).await.is_err(),
            "the last slot is the server's"
        );
        b.release(r).await;
        assert!(
            b.check(TokenUse::Client).await.is_ok(),
            "a call that never left is given back"
        );
        b.reserve(TokenUse::Client).await.unwrap();
        assert!(b.reserve(TokenUse::Server).await.is_ok());
        assert!(b.reserve(TokenUse::Server).await.is_err());
    }

    #[tokio::test]
    async fn a_failure_fails_fast_for_a_moment() {
        let b = budget(10, 0).await;
        b.outcome(false);
        assert!(matches!(
            b.reserve(TokenUse::Client).await,
            Err(ServerError::Unavailable { .. })
        ));
        b.outcome(true);
        assert!(b.reserve(TokenUse::Client).await.is_ok());
    }
}
