//! When the app renews its in-memory CLIENT token: shortly before `expires_in` runs out, so a
//! request never leaves with a token about to expire. Time is a parameter (Unix milliseconds).

/// A token's lifetime as the app tracks it (never the token itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenClock {
    /// When `/api/token` answered.
    pub issued_at_ms: u64,
    /// `expires_in` of the answer, in seconds.
    pub expires_in_secs: u64,
}

/// The most a token is renewed ahead of its expiry.
pub const RENEW_MARGIN_MAX_MS: u64 = 60_000;

impl TokenClock {
    /// When the token expires.
    pub fn expires_at_ms(&self) -> u64 {
        self.issued_at_ms
            .saturating_add(self.expires_in_secs.saturating_mul(1000))
    }

    /// When to renew: a tenth of the lifetime before expiry, at most a minute before.
    pub fn renew_at_ms(&self) -> u64 {
        let ttl = self.expires_in_secs.saturating_mul(1000);
        let margin = (ttl / 10).min(RENEW_MARGIN_MAX_MS);
        self.expires_at_ms().saturating_sub(margin)
    }

    /// True when a request at `now_ms` should first get a new token.
    pub fn needs_renewal(&self, now_ms: u64) -> bool {
        now_ms >= self.renew_at_ms() || now_ms < self.issued_at_ms
    }

    /// Milliseconds from `now_ms` until the renewal is due (0 when due).
    pub fn renew_in_ms(&self, now_ms: u64) -> u64 {
        self.renew_at_ms().saturating_sub(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_token_is_renewed_a_minute_early() {
        let t = TokenClock {
            issued_at_ms: 1_000,
            expires_in_secs: 3600,
        };
        assert_eq!(t.expires_at_ms(), 3_601_000);
        assert_eq!(t.renew_at_ms(), 3_541_000);
        assert!(!t.needs_renewal(3_540_999));
        assert!(t.needs_renewal(3_541_000));
        assert_eq!(t.renew_in_ms(3_000_000), 541_000);
        assert_eq!(t.renew_in_ms(4_000_000), 0);
    }

    #[test]
    fn a_short_token_is_renewed_a_tenth_early() {
        let t = TokenClock {
            issued_at_ms: 0,
            expires_in_secs: 5,
        };
        assert_eq!(t.renew_at_ms(), 4_500);
        assert!(!t.needs_renewal(4_000));
        assert!(t.needs_renewal(4_600));
    }

    #[test]
    fn a_clock_that_went_backwards_or_a_zero_lifetime_renews() {
        let t = TokenClock {
            issued_at_ms: 10_000,
            expires_in_secs: 3600,
        };
        assert!(t.needs_renewal(9_000));
        let zero = TokenClock {
            issued_at_ms: 10_000,
            expires_in_secs: 0,
        };
        assert!(zero.needs_renewal(10_000));
        let huge = TokenClock {
            issued_at_ms: u64::MAX - 5,
            expires_in_secs: u64::MAX,
        };
        assert_eq!(huge.expires_at_ms(), u64::MAX);
        assert_eq!(huge.renew_at_ms(), u64::MAX - RENEW_MARGIN_MAX_MS);
    }
}
