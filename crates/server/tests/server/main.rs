//! The server over real HTTP: against the real simulator, a wiremock upstream for exact faults,
//! and the binary itself. One test binary; the log-capturing test (`secrets.rs`) is separate
//! because it installs the global log subscriber.

#[path = "../support/mod.rs"]
mod support;

mod api;
mod binary;
mod budgets;
mod compression;
mod connections_limits;
mod consent;
mod crash;
mod metrics;
mod orphans;
mod ownership;
mod public_origin;
mod replicas;
mod session;
mod session_safety;
mod static_files;
mod store;
mod store_webhooks;
mod upstream;
mod webhooks_in;
mod webhooks_out;
mod webhooks_support;
