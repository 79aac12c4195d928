//! Our server's `/api/*`: settings, the institution directory, the client token, and the
//! connections view's routes.

use bank_connect_core::api_types::{
    AccountView, ConnectionView, RefreshStarted, TokenGrantBody, TokenRequestBody, TransactionPage,
};
use bank_connect_core::errors::{self, UserError};
use bank_connect_core::{InstitutionDirectory, PublicConfig};
use gloo_net::http::{Request, Response};

use super::{decode_list, decode_object, ok, segment, send};

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

/// The answer to `GET path` that index.html's bootstrap script asked for before the app
/// started (`window.__bcEarly[name]`, a promise of the `fetch`), taken once; `None` without
/// one (trunk's dev build, or taken already).
async fn early(name: &str, path: &str) -> Option<Result<Response, UserError>> {
    use wasm_bindgen::{JsCast, JsValue};
    let early = js_sys::Reflect::get(&web_sys::window()?.into(), &JsValue::from_str("__bcEarly"))
        .ok()?
        .dyn_into::<js_sys::Object>()
        .ok()?;
    let key = JsValue::from_str(name);
    let promise = js_sys::Reflect::get(&early, &key)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let _ = js_sys::Reflect::delete_property(&early, &key);
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await;
    Some(
        answer
            .ok()
            .and_then(|r| r.dyn_into::<web_sys::Response>().ok())
            .filter(|r| r.url().ends_with(path))
            .map(Response::from)
            .ok_or_else(errors::network_failure),
    )
}

/// `GET /api/config`: where Basiq is and which institutions to offer.
pub async fn fetch_config() -> Result<PublicConfig, UserError> {
    let response = match early("config", "/api/config").await {
        Some(response) => response?,
        None => send(Request::get("/api/config").build()).await?,
    };
    decode_object(response, PublicConfig::from_object).await
}

/// `GET /api/institutions`, conditional on the cached ETag (`etag`).
pub async fn fetch_institutions(etag: Option<&str>) -> Result<DirectoryAnswer, UserError> {
    let response = match early("institutions", "/api/institutions").await {
        // Sent before the app could read its cached ETag: the browser's HTTP cache
        // revalidated it instead, and answers 200 with the ETag of the copy it holds.
        Some(response) => response?,
        None => {
            let mut builder =
                Request::get("/api/institutions").header("Accept", "application/json");
            if let Some(tag) = etag {
                builder = builder.header("If-None-Match", tag);
            }
            send(builder.build()).await?
        }
    };
    let fresh_etag = response.headers().get("etag");
    if response.status() == 304
        || (response.ok() && etag.is_some() && fresh_etag.as_deref() == etag)
    {
        return Ok(DirectoryAnswer::NotModified);
    }
    let etag = fresh_etag;
    let directory = decode_object(response, InstitutionDirectory::from_object).await?;
    Ok(DirectoryAnswer::Fresh { directory, etag })
}

/// `POST /api/token`: a CLIENT token for this browser session's Basiq user (kept in memory only).
///
/// Embedded, the first call exchanges the host's single-use link token (from its `init`
/// message, never a URL) for the session of the host's user, and every call says `embedded`;
/// `fresh` asks for a new token instead of the server's cached copy (Basiq refused ours);
/// `new_session` (only after the person chose "Start again" on the session-ended screen)
/// starts over as a new visitor.
pub async fn fetch_token(body: &TokenRequestBody) -> Result<TokenGrantBody, UserError> {
    let request = match body.to_json() {
        Some(text) => Request::post("/api/token")
            .header("Content-Type", "application/json")
            .body(text),
        None => Request::post("/api/token").build(),
    };
    decode_object(send(request).await?, TokenGrantBody::from_object).await
}

/// `DELETE /api/session[?delete_user=true]`: this browser's session ends at the server (its
/// cookie is cleared); with `delete_user`, the Basiq user and everything held for it go too.
pub async fn forget_session(delete_user: bool) -> Result<(), UserError> {
    let url = if delete_user {
        "/api/session?delete_user=true"
    } else {
        "/api/session"
    };
    ok(Request::delete(url).build()).await.map(|_| ())
}

/// `GET /api/accounts`: the session user's accounts, numbers masked by the server.
pub async fn fetch_accounts() -> Result<Vec<AccountView>, UserError> {
    let request = Request::get("/api/accounts")
        .header("Accept", "application/json")
        .build();
    decode_list(send(request).await?, AccountView::from_object).await
}

/// `GET /api/connections`: the session user's connections.
pub async fn list_connections() -> Result<Vec<ConnectionView>, UserError> {
    let request = Request::get("/api/connections")
        .header("Accept", "application/json")
        .build();
    decode_list(send(request).await?, ConnectionView::from_object).await
}

/// `GET /api/connections/{id}/transactions?account=&limit=&next=`: one page of an account's
/// transactions, newest first, and the cursor of the next page.
pub async fn list_transactions(
    connection_id: &str,
    account_id: &str,
    limit: u32,
    next: Option<&str>,
) -> Result<TransactionPage, UserError> {
    let mut url = format!(
        "/api/connections/{}/transactions?account={}&limit={limit}",
        segment(connection_id),
        segment(account_id),
    );
    if let Some(n) = next {
        url.push_str("&next=");
        url.push_str(&segment(n));
    }
    let request = Request::get(&url)
        .header("Accept", "application/json")
        .build();
    decode_object(send(request).await?, TransactionPage::from_object).await
}

/// `POST /api/connections/{id}/refresh`: starts a refresh; the job id to follow.
pub async fn start_refresh(connection_id: &str) -> Result<String, UserError> {
    let request = Request::post(&format!(
        "/api/connections/{}/refresh",
        segment(connection_id)
    ))
    .header("Accept", "application/json")
    .build();
    let started = decode_object(send(request).await?, RefreshStarted::from_object).await?;
    Ok(started.job_id)
}

/// `DELETE /api/connections/{id}`.
pub async fn remove_connection(connection_id: &str) -> Result<(), UserError> {
    ok(Request::delete(&format!("/api/connections/{}", segment(connection_id))).build())
        .await
        .map(|_| ())
}
