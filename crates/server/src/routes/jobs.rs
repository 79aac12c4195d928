//! Basiq 3.0's jobs and connections as the widget follows them: `GET /api/jobs/{id}` (polled
//! with the SERVER token, for the session user's jobs only), `POST /api/connections/refresh`
//! (all), and `GET /api/connections` with each connection's method and expiry.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bank_connect_core::api_types::ConnectionView;
use serde::Serialize;
use serde_json::json;

use super::private;
use crate::basiq::canonical_method;
use crate::error::ServerError;
use crate::extract::{ConnectionId, SameOrigin, SessionUser};
use crate::handoff::job_is_users;
use crate::state::AppState;

/// The refresh-all slot's key in the per-connection throttle.
const ALL_CONNECTIONS: &str = "*";

/// `GET /api/jobs/{id}`: Basiq's job, when it works on one of the session user's connections
/// (anyone else's, or an unknown id, is a 404).
pub async fn get(
    State(state): State<Arc<AppState>>,
    SessionUser(user): SessionUser,
    ConnectionId(id): ConnectionId,
) -> Result<Response, ServerError> {
    let job = state.basiq.job(&id).await?;
    if !job_is_users(&job, &user) {
        return Err(ServerError::NotFound);
    }
    crate::telemetry::job_seen(&job);
    Ok(private(Json(job)))
}

/// `POST /api/connections/refresh` → 202 `{job_ids}`: every connection of the user refreshed
/// (Basiq skips those that cannot be); at most once per the minimum refresh interval.
pub async fn refresh_all(
    State(state): State<Arc<AppState>>,
    _: SameOrigin,
    SessionUser(user): SessionUser,
) -> Result<Response, ServerError> {
    let slot = state
        .refreshes
        .reserve(&user, ALL_CONNECTIONS, crate::store::now_ms())
        .await?;
    let job_ids = state.basiq.refresh_all(&user).await?;
    slot.keep();
    Ok((
        StatusCode::ACCEPTED,
        private(Json(json!({ "job_ids": job_ids }))),
    )
        .into_response())
}

/// A 3.0 connection: the 2.1 view plus its method and, for open banking, when access ends.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionV3View {
    #[serde(flatten)]
    view: ConnectionView,
    /// `web` or `open-banking`.
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    /// Open banking: when the consent's data sharing ends (RFC 3339 date).
    #[serde(skip_serializing_if = "Option::is_none")]
    expiry_date: Option<String>,
}

/// `GET /api/connections` in 3.0: as in 2.1, plus `method` and `expiryDate`.
pub async fn list_v3(
    State(state): State<Arc<AppState>>,
    SessionUser(user): SessionUser,
) -> Result<Response, ServerError> {
    let list = state.basiq.connections_v3(&user).await?;
    let names = state.directory.names(&state.basiq).await;
    let views: Vec<ConnectionV3View> = list
        .into_iter()
        .map(|c| ConnectionV3View {
            method: c.method.as_deref().map(canonical_method),
            expiry_date: c.expiry_date.filter(|d| !d.is_empty()),
            view: super::connections::view_of(c.base, &names),
        })
        .collect();
    Ok(private(Json(views)))
}
