//! basiq-sim: a Basiq 2.1 and 3.0 API simulator, with the 3.0 Consent UI.
//!
//! `Simulator::builder()…spawn().await` starts it on a loopback port and returns a handle that
//! stops the server when dropped. The simulator defines its own wire types on purpose: it must
//! not share serde structs with the client, or one bug would hide on both sides.

#![warn(missing_docs)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, watch};

pub mod auth;
pub mod connectors;
pub mod consent_ui;
mod directory_data;
pub mod error;
pub mod faults;
pub mod filter;
pub mod institutions;
pub mod personas;
mod routes;
pub mod state;
pub mod store;
pub mod webhooks;
pub mod wire;

pub use faults::{FaultKind, FaultRule};

use state::{Clock, Config, Sim};

/// Errors starting the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Requested address.
        addr: SocketAddr,
        /// OS error.
        source: std::io::Error,
    },
}

/// Entry point: `Simulator::builder()`.
pub struct Simulator;

impl Simulator {
    /// A builder with the defaults: key `sim-api-key`, seed 0, speed 1, token TTL 3600 s, port 0.
    #[must_use]
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder {
            api_key: "sim-api-key".into(),
            seed: 0,
            speed: 1.0,
            token_ttl: Duration::from_secs(3600),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            institutions: 0,
            allow_origins: Vec::new(),
            admin: false,
            admin_token: None,
            faults: Vec::new(),
            token_limit: 1500,
            token_window: Duration::from_secs(300),
            dashboard: state::Dashboard::default(),
            switches: state::Switches::default(),
        }
    }
}

/// Settings of a simulator to start.
#[derive(Debug, Clone)]
pub struct SimulatorBuilder {
    api_key: String,
    seed: u64,
    speed: f64,
    token_ttl: Duration,
    bind: SocketAddr,
    institutions: usize,
    allow_origins: Vec<String>,
    admin: bool,
    admin_token: Option<String>,
    faults: Vec<FaultRule>,
    token_limit: usize,
    token_window: Duration,
    dashboard: state::Dashboard,
    switches: state::Switches,
}

