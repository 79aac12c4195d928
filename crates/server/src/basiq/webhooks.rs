//! Basiq's webhook subscriptions (`/notifications/webhooks`) and what a consent's end drops.

use reqwest::Method;
use serde_json::{Value, json};

use super::BasiqClient;
use crate::error::ServerError;
use crate::sync::lock;

impl BasiqClient {
    /// The application's webhook subscriptions (Basiq's JSON, secrets included).
    pub async fn webhooks(&self) -> Result<Vec<Value>, ServerError> {
        let list: Value = self
            .call(Method::GET, "/notifications/webhooks", None)
            .await?;
        Ok(list
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// Subscribes `url` to `events`; Basiq's answer carries the `whsec_` secret.
    pub async fn subscribe_webhook(
        &self,
        url: &str,
        events: &[&str],
    ) -> Result<Value, ServerError> {
        let body = json!({
            "name": "bank-connect",
            "description": "bank-connect-server: consents, connections and new data",
            "url": url,
            "subscribedEvents": events,
        });
        self.call(Method::POST, "/notifications/webhooks", Some(&body))
            .await
    }

    /// Drops the cached CLIENT token of `user_id` at once (its consent has ended).
    pub fn drop_client_token(&self, user_id: &str) {
        lock(&self.client_tokens).remove(user_id);
    }
}
