//! Basiq 3.0 calls: a fresh user-bound CLIENT token for one Consent UI hand-off, jobs,
//! consents, refresh-all, connections with their method and expiry, connectors.

use std::collections::BTreeMap;

use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

use bank_connect_core::basiq::{Connection, List};

use super::BasiqClient;
use super::budget::TokenUse;
use super::wire::seg;
use crate::error::ServerError;

/// A 3.0 connection: the fields every version has, plus `method` and `expiryDate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionV3 {
    /// What 2.1 has too.
    #[serde(flatten)]
    pub base: Connection,
    /// `web` or `open-banking` (`openbanking` read as `open-banking`).
    #[serde(default)]
    pub method: Option<String>,
    /// Open banking: when the sharing arrangement ends (empty for web).
    #[serde(default)]
    pub expiry_date: Option<String>,
}

/// One connector row (institution × method), as far as the directory needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectorRow {
    /// Institution id.
    pub id: String,
    /// `web`, `open-banking`, …
    #[serde(default)]
    pub method: String,
}

/// `open-banking` for Basiq's two spellings; other methods as given.
pub fn canonical_method(method: &str) -> String {
    match method {
        "openbanking" | "open-banking" => "open-banking".to_owned(),
        other => other.to_owned(),
    }
}

impl BasiqClient {
    /// A CLIENT_ACCESS token bound to `user`, fetched now for one hand-off and never cached
    /// (so the token in a Consent UI URL is not the one the widget holds).
    pub async fn fresh_client_token(&self, user: &str) -> Result<SecretString, ServerError> {
        let token = self
            .fetch_token(
                TokenUse::Client,
                &[("scope", "CLIENT_ACCESS"), ("userId", user)],
            )
            .await?;
        Ok(token.value)
    }

    /// A job, read with the SERVER token (Basiq's JSON as it is).
    pub async fn job(&self, id: &str) -> Result<Value, ServerError> {
        self.call(Method::GET, &format!("/jobs/{}", seg(id)), None)
            .await
    }

    /// The user's consents (Basiq's JSON list).
    pub async fn consents(&self, user: &str) -> Result<Vec<Value>, ServerError> {
        let list: Value = self
            .call(Method::GET, &format!("/users/{}/consents", seg(user)), None)
            .await?;
        Ok(list["data"].as_array().cloned().unwrap_or_default())
    }

    /// Revokes a consent (Basiq deletes its connections with it).
    pub async fn delete_consent(&self, user: &str, id: &str) -> Result<(), ServerError> {
        self.call::<Value>(
            Method::DELETE,
            &format!("/users/{}/consents/{}", seg(user), seg(id)),
            None,
        )
        .await
        .map(|_| ())
    }

    /// Refreshes every connection of the user: the job ids Basiq started.
    pub async fn refresh_all(&self, user: &str) -> Result<Vec<String>, ServerError> {
        let list: Value = self
            .call(
                Method::POST,
                &format!("/users/{}/connections/refresh", seg(user)),
                None,
            )
            .await?;
        Ok(list["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|j| j["id"].as_str().map(str::to_owned))
            .collect())
    }

    /// The user's connections with their 3.0 fields.
    pub async fn connections_v3(&self, user: &str) -> Result<Vec<ConnectionV3>, ServerError> {
        Ok(self
            .call::<List<ConnectionV3>>(
                Method::GET,
                &format!("/users/{}/connections", seg(user)),
                None,
            )
            .await?
            .data)
    }

    /// Institution id → its connection methods, from `/connectors`.
    pub async fn connector_methods(&self) -> Result<BTreeMap<String, Vec<String>>, ServerError> {
        let list = self
            .call::<List<ConnectorRow>>(Method::GET, "/connectors", None)
            .await?;
        let mut methods: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in list.data {
            let m = canonical_method(&row.method);
            let entry = methods.entry(row.id).or_default();
            if !m.is_empty() && !entry.contains(&m) {
                entry.push(m);
                entry.sort();
            }
        }
        Ok(methods)
    }
}
