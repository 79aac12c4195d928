//! Middleware: request log, CORS, injected faults, and Basiq's error envelope for every
//! non-JSON error (axum's own rejections, 404s, 405s).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::ApiError;
use crate::faults::{self, FaultKind};
use crate::state::Sim;

pub(super) fn cors(sim: &Sim) -> CorsLayer {
    let listed: Vec<HeaderValue> = sim
        .cfg
        .allow_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    let origin = AllowOrigin::predicate(move |origin, _| {
        listed.contains(origin) || is_loopback_origin(origin.as_bytes())
    });
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

/// `http://127.0.0.1[:port]`, `http://localhost[:port]` or `http://[::1][:port]`: a page on
/// the developer's own machine, never another site.
fn is_loopback_origin(origin: &[u8]) -> bool {
    let Some(rest) = std::str::from_utf8(origin)
        .ok()
        .and_then(|o| o.strip_prefix("http://"))
    else {
        return false;
    };
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|host| {
        rest.strip_prefix(host).is_some_and(|port| {
            port.is_empty()
                || port.strip_prefix(':').is_some_and(|d| {
                    (1..=5).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
                })
        })
    })
}

pub(super) async fn log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri = logged_uri(req.uri());
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

/// The request line as logged: the Consent UI's launch carries a token in its query, which
/// the log shows as `token=…`.
fn logged_uri(uri: &axum::http::Uri) -> String {
    let Some(q) = uri.query() else {
        return uri.to_string();
    };
    let q: Vec<String> = q
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("token", _)) => "token=…".to_string(),
            _ => kv.to_string(),
        })
        .collect();
    format!("{}?{}", uri.path(), q.join("&"))
}

/// Turns any non-JSON error (axum rejections, 405s) into Basiq's envelope.
pub(super) async fn envelope(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let already_rendered = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if status.as_u16() < 400 || already_rendered {
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

pub(super) async fn fault_layer(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
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

pub(super) async fn fallback() -> Response {
    ApiError::not_found("Route not found.").into_response()
}
