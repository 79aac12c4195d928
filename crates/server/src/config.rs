//! Configuration: flags and environment variables (one table in the README).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use secrecy::{ExposeSecret, SecretString};

/// Basiq's production API.
pub const BASIQ_PRODUCTION_URL: &str = "https://au-api.basiq.io";
/// Basiq's hosted Consent UI (3.0).
pub const BASIQ_CONSENT_UI_URL: &str = "https://consent.basiq.io";
/// The return route: the Redirect URL to set in Basiq's dashboard is `PUBLIC_ORIGIN` + this.
pub const CONSENT_RETURN_PATH: &str = "/consent/return";

/// Server settings.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bank-connect-server",
    version = crate::embedded::VERSION,
    about = "bank-connect backend: Basiq tokens, institution directory, the widget"
)]
pub struct Config {
    /// Something other than serving (`migrate`, `export-users`, `register-webhook`).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The store: `postgres://…` for PostgreSQL (several replicas share it). Unset: an SQLite
    /// file in DATA_DIR (in memory in sandbox mode without DATA_DIR).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder of the embedded SQLite store (default ./data; created when missing).
    #[arg(long, env = "DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Address to listen on.
    #[arg(long, env = "BANK_CONNECT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Basiq API key. Absent: sandbox mode with the built-in simulator.
    #[arg(long, env = "BASIQ_API_KEY", hide_env_values = true)]
    pub basiq_api_key: Option<SecretString>,

    /// Basiq API base URL (default: Basiq production when a key is set).
    #[arg(long, env = "BASIQ_API_URL")]
    pub basiq_api_url: Option<String>,

    /// Basiq API version requested on /token. `2.1`: the widget's own credential form; `3.0`:
    /// connections are made in Basiq's Consent UI (the hand-off and return).
    #[arg(long, env = "BASIQ_VERSION", default_value = "2.1")]
    pub basiq_version: String,

    /// Basiq's Consent UI (3.0). Default: https://consent.basiq.io, or the simulator's in sandbox.
    #[arg(long, env = "CONSENT_UI_URL")]
    pub consent_ui_url: Option<String>,

    /// Directory of the built app (`cargo xtask build` writes dist/). Unset: the app embedded
    /// in this binary (`cargo xtask dist`), else ./dist.
    #[arg(long, env = "DIST_DIR")]
    pub dist_dir: Option<PathBuf>,

    /// The origin people reach this server at (e.g. https://connect.example.com): Host headers
    /// and Origins are compared with it. Required with a real BASIQ_API_KEY.
    #[arg(long, env = "PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// Host sites allowed to embed the widget (frame-ancestors, postMessage; comma-separated).
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Service types offered in the picker (comma-separated; empty = all).
    #[arg(long, env = "INSTITUTION_SERVICE_TYPES", value_delimiter = ',')]
    pub service_types: Vec<String>,

    /// Countries offered in the picker (comma-separated; empty = all).
    #[arg(long, env = "INSTITUTION_COUNTRIES", value_delimiter = ',')]
    pub countries: Vec<String>,

    /// Hide Basiq's test banks (institution type "Test Bank").
    #[arg(long, env = "HIDE_TEST_BANKS", default_value_t = false)]
    pub hide_test_banks: bool,

    /// How long the institution directory is cached, in seconds.
    #[arg(long, env = "INSTITUTIONS_CACHE_TTL", default_value_t = 6 * 3600)]
    pub institutions_cache_ttl: u64,

    /// Secrets for session cookies, comma-separated: the first signs, every one verifies (list
    /// the old one second to rotate). Absent: random per start (sessions end on restart); a
    /// real BASIQ_API_KEY requires it.
    #[arg(
        long,
        env = "SESSION_SECRET",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub session_secret: Vec<SecretString>,

    /// A session unused for this many hours has ended (renewed while in use).
    #[arg(long, env = "SESSION_IDLE_HOURS", default_value_t = 24)]
    pub session_idle_hours: u64,

    /// No session lives longer than this many days, in use or not.
    #[arg(long, env = "SESSION_MAX_DAYS", default_value_t = 30)]
    pub session_max_days: u64,

    /// Create a new anonymous Basiq user for a browser with no session (the standalone page).
    /// `false`: only a host's link token starts a session.
    #[arg(long, env = "ANONYMOUS_SESSIONS", default_value_t = true, action = clap::ArgAction::Set)]
    pub anonymous_sessions: bool,

