//! bank-connect-server: holds the Basiq API key, serves the institution directory and the app.
//!
//! `start(config)` binds, (in sandbox mode) starts the Basiq simulator in-process, checks the
//! API key, and serves until the returned handle is stopped or dropped. Handlers live in
//! `routes/` by resource; what they share is `state::AppState`; what they may assume about a
//! request (a session, our origin, a well-formed id) is an extractor in `extract`.

mod basiq;
mod client;
mod coalesce;
pub mod commands;
pub mod config;
mod csp_hash;
mod directory;
mod embedded;
mod encoding;
pub mod error;
mod extract;
mod handoff;
mod host;
mod limits;
pub mod openapi;
mod origin;
mod routes;
mod serve;
pub mod session;
mod startup;
mod state;
mod status;
pub mod store;
mod sync;
mod telemetry;
mod throttle;
mod web;
pub mod webhooks;

pub use config::Config;
pub use error::ServerError;
pub use startup::{RunningServer, start};
