//! basiq-sim: a Basiq 2.1 API simulator.
//!
//! `Simulator::builder()…spawn().await` starts it on a loopback port and returns a handle that
//! stops the server when dropped. The simulator defines its own wire types on purpose: it must
//! not share serde structs with the client, or one bug would hide on both sides.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::oneshot;

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
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder {
            api_key: "sim-api-key".into(),
            seed: 0,
            speed: 1.0,
            token_ttl: Duration::from_secs(3600),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
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
}

impl SimulatorBuilder {
    /// The API key `/token` accepts (sent verbatim as `Authorization: Basic <key>`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }
    /// Seed for deterministic data.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Time scale of job steps: 1 is realistic, 50 is fifty times faster.
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }
    /// Lifetime of issued tokens.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }
    /// Address to listen on (default `127.0.0.1:0`).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Starts the server and returns its handle.
    pub async fn spawn(self) -> Result<SimHandle, SimError> {
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|source| SimError::Bind { addr: self.bind, source })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: self.bind, source })?;
        let base_url = format!("http://{addr}");
        let state = Arc::new(SimState { api_key: self.api_key.clone(), base_url: base_url.clone(), token_ttl: self.token_ttl });
        let app = router(state);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(SimHandle { addr, base_url, api_key: self.api_key, shutdown: Some(tx), task: Some(task) })
    }
}

/// A running simulator; dropping it stops the server.
pub struct SimHandle {
    addr: SocketAddr,
    base_url: String,
    api_key: String,
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

struct SimState {
    api_key: String,
    base_url: String,
    token_ttl: Duration,
}

fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/token", post(token))
        .route("/institutions", get(institutions))
        .with_state(state)
}

fn error(status: StatusCode, code: &str, title: &str, detail: &str) -> Response {
    let body = json!({"type":"list","correlationId":"00000000-0000-0000-0000-000000000000",
        "data":[{"type":"error","code":code,"title":title,"detail":detail}]});
    (status, axum::Json(body)).into_response()
}

async fn token(State(s): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    if headers.get("basiq-version").is_none() {
        return error(StatusCode::BAD_REQUEST, "parameter-not-valid", "Required parameter not valid",
            "Basiq-version must be specified in HTTP request header");
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth.strip_prefix("Basic ") != Some(s.api_key.as_str()) {
        return error(StatusCode::NOT_FOUND, "parameter-not-valid", "We have encountered an error",
            "Unable to authenticate. Please, check your API key");
    }
    axum::Json(json!({"access_token":"sim-token","token_type":"Bearer","expires_in":s.token_ttl.as_secs()})).into_response()
}

async fn institutions(State(s): State<Arc<SimState>>) -> Response {
    let data: Vec<Value> = [("AU00000", "Hooli Bank", "Hooli", "user"), ("AU00002", "Pied Piper Bank", "Pied Piper", "user-mfa"), ("AU00003", "Nucleus Bank", "Nucleus", "user-mfa-intermittent")]
        .iter()
        .map(|(id, name, short, auth)| json!({"type":"institution","id":id,"name":name,"shortName":short,
            "institutionType":"Test Bank","country":"Australia","serviceName":"Personal Online Banking",
            "serviceType":"Personal Banking","tier":"4","authorization":auth,"stage":"live","status":"operational",
            "loginIdCaption":"Login","passwordCaption":"Password","features":{},
            "stats":{"averageDurationMs":{"verifyCredentials":8154,"retrieveAccounts":3820,"retrieveTransactions":7127,"retrieveMeta":12487,"total":31588}},
            "logo":{"type":"image","links":{"square":format!("{}/logos/{id}.svg", s.base_url),"full":format!("{}/logos/{id}-full.svg", s.base_url)}},
            "links":{"self":format!("{}/institutions/{id}", s.base_url)}}))
        .collect();
    axum::Json(json!({"type":"list","totalCount":data.len(),"data":data,"links":{"self":format!("{}/institutions", s.base_url)}})).into_response()
}
