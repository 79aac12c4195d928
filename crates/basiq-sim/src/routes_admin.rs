//! `/__admin/*` routes (only with the admin flag).

use std::sync::Arc;

use axum::Router;

use crate::state::Sim;

/// Adds the admin routes.
pub fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r
}
