//! Single-use link tokens: a host's backend mints one for one of its users; the widget
//! exchanges it for a session. Only a SHA-256 of each token is stored, and the store decides
//! single use (one conditional update), so any replica may redeem it, once.

use std::time::Duration;

use super::keys::random_id;
use crate::error::ServerError;
use crate::store::Store;

pub use crate::store::LinkTokenError;

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    random_id(32)
}

/// The stored form of a token.
fn hash(token: &str) -> String {
    crate::store::sha256_hex(token)
}

/// Link tokens: minted into the store, redeemed from it.
pub struct LinkTokens {
    ttl: Duration,
    store: Store,
}

impl LinkTokens {
    /// Tokens in `store` that live `ttl`.
    pub fn new(ttl: Duration, store: Store) -> Self {
        Self { ttl, store }
    }

    /// Lifetime of new tokens.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Mints a token for `user_id` at `now` (Unix ms).
    pub async fn mint(&self, user_id: &str, now: i64) -> Result<String, ServerError> {
        let token = random_token();
        let expires = now + self.ttl.as_millis() as i64;
        self.store
            .insert_link_token(&hash(&token), user_id, expires)
            .await?;
        Ok(token)
    }

    /// Consumes a token at `now`: its user id, once.
    pub async fn redeem(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Result<String, LinkTokenError>, ServerError> {
        self.store.redeem_link_token(&hash(token), now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Location;

    #[tokio::test]
    async fn link_tokens_are_single_use_and_expire() {
        let store = Store::open(&Location::Memory).await.unwrap();
        let tokens = LinkTokens::new(Duration::from_secs(60), store);
        let now = 1_000_000;
        let t = tokens.mint("u1", now).await.unwrap();
        assert_eq!(tokens.redeem(&t, now).await.unwrap(), Ok("u1".into()));
        assert_eq!(
            tokens.redeem(&t, now).await.unwrap(),
            Err(LinkTokenError::Unknown),
            "single use"
        );
        let t2 = tokens.mint("u2", now).await.unwrap();
        assert_eq!(
            tokens.redeem(&t2, now + 61_000).await.unwrap(),
            Err(LinkTokenError::Expired)
        );
        assert_ne!(random_token(), random_token());
        assert_eq!(hash("abc").len(), 64, "only a hash is stored");
    }
}
