//! Routes that need no user: `/token`, the institution directory, logos and the
//! institutions' forgotten-password pages.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::extract::{Query, json_status};
use crate::auth::{self, AnyToken};
use crate::error::{ApiError, ApiResult};
use crate::institutions;
use crate::state::Sim;
use crate::wire;

use super::extract::S;

/// Adds the routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route("/token", post(token))
        .route("/institutions", get(institutions_list))
        .route("/institutions/{id}", get(institution_one))
        .route("/public/institutions", get(public_institutions))
        .route("/logos/{file}", get(logo))
        .route("/forgotten-password/{id}", get(forgotten_password))
}

async fn token(State(sim): S, headers: HeaderMap, body: Bytes) -> Response {
    match auth::issue_token(&sim, &headers, &body) {
        Ok(v) => json_status(StatusCode::OK, v),
        Err(e) => e.into_response(),
    }
}

fn institutions_body(sim: &Sim, q: &Query, self_path: &str) -> ApiResult<Response> {
    let items = institutions::list(&sim.directory, q.get("filter"))?;
    Ok(json_status(
        StatusCode::OK,
        wire::institutions(&items, &sim.cfg.base_url, self_path),
    ))
}

async fn institutions_list(_: AnyToken, State(sim): S, q: Query) -> ApiResult<Response> {
    institutions_body(&sim, &q, "/institutions")
}

async fn public_institutions(State(sim): S, q: Query) -> ApiResult<Response> {
    institutions_body(&sim, &q, "/public/institutions")
}

async fn institution_one(
    _: AnyToken,
    State(sim): S,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let inst = institutions::find(&sim.directory, &id)?;
    Ok(json_status(
        StatusCode::OK,
        wire::institution(inst, &sim.cfg.base_url),
    ))
}

async fn logo(State(sim): S, Path(file): Path<String>) -> ApiResult<Response> {
    let stem = file
        .strip_suffix(".svg")
        .ok_or_else(|| ApiError::not_found("Logo not found."))?;
    let (id, full) = match stem.strip_suffix("-full") {
        Some(id) => (id, true),
        None => (stem, false),
    };
    let inst = sim
        .directory
        .iter()
        .find(|i| i.id == id)
        .ok_or_else(|| ApiError::not_found("Logo not found."))?;
    let svg = institutions::logo_svg(inst, full);
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            // Pages may read its size (Resource Timing), as a CDN's logos allow.
            (
                header::HeaderName::from_static("timing-allow-origin"),
                HeaderValue::from_static("*"),
            ),
        ],
        svg,
    )
        .into_response())
}

async fn forgotten_password(State(sim): S, Path(id): Path<String>) -> ApiResult<Response> {
    let inst = sim
        .directory
        .iter()
        .find(|i| i.id == id && i.forgotten_password)
        .ok_or_else(|| ApiError::not_found("Page not found."))?;
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        institutions::forgotten_password_html(inst),
    )
        .into_response())
}
