//! bank-connect-server: holds the Basiq API key, serves the institution directory and the app.
//!
//! `start(config)` binds, (in sandbox mode) starts the Basiq simulator in-process, checks the
//! API key, and serves until the returned handle is stopped or dropped.

pub mod api;
pub mod basiq;
pub mod config;
pub mod directory;
pub mod error;
pub mod session;
pub mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use bank_connect_core::PublicConfig;
use secrecy::SecretString;
use serde_json::json;
use tokio::sync::oneshot;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::Config;
pub use error::ServerError;

use basiq::{BasiqClient, Timeouts, TokenCallCap};
use directory::{DirectoryCache, DirectoryFilter, if_none_match_hits};
use session::{LinkTokens, SessionKeys};
use web::{CspInputs, Site};

/// Largest request body accepted (JSON bodies here are tiny).
const BODY_LIMIT: usize = 16 * 1024;

/// Shared state of the running server.
pub struct AppState {
    /// Client for Basiq (or the simulator).
    pub basiq: BasiqClient,
    /// The institution directory cache.
    pub directory: DirectoryCache,
    /// What `/api/config` answers.
    pub public_config: PublicConfig,
    /// The built app.
    pub site: Site,
    /// Signs and verifies session cookies.
    pub sessions: SessionKeys,
    /// Outstanding link tokens.
    pub link_tokens: LinkTokens,
    /// Host user reference → Basiq user id.
    pub host_users: Mutex<HashMap<String, String>>,
    /// The host backend's secret for `/api/link-tokens`.
    pub host_api_secret: Option<SecretString>,
    /// Origins allowed besides our own.
    pub allowed_origins: Vec<String>,
    /// Whether cookies are marked Secure.
    pub secure_cookies: bool,
    /// True once Basiq answered a token request.
    pub ready: AtomicBool,
    /// Minimum time between refreshes of one connection.
    pub min_refresh_interval: Duration,
    /// Connection id → when its last refresh was started here.
    pub last_refresh: Mutex<HashMap<String, Instant>>,
}

/// A running server; dropping it stops it (and the in-process simulator, if any).
pub struct RunningServer {
    addr: SocketAddr,
    basiq_url: String,
    sandbox: Option<basiq_sim::SimHandle>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// The Basiq base URL in use.
    pub fn basiq_url(&self) -> &str {
        &self.basiq_url
    }
    /// The in-process simulator in sandbox mode.
    pub fn sandbox(&self) -> Option<&basiq_sim::SimHandle> {
        self.sandbox.as_ref()
    }
    /// Stops serving and waits for in-flight requests.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the server described by `config`.
pub async fn start(config: Config) -> Result<RunningServer, ServerError> {
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.bind,
        source,
    })?;

    let (sandbox, basiq_url, api_key) = match &config.basiq_api_key {
        Some(key) => {
            let url = config
                .basiq_api_url
                .clone()
                .unwrap_or_else(|| config::BASIQ_PRODUCTION_URL.to_owned());
            (None, url, key.clone())
        }
        None => {
            let key = uuid::Uuid::new_v4().simple().to_string();
            let sim = basiq_sim::Simulator::builder()
                .api_key(key.clone())
                .speed(config.sandbox_speed)
                .token_ttl(Duration::from_secs(config.sandbox_token_ttl))
                .admin(config.sandbox_admin)
                .spawn()
                .await?;
            tracing::info!(
                url = sim.base_url(),
                "sandbox mode: no BASIQ_API_KEY, using the built-in Basiq simulator"
            );
            let url = sim.base_url().to_owned();
            (Some(sim), url, SecretString::from(key))
        }
    };

    let basiq = BasiqClient::new(
        &basiq_url,
        &config.basiq_version,
        api_key,
        TokenCallCap {
            max: config.token_call_cap,
            window: Duration::from_secs(300),
        },
        Timeouts {
            connect: Duration::from_millis(config.upstream_connect_timeout_ms),
            total: Duration::from_millis(config.upstream_timeout_ms),
            ..Timeouts::default()
        },
    )?;
    let ready = match basiq.server_token().await {
        Ok(_) => true,
        Err(e @ ServerError::InvalidApiKey { .. }) => return Err(e),
        Err(e) => {
            tracing::warn!(error = %e, "could not get a Basiq token at start; /readyz stays 503 until one succeeds");
            false
        }
    };
    let session_secret = config.session_secret.clone().unwrap_or_else(|| {
        tracing::warn!("SESSION_SECRET is not set: using a random one, so sessions end when the server restarts");
        SessionKeys::random_secret()
    });

    let filter = DirectoryFilter {
        service_types: config.service_types.clone(),
        countries: config.countries.clone(),
        hide_test_banks: config.hide_test_banks,
    };
    let basiq_origin = web::origin_of(&basiq_url);
    let site = Site::load(
        &config.dist_dir,
        &CspInputs {
            basiq_origin: &basiq_origin,
            frame_ancestors: &config.allowed_origins,
        },
    );
    let state = Arc::new(AppState {
        public_config: PublicConfig {
            basiq_url: basiq_url.clone(),
            basiq_version: config.basiq_version.clone(),
            service_types: config.service_types.clone(),
            countries: config.countries.clone(),
            allowed_parent_origins: config.allowed_origins.clone(),
            sandbox: sandbox.is_some(),
            min_refresh_interval_secs: config.min_refresh_interval,
        },
        directory: DirectoryCache::new(config.institutions_ttl(), filter),
        basiq,
        site,
        sessions: SessionKeys::new(session_secret),
        link_tokens: LinkTokens::new(Duration::from_secs(config.link_token_ttl)),
        host_users: Mutex::new(HashMap::new()),
        host_api_secret: config.host_api_secret.clone(),
        allowed_origins: config.allowed_origins.clone(),
        secure_cookies: config.secure_cookies,
        ready: AtomicBool::new(ready),
        min_refresh_interval: Duration::from_secs(config.min_refresh_interval),
        last_refresh: Mutex::new(HashMap::new()),
    });

    let app = router(state, config.token_rate_per_ip);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "server stopped with an error");
        }
    });
    Ok(RunningServer {
        addr,
        basiq_url,
        sandbox,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The whole HTTP surface. `token_rate_per_ip` limits `/api/token` and `/api/link-tokens`
/// per client IP (0 = no limit).
pub fn router(state: Arc<AppState>, token_rate_per_ip: u32) -> Router {
    let csp = HeaderValue::from_str(&state.site.csp).expect("CSP is a valid header value");
    let assets = ServeDir::new(&state.site.dist)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip();
    let mut token_routes = Router::new()
        .route("/api/token", post(api::token))
        .route("/api/link-tokens", post(api::link_tokens));
    if let Some(period) = 1000u32.checked_div(token_rate_per_ip) {
        let period_ms = u64::from(period.max(1));
        let governor = tower_governor::governor::GovernorConfigBuilder::default()
            .per_millisecond(period_ms)
            .burst_size(token_rate_per_ip.saturating_mul(3))
            .use_headers()
            .finish()
            .expect("a valid rate limit");
        token_routes = token_routes.layer(tower_governor::GovernorLayer::new(governor).error_handler(|e| {
            let mut response = e.into_response();
            let wait = response.headers().get(header::RETRY_AFTER).cloned();
            let body = json!({"code": "rate-limited", "message": "Too many requests from this address. Wait a moment and try again."});
            *response.body_mut() = body.to_string();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            if wait.is_none() {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            response.map(Body::new)
        }));
    }
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(
            state
                .allowed_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE])
        .allow_credentials(true)
        .max_age(Duration::from_secs(600));
    let api = Router::new()
        .route("/api/config", get(public_config))
        .route("/api/institutions", get(institutions))
        .route("/api/connections", get(api::connections))
        .route("/api/accounts", get(api::accounts))
        .route("/api/connections/{id}", delete(api::delete_connection))
        .route("/api/connections/{id}/refresh", post(api::refresh))
        .route("/api/connections/{id}/transactions", get(api::transactions))
        .merge(token_routes)
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .layer(cors);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/embed.js", get(embed_js))
        .merge(api)
        .route("/", get(index))
        .route("/index.html", get(index))
        .fallback(move |State(state): State<Arc<AppState>>, req: Request| {
            let assets = assets.clone();
            async move { static_or_index(state, assets, req).await }
        })
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            ),
        ))
        .layer(middleware::from_fn(log_request))
}

