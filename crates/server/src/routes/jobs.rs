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

use super::private;
use crate::basiq::canonical_method;
use crate::error::ServerError;
use crate::extract::{ConnectionId, SameOrigin, SessionUser};
use crate::handoff::job_is_users;
use crate::openapi::{OriginRefused, SessionRequired, UpstreamErrors};
use crate::state::AppState;
use bank_connect_core::api_types::ApiErrorBody;

/// The refresh-all slot's key in the per-connection throttle.
const ALL_CONNECTIONS: &str = "*";

/// `GET /api/jobs/{id}`: Basiq's job, when it works on one of the session user's connections
/// (anyone else's, or an unknown id, is a 404).
#[utoipa::path(
    get,
    path = "/api/jobs/{id}",
    tag = "connections",
    operation_id = "job",
    params(("id" = String, Path, description = "A Basiq job on one of the session user's connections")),
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Basiq's job as Basiq answers it", body = JobView),
        (status = 404, description = "not-found: not a job of this user's connections", body = ApiErrorBody),
        SessionRequired, UpstreamErrors,
    ),
)]
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
#[utoipa::path(
    post,
    path = "/api/connections/refresh",
    tag = "connections",
    operation_id = "refresh_all",
    security(("session_cookie" = [])),
    responses(
        (status = 202, description = "The refreshes started: follow their jobs", body = RefreshAllStarted),
        (status = 429, description = "refresh-too-soon: all were refreshed less than MIN_REFRESH_INTERVAL ago; rate-limited: too many requests", body = ApiErrorBody),
        SessionRequired, OriginRefused, UpstreamErrors,
    ),
)]
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
        private(Json(RefreshAllStarted { job_ids })),
    )
        .into_response())
}

/// `POST /api/connections/refresh` answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RefreshAllStarted {
    /// One Basiq job per connection refreshed.
    job_ids: Vec<String>,
}

/// A Basiq job as `GET /api/jobs/{id}` passes it on (Basiq's own JSON; the fields the widget
/// reads).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct JobView {
    /// Job id.
    id: String,
    /// Its steps, in order.
    steps: Vec<JobStepView>,
}

/// One step of a Basiq job.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct JobStepView {
    /// `verify-credentials`, `retrieve-accounts`, …
    title: String,
    /// `pending`, `in-progress`, `success`, `failed`.
    status: String,
    /// What the step produced: a link, or the failure (`code`, `title`, `detail`).
    #[schema(value_type = Option<Object>)]
    result: Option<serde_json::Value>,
}

/// A connection: the 2.1 view plus, in 3.0, its method and, for open banking, when access
/// ends.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionV3View {
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
