//! Users, connections, jobs, accounts and transactions routes.

use std::sync::Arc;

use axum::Router;

use crate::state::Sim;

/// Adds the data routes.
pub fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r
}