/// One log line per request: method, path (never the query or headers), status, latency.
async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    tracing::info!(target: "bank_connect_server::http", %method, path, status = response.status().as_u16(), latency_us = started.elapsed().as_micros() as u64);
    response
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if !state.ready.load(Ordering::Relaxed) {
        match state.basiq.server_token().await {
            Ok(_) => state.ready.store(true, Ordering::Relaxed),
            Err(e) => {
                let (status, message) = match e {
                    ServerError::InvalidApiKey { .. } => (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Basiq rejected BASIQ_API_KEY",
                    ),
                    _ => (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Basiq has not answered yet",
                    ),
                };
                return (
                    status,
                    axum::Json(json!({"status": "not-ready", "message": message})),
                )
                    .into_response();
            }
        }
    }
    axum::Json(json!({"status": "ready"})).into_response()
}

/// The host-side script: served to other origins, revalidated every few minutes.
const EMBED_JS: &str = include_str!("../assets/embed.js");

async fn embed_js(headers: HeaderMap) -> Response {
    static ETAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let etag = ETAG.get_or_init(|| directory::etag_of(EMBED_JS.as_bytes()));
    let etag_value = HeaderValue::from_str(etag).expect("etag is ASCII");
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    let corp = (
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    let hit = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| if_none_match_hits(v, etag));
    if hit {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), cache, corp],
        )
            .into_response();
    }
    let content_type = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    (
        [(header::ETAG, etag_value), cache, corp, content_type],
        EMBED_JS,
    )
        .into_response()
}

async fn healthz() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

async fn public_config(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        axum::Json(state.public_config.clone()),
    )
}

async fn institutions(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let body = state.directory.get(&state.basiq).await?;
    let etag = HeaderValue::from_str(&body.etag).expect("etag is ASCII");
    let hit = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| if_none_match_hits(v, &body.etag));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if hit {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag),
            cache,
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body.json.to_string(),
    )
        .into_response())
}

async fn api_not_found() -> ServerError {
    ServerError::NotFound
}

async fn index(State(state): State<Arc<AppState>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        state.site.index_html.clone(),
    )
        .into_response()
}

async fn static_or_index(state: Arc<AppState>, assets: ServeDir, req: Request) -> Response {
    use tower::ServiceExt;
    let wants_page = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    match assets.oneshot(req).await {
        Ok(res) if res.status() != StatusCode::NOT_FOUND => {
            let mut res = res.map(Body::new);
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            res
        }
        // Client-side routes get the app; anything else a plain 404.
        _ if wants_page => index(State(state)).await,
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
