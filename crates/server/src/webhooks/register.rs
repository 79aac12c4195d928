//! The subscription at Basiq: `bank-connect-server register-webhook --url …` (and, in
//! sandbox mode, the server's own subscription to its simulator).

use bank_connect_core::webhooks::Secret;
use serde_json::Value;

use super::SUBSCRIBED_EVENTS;
use crate::basiq::BasiqClient;
use crate::error::ServerError;

/// What registering found or made.
#[derive(Debug)]
pub struct Registration {
    /// Basiq's id of the subscription.
    pub id: String,
    /// Its `whsec_` secret.
    pub secret: String,
    /// False when a subscription for the URL was there already.
    pub created: bool,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The subscription of `url`: the existing one, or a new one for [`SUBSCRIBED_EVENTS`].
pub async fn ensure(basiq: &BasiqClient, url: &str) -> Result<Registration, ServerError> {
    let existing = basiq.webhooks().await?;
    let (found, created) = match existing
        .into_iter()
        .find(|w| text(w, "url").as_deref() == Some(url))
    {
        Some(w) => (w, false),
        None => (basiq.subscribe_webhook(url, SUBSCRIBED_EVENTS).await?, true),
    };
    let secret = text(&found, "secret")
        .filter(|s| Secret::parse(s).is_ok())
        .ok_or_else(|| {
            ServerError::Transport("Basiq's webhook answer carries no whsec_ secret".into())
        })?;
    Ok(Registration {
        id: text(&found, "id").unwrap_or_default(),
        secret,
        created,
    })
}

/// `register-webhook --url …`: finds or makes the subscription with the configured API key
/// and prints the secret to set as `BASIQ_WEBHOOK_SECRET`.
pub async fn command(
    config: &crate::Config,
    url: &str,
    store: crate::store::Store,
) -> Result<(), ServerError> {
    let parsed = reqwest::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    if parsed.is_none() {
        return Err(ServerError::WebhookSetup(format!(
            "--url {url:?} is not an http(s) URL"
        )));
    }
    let Some(key) = &config.basiq_api_key else {
        return Err(ServerError::WebhookSetup(
            "register-webhook needs BASIQ_API_KEY (the subscription belongs to its application)"
                .into(),
        ));
    };
    let base = config
        .basiq_api_url
        .clone()
        .unwrap_or_else(|| crate::config::BASIQ_PRODUCTION_URL.to_owned());
    let basiq = BasiqClient::new(
        &base,
        &config.basiq_version,
        key.clone(),
        crate::basiq::TokenCallCap {
            max: config.token_call_cap,
            window: std::time::Duration::from_secs(300),
            server_reserve: config.server_token_reserve.min(config.token_call_cap - 1),
        },
        crate::basiq::Timeouts::default(),
        store,
    )?;
    let r = ensure(&basiq, url).await?;
    let what = if r.created {
        "created"
    } else {
        "already there"
    };
    println!("Basiq webhook subscription {} for {url}: {what}", r.id);
    println!("BASIQ_WEBHOOK_SECRET={}", r.secret);
    Ok(())
}
