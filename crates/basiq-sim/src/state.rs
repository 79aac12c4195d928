//! Shared simulator state.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::auth::RateLimiter;
use crate::faults::FaultRule;
use crate::institutions::Institution;
use crate::store::Store;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Accepted API key.
    pub api_key: String,
    /// Data seed.
    pub seed: u64,
    /// Time scale for job steps.
    pub speed: f64,
    /// Token lifetime.
    pub token_ttl: Duration,
    /// `http://host:port`.
    pub base_url: String,
    /// Allowed CORS origins besides loopback ones.
    pub allow_origins: Vec<String>,
    /// Whether `/__admin/*` routes are served.
    pub admin: bool,
    /// The bearer token the admin routes require (set when they are served).
    pub admin_token: Option<String>,
    /// What Basiq keeps in its dashboard for the Consent UI.
    pub dashboard: Dashboard,
}

/// The Consent UI settings Basiq keeps in its dashboard (Customise UI).
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Where the Consent UI sends the person back (`jobId`, `jobIds`, `state` appended);
    /// none = the simulator's own "you can close this window" page.
    pub redirect_url: Option<String>,
    /// The organisation's name on the consent pages.
    pub organisation: String,
    /// Consent duration in days.
    pub consent_days: u64,
    /// "Allow multiple connections": the success screen offers another bank.
    pub allow_multiple: bool,
    /// "Skip success screen": straight back to the Redirect URL once connected.
    pub skip_success: bool,
    /// "Skip error screen": straight back to the Redirect URL when connecting fails.
    pub skip_error: bool,
}

impl Default for Dashboard {
    fn default() -> Self {
        Dashboard {
            redirect_url: None,
            organisation: "Bank Connect Demo".into(),
            consent_days: 365,
            allow_multiple: false,
            skip_success: false,
            skip_error: false,
        }
    }
}

/// Test switches of the Consent UI and the mock data holder (off unless asked; builder and
/// `/__admin/*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Switches {
    /// New consents (and their open-banking connections) expire in this many days instead of
    /// the dashboard's duration.
    pub consent_expires_in_days: Option<u64>,
    /// The data holder declines every authorisation (`authorization-failed`, `access_denied`).
    pub holder_declines: bool,
    /// The person abandons at the bank: the connection stays `pre-init`, nobody is sent back.
    pub abandon_at_bank: bool,
    /// The Consent UI sends no `Cross-Origin-Opener-Policy`, so a popup keeps its opener (as
    /// a consent site without the header would).
    pub keep_opener: bool,
}

/// The simulator's clock: real time scaled by `speed`, plus manual advances.
#[derive(Debug)]
pub struct Clock {
    start: Instant,
    speed: f64,
    offset: Mutex<Duration>,
}

impl Clock {
    /// A clock starting now.
    pub fn new(speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        Clock {
            start: Instant::now(),
            speed,
            offset: Mutex::new(Duration::ZERO),
        }
    }

    /// Simulated time since start.
    pub fn now(&self) -> Duration {
        let off = self.offset.lock().map(|o| *o).unwrap_or_default();
        let scaled = Duration::try_from_secs_f64(self.start.elapsed().as_secs_f64() * self.speed)
            .unwrap_or(Duration::MAX);
        scaled.saturating_add(off)
    }

    /// Moves simulated time forward.
    pub fn advance(&self, d: Duration) {
        if let Ok(mut o) = self.offset.lock() {
            *o = o.saturating_add(d);
        }
    }

    /// Converts a simulated duration into real time.
    pub fn to_real(&self, d: Duration) -> Duration {
        d.div_f64(self.speed)
    }
}

/// Speeds outside `1e-3..=1e6` (or not finite) are clamped; non-positive ones mean 1.
pub fn clamp_speed(speed: f64) -> f64 {
    if speed.is_finite() && speed > 0.0 {
        speed.clamp(1e-3, 1e6)
    } else {
        1.0
    }
}

/// Everything a request handler needs.
pub struct Sim {
    /// Settings.
    pub cfg: Config,
    /// HMAC key for tokens.
    pub jwt_key: Vec<u8>,
    /// `partnerid` claim.
    pub partner_id: String,
    /// `applicationid` claim.
    pub application_id: String,
    /// Tokens whose epoch is below this are expired.
    pub token_epoch: AtomicU64,
    /// `/token` rate limiter.
    pub token_limiter: Mutex<RateLimiter>,
    /// The institution directory.
    pub directory: Vec<Institution>,
    /// Users, connections, jobs, accounts, transactions.
    pub store: Mutex<Store>,
    /// Active fault rules.
    pub faults: Mutex<Vec<FaultRule>>,
    /// Simulated clock.
    pub clock: Clock,
    /// Test switches of the Consent UI.
    pub switches: Mutex<Switches>,
    /// Consent UI sessions.
    pub consent_sessions: Mutex<crate::consent_ui::Sessions>,
    /// Webhook subscriptions and messages.
    pub webhooks: Mutex<crate::webhooks::Webhooks>,
    /// Flips to true when the server stops (releases hanging requests).
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// A deterministic UUID-shaped id from a seed and some parts.
pub fn det_uuid(seed: u64, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

/// A deterministic 64-bit hash of a seed and some parts.
pub fn det_hash(seed: u64, parts: &[&str]) -> u64 {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_le_bytes(b)
}
