//! The server's Basiq client: SERVER_ACCESS token cache and the calls the server makes.

use std::time::{Duration, Instant};

use bank_connect_core::basiq::{ErrorEnvelope, Institution, List, TokenResponse};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::error::ServerError;

/// Tokens are renewed this long before they expire.
const RENEW_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A cached bearer token.
#[derive(Clone)]
struct CachedToken {
    value: SecretString,
    renew_at: Instant,
}

/// Talks to Basiq (or the simulator) with the API key, which never leaves this struct.
pub struct BasiqClient {
    http: reqwest::Client,
    base_url: String,
    version: String,
    api_key: SecretString,
    server_token: Mutex<Option<CachedToken>>,
}

impl BasiqClient {
    /// A client for `base_url` with the given key and API version.
    pub fn new(base_url: &str, version: &str, api_key: SecretString) -> Result<Self, ServerError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ServerError::Transport(e.to_string()))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            version: version.to_owned(),
            api_key,
            server_token: Mutex::new(None),
        })
    }

    /// Basiq base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Basiq API version.
    pub fn version(&self) -> &str {
        &self.version
    }

    async fn fetch_token(&self, form: &[(&str, &str)]) -> Result<TokenResponse, ServerError> {
        let response = self
            .http
            .post(format!("{}/token", self.base_url))
            .header(
                "Authorization",
                format!("Basic {}", self.api_key.expose_secret()),
            )
            .header("basiq-version", &self.version)
            .form(form)
            .send()
            .await
            .map_err(|e| ServerError::Transport(without_url(e)))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST {
            // 404: unknown key; 400: a key Basiq cannot even parse ("Invalid authorization header").
            let detail = error_detail(response).await;
            return Err(ServerError::InvalidApiKey {
                url: self.base_url.clone(),
                detail,
            });
        }
        decode(response).await
    }

    /// The SERVER_ACCESS token, fetched once and reused until 5 minutes before it expires.
    /// Concurrent callers wait for one upstream request (the lock is held while fetching).
    pub async fn server_token(&self) -> Result<SecretString, ServerError> {
        let mut slot = self.server_token.lock().await;
        if let Some(t) = slot.as_ref() {
            if Instant::now() < t.renew_at {
                return Ok(t.value.clone());
            }
        }
        let token = self.fetch_token(&[("scope", "SERVER_ACCESS")]).await?;
        let lifetime = Duration::from_secs(token.expires_in);
        let cached = CachedToken {
            value: SecretString::from(token.access_token),
            renew_at: Instant::now() + lifetime.saturating_sub(RENEW_MARGIN),
        };
        *slot = Some(cached.clone());
        Ok(cached.value)
    }

    async fn forget_server_token(&self) {
        *self.server_token.lock().await = None;
    }

    /// GET `path` with the SERVER token; an upstream "Token has expired" renews it once and retries.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ServerError> {
        for attempt in 0..2 {
            let token = self.server_token().await?;
            let response = self
                .http
                .get(format!("{}{path}", self.base_url))
                .bearer_auth(token.expose_secret())
                .send()
                .await
                .map_err(|e| ServerError::Transport(without_url(e)))?;
            match decode(response).await {
                Err(ServerError::Upstream {
                    status: 403,
                    detail,
                    ..
                }) if attempt == 0 && detail == "Token has expired" => {
                    self.forget_server_token().await;
                }
                other => return other,
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    /// Every institution Basiq lists.
    pub async fn institutions(&self) -> Result<Vec<Institution>, ServerError> {
        let list: List<Institution> = self.get_json("/institutions").await?;
        Ok(list.data)
    }
}

/// reqwest errors can carry the URL; the API base URL is not secret, but keep messages short.
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

async fn error_detail(response: reqwest::Response) -> String {
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorEnvelope>(&text) {
        Ok(env) => env
            .data
            .first()
            .map(|e| e.detail.clone().unwrap_or_else(|| e.title.clone()))
            .unwrap_or_else(|| "no detail".into()),
        Err(_) => format!(
            "unexpected answer: {}",
            text.chars().take(200).collect::<String>()
        ),
    }
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ServerError> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ServerError::Transport(without_url(e)))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| ServerError::Transport(format!("undecodable {status} answer: {e}")));
    }
    let (code, detail) = match serde_json::from_slice::<ErrorEnvelope>(&bytes) {
        Ok(env) => {
            let first = env.data.first();
            (
                first.map(|e| e.code.clone()).unwrap_or_default(),
                first
                    .map(|e| e.detail.clone().unwrap_or_else(|| e.title.clone()))
                    .unwrap_or_default(),
            )
        }
        Err(_) => (String::new(), format!("non-envelope {status} answer")),
    };
    Err(ServerError::Upstream {
        status: status.as_u16(),
        code,
        detail,
    })
}
