//! What the host's backend may do: mint link tokens for its users, with `HOST_API_SECRET`;
//! its users' mapping to Basiq users lives in the store.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::basiq::BasiqClient;
use crate::error::ServerError;
use crate::session::LinkTokens;
use crate::store::{Claim, Store, now_ms};
use crate::sync::lock;

/// The host backend's secret, its users and the link tokens minted for them.
pub struct HostAccess {
    secret: Option<SecretString>,
    /// Host user reference → Basiq user.
    pub users: HostUsers,
    /// Outstanding link tokens.
    pub link_tokens: LinkTokens,
    store: Store,
}

impl HostAccess {
    /// Host access with `secret` (`None`: link tokens are off), its users kept in `store`.
    pub fn new(secret: Option<SecretString>, link_tokens: LinkTokens, store: Store) -> Self {
        Self {
            secret,
            users: HostUsers::new(store.clone()),
            link_tokens,
            store,
        }
    }

    /// Forgets a deleted Basiq user: its host mapping and its outstanding link tokens.
    pub async fn forget_basiq_user(&self, user_id: &str) -> Result<(), ServerError> {
        self.store.forget_basiq_user(user_id).await
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

/// The host's users, as the store keeps them: host user reference → Basiq user, created once
/// whichever replica is asked first. Concurrent first requests for one reference in this
/// process wait in memory; across replicas the store's claim decides.
pub struct HostUsers {
    store: Store,
    local: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// A claim older than this is presumed dead (its replica stopped mid-creation) and taken over.
const CLAIM_STALE_MS: i64 = 30_000;
/// How long a request waits for another replica's creation before answering 503.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(10);

/// The host these mappings belong to (one `HOST_API_SECRET` per server today).
pub const DEFAULT_HOST: &str = "default";

/// The hash of the contact details sent to `POST /users`, kept to recognise the user later.
pub fn contact_hash(email: Option<&str>, mobile: Option<&str>) -> String {
    let joined = format!("{}\0{}", email.unwrap_or(""), mobile.unwrap_or(""));
    crate::store::sha256_hex(&joined)
}

impl HostUsers {
    /// Host users kept in `store`.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            local: Mutex::new(HashMap::new()),
        }
    }

    /// The Basiq user of `user_ref`, created by `create` on first use, once. When an earlier
    /// creation's answer was lost (timeout, 5xx), the row stays `unconfirmed` and this logs
    /// it before creating anew (see docs/security.md, "Orphans").
    pub async fn get_or_create<F, Fut>(
        &self,
        user_ref: &str,
        contact: &str,
        create: F,
    ) -> Result<String, ServerError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, ServerError>>,
    {
        let slot = {
            let mut local = lock(&self.local);
            if local.len() > 10_000 {
                local.retain(|_, s| Arc::strong_count(s) > 1);
            }
            local.entry(user_ref.to_owned()).or_default().clone()
        };
        let _one_here = slot.lock().await;
        let waited = Instant::now();
        loop {
            let now = now_ms();
            let claim = self
                .store
                .claim_host_user(DEFAULT_HOST, user_ref, contact, now, now - CLAIM_STALE_MS)
                .await?;
            match claim {
                Claim::Ready(user) => return Ok(user),
                Claim::Busy if waited.elapsed() < WAIT_FOR_OTHER => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Claim::Busy => return Err(ServerError::Unavailable { retry_after: 2 }),
                Claim::Create { previous } => {
                    if let Some(p) = previous {
                        tracing::warn!(
                            user_ref,
                            since_ms = p.claimed_at,
                            "an earlier POST /users for this user_ref lost its answer and no user.created webhook has named its user yet; creating anew (Basiq may hold an unmapped, empty user created then)"
                        );
                    }
                    return self.create(user_ref, create).await;
                }
            }
        }
    }

    /// A user Basiq reports created (the `user.created` webhook). When no host user maps to it
    /// yet and a creation lost its answer, the user's email and mobile (read with the SERVER
    /// token) say which `unconfirmed` row it was made for, and that row maps to it from now on.
    /// Returns the host user reference that adopted it.
    pub async fn adopt_orphan(
        &self,
        basiq: &BasiqClient,
        basiq_user_id: &str,
    ) -> Result<Option<String>, ServerError> {
        if !self.store.any_unconfirmed_host_user().await?
            || self.store.host_user_ref(basiq_user_id).await?.is_some()
        {
            return Ok(None);
        }
        let user = match basiq.user(basiq_user_id).await {
            Ok(user) => user,
            // Gone again already: nothing to adopt.
            Err(ServerError::Upstream { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let hash = contact_hash(user.email.as_deref(), user.mobile.as_deref());
        let adopted = self
            .store
            .adopt_unconfirmed_host_user(&hash, basiq_user_id)
            .await?;
        if let Some(user_ref) = &adopted {
            tracing::info!(
                user_ref,
                "the Basiq user of a creation whose answer was lost is found (user.created) and mapped"
            );
        }
        Ok(adopted)
    }

    async fn create<F, Fut>(&self, user_ref: &str, create: F) -> Result<String, ServerError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, ServerError>>,
    {
        match create().await {
            Ok(user) => {
                self.store
                    .finish_host_user(DEFAULT_HOST, user_ref, &user)
                    .await?;
                Ok(user)
            }
            Err(e) => {
                // Refused outright (4xx): nothing was created. Otherwise it may have been.
                let unconfirmed = e.is_retryable();
                self.store
                    .abandon_host_user(DEFAULT_HOST, user_ref, unconfirmed)
                    .await?;
                Err(e)
            }
        }
    }
}
