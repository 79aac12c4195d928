//! Pure logic shared by the bank-connect app (wasm) and server (native).
//!
//! House rules: no web-sys, no tokio, no clock calls (time is a parameter).
//!
//! - [`api_types`]: the server's own `/api/*` answers; [`basiq`]: Basiq 2.1 wire types; [`directory`]: the compact institution list;
//!   [`config`]: the public settings; [`money`]: exact amounts.
//! - [`search`]: the picker's institution search; [`cache`]: the directory's localStorage codec.
//! - [`flow`]: the connect-flow state machine and the job step view; [`errors`]: failures →
//!   user-facing kinds and recoveries; [`validation`]: credential and MFA form checks.
//! - [`token`]: when the app renews its client token; [`accounts`]: the result screen's rows.
//! - [`connections`]: the connections view (relative times, refresh waits, transaction rows).

#![warn(missing_docs)]

pub mod accounts;
pub mod api_types;
pub mod basiq;
pub mod cache;
pub mod config;
pub mod connections;
pub mod directory;
pub mod embed;
pub mod errors;
pub mod flow;
pub mod money;
pub mod search;
pub mod synthetic;
pub mod token;
pub mod validation;

pub use config::PublicConfig;
pub use directory::{InstitutionDirectory, InstitutionSummary};
pub use errors::{ErrorKind, Recovery, UserError};
pub use flow::{FlowEvent, FlowState, JobView, next};
pub use search::{Filters, Hit, MatchKind, SearchIndex};
