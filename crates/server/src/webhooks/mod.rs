//! Webhooks both ways: Basiq's deliveries in (`POST /api/webhooks/basiq`, [`inbound`]), the
//! host's events out from the durable outbox ([`outbound`]), and the subscription at Basiq
//! ([`register`]). The signing rules are `bank_connect_core::webhooks`.

pub mod inbound;
pub mod outbound;
pub mod register;

use bank_connect_core::webhooks::Secret;
use bank_connect_core::webhooks::outbox::{DEFAULT_SCHEDULE, Schedule};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Notify;

/// The webhook settings.
#[derive(Debug, Clone, clap::Args)]
pub struct WebhookArgs {
    /// The `whsec_…` secret of the Basiq webhook subscription (its create answer carries it;
    /// `bank-connect-server register-webhook` prints it). Unset: `/api/webhooks/basiq` is off,
    /// except in sandbox mode, where the server subscribes to its simulator by itself.
    #[arg(long, env = "BASIQ_WEBHOOK_SECRET", hide_env_values = true)]
    pub basiq_webhook_secret: Option<SecretString>,

    /// Where the host's backend receives bank-connect's events (POST, Standard Webhooks
    /// signed). Unset: no events go out.
    #[arg(long, env = "HOST_WEBHOOK_URL")]
    pub host_webhook_url: Option<String>,

    /// The `whsec_<base64>` secret the host's events are signed with (the host verifies with it).
    #[arg(long, env = "HOST_WEBHOOK_SECRET", hide_env_values = true)]
    pub host_webhook_secret: Option<SecretString>,

    /// Waits between attempts to deliver a host event (then it is dead-lettered).
    #[arg(long, env = "HOST_WEBHOOK_RETRY_SCHEDULE", default_value = DEFAULT_SCHEDULE)]
    pub host_webhook_retry_schedule: String,
}

impl WebhookArgs {
    /// The settings as the server uses them, or the one line that says what is wrong.
    pub fn settings(&self) -> Result<Settings, String> {
        let basiq_secret = self
            .basiq_webhook_secret
            .as_ref()
            .map(|s| Secret::parse(s.expose_secret()))
            .transpose()
            .map_err(|_| {
                "BASIQ_WEBHOOK_SECRET must be the whsec_… secret Basiq gave the subscription"
                    .to_string()
            })?;
        let host = match (&self.host_webhook_url, &self.host_webhook_secret) {
            (None, None) => None,
            (Some(url), Some(secret)) => {
                let parsed = reqwest::Url::parse(url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
                    .ok_or_else(|| format!("HOST_WEBHOOK_URL: {url:?} is not an http(s) URL"))?;
                let secret = Secret::parse(secret.expose_secret()).map_err(|_| {
                    "HOST_WEBHOOK_SECRET must be whsec_ followed by a base64 key (e.g. whsec_$(openssl rand -base64 32))".to_string()
                })?;
                Some(HostTarget {
                    url: parsed.to_string(),
                    secret,
                })
            }
            (Some(_), None) => {
                return Err(
                    "HOST_WEBHOOK_URL needs HOST_WEBHOOK_SECRET (whsec_…) to sign with".into(),
                );
            }
            (None, Some(_)) => {
                return Err("HOST_WEBHOOK_SECRET is set but HOST_WEBHOOK_URL is not".into());
            }
        };
        let schedule = Schedule::parse(&self.host_webhook_retry_schedule)
            .map_err(|e| format!("HOST_WEBHOOK_RETRY_SCHEDULE: {e}"))?;
        Ok(Settings {
            basiq_secret,
            host,
            schedule,
            wake: Notify::new(),
        })
    }
}

/// Where the host's events go and how they are signed.
#[derive(Debug, Clone)]
pub struct HostTarget {
    /// `HOST_WEBHOOK_URL`.
    pub url: String,
    /// `HOST_WEBHOOK_SECRET`.
    pub secret: Secret,
}

/// The webhook settings in use.
#[derive(Debug)]
pub struct Settings {
    /// Verifies Basiq's deliveries (`None`: the route answers 404).
    pub basiq_secret: Option<Secret>,
    /// The host's receiver (`None`: nothing is enqueued).
    pub host: Option<HostTarget>,
    /// Waits between attempts to the host.
    pub schedule: Schedule,
    /// Wakes the outbox worker when an event is enqueued.
    pub wake: Notify,
}

impl Settings {
    /// These settings with the secret of a subscription the server made itself (sandbox).
    pub fn with_basiq_secret(mut self, secret: Secret) -> Self {
        self.basiq_secret = Some(secret);
        self
    }
}

/// The event types the server subscribes to at Basiq.
pub const SUBSCRIBED_EVENTS: &[&str] = &[
    "connection.created",
    "connection.activated",
    "connection.invalidated",
    "connection.deleted",
    "consent.revoked",
    "consent.expired",
    "transactions.updated",
    "user.created",
];
