//! Webhooks, both ways: [`signature`] signs and verifies Standard Webhooks deliveries,
//! [`events`] reads Basiq's bodies and writes the host's, and [`outbox`] holds the host
//! outbox's retry, dead-letter and ordering rules.

pub mod events;
pub mod outbox;
pub mod signature;

pub use events::{BasiqEvent, host_payload, rfc3339};
pub use signature::{Secret, SignatureError};
