//! The budget of upstream `/token` calls (Basiq allows 1,500 per 5 minutes): a share reserved
//! for the SERVER token that client traffic can never spend, calls that never reached Basiq
//! given back, and a short memory of failures so an outage is not hammered (nor the budget
//! spent on it).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ServerError;
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

/// Counts `/token` calls in a sliding window.
pub struct TokenBudget {
    cap: TokenCallCap,
    calls: Mutex<VecDeque<Instant>>,
    failed_at: Mutex<Option<Instant>>,
}

/// A counted call; [`Reservation::release`] gives it back when the call never reached Basiq.
pub struct Reservation(Instant);

impl TokenBudget {
    /// An empty budget.
    pub fn new(cap: TokenCallCap) -> Self {
        Self {
            cap,
            calls: Mutex::new(VecDeque::new()),
            failed_at: Mutex::new(None),
        }
    }

    fn limit(&self, use_: TokenUse) -> usize {
        match use_ {
            TokenUse::Server => self.cap.max,
            TokenUse::Client => self.cap.max.saturating_sub(self.cap.server_reserve),
        }
    }

    /// `Ok` when a call for `use_` would be allowed now (nothing is counted).
    pub fn check(&self, use_: TokenUse) -> Result<(), ServerError> {
        self.fail_fast()?;
        let now = Instant::now();
        let mut calls = lock(&self.calls);
        self.expire(&mut calls, now);
        self.refuse_over(&calls, use_, now)
    }

    /// Counts one call for `use_`, or says how long to wait.
    pub fn reserve(&self, use_: TokenUse) -> Result<Reservation, ServerError> {
        self.fail_fast()?;
        let now = Instant::now();
        let mut calls = lock(&self.calls);
        self.expire(&mut calls, now);
        self.refuse_over(&calls, use_, now)?;
        calls.push_back(now);
        Ok(Reservation(now))
    }

    /// Gives back a call that never reached Basiq (no connection could be made).
    pub fn release(&self, r: Reservation) {
        let mut calls = lock(&self.calls);
        if let Some(i) = calls.iter().rposition(|t| *t == r.0) {
            calls.remove(i);
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

    fn expire(&self, calls: &mut VecDeque<Instant>, now: Instant) {
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.cap.window)
        {
            calls.pop_front();
        }
    }

    fn refuse_over(
        &self,
        calls: &VecDeque<Instant>,
        use_: TokenUse,
        now: Instant,
    ) -> Result<(), ServerError> {
        let limit = self.limit(use_);
        if calls.len() < limit {
            return Ok(());
        }
        // The call that must leave the window before one more fits.
        let oldest = calls.get(calls.len() - limit).copied().unwrap_or(now);
        let wait = self.cap.window.saturating_sub(now.duration_since(oldest));
        Err(ServerError::TokenRateLimited {
            retry_after: wait.as_secs().max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(max: usize, reserve: usize) -> TokenBudget {
        TokenBudget::new(TokenCallCap {
            max,
            window: Duration::from_secs(300),
            server_reserve: reserve,
        })
    }

    #[test]
    fn the_cap_refuses_with_a_wait() {
        let b = budget(2, 0);
        assert!(b.reserve(TokenUse::Client).is_ok());
        assert!(b.reserve(TokenUse::Client).is_ok());
        match b.reserve(TokenUse::Client) {
            Err(ServerError::TokenRateLimited { retry_after }) => {
                assert!((299..=300).contains(&retry_after))
            }
            other => panic!("expected a rate limit, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn clients_cannot_spend_the_server_reserve_and_unreached_calls_come_back() {
        let b = budget(3, 1);
        b.reserve(TokenUse::Client).unwrap();
        let r = b.reserve(TokenUse::Client).unwrap();
        assert!(
            b.check(TokenUse::Client).is_err(),
            "the last slot is the server's"
        );
        b.release(r);
        assert!(
            b.check(TokenUse::Client).is_ok(),
            "a call that never left is given back"
        );
        b.reserve(TokenUse::Client).unwrap();
        assert!(b.reserve(TokenUse::Server).is_ok());
        assert!(b.reserve(TokenUse::Server).is_err());
    }

    #[test]
    fn a_failure_fails_fast_for_a_moment() {
        let b = budget(10, 0);
        b.outcome(false);
        assert!(matches!(
            b.reserve(TokenUse::Client),
            Err(ServerError::Unavailable { .. })
        ));
        b.outcome(true);
        assert!(b.reserve(TokenUse::Client).is_ok());
    }
}
