//! Which origins may send state-changing requests: our own, and `ALLOWED_ORIGINS`.

use axum::http::{HeaderMap, header};

use crate::error::ServerError;

/// Our own origin (derived from the request) and the allowlist.
pub struct OriginPolicy {
    allowed: Vec<String>,
    secure: bool,
}

impl OriginPolicy {
    /// `allowed` besides our own origin; `secure` when the server is reached over HTTPS.
    pub fn new(allowed: Vec<String>, secure: bool) -> Self {
        Self { allowed, secure }
    }

    /// The allowlist.
    pub fn allowed(&self) -> &[String] {
        &self.allowed
    }

    /// Browsers send `Origin` on every POST/DELETE; it must be us or on the allowlist.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), ServerError> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().unwrap_or("");
        if Some(origin) == self.own_origin(headers).as_deref()
            || self.allowed.iter().any(|o| o == origin)
        {
            Ok(())
        } else {
            Err(ServerError::OriginNotAllowed(
                origin.chars().take(100).collect(),
            ))
        }
    }

    /// The origin of this server as the browser sees it.
    fn own_origin(&self, headers: &HeaderMap) -> Option<String> {
        let host = headers.get(header::HOST)?.to_str().ok()?;
        let proto = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(if self.secure { "https" } else { "http" });
        Some(format!("{proto}://{host}"))
    }
}
