//! Probes and what the app reads before anything else: `/healthz`, `/readyz`, `/api/config`,
//! `/api/institutions`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::directory::if_none_match_hits;
use crate::encoding::{self, Coding};
use crate::error::ServerError;
use crate::openapi::UpstreamErrors;
use crate::state::AppState;
use bank_connect_core::{config::PublicConfig, directory::InstitutionDirectory};

/// `GET /healthz`: the process answers.
pub async fn healthz() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// `GET /readyz`: a usable SERVER token is held (renewed in the background; the probe itself
/// never calls Basiq) and the store answers.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let health = match state.basiq.server_token_health().await {
        Ok(()) => state.store.health().await,
        Err(e) => Err(e),
    };
    match health {
        Ok(()) => axum::Json(json!({"status": "ready"})).into_response(),
        Err(message) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "not-ready", "message": message})),
        )
            .into_response(),
    }
}

/// `GET /api/config`: what the app needs to talk to Basiq (never a secret), plus how banks
/// are connected: `connectMode` `credentials` (2.1: the widget's own form) or `consent-ui`
/// (3.0: the hand-off to Basiq's Consent UI at `consentUiOrigin`).
#[utoipa::path(
    get,
    path = "/api/config",
    tag = "directory",
    operation_id = "config",
    responses((status = 200, description = "What the app needs to know about this deployment (never a secret)", body = PublicConfig)),
)]
pub async fn public_config(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let mut body = serde_json::to_value(&state.public_config).unwrap_or_else(|_| json!({}));
    let consent = &state.consent;
    body["connectMode"] = json!(if consent.enabled {
        "consent-ui"
    } else {
        "credentials"
    });
    body["consentUiOrigin"] = json!(consent.enabled.then_some(consent.origin.as_str()));
    ([(header::CACHE_CONTROL, "no-cache")], axum::Json(body))
}

/// `GET /api/institutions`: the compact directory with a strong ETag, brotli or gzip when the
/// client accepts it (compressed once per ETag, not per request).
#[utoipa::path(
    get,
    path = "/api/institutions",
    tag = "directory",
    operation_id = "institutions",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag of a directory the client holds")),
    responses(
        (status = 200, description = "The compact directory (in 3.0 each institution also has `methods`)", body = InstitutionDirectory,
            headers(("ETag" = String, description = "Strong ETag of this directory"))),
        (status = 304, description = "The client's copy (If-None-Match) is current",
            headers(("ETag" = String, description = "Strong ETag of this directory"))),
        UpstreamErrors,
    ),
)]
pub async fn institutions(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let body = state.directory.get(&state.basiq).await?;
    let etag = HeaderValue::from_str(&body.etag).expect("etag is ASCII");
    let hit = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| if_none_match_hits(v, &body.etag));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    if hit {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), cache, vary],
        )
            .into_response());
    }
    // Until the precompressed copies are ready, the JSON goes out as it is and the
    // compression layer compresses it on the way.
    let ready = body.compressed.get();
    let (coding, bytes) = match (encoding::preferred(&headers), ready) {
        (Coding::Brotli, Some(c)) => (Coding::Brotli, Bytes::from_owner(c.brotli.clone())),
        (Coding::Gzip, Some(c)) => (Coding::Gzip, Bytes::from_owner(c.gzip.clone())),
        _ => (Coding::Identity, Bytes::from(body.json.to_string())),
    };
    let mut response = (
        [
            (header::ETAG, etag),
            cache,
            vary,
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        bytes,
    )
        .into_response();
    if let Some(value) = coding.header() {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(value));
    }
    Ok(response)
}
