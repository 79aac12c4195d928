//! The HTTP surface, one file per resource; `router` puts it together with the layers every
//! response gets.

mod accounts;
mod connections;
mod consent;
mod jobs;
mod meta;
mod session;
mod site;
mod token;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use token::LINK_TOKEN_CONTACTS;

use crate::error::ServerError;
use crate::state::AppState;

/// Largest request body accepted (JSON bodies here are tiny).
const BODY_LIMIT: usize = 16 * 1024;

/// The whole HTTP surface.
pub fn router(state: Arc<AppState>) -> Router {
    let assets = site::Assets::of(&state.site);
    let https = state.sessions.secure();
    let state_for_csp = state.clone();
    let state_timeout = state.request_timeout;
    let probes = Router::new()
        .route("/healthz", get(meta::healthz))
        .route("/readyz", get(meta::readyz));
    let app = Router::new()
        .route("/embed.js", get(site::embed_js))
        .merge(api_routes(&state))
        .route("/consent/return", get(consent::return_route))
        .merge(unsessioned_api_routes().split_for_parts().0)
        .route("/", get(site::index))
        .route("/index.html", get(site::index))
        .fallback(move |State(state): State<Arc<AppState>>, req: Request| {
            let assets = assets.clone();
            async move { site::static_or_index(state, assets, req).await }
        })
        .layer(middleware::from_fn_with_state(state.clone(), served_host))
        .layer(compression())
        .merge(probes)
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    let timeout = state_timeout;
    security_headers(app, https)
        .layer(middleware::from_fn_with_state(state_for_csp, csp))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            deadline(timeout, req, next)
        }))
        .layer(middleware::from_fn(log_request))
}

/// The `/api` routes that resolve the session, each registered from its handler's
/// `#[utoipa::path]` (the OpenAPI document's operations are these).
fn sessioned_api_routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(token::token))
        .routes(routes!(token::link_tokens))
        .routes(routes!(meta::public_config))
        .routes(routes!(meta::institutions))
        .routes(routes!(connections::list))
        .routes(routes!(jobs::refresh_all))
        .routes(routes!(jobs::get))
        .routes(routes!(consent::start))
        .routes(routes!(consent::result))
        .routes(routes!(consent::list))
        .routes(routes!(consent::revoke))
        .routes(routes!(accounts::list))
        .routes(routes!(session::forget))
        .routes(routes!(connections::delete))
        .routes(routes!(connections::refresh))
        .routes(routes!(connections::transactions))
}

/// The `/api` routes without a session: Basiq's deliveries and the document itself.
fn unsessioned_api_routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(crate::webhooks::inbound::receive))
        .routes(routes!(crate::openapi::serve))
}

/// Every documented `/api` operation (the paths of the OpenAPI document).
pub fn api_openapi() -> utoipa::openapi::OpenApi {
    sessioned_api_routes()
        .merge(unsessioned_api_routes())
        .into_openapi()
}

fn api_routes(state: &Arc<AppState>) -> Router<Arc<AppState>> {
    let (routes, _) = sessioned_api_routes().split_for_parts();
    routes
        .route("/api/{*rest}", any(api_not_found))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::session::resolve_layer,
        ))
}

/// Brotli or gzip (by `Accept-Encoding`) for any response over 1 KiB that is not compressed
/// already: the built assets come precompressed from dist/, the directory once per ETag.
/// Not below: the token answer (~570 B, mostly an incompressible JWT) is the hot path, and a
/// brotli encoder per request cut its rate to a third (33.7k → 10.9k req/s on one core).
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .compress_when(
            SizeAbove::new(1024)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE),
        )
}

/// nosniff and no referrer on every response; over HTTPS also HSTS (a year). The page's own
/// policies (no powerful features, its CSP) come with documents only: see [`csp`].
fn security_headers(app: Router, https: bool) -> Router {
    let app = if https {
        app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        app
    };
    app.layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ))
}

/// The CSP of anything that is not a page (JSON, scripts, wasm, styles, images): nothing may
/// run or load should it ever be opened as a document, nor be framed.
const NOT_A_PAGE_CSP: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");

/// A document gets the permissions policy (no camera, microphone, geolocation, payment, USB)
/// and, unless it has a CSP of its own, the CSP of the build being served; anything else (JSON,
/// scripts, wasm, styles, images) [`NOT_A_PAGE_CSP`], the page's policies meaning nothing there
/// (~550 B less on each of the page's subresources and `/api` answers, and stricter).
async fn csp(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if response.status() == StatusCode::NOT_MODIFIED {
        // Its headers update the cached response's: it keeps the policies it came with.
        return response;
    }
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            let t = t.trim_start().as_bytes();
            t.get(..9)
                .is_some_and(|m| m.eq_ignore_ascii_case(b"text/html"))
        });
    let headers = response.headers_mut();
    if is_page {
        headers.insert(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            ),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if is_page {
            state.site.current().csp.clone()
        } else {
            NOT_A_PAGE_CSP
        };
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// Ends a request that takes longer than `limit` with a JSON 503 (its upstream calls are
/// dropped with it).
async fn deadline(limit: std::time::Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ServerError::RequestTimeout.into_response(),
    }
}

/// One log line per request: method, path (never the query or headers), status, latency; and
/// the request counted by its matched route template (`unmatched` for the app's fallback).
async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let response = next.run(req).await;
    let (status, elapsed) = (response.status().as_u16(), started.elapsed());
    tracing::info!(target: "bank_connect_server::http", %method, path, status, latency_us = elapsed.as_micros() as u64);
    crate::telemetry::http_request(&route, method.as_str(), status, elapsed);
    response
}

/// Refuses a `Host` this server does not answer (probes are exempt: they use pod addresses).
async fn served_host(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    match state.origins.check_host(host) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn api_not_found() -> ServerError {
    ServerError::NotFound
}

/// A response that no cache may keep.
fn private(body: impl IntoResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], body).into_response()
}
