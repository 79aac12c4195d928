//! `DELETE /api/session`: "Forget this browser".

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::error::ServerError;
use crate::extract::{ApiQuery, CurrentSession, SameOrigin};
use crate::openapi::{OriginRefused, UpstreamErrors};
use crate::session::{SessionState, now_unix};
use crate::state::AppState;
use bank_connect_core::api_types::ApiErrorBody;

/// `DELETE /api/session` query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForgetQuery {
    /// Also delete the Basiq user and everything Basiq holds for it (connections, accounts,
    /// transactions). The app asks the person to confirm first.
    #[serde(default)]
    delete_user: bool,
}

/// `DELETE /api/session[?delete_user=true]` → 204: revokes the session server-side (a copy of
/// the cookie stops working too), clears the cookie, and optionally deletes the Basiq user.
/// Without a valid session it still clears the cookie; `delete_user` then answers 401.
#[utoipa::path(
    delete,
    path = "/api/session",
    tag = "session",
    operation_id = "forget_session",
    params(ForgetQuery),
    security((), ("session_cookie" = [])),
    responses(
        (status = 204, description = "The session is revoked server-side (if there was one) and the cookie cleared",
            headers(("Set-Cookie" = String, description = "Clears the session cookie"))),
        (status = 400, description = "bad-request: the query is not understood", body = ApiErrorBody),
        (status = 401, description = "delete_user=true without a valid session: no-session or session-expired", body = ApiErrorBody),
        OriginRefused, UpstreamErrors,
    ),
)]
pub async fn forget(
    State(state): State<Arc<AppState>>,
    _: SameOrigin,
    CurrentSession(session): CurrentSession,
    ApiQuery(q): ApiQuery<ForgetQuery>,
) -> Result<Response, ServerError> {
    let now = now_unix();
    match session {
        SessionState::Valid(s) => {
            if q.delete_user {
                state.basiq.delete_user(&s.user).await?;
                state.host.forget_basiq_user(&s.user).await?;
                state
                    .sessions
                    .revoke_user_shared(&state.store, &s.user, now)
                    .await?;
                tracing::info!(user = %s.user, "deleted a Basiq user at the person's request");
            }
            state.sessions.revoke_shared(&state.store, &s, now).await?;
        }
        SessionState::Invalid if q.delete_user => return Err(ServerError::SessionExpired),
        SessionState::None if q.delete_user => return Err(ServerError::NoSession),
        _ => {}
    }
    let clear = HeaderValue::from_str(&state.sessions.clear_cookie()).expect("cookie is ASCII");
    Ok((
        StatusCode::NO_CONTENT,
        [
            (header::SET_COOKIE, clear),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response())
}