    /// Secret the host's backend sends (Bearer) to mint link tokens. Absent: link tokens off.
    #[arg(long, env = "HOST_API_SECRET", hide_env_values = true)]
    pub host_api_secret: Option<SecretString>,

    /// Lifetime of link tokens, in seconds.
    #[arg(long, env = "LINK_TOKEN_TTL", default_value_t = 300)]
    pub link_token_ttl: u64,

    /// Cap on upstream /token calls per 5 minutes (Basiq allows 1,500).
    #[arg(long, env = "TOKEN_CALL_CAP", default_value_t = 1200)]
    pub token_call_cap: usize,

    /// Of TOKEN_CALL_CAP, calls only the server's own SERVER token may use (client traffic
    /// can never spend them).
    #[arg(long, env = "SERVER_TOKEN_RESERVE", default_value_t = 60)]
    pub server_token_reserve: usize,

    /// New browser sessions (new Basiq users) allowed per hour, overall (0 = no limit).
    #[arg(long, env = "NEW_USERS_PER_HOUR", default_value_t = 1000)]
    pub new_users_per_hour: u32,

    /// New browser sessions (new Basiq users) allowed per client address per hour (0 = no limit).
    #[arg(long, env = "NEW_USERS_PER_IP_PER_HOUR", default_value_t = 20)]
    pub new_users_per_ip_per_hour: u32,

    /// Link tokens the host backend may mint per second (bursts of 3×; 0 = no limit).
    #[arg(long, env = "LINK_TOKEN_RATE", default_value_t = 50)]
    pub link_token_rate: u32,

    /// Proxies whose `X-Forwarded-For` is believed (comma-separated addresses or CIDR ranges,
    /// e.g. the TLS proxy's `10.0.0.0/8`). Empty: the TCP peer is the client.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// Requests per second one session may make to the data routes (0 = no limit).
    #[arg(long, env = "SESSION_RATE", default_value_t = 10)]
    pub session_rate: u32,

    /// Per-client-IP requests per second on /api/token and /api/link-tokens (0 = no limit).
    #[arg(long, env = "TOKEN_RATE_PER_IP", default_value_t = 10)]
    pub token_rate_per_ip: u32,

    /// Seconds before a connection may be refreshed again (the app stops offering it; the
    /// server answers 429 with Retry-After).
    #[arg(long, env = "MIN_REFRESH_INTERVAL", default_value_t = 300)]
    pub min_refresh_interval: u64,

