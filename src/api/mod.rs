//! HTTP clients: our server's `/api/*` ([`server`]), and Basiq itself with the client token
//! ([`Basiq`]; credentials, jobs and MFA answers go straight to Basiq, never through our
//! server).
//!
//! One helper stack for both: every failure is classified by core's [`errors::from_http`] into
//! a [`UserError`] (our server's `{code, message}` and Basiq's error envelope alike); nothing here
//! logs a request body, a token or an answer.

mod basiq;
mod consent;
mod js_object;
mod server;

pub use basiq::Basiq;
pub use consent::*;
pub use js_object::{JsObject, parse_object};
pub use server::*;

use bank_connect_core::errors::{self, UserError};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

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

/// The answer of a request, or its classified failure.
async fn ok(request: Result<Request, gloo_net::Error>) -> Result<Response, UserError> {
    let response = send(request).await?;
    if response.ok() {
        Ok(response)
    } else {
        Err(fail(response).await)
    }
}

/// The decoded JSON answer of a request, or its classified failure.
async fn json<T: DeserializeOwned>(
    request: Result<Request, gloo_net::Error>,
) -> Result<T, UserError> {
    decode(send(request).await?).await
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, UserError> {
    if !response.ok() {
        return Err(fail(response).await);
    }
    let status = response.status();
    // As bytes, copied into wasm memory in one go: a body read as text crosses into wasm as a
    // JS string, one character at a time (37 ms for the directory with the CPU slowed ×4).
    let body = response
        .binary()
        .await
        .map_err(|_| errors::undecodable_body(status))?;
    serde_json::from_slice::<T>(&body).map_err(|_| errors::undecodable_body(status))
}

/// The answer of a request read with `read` from the JSON object the browser parsed (no
/// serde), or its classified failure; an answer that is not such an object is undecodable.
async fn decode_object<T>(
    response: Response,
    read: impl FnOnce(&JsObject) -> Option<T>,
) -> Result<T, UserError> {
    if !response.ok() {
        return Err(fail(response).await);
    }
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|_| errors::undecodable_body(status))?;
    parse_object(&text)
        .as_ref()
        .and_then(read)
        .ok_or_else(|| errors::undecodable_body(status))
}

/// A path segment for an id (ids are UUID-like; anything else cannot add segments).
fn segment(id: &str) -> String {
    bank_connect_core::links::path_segment(id)
}
