//! The bank-connect app: a Leptos single-page app that connects a person's bank through Basiq.
//!
//! `app.rs` is the one container (state and I/O through `api.rs`); `components/` are
//! presentational: they take data and emit events.

pub mod api;
pub mod app;
pub mod browser;
pub mod components;
pub mod connections;
pub mod embed;
pub mod split;

pub use app::App;