    /// Open client connections at most; beyond it new ones wait in the listen backlog. Keep it
    /// well under the process's open-file limit (`ulimit -n`).
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 2048)]
    pub max_connections: usize,

    /// Seconds a client has to send a request's headers (slow or idle sockets are closed).
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,

    /// Seconds a whole request may take, body and upstream calls included (then 503).
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Upstream TCP connect timeout, in milliseconds.
    #[arg(long, env = "UPSTREAM_CONNECT_TIMEOUT_MS", default_value_t = 1000)]
    pub upstream_connect_timeout_ms: u64,

    /// Upstream whole-request timeout, in milliseconds.
    #[arg(long, env = "UPSTREAM_TIMEOUT_MS", default_value_t = 5000)]
    pub upstream_timeout_ms: u64,

    /// Served over HTTPS (e.g. behind a TLS proxy): `__Host-` Secure session cookie and HSTS.
    /// Default: true, except when bound to a loopback address (local development).
    #[arg(long, env = "SECURE_COOKIES", action = clap::ArgAction::Set)]
    pub secure_cookies: Option<bool>,

    /// Allow sandbox mode (no BASIQ_API_KEY: the built-in simulator with fake banks) on a
    /// non-loopback address. Without it such a start is refused.
    #[arg(long, env = "SANDBOX", default_value_t = false)]
    pub sandbox: bool,

    /// Lifetime of the simulator's tokens in sandbox mode, in seconds (tests use a few seconds).
    #[arg(long, env = "SANDBOX_TOKEN_TTL", default_value_t = 3600)]
    pub sandbox_token_ttl: u64,

    /// Serve the simulator's `/__admin/*` routes in sandbox mode (tests and demos only).
    #[arg(long, env = "SANDBOX_ADMIN", default_value_t = false)]
    pub sandbox_admin: bool,

    /// Sandbox 3.0: the simulator's Consent UI lets a person connect several banks in one visit
    /// (Basiq's dashboard setting "allow multiple connections").
    #[arg(long, env = "SANDBOX_MULTIPLE_CONNECTIONS", default_value_t = false)]
    pub sandbox_multiple_connections: bool,

    /// Simulator time scale in sandbox mode (1 = realistic job durations).
    #[arg(long, env = "SANDBOX_SPEED", default_value_t = 1.0)]
    pub sandbox_speed: f64,

    /// Sandbox: this many synthetic institutions on top of the simulator's directory (for
    /// measuring the picker with a long list; 0 = the directory as it is).
    #[arg(long, env = "SANDBOX_INSTITUTIONS", default_value_t = 0)]
    pub sandbox_institutions: usize,

    /// Address of the Prometheus `GET /metrics` listener (e.g. 127.0.0.1:9100), apart from the
    /// public one. Unset: no metrics listener.
    #[arg(long, env = "METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,

    /// Log lines as `text` (human-readable) or `json` (one object per line, same fields).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Basiq's webhooks in and the host's out.
    #[command(flatten)]
    pub webhooks: crate::webhooks::WebhookArgs,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The binary's subcommands (none: serve).
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Applies the store's migrations and exits (what every start does first).
    Migrate,
    /// Writes host user reference → Basiq user id as CSV to stdout.
    ExportUsers,
    /// Writes the OpenAPI 3.1 document of `/api/*` to stdout (what `GET /api/openapi.json`
    /// serves; `docs/openapi.json`).
    Openapi,
    /// Subscribes a URL (this server's `…/api/webhooks/basiq`) to Basiq's webhooks, or finds
    /// its subscription, and prints the `BASIQ_WEBHOOK_SECRET=whsec_…` line to set.
    RegisterWebhook {
        /// The public URL Basiq delivers to, e.g. https://connect.example.com/api/webhooks/basiq.
        #[arg(long)]
        url: String,
    },
}

impl Config {
    /// Where the store lives (see `database_url` and `data_dir`).
    pub fn store_location(&self) -> Result<crate::store::Location, String> {
        crate::store::Location::resolve(
            self.database_url.as_deref(),
            self.data_dir.as_deref(),
            self.basiq_api_key.is_none(),
        )
    }

    /// Directory cache lifetime.
    pub fn institutions_ttl(&self) -> Duration {
        Duration::from_secs(self.institutions_cache_ttl)
    }

    /// Whether connections are made in Basiq's Consent UI (`BASIQ_VERSION` 3.x).
    pub fn consent_ui(&self) -> bool {
        self.basiq_version.trim().starts_with('3')
    }

    /// Whether the server is reached over HTTPS (see `secure_cookies`).
    pub fn secure(&self) -> bool {
        self.secure_cookies
            .unwrap_or_else(|| !self.bind.ip().is_loopback())
    }

    /// Session idle timeout and maximum age.
    pub fn session_times(&self) -> crate::session::SessionTimes {
        crate::session::SessionTimes {
            idle: Duration::from_secs(self.session_idle_hours * 3600),
            max_age: Duration::from_secs(self.session_max_days * 24 * 3600),
        }
    }

