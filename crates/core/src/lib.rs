//! Pure logic shared by the bank-connect app (wasm) and server (native).
//!
//! House rules: no web-sys, no tokio, no clock calls (time is a parameter).
//!
//! - [`api_types`]: the server's own `/api/*` answers; [`basiq`]: Basiq 2.1 wire types; [`directory`]: the compact institution list;
//!   [`config`]: the public settings; [`money`]: exact amounts; [`fields`]: reading a JSON
//!   object's fields whoever parsed it (the browser's `JSON.parse` in the app).
//! - [`search`]: the picker's institution search; [`cache`]: the directory's localStorage codec;
//!   [`case`]: upper and lower case without the Unicode tables.
//! - [`flow`]: the connect-flow state machine; [`job`]: following one Basiq job (polling, step
//!   view, MFA), shared by the flow and the connections view; [`errors`]: failures →
//!   user-facing kinds and recoveries; [`validation`]: credential and MFA form checks.
//! - [`institution`]: status badges and "usually takes"; [`token`]: when the app renews its
//!   client token; [`accounts`]: account rows and number masking.
//! - [`connections`]: the connections view (relative times, refresh waits, transaction rows).
//! - [`webhooks`]: Standard Webhooks signatures, Basiq's and the host's event bodies, the
//!   host outbox's retry and ordering rules.
//! - [`browser_session`]: the browser's session with our server (ended, started again);
//!   [`forget`]: "Forget this browser".

#![warn(missing_docs)]

pub mod accounts;
pub mod api_types;
pub mod basiq;
mod basiq_objects;
pub mod browser_session;
pub mod cache;
pub mod case;
pub mod config;
pub mod connections;
pub mod directory;
pub mod embed;
pub mod errors;
pub mod fields;
pub mod flow;
pub mod forget;
pub mod handoff;
pub mod institution;
pub mod job;
pub mod links;
pub mod money;
pub mod search;
pub mod synthetic;
pub mod token;
pub mod validation;
pub mod webhooks;

/// Reads a file of Basiq's reference data (`../shared/basiq-reference/`, beside the checkout, or
/// `BASIQ_REFERENCE`). Tests that use it are named `contract_*`: `cargo xtask test` skips them, and
/// says so, when the folder is absent; run directly they fail with this message.
#[cfg(test)]
pub(crate) fn reference(rel: &str) -> String {
    let root = std::env::var_os("BASIQ_REFERENCE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/basiq-reference")
        });
    let path = root.join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (Basiq's reference data lives in ../shared/basiq-reference/)",
            path.display()
        )
    })
}

pub use config::PublicConfig;
pub use directory::{InstitutionDirectory, InstitutionSummary};
pub use errors::{ErrorKind, Recovery, UserError};
pub use flow::{FlowEvent, FlowState, next};
pub use job::JobView;
pub use search::{Filters, Hit, MatchKind, SearchIndex, Searcher};
