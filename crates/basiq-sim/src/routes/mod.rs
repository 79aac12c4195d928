//! The HTTP surface. Each resource's routes live in their own module; they share only the
//! extractors and helpers of `extract`, and this module assembles them with the middleware.

use std::sync::Arc;

use axum::Router;
use axum::middleware;

use crate::state::Sim;

mod admin;
mod connections;
mod connectors;
mod consents;
mod data;
mod extract;
mod jobs;
mod layers;
mod notifications;
mod public;
mod users;

use layers as mw;

pub(crate) use extract::Query;

/// Builds the full router with middleware.
pub fn router(sim: Arc<Sim>) -> Router {
    let mut r = Router::new();
    r = public::add(r);
    r = users::add(r);
    r = connections::add(r);
    r = connectors::add(r);
    r = consents::add(r);
    r = jobs::add(r);
    r = data::add(r);
    r = notifications::add(r);
    r = r.merge(crate::consent_ui::router(sim.clone()));
    if sim.cfg.admin {
        r = r.merge(admin::router(&sim));
    }
    let r = r
        .fallback(mw::fallback)
        .layer(middleware::from_fn(mw::envelope))
        .layer(middleware::from_fn_with_state(sim.clone(), mw::fault_layer))
        .layer(mw::cors(&sim))
        .layer(middleware::from_fn(mw::log));
    r.with_state(sim)
}
