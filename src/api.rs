//! HTTP clients: the backend's `/api/*`, and Basiq itself with the client token (credentials,
//! jobs and MFA answers go straight to Basiq, never through our server).
//!
//! Every failure is classified by core's [`errors`] into a [`UserError`]; nothing here logs a
//! request body, a token or an answer.

use bank_connect_core::api_types::{AccountView, TokenGrantBody};
use bank_connect_core::basiq::{Institution, Job};
use bank_connect_core::errors::{self, UserError};
use bank_connect_core::{InstitutionDirectory, PublicConfig};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// What `GET /api/institutions` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryAnswer {
    /// 304: the cached copy is current.
    NotModified,
    /// 200: a new directory and its ETag.
    Fresh {
        /// The directory.
        directory: InstitutionDirectory,
        /// Its strong ETag.
        etag: Option<String>,
    },
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, UserError> {
    let request = request.map_err(|_| errors::network_failure())?;
    request.send().await.map_err(|_| errors::network_failure())
}

async fn fail(response: Response) -> UserError {
    let status = response.status();
    let retry_after = response.headers().get("retry-after");
    let body = response.text().await.unwrap_or_default();
    errors::from_http(status, &body, retry_after.as_deref())
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, UserError> {
    if !response.ok() {
        return Err(fail(response).await);
    }
    let status = response.status();
    response
        .json::<T>()
        .await
        .map_err(|_| errors::undecodable_body(status))
}

/// `GET /api/config`: where Basiq is and which institutions to offer.
pub async fn fetch_config() -> Result<PublicConfig, UserError> {
    decode(send(Request::get("/api/config").build()).await?).await
}

/// `GET /api/institutions`, conditional on the cached ETag.
pub async fn fetch_institutions(etag: Option<&str>) -> Result<DirectoryAnswer, UserError> {
    let mut builder = Request::get("/api/institutions").header("Accept", "application/json");
    if let Some(tag) = etag {
        builder = builder.header("If-None-Match", tag);
    }
    let response = send(builder.build()).await?;
    if response.status() == 304 {
        return Ok(DirectoryAnswer::NotModified);
    }
    let etag = response.headers().get("etag");
    let directory = decode::<InstitutionDirectory>(response).await?;
    Ok(DirectoryAnswer::Fresh { directory, etag })
}

/// `POST /api/token`: a CLIENT token for this browser session's Basiq user (kept in memory only).
pub async fn fetch_token() -> Result<TokenGrantBody, UserError> {
    decode(send(Request::post("/api/token").build()).await?).await
}

/// `GET /api/accounts`: the session user's accounts, numbers masked by the server.
pub async fn fetch_accounts() -> Result<Vec<AccountView>, UserError> {
    decode(send(Request::get("/api/accounts").build()).await?).await
}

/// Where and how to reach Basiq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basiq {
    /// Base URL without a trailing slash.
    pub base: String,
}

impl Basiq {
    /// The client for `base` (from `/api/config`).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    fn get(&self, path: &str, token: &str) -> RequestBuilder {
        Request::get(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Accept", "application/json")
    }

    fn post(&self, path: &str, token: &str) -> RequestBuilder {
        Request::post(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
    }

    /// `GET /institutions/{id}`: fresh captions and status.
    pub async fn institution(&self, token: &str, id: &str) -> Result<Institution, UserError> {
        decode(send(self.get(&format!("/institutions/{id}"), token).build()).await?).await
    }

    /// `POST /users/{id}/connections` with the credentials body (built by core at the moment of
    /// sending); Basiq answers with the job to follow.
    pub async fn create_connection(
        &self,
        token: &str,
        user_id: &str,
        body: &str,
    ) -> Result<Job, UserError> {
        let request = self
            .post(&format!("/users/{user_id}/connections"), token)
            .body(body.to_string());
        decode(send(request).await?).await
    }

    /// `GET /jobs/{id}`.
    pub async fn job(&self, token: &str, job_id: &str) -> Result<Job, UserError> {
        decode(send(self.get(&format!("/jobs/{job_id}"), token).build()).await?).await
    }

    /// `POST /jobs/{id}/mfa` with `{"mfa-response": […]}`.
    pub async fn answer_mfa(&self, token: &str, job_id: &str, body: &str) -> Result<(), UserError> {
        let request = self
            .post(&format!("/jobs/{job_id}/mfa"), token)
            .body(body.to_string());
        let response = send(request).await?;
        if response.ok() {
            Ok(())
        } else {
            Err(fail(response).await)
        }
    }
}
