//! The public settings the server hands to the app at `GET /api/config`. Never holds a secret.

use serde::{Deserialize, Serialize};

/// What the app needs to know about its deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// How banks are connected: the widget's own form (2.1) or Basiq's Consent UI (3.0).
    #[serde(default)]
    pub connect_mode: ConnectMode,
    /// The Consent UI's origin (3.0): the only place the widget navigates or opens a popup to.
    #[serde(default)]
    pub consent_ui_origin: Option<String>,
}

/// How banks are connected (`/api/config`'s `connectMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ConnectMode {
    /// Basiq 2.1: the widget's own credential form.
    #[default]
    Credentials,
    /// Basiq 3.0: the hand-off to Basiq's Consent UI.
    ConsentUi,
}

impl PublicConfig {
    /// True when banks are connected in Basiq's Consent UI.
    pub fn consent_ui(&self) -> bool {
        self.connect_mode == ConnectMode::ConsentUi
    }
}
