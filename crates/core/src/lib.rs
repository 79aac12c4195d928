//! Pure logic shared by the bank-connect app (wasm) and server (native).
//!
//! House rules: no web-sys, no tokio, no clock calls (time is a parameter).

pub mod basiq;
pub mod cache;
pub mod directory;
pub mod errors;
pub mod flow;
pub mod money;
pub mod search;
pub mod validation;

pub use directory::{InstitutionDirectory, InstitutionSummary};
pub mod config;

pub use config::PublicConfig;
pub mod api_types;
