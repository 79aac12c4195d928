//! The server's Basiq client: the API key (which never leaves this struct), token caches with
//! single-flight, the `/token` budget, retries with full-jitter backoff. The SERVER token is
//! renewed in the background ([`BasiqClient::keep_server_token_fresh`]), so `/readyz` only
//! reads its state.

mod budget;
mod v3;
mod webhooks;
mod wire;

pub use budget::{TokenCallCap, TokenUse};
pub use v3::{canonical_method, institutions_v3};
pub use wire::urlencode;

use std::collections::HashMap;
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};

use bank_connect_core::basiq::{
    Account, Connection, Institution, Job, List, TokenResponse, Transaction, User,
};
use rand::Rng;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use budget::TokenBudget;
use tokio::sync::Mutex;
use wire::{decode, envelope_of, seg, transport};

use crate::coalesce::Coalesced;
use crate::error::ServerError;
use crate::sync::lock;
use crate::telemetry;

/// The metrics label of a `/token` call's use.
fn use_label(use_: TokenUse) -> &'static str {
    match use_ {
        TokenUse::Server => "server",
        TokenUse::Client => "client",
    }
}

/// Tokens are renewed this long before they expire.
pub const RENEW_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Retries of an idempotent call after a timeout or a 5xx.
const MAX_RETRIES: u32 = 3;

/// A cached bearer token.
#[derive(Clone)]
struct CachedToken {
    value: SecretString,
    fetched_at: Instant,
    expires_at: Instant,
}

impl CachedToken {
    fn usable(&self, now: Instant) -> bool {
        now + RENEW_MARGIN < self.expires_at
    }
}

/// A token handed to the browser.
pub struct TokenGrant {
    /// The CLIENT_ACCESS JWT.
    pub access_token: SecretString,
    /// Seconds left until it expires.
    pub expires_in: u64,
}

/// Timeouts and retry pacing.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// Whole request.
    pub total: Duration,
    /// First retry backoff ceiling (doubles per retry, full jitter).
    pub backoff: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(1),
            total: Duration::from_secs(5),
            backoff: Duration::from_millis(100),
        }
    }
}

/// Talks to Basiq (or the simulator).
pub struct BasiqClient {
    http: reqwest::Client,
    base_url: String,
    version: String,
    api_key: SecretString,
    timeouts: Timeouts,
    budget: TokenBudget,
    server_token: Mutex<Option<CachedToken>>,
    /// Why the last SERVER token attempt failed (`None` after a success).
    server_failure: SyncMutex<Option<String>>,
    client_tokens: SyncMutex<HashMap<String, Arc<Mutex<Option<CachedToken>>>>>,
    account_reads: Coalesced<Vec<Account>>,
    connection_reads: Coalesced<Vec<Connection>>,
}

