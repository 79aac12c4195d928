//! Single-use link tokens: a host's backend mints one for one of its users; the widget
//! exchanges it for a session.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::keys::random_id;
use crate::sync::lock;

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    random_id(32)
}

/// Why a link token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTokenError {
    /// Never issued, or already used.
    Unknown,
    /// Issued but past its lifetime.
    Expired,
}

/// Single-use link tokens: token → (Basiq user id, expiry).
pub struct LinkTokens {
    ttl: Duration,
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

impl LinkTokens {
    /// An empty store whose tokens live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Lifetime of new tokens.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Mints a token for `user_id`.
    pub fn mint(&self, user_id: &str, now: Instant) -> String {
        let token = random_token();
        let mut map = lock(&self.tokens);
        map.retain(|_, (_, exp)| *exp > now);
        map.insert(token.clone(), (user_id.to_owned(), now + self.ttl));
        token
    }

    /// Consumes a token: its user id, once.
    pub fn redeem(&self, token: &str, now: Instant) -> Result<String, LinkTokenError> {
        match lock(&self.tokens).remove(token) {
            Some((user, exp)) if exp > now => Ok(user),
            Some(_) => Err(LinkTokenError::Expired),
            None => Err(LinkTokenError::Unknown),
        }
    }

    /// Drops every outstanding token of `user_id` (the user was deleted).
    pub fn forget_user(&self, user_id: &str) {
        lock(&self.tokens).retain(|_, (user, _)| user != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_single_use_and_expire() {
        let store = LinkTokens::new(Duration::from_secs(60));
        let now = Instant::now();
        let t = store.mint("u1", now);
        assert_eq!(store.redeem(&t, now), Ok("u1".into()));
        assert_eq!(
            store.redeem(&t, now),
            Err(LinkTokenError::Unknown),
            "single use"
        );
        let t2 = store.mint("u2", now);
        assert_eq!(
            store.redeem(&t2, now + Duration::from_secs(61)),
            Err(LinkTokenError::Expired)
        );
        assert_ne!(random_token(), random_token());
    }
}
