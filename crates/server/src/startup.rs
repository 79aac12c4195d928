//! `start(config)`: bind, (in sandbox mode) start the simulator in-process, check the API key,
//! build the shared state, serve until the returned handle is stopped or dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bank_connect_core::PublicConfig;
use bank_connect_core::config::ConnectMode;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::basiq::{BasiqClient, Timeouts, TokenCallCap};
use crate::config::{self, Config};
use crate::directory::{DirectoryCache, DirectoryFilter};
use crate::error::ServerError;
use crate::handoff::{ConsentUi, Handoffs};
use crate::host::HostAccess;
use crate::limits::Limits;
use crate::origin::OriginPolicy;
use crate::serve::{ConnectionLimits, serve};
use crate::session::{LinkTokens, SessionKeys, Sessions};
use crate::state::AppState;
use crate::store::Store;
use crate::throttle::RefreshThrottle;
use crate::web::{self, CspInputs, Site, Source};

/// A running server; dropping it stops it (and the in-process simulator, if any).
pub struct RunningServer {
    addr: SocketAddr,
    basiq_url: String,
    sandbox: Option<basiq_sim::SimHandle>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    upkeep: tokio::task::JoinHandle<()>,
    metrics: Option<MetricsListener>,
}

/// The `/metrics` listener, when `METRICS_BIND` is set.
struct MetricsListener {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
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
    /// The bound address of the `/metrics` listener, when there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|m| m.addr)
    }
    /// Stops serving and waits for in-flight requests.
    pub async fn stop(mut self) {
        self.upkeep.abort();
        if let Some(mut m) = self.metrics.take() {
            if let Some(tx) = m.shutdown.take() {
                let _ = tx.send(());
            }
            let _ = m.task.await;
        }
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
        self.upkeep.abort();
        if let Some(tx) = self.metrics.as_mut().and_then(|m| m.shutdown.take()) {
            let _ = tx.send(());
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Basiq as configured: the real one with the key, or a simulator started here.
struct Upstream {
    sandbox: Option<basiq_sim::SimHandle>,
    url: String,
    api_key: SecretString,
}

async fn upstream(config: &Config, own_origin: &str) -> Result<Upstream, ServerError> {
    if let Some(key) = &config.basiq_api_key {
        let url = config
            .basiq_api_url
            .clone()
            .unwrap_or_else(|| config::BASIQ_PRODUCTION_URL.to_owned());
        return Ok(Upstream {
            sandbox: None,
            url,
            api_key: key.clone(),
        });
    }
    let key = uuid::Uuid::new_v4().simple().to_string();
    let sim = basiq_sim::Simulator::builder()
        .api_key(key.clone())
        .speed(config.sandbox_speed)
        .institutions(config.sandbox_institutions)
        .token_ttl(Duration::from_secs(config.sandbox_token_ttl))
        .admin(config.sandbox_admin)
        // The widget calls the simulator from the server's own origin; loopback origins
        // (`trunk serve`) are allowed by the simulator's default too.
        .allow_origin(own_origin)
        .redirect_url(format!("{own_origin}{}", config::CONSENT_RETURN_PATH))
        .allow_multiple_connections(config.sandbox_multiple_connections)
        .spawn()
        .await?;
    tracing::info!(
        url = sim.base_url(),
        "sandbox mode: no BASIQ_API_KEY, using the built-in Basiq simulator"
    );
    if let Some(token) = sim.admin_token() {
        // Printed once, to the terminal, not through the log.
        println!("sandbox admin token for the simulator's /__admin/* routes: {token}");
    }
    Ok(Upstream {
        url: sim.base_url().to_owned(),
        sandbox: Some(sim),
        api_key: SecretString::from(key),
    })
}

/// Binds the `/metrics` listener (before anything is recorded, so the recorder sees it all).
async fn bind_metrics(config: &Config) -> Result<Option<TcpListener>, ServerError> {
    let Some(addr) = config.metrics_bind else {
        return Ok(None);
    };
    crate::telemetry::handle();
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    Ok(Some(listener))
}

/// Serves `GET /metrics` on `listener`.
fn serve_metrics(
    listener: Option<TcpListener>,
    state: &Arc<AppState>,
    limits: ConnectionLimits,
) -> Option<MetricsListener> {
    let listener = listener?;
    let addr = listener.local_addr().ok()?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = crate::telemetry::router(state.clone());
    tracing::info!(%addr, "serving /metrics");
    Some(MetricsListener {
        addr,
        shutdown: Some(tx),
        task: tokio::spawn(serve(listener, app, limits, rx)),
    })
}

/// Starts the server described by `config`.
pub async fn start(config: Config) -> Result<RunningServer, ServerError> {
    let metrics_listener = bind_metrics(&config).await?;
    let location = config.store_location().map_err(ServerError::StoreStart)?;
    let store = Store::open(&location).await?;
    tracing::info!(store = store.describe(), "store open");
    if store.single_process() {
        store.release_claims().await?;
    }
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.bind,
        source,
    })?;
    let own_origin = config
        .public_origin
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let upstream = upstream(&config, own_origin.trim_end_matches('/')).await?;
    let basiq = BasiqClient::new(
        &upstream.url,
        &config.basiq_version,
        upstream.api_key.clone(),
        TokenCallCap {
            max: config.token_call_cap,
            window: Duration::from_secs(300),
            server_reserve: config.server_token_reserve.min(config.token_call_cap - 1),
        },
        Timeouts {
            connect: Duration::from_millis(config.upstream_connect_timeout_ms),
            total: Duration::from_millis(config.upstream_timeout_ms),
            ..Timeouts::default()
        },
        store.clone(),
    )?;
    if let Err(e) = basiq.server_token().await {
        if matches!(e, ServerError::InvalidApiKey { .. }) {
            return Err(e);
        }
        tracing::warn!(error = %e, "could not get a Basiq token at start; /readyz stays 503 until one succeeds");
    }
    let hooks = webhook_settings(&config, &basiq, &upstream, addr).await?;
    let state = Arc::new(app_state(&config, basiq, &upstream, store, hooks));
    state
        .sessions
        .revocations
        .sync(&state.store, crate::session::now_unix())
        .await?;
    let upkeep = {
        let (a, b) = (state.clone(), state.clone());
        tokio::spawn(async move {
            tokio::join!(upkeep(a), crate::webhooks::outbound::run(b));
        })
    };
    let app = crate::routes::router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let limits = ConnectionLimits {
        max_connections: config.max_connections.max(1),
        header_read_timeout: Duration::from_secs(config.header_read_timeout_secs.max(1)),
        drain: Duration::from_secs(10),
    };
    let metrics = serve_metrics(metrics_listener, &state, limits);
    let task = tokio::spawn(serve(listener, app, limits, rx));
    Ok(RunningServer {
        addr,
        basiq_url: upstream.url,
        sandbox: upstream.sandbox,
        shutdown: Some(tx),
        task: Some(task),
        upkeep,
        metrics,
    })
}

