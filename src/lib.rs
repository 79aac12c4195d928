//! The bank-connect app: a Leptos single-page app that connects a person's bank through Basiq.
//!
//! `app/` and `connections/` are the containers: they feed events to core's state machines,
//! render the state and carry out the effects it names, with all HTTP in `api/`;
//! `components/` are presentational: they take data and emit events. See
//! `docs/architecture.md`.

pub mod api;
pub mod app;
pub mod browser;
pub mod components;
pub mod connections;
pub mod embed;
pub mod schedule;
pub mod split;

pub use app::App;
