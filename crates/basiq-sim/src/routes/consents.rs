//! `/users/{user}/consents` (3.0): list, and delete (irreversible; deletes the consent's
//! connections).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};

use super::extract::{S, json_status, no_route, store};
use crate::auth::{AnyToken, ServerToken};
use crate::error::ApiResult;
use crate::state::Sim;
use crate::wire;

/// Adds the routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route("/users/{user}/consents", get(list))
        .route("/users/{user}/consents/{consent}", delete(remove))
}

async fn list(token: AnyToken, State(sim): S, Path(user): Path<String>) -> ApiResult<Response> {
    if !token.v3() {
        return Err(no_route());
    }
    token.for_user(&user)?;
    let (st, ctx) = store(&sim)?;
    let list = st.consents_of(&user)?;
    Ok(json_status(
        StatusCode::OK,
        wire::consents(&list, &user, ctx.base),
    ))
}

async fn remove(
    token: ServerToken,
    State(sim): S,
    Path((user, consent)): Path<(String, String)>,
) -> ApiResult<Response> {
    if !token.v3() {
        return Err(no_route());
    }
    let (mut st, ctx) = store(&sim)?;
    st.revoke_consent(&ctx, &user, &consent)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
