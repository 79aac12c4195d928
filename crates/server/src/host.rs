//! What the host's backend may do: mint link tokens for its users, with `HOST_API_SECRET`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, header};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::error::ServerError;
use crate::session::LinkTokens;
use crate::sync::lock;

/// The host backend's secret, its users and the link tokens minted for them.
pub struct HostAccess {
    secret: Option<SecretString>,
    /// Host user reference → Basiq user.
    pub users: HostUsers,
    /// Outstanding link tokens.
    pub link_tokens: LinkTokens,
}

impl HostAccess {
    /// Host access with `secret` (`None`: link tokens are off).
    pub fn new(secret: Option<SecretString>, link_tokens: LinkTokens) -> Self {
        Self {
            secret,
            users: HostUsers::default(),
            link_tokens,
        }
    }

    /// Forgets a deleted Basiq user: its host mapping and its outstanding link tokens.
    pub fn forget_basiq_user(&self, user_id: &str) {
        self.users.forget_basiq_user(user_id);
        self.link_tokens.forget_user(user_id);
    }

    /// `Ok` when the request carries `Authorization: Bearer <HOST_API_SECRET>`.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<(), ServerError> {
        let Some(secret) = &self.secret else {
            return Err(ServerError::LinkTokensDisabled);
        };
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if bool::from(
            presented
                .as_bytes()
                .ct_eq(secret.expose_secret().as_bytes()),
        ) {
            Ok(())
        } else {
            Err(ServerError::HostUnauthorized)
        }
    }
}

/// Host user reference (the host's own id for a person) → Basiq user id, for the life of the
/// process. Concurrent first requests for one reference wait for a single creation.
#[derive(Default)]
pub struct HostUsers {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<String>>>>>,
}

impl HostUsers {
    /// The Basiq user of `user_ref`, created by `create` on first use; concurrent callers for
    /// the same reference share that one creation (a failed one is not remembered).
    pub async fn get_or_create<F, Fut>(
        &self,
        user_ref: &str,
        create: F,
    ) -> Result<String, ServerError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, ServerError>>,
    {
        let slot = lock(&self.map)
            .entry(user_ref.to_owned())
            .or_default()
            .clone();
        let mut slot = slot.lock().await;
        if let Some(user) = slot.as_ref() {
            return Ok(user.clone());
        }
        let user = create().await?;
        *slot = Some(user.clone());
        Ok(user)
    }

    /// Drops every mapping to `user_id`.
    pub fn forget_basiq_user(&self, user_id: &str) {
        lock(&self.map).retain(|_, slot| {
            slot.try_lock()
                .map(|u| u.as_deref() != Some(user_id))
                .unwrap_or(true)
        });
    }
}
