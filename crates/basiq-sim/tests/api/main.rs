//! The simulator's HTTP behaviour, one module per area, in one test binary.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod bank_activity;
mod connections;
mod consent_ui;
mod faults_cors;
mod institutions;
mod personas;
mod v3;
mod webhooks;