impl BasiqClient {
    /// A client for `base_url` with the given key and API version.
    pub fn new(
        base_url: &str,
        version: &str,
        api_key: SecretString,
        cap: TokenCallCap,
        timeouts: Timeouts,
        store: crate::store::Store,
    ) -> Result<Self, ServerError> {
        let http = reqwest::Client::builder()
            .timeout(timeouts.total)
            .connect_timeout(timeouts.connect)
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| ServerError::Transport(e.to_string()))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            version: version.to_owned(),
            api_key,
            timeouts,
            budget: TokenBudget::new(cap, store),
            server_token: Mutex::new(None),
            server_failure: SyncMutex::new(None),
            client_tokens: SyncMutex::new(HashMap::new()),
            account_reads: Coalesced::default(),
            connection_reads: Coalesced::default(),
        })
    }

    /// `Ok` when a CLIENT token could be fetched now: checked before a user is created for one.
    pub async fn check_client_budget(&self) -> Result<(), ServerError> {
        self.budget.check(TokenUse::Client).await
    }

    async fn fetch_token(
        &self,
        use_: TokenUse,
        form: &[(&str, &str)],
    ) -> Result<CachedToken, ServerError> {
        let reservation = self.budget.reserve(use_).await;
        telemetry::token_cap(use_label(use_), reservation.is_ok());
        let reservation = reservation?;
        let started = Instant::now();
        let sent = self
            .http
            .post(format!("{}/token", self.base_url))
            .header(
                "Authorization",
                format!("Basic {}", self.api_key.expose_secret()),
            )
            .header("basiq-version", &self.version)
            .form(form)
            .send()
            .await;
        let outcome = sent
            .as_ref()
            .map_or("transport", |r| telemetry::outcome_of(r.status().as_u16()));
        telemetry::upstream_call("POST", "/token", outcome, started.elapsed());
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                if e.is_connect() {
                    self.budget.release(reservation).await;
                }
                self.budget.outcome(false);
                return Err(transport(e));
            }
        };
        let status = response.status();
        if status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST {
            // 404: unknown key; 400: a key Basiq cannot even parse ("Invalid authorization header").
            let (_, detail) = envelope_of(&response.bytes().await.unwrap_or_default());
            return Err(ServerError::InvalidApiKey {
                url: self.base_url.clone(),
                detail,
            });
        }
        let decoded = decode::<TokenResponse>(status, response).await;
        self.budget
            .outcome(!matches!(&decoded, Err(e) if e.is_retryable()));
        let token = decoded?;
        Ok(CachedToken {
            value: SecretString::from(token.access_token),
            fetched_at: Instant::now(),
            expires_at: started + Duration::from_secs(token.expires_in),
        })
    }

    /// The SERVER_ACCESS token, reused until 5 minutes before it expires; concurrent callers
    /// wait for one upstream request.
    pub async fn server_token(&self) -> Result<SecretString, ServerError> {
        let mut slot = self.server_token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| t.usable(Instant::now())) {
            telemetry::token_cache("server", true);
            return Ok(t.value.clone());
        }
        telemetry::token_cache("server", false);
        let token = self.fetch_server_token().await?;
        *slot = Some(token.clone());
        Ok(token.value)
    }

    async fn fetch_server_token(&self) -> Result<CachedToken, ServerError> {
        let fetched = self
            .fetch_token(TokenUse::Server, &[("scope", "SERVER_ACCESS")])
            .await;
        *lock(&self.server_failure) = fetched.as_ref().err().map(|e| match e {
            ServerError::InvalidApiKey { .. } => "Basiq rejected BASIQ_API_KEY".to_owned(),
            _ => "Basiq has not answered a token request".to_owned(),
        });
        fetched
    }

    /// Renews the SERVER token when it is within a minute of needing renewal, so requests
    /// never wait for it (the token in hand stays in use until the new one arrives); the
    /// server's background task calls this every few seconds.
    pub async fn keep_server_token_fresh(&self) {
        let soon = Instant::now() + Duration::from_secs(60);
        let due = self
            .server_token
            .lock()
            .await
            .as_ref()
            .is_none_or(|t| !t.usable(soon));
        if !due {
            return;
        }
        match self.fetch_server_token().await {
            Ok(token) => *self.server_token.lock().await = Some(token),
            Err(e) => {
                tracing::warn!(error = %e, "could not renew the SERVER token; retrying shortly")
            }
        }
    }

    /// `Ok` while a usable SERVER token is held; why not otherwise (for `/readyz`).
    pub async fn server_token_health(&self) -> Result<(), String> {
        let usable = self
            .server_token
            .lock()
            .await
            .as_ref()
            .is_some_and(|t| t.usable(Instant::now()));
        if usable {
            Ok(())
        } else {
            Err(lock(&self.server_failure)
                .clone()
                .unwrap_or_else(|| "Basiq has not answered a token request".into()))
        }
    }

    async fn forget_server_token(&self) {
        *self.server_token.lock().await = None;
    }

    /// Drops the cached CLIENT token of `user_id` when it is older than a second (so a
    /// burst of "fresh" requests still makes one upstream call).
    pub async fn forget_client_token(&self, user_id: &str) {
        let slot = lock(&self.client_tokens).get(user_id).cloned();
        if let Some(slot) = slot {
            let mut slot = slot.lock().await;
            if slot
                .as_ref()
                .is_some_and(|t| t.fetched_at.elapsed() >= Duration::from_secs(1))
            {
                *slot = None;
            }
        }
    }

    /// A CLIENT_ACCESS token bound to `user_id`, cached per user like the server token.
    pub async fn client_token(&self, user_id: &str) -> Result<TokenGrant, ServerError> {
        let slot = {
            let mut map = lock(&self.client_tokens);
            if map.len() > 100_000 {
                let now = Instant::now();
                map.retain(|_, s| {
                    s.try_lock()
                        .map(|t| t.as_ref().is_some_and(|t| t.usable(now)))
                        .unwrap_or(true)
                });
            }
            map.entry(user_id.to_owned()).or_default().clone()
        };
        let mut slot = slot.lock().await;
        let now = Instant::now();
        let cached = slot.as_ref().filter(|t| t.usable(now));
        telemetry::token_cache("client", cached.is_some());
        let token = match cached {
            Some(t) => t.clone(),
            None => {
                let t = self
                    .fetch_token(
                        TokenUse::Client,
                        &[("scope", "CLIENT_ACCESS"), ("userId", user_id)],
                    )
                    .await?;
                *slot = Some(t.clone());
                t
            }
        };
        Ok(TokenGrant {
            expires_in: token.expires_at.saturating_duration_since(now).as_secs(),
            access_token: token.value,
        })
    }

    /// A SERVER-token call; "Token has expired" renews the token once and retries; idempotent
    /// methods are retried up to 3 times after a timeout or 5xx with full-jitter backoff.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        json: Option<&serde_json::Value>,
    ) -> Result<T, ServerError> {
        let idempotent = matches!(method, Method::GET | Method::DELETE | Method::HEAD);
        let mut renewed = false;
        let mut attempt = 0;
        loop {
            let token = self.server_token().await?;
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.base_url))
                .bearer_auth(token.expose_secret())
                .header("Accept", "application/json");
            if let Some(body) = json {
                request = request.json(body);
            }
            let started = Instant::now();
            let sent = request.send().await;
            let label = sent
                .as_ref()
                .map_or("transport", |r| telemetry::outcome_of(r.status().as_u16()));
            telemetry::upstream_call(method.as_str(), path, label, started.elapsed());
            let outcome = match sent {
                Ok(response) => decode(response.status(), response).await,
                Err(e) => Err(transport(e)),
            };
            match outcome {
                Err(ServerError::Upstream {
                    status: 403,
                    ref detail,
                    ..
                }) if !renewed && detail == "Token has expired" => {
                    renewed = true;
                    self.forget_server_token().await;
                }
                // A retried DELETE whose first answer was lost finds the resource gone: done.
                Err(ServerError::Upstream { status: 404, .. })
                    if method == Method::DELETE && attempt > 0 =>
                {
                    return serde_json::from_value(serde_json::Value::Null)
                        .map_err(|e| ServerError::Transport(e.to_string()));
                }
                Err(ref e) if idempotent && attempt < MAX_RETRIES && e.is_retryable() => {
                    attempt += 1;
                    let ceiling = self.timeouts.backoff * 2u32.pow(attempt - 1);
                    let pause = rand::rng().random_range(0..=ceiling.as_millis() as u64);
                    tracing::debug!(path, attempt, pause_ms = pause, "retrying Basiq call");
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                other => return other,
            }
        }
    }

    /// Every institution Basiq lists.
    pub async fn institutions(&self) -> Result<Vec<Institution>, ServerError> {
        Ok(self
            .call::<List<Institution>>(Method::GET, "/institutions", None)
            .await?
            .data)
    }

    /// Creates a Basiq user.
    pub async fn create_user(
        &self,
        email: Option<&str>,
        mobile: Option<&str>,
    ) -> Result<User, ServerError> {
        let mut body = serde_json::Map::new();
        if let Some(e) = email {
            body.insert("email".into(), e.into());
        }
        if let Some(m) = mobile {
            body.insert("mobile".into(), m.into());
        }
        self.call(
            Method::POST,
            "/users",
            Some(&serde_json::Value::Object(body)),
        )
        .await
    }

    /// A Basiq user (its email and mobile), read with the SERVER token.
    pub async fn user(&self, id: &str) -> Result<User, ServerError> {
        self.call(Method::GET, &format!("/users/{}", seg(id)), None)
            .await
    }

    /// The user's connections (concurrent calls for one user share one upstream request).
    pub async fn connections(&self, user: &str) -> Result<Arc<Vec<Connection>>, ServerError> {
        self.connection_reads
            .get(user, || async {
                Ok(self
                    .call::<List<Connection>>(
                        Method::GET,
                        &format!("/users/{}/connections", seg(user)),
                        None,
                    )
                    .await?
                    .data)
            })
            .await
    }

    /// One connection of the user (404 when it is not theirs).
    pub async fn connection(&self, user: &str, id: &str) -> Result<Connection, ServerError> {
        self.call(
            Method::GET,
            &format!("/users/{}/connections/{}", seg(user), seg(id)),
            None,
        )
        .await
    }

    /// The user's accounts (concurrent calls for one user share one upstream request).
    pub async fn accounts(&self, user: &str) -> Result<Arc<Vec<Account>>, ServerError> {
        self.account_reads
            .get(user, || async {
                Ok(self
                    .call::<List<Account>>(
                        Method::GET,
                        &format!("/users/{}/accounts", seg(user)),
                        None,
                    )
                    .await?
                    .data)
            })
            .await
    }

    /// A page of the user's transactions matching `filter`.
    pub async fn transactions(
        &self,
        user: &str,
        filter: &str,
        limit: u32,
        next: Option<&str>,
    ) -> Result<List<Transaction>, ServerError> {
        let mut path = format!(
            "/users/{}/transactions?limit={limit}&filter={}",
            seg(user),
            urlencode(filter)
        );
        if let Some(n) = next {
            path.push_str(&format!("&next={}", urlencode(n)));
        }
        self.call(Method::GET, &path, None).await
    }

    /// Starts a refresh job for one connection.
    pub async fn refresh(&self, user: &str, id: &str) -> Result<Job, ServerError> {
        self.call(
            Method::POST,
            &format!("/users/{}/connections/{}/refresh", seg(user), seg(id)),
            None,
        )
        .await
    }

    /// Deletes a user and everything Basiq holds for it; an already deleted user is fine.
    pub async fn delete_user(&self, user: &str) -> Result<(), ServerError> {
        let deleted = self
            .call::<serde_json::Value>(Method::DELETE, &format!("/users/{}", seg(user)), None)
            .await;
        lock(&self.client_tokens).remove(user);
        match deleted {
            Ok(_) | Err(ServerError::Upstream { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes a connection.
    pub async fn delete_connection(&self, user: &str, id: &str) -> Result<(), ServerError> {
        self.call::<serde_json::Value>(
            Method::DELETE,
            &format!("/users/{}/connections/{}", seg(user), seg(id)),
            None,
        )
        .await
        .map(|_| ())
    }
}
