//! The postMessage protocol between a host page (through `embed.js`) and the widget in its
//! iframe, and the host's theme. Every message is
//! `{"source":"bank-connect","version":1,"type":…,"payload":…}`; anything else is refused.
//!
//! Parsing is strict: an accepted message re-encodes to exactly the value received, so nothing
//! unexpected can ride along (a property test holds the parser to that).

mod events;
mod messages;
#[cfg(test)]
mod tests;
mod theme;

pub use events::{error_kind_name, exit_for, messages_for, view_name};
pub use messages::{
    EVENT_NAMES, ExitReason, HostMessage, SuccessAccount, SuccessConnection, WidgetMessage,
};
pub use theme::{SAFE_FONTS, Theme, ThemeMode, is_hex_colour};

/// The `source` of every message.
pub const SOURCE: &str = "bank-connect";
/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u64 = 1;

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Not an object with exactly source, version, type, payload.
    #[error("not a bank-connect message")]
    NotOurs,
    /// Another protocol version.
    #[error("unsupported protocol version")]
    Version,
    /// A `type` this side does not accept.
    #[error("unknown message type")]
    UnknownType,
    /// The payload does not have the type's shape.
    #[error("malformed payload")]
    Payload,
}

/// True when `origin` is exactly one of `allowed` (no wildcards, no prefixes).
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    origin != "null" && allowed.iter().any(|a| a == origin)
}