    /// Checks values clap cannot: returns one clear sentence on the first problem.
    pub fn validate(&self) -> Result<(), String> {
        for origin in &self.allowed_origins {
            if !is_origin(origin) {
                return Err(format!(
                    "ALLOWED_ORIGINS: {origin:?} is not an origin (expected scheme://host[:port], e.g. https://app.example.com)"
                ));
            }
        }
        if self.basiq_api_key.is_none() && !self.bind.ip().is_loopback() && !self.sandbox {
            return Err(format!(
                "BASIQ_API_KEY is not set, so this would be sandbox mode (fake banks) on {}: set BASIQ_API_KEY, bind to 127.0.0.1, or pass --sandbox to mean it",
                self.bind
            ));
        }
        if let Some(origin) = &self.public_origin
            && !is_origin(origin)
        {
            return Err(format!(
                "PUBLIC_ORIGIN: {origin:?} is not an origin (expected scheme://host[:port], e.g. https://connect.example.com)"
            ));
        }
        if self.basiq_api_key.is_some() && self.public_origin.is_none() {
            return Err("PUBLIC_ORIGIN is required with a BASIQ_API_KEY (the address people reach this server at, e.g. https://connect.example.com)".into());
        }
        if let Some(url) = &self.basiq_api_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!("BASIQ_API_URL: {url:?} is not an http(s) URL"));
        }
        if let Some(m) = self.metrics_bind
            && m.port() != 0
            && m.port() == self.bind.port()
        {
            return Err(format!(
                "METRICS_BIND: {m} is the public listener's port; /metrics needs an address of its own"
            ));
        }
        if !(self.sandbox_speed.is_finite() && self.sandbox_speed > 0.0) {
            return Err(format!(
                "SANDBOX_SPEED: {} must be a positive number",
                self.sandbox_speed
            ));
        }
        if self
            .session_secret
            .iter()
            .any(|s| s.expose_secret().len() < 32)
        {
            return Err("SESSION_SECRET must be at least 32 characters".into());
        }
        if self.basiq_api_key.is_some() && self.session_secret.is_empty() {
            return Err("SESSION_SECRET is required with a BASIQ_API_KEY, or every restart and every other replica would end all sessions (generate one: openssl rand -base64 48)".into());
        }
        if !(1..=24 * 90).contains(&self.session_idle_hours) {
            return Err(format!(
                "SESSION_IDLE_HOURS: {} must be between 1 and 2160",
                self.session_idle_hours
            ));
        }
        if !(1..=365).contains(&self.session_max_days) {
            return Err(format!(
                "SESSION_MAX_DAYS: {} must be between 1 and 365",
                self.session_max_days
            ));
        }
        if let Some(secret) = &self.host_api_secret
            && secret.expose_secret().len() < 16
        {
            return Err("HOST_API_SECRET must be at least 16 characters".into());
        }
        if self.token_call_cap == 0 || self.token_call_cap > 1500 {
            return Err(format!(
                "TOKEN_CALL_CAP: {} must be between 1 and 1500 (Basiq's own limit)",
                self.token_call_cap
            ));
        }
        crate::client::TrustedProxies::parse(&self.trusted_proxies)?;
        self.store_location()?;
        self.webhooks.settings()?;
        if self.max_connections == 0
            || self.header_read_timeout_secs == 0
            || self.request_timeout_secs == 0
        {
            return Err(
                "MAX_CONNECTIONS, HEADER_READ_TIMEOUT_SECS and REQUEST_TIMEOUT_SECS must be at least 1"
                    .into(),
            );
        }
        if self.server_token_reserve >= self.token_call_cap {
            return Err(format!(
                "SERVER_TOKEN_RESERVE: {} must be less than TOKEN_CALL_CAP ({})",
                self.server_token_reserve, self.token_call_cap
            ));
        }
        if self.link_token_ttl == 0 || self.link_token_ttl > 3600 {
            return Err(format!(
                "LINK_TOKEN_TTL: {} must be between 1 and 3600 seconds",
                self.link_token_ttl
            ));
        }
        if self.basiq_version.trim().is_empty() {
            return Err("BASIQ_VERSION must not be empty".into());
        }
        if let Some(url) = &self.consent_ui_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!("CONSENT_UI_URL: {url:?} is not an http(s) URL"));
        }
        Ok(())
    }
}

/// True for `scheme://host[:port]` with no path, query or fragment.
pub fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' ', '*'])
        && !rest.starts_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        assert!(is_origin("https://app.example.com"));
        assert!(is_origin("http://127.0.0.1:8090"));
        for bad in [
            "*",
            "app.example.com",
            "https://a.com/",
            "https://a.com/x",
            "ftp://a.com",
            "https://",
            "https://*.a.com",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }

    #[test]
    fn validate_reports_the_bad_setting() {
        let mut c = Config::parse_from(["x"]);
        assert!(c.validate().is_ok());
        c.allowed_origins = vec!["https://ok.example".into(), "nope".into()];
        let e = c.validate().unwrap_err();
        assert!(e.contains("ALLOWED_ORIGINS") && e.contains("nope"), "{e}");
        c.allowed_origins.clear();
        c.sandbox_speed = 0.0;
        assert!(c.validate().unwrap_err().contains("SANDBOX_SPEED"));
    }
}
