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
pub use js_object::{JsObject, objects, parse_js_object, parse_object};
pub use server::*;

use bank_connect_core::errors::{self, UserError};
use gloo_net::http::{Request, Response};

use crate::split::{ChunkError, call_split};

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, UserError> {
    let request = request.map_err(|_| errors::network_failure())?;
    request.send().await.map_err(|_| errors::network_failure())
}

async fn fail(response: Response) -> UserError {
    let status = response.status();
    let retry_after = response.headers().get("retry-after");
    let body = parsed(response).await;
    // A page that cannot download the classification is offline, and says so.
    call_split!(classify(status, body, retry_after)).unwrap_or_else(|_| errors::network_failure())
}

/// Core's classification of a failed answer (split point `settled`, which the page fetches once
/// the picker's list is painted, or at an earlier failure: the picker's download carries none
/// of it).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(settled, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn classify(
    status: u16,
    body: Option<wasm_bindgen::JsValue>,
    retry_after: Option<String>,
) -> Result<UserError, ChunkError> {
    let body = body.and_then(JsObject::new);
    Ok(errors::from_http_object(
        status,
        body.as_ref(),
        retry_after.as_deref(),
    ))
}

/// The answer's body as the browser parsed it (`Response.json()`: the text never crosses into
/// wasm memory); `None` when it is not JSON or could not be read.
async fn parsed(response: Response) -> Option<wasm_bindgen::JsValue> {
    let raw: web_sys::Response = response.into();
    let promise = raw.json().ok()?;
    wasm_bindgen_futures::JsFuture::from(promise).await.ok()
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

/// The answer of a request read with `read` from the JSON object the browser parsed (no
/// serde), or its classified failure; an answer that is not such an object is undecodable.
async fn decode_object<T>(
    response: Response,
    read: impl FnOnce(&JsObject) -> Option<T>,
) -> Result<T, UserError> {
    decode_parsed(response, |v| JsObject::new(v).as_ref().and_then(read)).await
}

/// The answer of a request read from the JSON array of objects the browser parsed, each with
/// `read` (no serde), or its classified failure; anything else is undecodable.
async fn decode_list<T>(
    response: Response,
    read: impl Fn(&JsObject) -> Option<T>,
) -> Result<Vec<T>, UserError> {
    decode_parsed(response, |v| {
        objects(v).and_then(|list| list.iter().map(&read).collect())
    })
    .await
}

async fn decode_parsed<T>(
    response: Response,
    read: impl FnOnce(wasm_bindgen::JsValue) -> Option<T>,
) -> Result<T, UserError> {
    if !response.ok() {
        return Err(fail(response).await);
    }
    let status = response.status();
    parsed(response)
        .await
        .and_then(read)
        .ok_or_else(|| errors::undecodable_body(status))
}

/// A path segment for an id (ids are UUID-like; anything else cannot add segments).
fn segment(id: &str) -> String {
    bank_connect_core::links::path_segment(id)
}
