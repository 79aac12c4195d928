//! The server's one error enum: logged in full, answered without internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Everything that can go wrong in the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Could not open the listening socket.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Requested address.
        addr: std::net::SocketAddr,
        /// OS error.
        source: std::io::Error,
    },
    /// The built-in simulator failed to start.
    #[error("cannot start the built-in Basiq simulator: {0}")]
    Sandbox(#[from] basiq_sim::SimError),
    /// Basiq rejected the API key.
    #[error("BASIQ_API_KEY was rejected by Basiq at {url}: {detail}")]
    InvalidApiKey {
        /// Basiq base URL.
        url: String,
        /// Basiq's own words.
        detail: String,
    },
    /// Basiq answered with an error.
    #[error("Basiq answered {status} ({code}): {detail}")]
    Upstream {
        /// HTTP status from Basiq.
        status: u16,
        /// Basiq error code.
        code: String,
        /// Basiq's detail or title.
        detail: String,
    },
    /// Basiq could not be reached or answered something unreadable.
    #[error("Basiq is unreachable or answered garbage: {0}")]
    Transport(String),
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        tracing::warn!(error = %self, "request failed");
        let (status, code, message) = match &self {
            ServerError::Upstream { status: 429, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests to the bank data provider; try again shortly.",
            ),
            ServerError::Upstream { status: 503, .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream-unavailable",
                "The bank data provider is unavailable; try again later.",
            ),
            ServerError::Transport(_) | ServerError::Upstream { .. } => (
                StatusCode::BAD_GATEWAY,
                "upstream-error",
                "The bank data provider could not be reached; try again.",
            ),
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side; try again.",
            ),
        };
        (
            status,
            axum::Json(json!({"error": {"code": code, "message": message}})),
        )
            .into_response()
    }
}