/// Background work: keeps the SERVER token fresh (so `/readyz` reads its state and requests
/// never wait for a renewal) and prunes the rate limiters' memory.
async fn upkeep(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        state.basiq.keep_server_token_fresh().await;
        let now = crate::session::now_unix();
        if let Err(e) = state.sessions.revocations.sync(&state.store, now).await {
            tracing::warn!(error = %e, "could not read revocations from the store; retrying shortly");
        }
        ticks += 1;
        if ticks.is_multiple_of(30) {
            state.limits.prune();
            let keep = Duration::from_secs(config_keep(&state));
            if let Err(e) = state.store.prune(crate::store::now_ms(), keep).await {
                tracing::warn!(error = %e, "could not prune the store; retrying later");
            }
            if let Err(e) = state
                .consent
                .handoffs
                .prune(crate::session::now_unix())
                .await
            {
                tracing::warn!(error = %e, "could not prune hand-offs; retrying later");
            }
        }
    }
}

/// How long expired rows stay: a day, or the refresh interval when longer.
fn config_keep(state: &AppState) -> u64 {
    state.public_config.min_refresh_interval_secs.max(24 * 3600)
}

/// The webhook settings; in sandbox mode without `BASIQ_WEBHOOK_SECRET` the server subscribes
/// its own `/api/webhooks/basiq` to the simulator and verifies with that secret.
async fn webhook_settings(
    config: &Config,
    basiq: &BasiqClient,
    upstream: &Upstream,
    addr: SocketAddr,
) -> Result<crate::webhooks::Settings, ServerError> {
    let settings = config
        .webhooks
        .settings()
        .map_err(ServerError::WebhookSetup)?;
    if upstream.sandbox.is_none() || settings.basiq_secret.is_some() {
        return Ok(settings);
    }
    let ip = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    let url = format!(
        "http://{}/api/webhooks/basiq",
        SocketAddr::new(ip, addr.port())
    );
    let registration = crate::webhooks::register::ensure(basiq, &url).await?;
    let secret = bank_connect_core::webhooks::Secret::parse(&registration.secret)
        .map_err(|e| ServerError::WebhookSetup(e.to_string()))?;
    tracing::info!(url, "sandbox mode: subscribed to the simulator's webhooks");
    Ok(settings.with_basiq_secret(secret))
}

