//! `DELETE /api/session`: "Forget this browser".

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::error::ServerError;
use crate::extract::{CurrentSession, SameOrigin};
use crate::session::{SessionState, now_unix};
use crate::state::AppState;

/// `DELETE /api/session` query.
#[derive(Deserialize)]
pub struct ForgetQuery {
    /// Also delete the Basiq user and everything Basiq holds for it (connections, accounts,
    /// transactions). The app asks the person to confirm first.
    #[serde(default)]
    delete_user: bool,
}

/// `DELETE /api/session[?delete_user=true]` → 204: revokes the session server-side (a copy of
/// the cookie stops working too), clears the cookie, and optionally deletes the Basiq user.
/// Without a valid session it still clears the cookie; `delete_user` then answers 401.
pub async fn forget(
    State(state): State<Arc<AppState>>,
    _: SameOrigin,
    CurrentSession(session): CurrentSession,
    Query(q): Query<ForgetQuery>,
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
