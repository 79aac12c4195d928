//! HTTP clients: the backend's `/api/*`.

use bank_connect_core::InstitutionDirectory;
use gloo_net::http::Request;

/// Why a backend call failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request never got an answer (offline, server down).
    #[error("We couldn't reach the server. Check your connection and try again.")]
    Network,
    /// The server answered with an error status.
    #[error("The server had a problem ({0}). Try again in a moment.")]
    Status(u16),
    /// The server answered something this app cannot read.
    #[error("The server sent something unexpected. Try again, or reload the page.")]
    Decode,
}

/// `GET /api/institutions`: the compact directory.
pub async fn fetch_institutions() -> Result<InstitutionDirectory, ApiError> {
    let response = Request::get("/api/institutions")
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(ApiError::Status(response.status()));
    }
    response
        .json::<InstitutionDirectory>()
        .await
        .map_err(|_| ApiError::Decode)
}