fn app_state(
    config: &Config,
    basiq: BasiqClient,
    upstream: &Upstream,
    store: Store,
    webhooks: crate::webhooks::Settings,
) -> AppState {
    if config.session_secret.is_empty() {
        tracing::warn!(
            "SESSION_SECRET is not set: using a random one, so sessions end when the server restarts"
        );
    }
    let keys = SessionKeys::rotating(config.session_secret.clone());
    let filter = DirectoryFilter {
        service_types: config.service_types.clone(),
        countries: config.countries.clone(),
        hide_test_banks: config.hide_test_banks,
        consent_ui: config.consent_ui(),
    };
    let consent = consent_ui(config, upstream, store.clone());
    let site = Site::load(
        Source::choose(config.dist_dir.as_deref()),
        &CspInputs {
            basiq_origin: &web::origin_of(&upstream.url),
            frame_ancestors: &config.allowed_origins,
            consent_origin: consent.enabled.then_some(consent.origin.as_str()),
        },
    );
    AppState {
        public_config: PublicConfig {
            basiq_url: upstream.url.clone(),
            basiq_version: config.basiq_version.clone(),
            service_types: config.service_types.clone(),
            countries: config.countries.clone(),
            allowed_parent_origins: config.allowed_origins.clone(),
            sandbox: upstream.sandbox.is_some(),
            min_refresh_interval_secs: config.min_refresh_interval,
            connect_mode: if consent.enabled {
                ConnectMode::ConsentUi
            } else {
                ConnectMode::Credentials
            },
            consent_ui_origin: consent.enabled.then(|| consent.origin.clone()),
        },
        directory: Arc::new(DirectoryCache::new(config.institutions_ttl(), filter)),
        basiq: Arc::new(basiq),
        site,
        sessions: Sessions::new(keys, config.session_times(), config.secure())
            .with_anonymous(config.anonymous_sessions),
        host: HostAccess::new(
            config.host_api_secret.clone(),
            LinkTokens::new(Duration::from_secs(config.link_token_ttl), store.clone()),
            store.clone(),
        ),
        origins: OriginPolicy::new(
            config.public_origin.clone(),
            config.secure(),
            config.bind.ip().is_loopback(),
        ),
        refreshes: RefreshThrottle::new(
            Duration::from_secs(config.min_refresh_interval),
            store.clone(),
        ),
        limits: Limits::new(config),
        request_timeout: Duration::from_secs(config.request_timeout_secs.max(1)),
        consent,
        store,
        webhooks,
    }
}

/// Basiq's Consent UI as configured: `CONSENT_UI_URL`, else the simulator's in sandbox, else
/// Basiq's own.
fn consent_ui(config: &Config, upstream: &Upstream, store: Store) -> ConsentUi {
    let base = match (&config.consent_ui_url, &upstream.sandbox) {
        (Some(url), _) => url.clone(),
        (None, Some(sim)) => format!("{}/consent", sim.base_url()),
        (None, None) => config::BASIQ_CONSENT_UI_URL.to_owned(),
    };
    let base = base.trim_end_matches('/').to_owned();
    ConsentUi {
        enabled: config.consent_ui(),
        origin: web::origin_of(&base),
        base,
        handoffs: Handoffs::new(&config.session_secret, store),
    }
}
