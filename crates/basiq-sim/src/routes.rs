//! The HTTP surface: routes, middleware (request log, CORS, faults, error envelope).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::auth::{self, Access};
use crate::error::{ApiError, ApiResult};
use crate::faults::{self, FaultKind};
use crate::institutions;
use crate::state::Sim;

type S = State<Arc<Sim>>;

/// Builds the full router with middleware.
pub fn router(sim: Arc<Sim>) -> Router {
    let mut r = Router::new()
        .route("/token", post(token))
        .route("/institutions", get(institutions_list))
        .route("/institutions/{id}", get(institution_one))
        .route("/public/institutions", get(public_institutions))
        .route("/logos/{file}", get(logo))
        .route("/forgotten-password/{id}", get(forgotten_password));
    r = crate::routes_data::add(r);
    if sim.cfg.admin {
        r = crate::routes_admin::add(r);
    }
    let r = r
        .fallback(fallback)
        .layer(middleware::from_fn(envelope))
        .layer(middleware::from_fn_with_state(sim.clone(), fault_layer))
        .layer(cors(&sim))
        .layer(middleware::from_fn(log));
    r.with_state(sim)
}

fn cors(sim: &Sim) -> CorsLayer {
    let origin = if sim.cfg.allow_origins.is_empty() {
        AllowOrigin::mirror_request()
    } else {
        AllowOrigin::list(
            sim.cfg
                .allow_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        )
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("basiq-version"),
        ])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

async fn log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let started = Instant::now();
    let resp = next.run(req).await;
    tracing::info!(
        "{} {} {} {}ms",
        method,
        uri,
        resp.status().as_u16(),
        started.elapsed().as_millis()
    );
    resp
}

/// Turns any non-JSON error (axum rejections, 405s) into Basiq's envelope.
async fn envelope(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return resp;
    }
    let err = match status {
        StatusCode::NOT_FOUND => ApiError::not_found("Route not found."),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "method-not-allowed",
            "Method not allowed",
            "Requested method is not allowed on this endpoint.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            status,
            "unsupported-content-type",
            "Unsupported content type",
            "Content type is not supported on requested endpoint.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "request-not-valid",
            "Request not valid",
            "Request Too Long",
        ),
        s if s.is_client_error() => ApiError::not_valid("Request is not valid."),
        _ => ApiError::internal("Internal server error."),
    };
    let mut e = err;
    e.status = status;
    e.into_response()
}

async fn fault_layer(State(sim): S, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/__admin") || req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    let kind = match sim.faults.lock() {
        Ok(mut rules) => faults::take(&mut rules, req.method().as_str(), &path),
        Err(_) => None,
    };
    let Some(kind) = kind else {
        return next.run(req).await;
    };
    match kind {
        FaultKind::Status {
            status,
            code,
            title,
            detail,
        } => {
            let st = StatusCode::from_u16(status)
                .ok()
                .filter(|s| (200..=599).contains(&s.as_u16()))
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut e = ApiError::new(st, &code, &title, detail);
            if st == StatusCode::TOO_MANY_REQUESTS {
                e.retry_after = Some(1);
            }
            e.into_response()
        }
        FaultKind::RateLimit { retry_after } => ApiError::too_many(retry_after).into_response(),
        FaultKind::Latency { ms } => {
            let mut stop = sim.stopping.clone();
            let wait = Duration::from_millis(ms.min(3_600_000));
            let _ = tokio::time::timeout(wait, stop.wait_for(|s| *s)).await;
            next.run(req).await
        }
        FaultKind::Hang => {
            let mut stop = sim.stopping.clone();
            let _ = tokio::time::timeout(Duration::from_secs(3600), stop.wait_for(|s| *s)).await;
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service-unavailable",
                "Service Unavailable",
                "Service is currently unavailable. Please try again later.",
            )
            .into_response()
        }
        FaultKind::Truncated => {
            let resp = next.run(req).await;
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
                .await
                .unwrap_or_default();
            let half = bytes.slice(0..bytes.len() / 2);
            parts.headers.insert(
                header::CONTENT_LENGTH,
                HeaderValue::from(bytes.len().max(2)),
            );
            let stream = futures::stream::iter(vec![
                Ok::<Bytes, std::io::Error>(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "truncated by fault",
                )),
            ]);
            Response::from_parts(parts, Body::from_stream(stream))
        }
        FaultKind::Malformed => {
            let resp = next.run(req).await;
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
                .await
                .unwrap_or_default();
            let mut cut = bytes.slice(0..bytes.len() / 2).to_vec();
            cut.extend_from_slice(b"\x00}{\"");
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Response::from_parts(parts, Body::from(cut))
        }
        FaultKind::Drop => {
            let stream = futures::stream::iter(vec![Err::<Bytes, std::io::Error>(
                std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "dropped by fault"),
            )]);
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_LENGTH, "100")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

async fn fallback() -> Response {
    ApiError::not_found("Route not found.").into_response()
}

/// JSON response with a status.
pub fn json_status(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

/// Parses the raw query into pairs.
pub fn query_pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// First value of a query parameter.
pub fn query_get(q: &[(String, String)], key: &str) -> Option<String> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

async fn token(State(sim): S, headers: HeaderMap, body: Bytes) -> Response {
    match auth::issue_token(&sim, &headers, &body) {
        Ok(v) => json_status(StatusCode::OK, v),
        Err(e) => e.into_response(),
    }
}

fn institutions_body(sim: &Sim, q: &Option<String>, self_path: &str) -> ApiResult<Value> {
    let pairs = query_pairs(q);
    let filter = query_get(&pairs, "filter");
    let data = institutions::list(&sim.directory, filter.as_deref(), &sim.cfg.base_url)?;
    Ok(
        json!({"type": "list", "totalCount": data.len(), "data": data,
        "links": {"self": format!("{}{self_path}", sim.cfg.base_url)}}),
    )
}

async fn institutions_list(
    State(sim): S,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Any)?;
    Ok(json_status(
        StatusCode::OK,
        institutions_body(&sim, &q, "/institutions")?,
    ))
}

async fn public_institutions(State(sim): S, RawQuery(q): RawQuery) -> ApiResult<Response> {
    Ok(json_status(
        StatusCode::OK,
        institutions_body(&sim, &q, "/public/institutions")?,
    ))
}

async fn institution_one(
    State(sim): S,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Any)?;
    let inst = institutions::find(&sim.directory, &id)?;
    Ok(json_status(StatusCode::OK, inst.to_json(&sim.cfg.base_url)))
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
