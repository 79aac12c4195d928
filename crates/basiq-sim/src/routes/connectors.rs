//! `/connectors`, `/public/connectors` and `/connectors/{id}/{method}`: one row per
//! institution and method.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::extract::{Query, S, json_status};
use crate::auth::AnyToken;
use crate::connectors;
use crate::error::ApiResult;
use crate::state::Sim;
use crate::wire;

/// Adds the routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route("/connectors", get(list))
        .route("/public/connectors", get(public_list))
        .route("/connectors/{id}/{method}", get(one))
}

fn body(sim: &Sim, q: &Query, self_path: &str) -> ApiResult<Response> {
    let rows = connectors::list_connectors(&sim.directory, q.get("filter"))?;
    Ok(json_status(
        StatusCode::OK,
        wire::connectors(&rows, &sim.cfg.base_url, self_path),
    ))
}

async fn list(_: AnyToken, State(sim): S, q: Query) -> ApiResult<Response> {
    body(&sim, &q, "/connectors")
}

async fn public_list(State(sim): S, q: Query) -> ApiResult<Response> {
    body(&sim, &q, "/public/connectors")
}

async fn one(
    _: AnyToken,
    State(sim): S,
    Path((id, method)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (inst, m) = connectors::find_connector(&sim.directory, &id, &method)?;
    Ok(json_status(
        StatusCode::OK,
        wire::connector(inst, m, &sim.cfg.base_url),
    ))
}