impl SimulatorBuilder {
    /// The API key `/token` accepts (sent verbatim as `Authorization: Basic <key>`).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }
    /// Seed for deterministic data.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Time scale of job steps: 1 is realistic, 50 is fifty times faster.
    #[must_use]
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }
    /// Lifetime of issued tokens.
    #[must_use]
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }
    /// Address to listen on (default `127.0.0.1:0`).
    #[must_use]
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }
    /// Adds `n` synthetic institutions (ids `AU50000`…) on top of the directory.
    #[must_use]
    pub fn institutions(mut self, n: usize) -> Self {
        self.institutions = n;
        self
    }
    /// Allows this CORS origin (call again for more) besides loopback origins
    /// (`http://127.0.0.1:*`, `http://localhost:*`, `http://[::1]:*`), the only ones by default.
    #[must_use]
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allow_origins.push(origin.into());
        self
    }
    /// Serves the `/__admin/*` routes (faults, token expiry, connection invalidation). They
    /// take `application/json` only and need `Authorization: Bearer <admin token>`: a random
    /// one per start ([`SimHandle::admin_token`]) unless [`Self::admin_token`] sets it.
    #[must_use]
    pub fn admin(mut self, enabled: bool) -> Self {
        self.admin = enabled;
        self
    }
    /// The admin routes' bearer token (turns the admin routes on).
    #[must_use]
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin = true;
        self.admin_token = Some(token.into());
        self
    }
    /// Installs a fault rule from the start.
    #[must_use]
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }
    /// `/token` rate limit (default 1,500 per 5 minutes, as Basiq).
    #[must_use]
    pub fn token_rate_limit(mut self, limit: usize, window: Duration) -> Self {
        self.token_limit = limit;
        self.token_window = window;
        self
    }

    /// Consent UI: the Redirect URL (a dashboard setting at Basiq); `jobId`, `jobIds` and
    /// `state` are appended. Without one the person lands on a simulator page.
    #[must_use]
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.dashboard.redirect_url = Some(url.into());
        self
    }
    /// Consent UI: the organisation's name on the consent pages.
    #[must_use]
    pub fn organisation(mut self, name: impl Into<String>) -> Self {
        self.dashboard.organisation = name.into();
        self
    }
    /// Consent UI: consent duration in days (default 365).
    #[must_use]
    pub fn consent_duration_days(mut self, days: u64) -> Self {
        self.dashboard.consent_days = days.clamp(1, 36_500);
        self
    }
    /// Consent UI: "Allow multiple connections".
    #[must_use]
    pub fn allow_multiple_connections(mut self, on: bool) -> Self {
        self.dashboard.allow_multiple = on;
        self
    }
    /// Consent UI: "Skip success screen".
    #[must_use]
    pub fn skip_success_screen(mut self, on: bool) -> Self {
        self.dashboard.skip_success = on;
        self
    }
    /// Consent UI: "Skip error screen".
    #[must_use]
    pub fn skip_error_screen(mut self, on: bool) -> Self {
        self.dashboard.skip_error = on;
        self
    }
    /// Test switch: new consents expire in `days` instead of the consent duration.
    #[must_use]
    pub fn consents_expire_in_days(mut self, days: u64) -> Self {
        self.switches.consent_expires_in_days = Some(days);
        self
    }
    /// Test switch: Hooli OB's data holder declines every authorisation.
    #[must_use]
    pub fn holder_declines(mut self, on: bool) -> Self {
        self.switches.holder_declines = on;
        self
    }
    /// Test switch: the person abandons at the bank (connection left `pre-init`, no redirect).
    #[must_use]
    pub fn abandon_at_bank(mut self, on: bool) -> Self {
        self.switches.abandon_at_bank = on;
        self
    }

    /// Starts the server and returns its handle.
    pub async fn spawn(self) -> Result<SimHandle, SimError> {
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|source| SimError::Bind {
                addr: self.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: self.bind,
            source,
        })?;
        let base_url = format!("http://{addr}");
        let (stop_tx, stop_rx) = watch::channel(false);
        let seed_s = self.seed.to_string();
        let admin_token = self.admin.then(|| {
            self.admin_token
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
        });
        let sim = Arc::new(Sim {
            cfg: Config {
                api_key: self.api_key.clone(),
                seed: self.seed,
                speed: self.speed,
                token_ttl: self.token_ttl,
                base_url: base_url.clone(),
                allow_origins: self.allow_origins.clone(),
                admin: self.admin,
                admin_token: admin_token.clone(),
                dashboard: self.dashboard.clone(),
            },
            jwt_key: state::det_uuid(
                self.seed,
                &["jwt-key", &self.api_key, &uuid::Uuid::new_v4().to_string()],
            )
            .into_bytes(),
            partner_id: state::det_uuid(0, &["partner", &self.api_key]),
            application_id: state::det_uuid(0, &["application", &self.api_key, &seed_s]),
            token_epoch: AtomicU64::new(0),
            token_limiter: Mutex::new(auth::RateLimiter::new(self.token_limit, self.token_window)),
            directory: institutions::build_directory(self.seed, self.institutions),
            store: Mutex::new(store::Store::new(self.seed, self.speed)),
            faults: Mutex::new(self.faults.clone()),
            clock: Clock::new(self.speed),
            switches: Mutex::new(self.switches.clone()),
            consent_sessions: Mutex::new(consent_ui::Sessions::default()),
            webhooks: Mutex::new(webhooks::Webhooks::default()),
            stopping: stop_rx,
        });
        tokio::spawn(webhooks::run(sim.clone()));
        let app = routes::router(sim.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = rx.await;
                let _ = stop_tx.send(true);
            })
            .await;
        });
        Ok(SimHandle {
            addr,
            base_url,
            api_key: self.api_key,
            admin_token,
            sim,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running simulator; dropping it stops the server.
pub struct SimHandle {
    addr: SocketAddr,
    base_url: String,
    api_key: String,
    admin_token: Option<String>,
    sim: Arc<Sim>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The API key it accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
    /// The admin routes' bearer token (`None` when they are off).
    pub fn admin_token(&self) -> Option<&str> {
        self.admin_token.as_deref()
    }
    /// Test look-up: the id of every user the simulator holds, sorted.
    pub fn user_ids(&self) -> Vec<String> {
        self.sim
            .store
            .lock()
            .map(|s| s.user_ids())
            .unwrap_or_default()
    }
    /// Makes every token issued so far expired (403 "Token has expired").
    pub fn expire_all_tokens(&self) {
        self.sim.token_epoch.fetch_add(1, Ordering::SeqCst);
    }
    /// Adds a fault rule.
    pub fn add_fault(&self, rule: FaultRule) {
        if let Ok(mut f) = self.sim.faults.lock() {
            f.push(rule);
        }
    }
    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        if let Ok(mut f) = self.sim.faults.lock() {
            f.clear();
        }
    }
    /// Marks every connection made with this login id as `invalid` (password changed at the
    /// bank); returns how many connections changed.
    pub fn invalidate_connections_of(&self, login_id: &str) -> usize {
        self.sim
            .store
            .lock()
            .map(|mut s| s.invalidate_login(login_id))
            .unwrap_or(0)
    }
    /// Money arrives at the bank for this login id (negative: leaves): the first account of each
    /// of its connections shows the new balance and a "Deposit" transaction after the next
    /// refresh, not before (the data Basiq holds is what it last fetched).
    pub fn bank_deposit(&self, login_id: &str, cents: i64) {
        if let Ok(mut s) = self.sim.store.lock() {
            s.bank_deposit(login_id, cents);
        }
    }
    /// Test switch: the user's active consent (and its open-banking connections) expire in
    /// `days`; false when the user has no active consent.
    pub fn consent_expires_in(&self, user_id: &str, days: u64) -> bool {
        self.with_store(|s, ctx| s.consent_expires_in(ctx, user_id, days))
            .unwrap_or(false)
    }
    /// Test switch: every active consent of the user is revoked from the bank's side (its
    /// connections are deleted); returns how many.
    pub fn revoke_consents_at_bank(&self, user_id: &str) -> usize {
        self.with_store(|s, ctx| s.revoke_at_bank(ctx, user_id))
            .unwrap_or(0)
    }
    /// Test switch: the next `n` webhook delivery attempts count as failed (they are sent, and
    /// whatever the receiver answers is taken as a failure, so they are retried).
    pub fn fail_webhook_deliveries(&self, n: u32) {
        if let Ok(mut w) = self.sim.webhooks.lock() {
            w.fail_next = n;
        }
    }
    /// Test switch: Hooli OB's data holder declines (or stops declining).
    pub fn set_holder_declines(&self, on: bool) {
        if let Ok(mut s) = self.sim.switches.lock() {
            s.holder_declines = on;
        }
    }
    /// Test switch: the Consent UI stops sending `Cross-Origin-Opener-Policy` (a popup keeps
    /// its opener), or sends it again.
    pub fn set_keep_opener(&self, on: bool) {
        if let Ok(mut s) = self.sim.switches.lock() {
            s.keep_opener = on;
        }
    }
    /// Test switch: the person abandons at the bank (or stops doing so).
    pub fn set_abandon_at_bank(&self, on: bool) {
        if let Ok(mut s) = self.sim.switches.lock() {
            s.abandon_at_bank = on;
        }
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut store::Store, &store::Ctx) -> T) -> Option<T> {
        let ctx = store::Ctx {
            dir: &self.sim.directory,
            base: &self.sim.cfg.base_url,
            now: self.sim.clock.now(),
        };
        let mut st = self.sim.store.lock().ok()?;
        st.tick(&ctx);
        Some(f(&mut st, &ctx))
    }

    /// Moves the simulated clock forward (job steps and MFA expiry follow it).
    pub fn advance_clock(&self, by: Duration) {
        self.sim.clock.advance(by);
    }
    /// Stops the server and waits until it has stopped.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The directory as the simulator serves it (`GET /institutions`) for a seed, `extra` synthetic
/// institutions and a base URL; byte-identical for equal inputs.
pub fn directory_json(seed: u64, extra: usize, base_url: &str) -> String {
    let items: Vec<serde_json::Value> = institutions::build_directory(seed, extra)
        .iter()
        .map(|i| wire::institution(i, base_url))
        .collect();
    serde_json::to_string(&items).unwrap_or_default()
}

/// Resolves on Ctrl-C or SIGTERM: when a binary (this simulator, or the server that embeds it)
/// should stop gracefully.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
