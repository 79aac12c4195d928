//! What every handler shares, grouped by concern; each part keeps its own rules.

use std::sync::Arc;

use bank_connect_core::PublicConfig;

use crate::basiq::BasiqClient;
use crate::directory::DirectoryCache;
use crate::handoff::ConsentUi;
use crate::host::HostAccess;
use crate::limits::Limits;
use crate::origin::OriginPolicy;
use crate::session::Sessions;
use crate::store::Store;
use crate::throttle::RefreshThrottle;
use crate::web::Site;

/// Shared state of the running server.
pub struct AppState {
    /// Client for Basiq (or the simulator).
    pub basiq: Arc<BasiqClient>,
    /// The institution directory cache.
    pub directory: Arc<DirectoryCache>,
    /// The built app and what `/api/config` answers.
    pub site: Site,
    /// What `/api/config` answers.
    pub public_config: PublicConfig,
    /// Browser sessions.
    pub sessions: Sessions,
    /// The host backend: its secret, its users, their link tokens.
    pub host: HostAccess,
    /// Origins allowed to send state-changing requests.
    pub origins: OriginPolicy,
    /// Minimum time between refreshes of one connection.
    pub refreshes: RefreshThrottle,
    /// How long a whole request may take.
    pub request_timeout: std::time::Duration,
    /// Rate limits and quotas per client, session, host and overall.
    pub limits: Limits,
    /// Basiq 3.0's Consent UI: whether it is used, where it is, the hand-offs in flight.
    pub consent: ConsentUi,
    /// What outlives the process and is shared by replicas.
    pub store: Store,
    /// Basiq's webhooks in, the host's out.
    pub webhooks: crate::webhooks::Settings,
}
