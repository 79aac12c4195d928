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
///
/// Embedded, the first call exchanges the host's single-use link token (from its `init`
/// message, never a URL) for the session of the host's user.
pub async fn fetch_token(fresh: bool) -> Result<TokenGrantBody, UserError> {
    let body = match crate::embed::link_token().await {
        Some(link_token) => Some(serde_json::json!({ "link_token": link_token })),
        // Basiq refused our token: ask the server for a new one, not its cached copy.
        None if fresh => Some(serde_json::json!({ "fresh": true })),
        None => None,
    };
    let request = match body {
        Some(body) => Request::post("/api/token").json(&body),
        None => Request::post("/api/token").build(),
    };
    decode(send(request).await?).await
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

// ---------------------------------------------------------------------------------------------
// Connections view (issue 6): the server's connection routes, and Basiq's credential update
// with the client token. Server errors (`{"code","message"}`) become core's `ActionError`,
// which keeps `Retry-After` and whether the connection needs the person's password.
// ---------------------------------------------------------------------------------------------

use bank_connect_core::api_types::{ConnectionView, RefreshStarted, TransactionPage};
use bank_connect_core::connections::{self as view_logic, ActionError};

/// A path segment for an id (ids are UUID-like; anything else cannot add segments).
fn segment(id: &str) -> String {
    String::from(js_sys::encode_uri_component(id))
}

async fn server_send(request: Result<Request, gloo_net::Error>) -> Result<Response, ActionError> {
    let response = send(request)
        .await
        .map_err(|e| ActionError::from_user_error(&e))?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let retry_after = response.headers().get("retry-after");
    let body = response.text().await.unwrap_or_default();
    Err(view_logic::from_server(
        status,
        &body,
        retry_after.as_deref(),
    ))
}

async fn server_json<T: DeserializeOwned>(
    request: Result<Request, gloo_net::Error>,
) -> Result<T, ActionError> {
    let response = server_send(request).await?;
    let status = response.status();
    response
        .json::<T>()
        .await
        .map_err(|_| ActionError::from_user_error(&errors::undecodable_body(status)))
}

/// `GET /api/connections`: the session user's connections.
pub async fn list_connections() -> Result<Vec<ConnectionView>, ActionError> {
    server_json(
        Request::get("/api/connections")
            .header("Accept", "application/json")
            .build(),
    )
    .await
}

/// `GET /api/accounts` for the connections view.
pub async fn list_accounts() -> Result<Vec<AccountView>, ActionError> {
    server_json(
        Request::get("/api/accounts")
            .header("Accept", "application/json")
            .build(),
    )
    .await
}

/// `GET /api/connections/{id}/transactions?account=&limit=&next=`: one page of an account's
/// transactions, newest first, and the cursor of the next page.
pub async fn list_transactions(
    connection_id: &str,
    account_id: &str,
    limit: u32,
    next: Option<&str>,
) -> Result<TransactionPage, ActionError> {
    let mut url = format!(
        "/api/connections/{}/transactions?account={}&limit={limit}",
        segment(connection_id),
        String::from(js_sys::encode_uri_component(account_id)),
    );
    if let Some(n) = next {
        url.push_str("&next=");
        url.push_str(&String::from(js_sys::encode_uri_component(n)));
    }
    server_json(
        Request::get(&url)
            .header("Accept", "application/json")
            .build(),
    )
    .await
}

/// `POST /api/connections/{id}/refresh`: starts a refresh; the job id to follow.
pub async fn start_refresh(connection_id: &str) -> Result<String, ActionError> {
    let started: RefreshStarted = server_json(
        Request::post(&format!(
            "/api/connections/{}/refresh",
            segment(connection_id)
        ))
        .header("Accept", "application/json")
        .build(),
    )
    .await?;
    Ok(started.job_id)
}

/// `DELETE /api/connections/{id}`.
pub async fn remove_connection(connection_id: &str) -> Result<(), ActionError> {
    server_send(Request::delete(&format!("/api/connections/{}", segment(connection_id))).build())
        .await
        .map(|_| ())
}

impl Basiq {
    /// `POST /users/{id}/connections/{connectionId}` (Basiq 2.x credential update) with the
    /// credentials body built by the form at the moment of sending; Basiq answers with a job.
    pub async fn update_connection(
        &self,
        token: &str,
        user_id: &str,
        connection_id: &str,
        body: &str,
    ) -> Result<Job, UserError> {
        let request = self
            .post(
                &format!(
                    "/users/{}/connections/{}",
                    segment(user_id),
                    segment(connection_id)
                ),
                token,
            )
            .body(body.to_string());
        decode(send(request).await?).await
    }
}
