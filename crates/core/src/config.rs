//! The public settings the server hands to the app at `GET /api/config`. Never holds a secret.

use serde::{Deserialize, Serialize};

/// What the app needs to know about its deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicConfig {
    /// Base URL of the Basiq API the app calls directly with its client token.
    pub basiq_url: String,
    /// Basiq API version, e.g. `2.1`.
    pub basiq_version: String,
    /// Service types the picker offers (empty = all).
    pub service_types: Vec<String>,
    /// Countries the picker offers (empty = all).
    pub countries: Vec<String>,
    /// Parent origins allowed to embed the widget and exchange messages with it.
    pub allowed_parent_origins: Vec<String>,
    /// True when the server runs against the built-in simulator.
    pub sandbox: bool,
    /// Seconds before a connection may be refreshed again (banks limit how often data is fetched).
    #[serde(default)]
    pub min_refresh_interval_secs: u64,
}
