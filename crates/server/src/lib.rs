//! bank-connect-server: holds the Basiq API key, serves the institution directory and the app.
//!
//! `start(config)` binds, (in sandbox mode) starts the Basiq simulator in-process, checks the
//! API key, and serves until the returned handle is stopped or dropped.

pub mod basiq;
pub mod config;
pub mod directory;
pub mod error;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bank_connect_core::PublicConfig;
use secrecy::SecretString;
use serde_json::json;
use tokio::sync::oneshot;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::Config;
pub use error::ServerError;

use basiq::BasiqClient;
use directory::{DirectoryCache, DirectoryFilter, if_none_match_hits};
use web::{CspInputs, Site};

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

    let basiq = BasiqClient::new(&basiq_url, &config.basiq_version, api_key)?;
    match basiq.server_token().await {
        Ok(_) => {}
        Err(e @ ServerError::InvalidApiKey { .. }) => return Err(e),
        Err(e) => {
            tracing::warn!(error = %e, "could not get a Basiq token at start; will retry on demand")
        }
    }

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
        },
        directory: DirectoryCache::new(config.institutions_ttl(), filter),
        basiq,
        site,
    });

    let app = router(state);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
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

/// The whole HTTP surface.
pub fn router(state: Arc<AppState>) -> Router {
    let csp = HeaderValue::from_str(&state.site.csp).expect("CSP is a valid header value");
    let assets = ServeDir::new(&state.site.dist).append_index_html_on_directories(false);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/config", get(public_config))
        .route("/api/institutions", get(institutions))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .route("/", get(index))
        .route("/index.html", get(index))
        .fallback(move |State(state): State<Arc<AppState>>, req: Request| {
            let assets = assets.clone();
            async move { static_or_index(state, assets, req).await }
        })
        .with_state(state)
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
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
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

async fn api_not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": {"code": "not-found", "message": "No such API route."}})),
    )
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
