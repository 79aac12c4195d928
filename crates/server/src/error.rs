//! The server's one error enum: logged in full, answered as `{"code","message"}` without
//! internals — what happened and what to do.

use axum::http::{HeaderValue, StatusCode, header};
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
        /// Basiq's `Retry-After`, in seconds.
        retry_after: Option<u64>,
    },
    /// Basiq did not answer in time.
    #[error("Basiq did not answer in time")]
    Timeout,
    /// Basiq could not be reached or answered something unreadable.
    #[error("Basiq is unreachable or answered garbage: {0}")]
    Transport(String),
    /// Our own cap on upstream `/token` calls is reached.
    #[error("token requests are over the cap; retry in {retry_after} s")]
    TokenRateLimited {
        /// Seconds until a call is allowed again.
        retry_after: u64,
    },
    /// Basiq failed moments ago; not asked again yet.
    #[error("Basiq failed moments ago; retry in {retry_after} s")]
    Unavailable {
        /// Seconds until Basiq is asked again.
        retry_after: u64,
    },
    /// This client (address or session) sent too many requests.
    #[error("too many requests; retry in {retry_after} s")]
    TooManyRequests {
        /// Seconds until a request is allowed again.
        retry_after: u64,
    },
    /// Too many new sessions (new Basiq users) from this address or overall.
    #[error("too many new sessions; retry in {retry_after} s")]
    TooManyNewSessions {
        /// Seconds until a new session is allowed again.
        retry_after: u64,
    },
    /// No valid session (cookie) came with the request.
    #[error("no session")]
    NoSession,
    /// A session cookie came but is expired, revoked or signed by an unknown secret.
    #[error("session expired")]
    SessionExpired,
    /// An embedded widget asked for a token without a link token or a session.
    #[error("a link token is required")]
    LinkTokenRequired,
    /// The request's `Host` is not one this server answers (DNS rebinding, misrouting).
    #[error("host not served here: {0}")]
    WrongHost(String),
    /// The request's Origin is not allowed.
    #[error("origin not allowed: {0}")]
    OriginNotAllowed(String),
    /// The body is not JSON.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// The body is over the size limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// The body is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The link token was never issued, already used, or expired.
    #[error("link token refused: {0}")]
    LinkToken(&'static str),
    /// `HOST_API_SECRET` is not configured.
    #[error("link tokens are disabled (no HOST_API_SECRET)")]
    LinkTokensDisabled,
    /// Missing or wrong host secret.
    #[error("bad host credentials")]
    HostUnauthorized,
    /// The connection was refreshed less than the minimum interval ago.
    #[error("refreshed too recently; retry in {retry_after} s")]
    RefreshTooSoon {
        /// Seconds until a refresh is allowed.
        retry_after: u64,
    },
    /// The request took longer than `REQUEST_TIMEOUT_SECS` (or its body did not arrive).
    #[error("request timed out")]
    RequestTimeout,
    /// The resource does not exist for this user.
    #[error("not found")]
    NotFound,
    /// The store could not be opened or migrated at start.
    #[error("{0}")]
    StoreStart(String),
    /// The store failed while serving (the database went away or is overloaded).
    #[error("store: {0}")]
    Store(String),
    /// The webhook settings, or the sandbox's own subscription, do not work out.
    #[error("webhook set-up: {0}")]
    WebhookSetup(String),
    /// `/api/webhooks/basiq` without `BASIQ_WEBHOOK_SECRET`.
    #[error("Basiq webhooks are not set up (BASIQ_WEBHOOK_SECRET)")]
    WebhooksOff,
    /// A webhook delivery whose signature, timestamp or headers do not hold.
    #[error("webhook refused: {0}")]
    WebhookRefused(#[from] bank_connect_core::webhooks::SignatureError),
}

impl ServerError {
    /// True for failures worth retrying an idempotent call for.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ServerError::Timeout | ServerError::Transport(_))
            || matches!(self, ServerError::Upstream { status, .. } if *status >= 500)
    }

    /// Status, code and message: failures of Basiq and of the service first.
    fn parts(&self) -> (StatusCode, &'static str, String) {
        use ServerError::*;
        match self {
            Upstream { status: 404, .. } | NotFound => (
                StatusCode::NOT_FOUND,
                "not-found",
                "That connection or account was not found. Reload the list and try again.".into(),
            ),
            Upstream { status: 429, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "The bank data provider is busy. Wait a moment and try again.".into(),
            ),
            Upstream {
                status: 400,
                detail,
                ..
            } if detail.starts_with("Cannot login") => (
                StatusCode::CONFLICT,
                "connection-invalid",
                "This connection needs your current bank password before it can be refreshed."
                    .into(),
            ),
            Upstream { status: 503, .. } | Unavailable { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream-unavailable",
                "The bank data provider is unavailable right now. Try again in a few minutes."
                    .into(),
            ),
            RequestTimeout => (
                StatusCode::SERVICE_UNAVAILABLE,
                "request-timeout",
                "This took too long. Try again in a moment.".into(),
            ),
            Timeout => (
                StatusCode::GATEWAY_TIMEOUT,
                "upstream-timeout",
                "The bank data provider took too long to answer. Try again.".into(),
            ),
            Transport(_) | Upstream { .. } => (
                StatusCode::BAD_GATEWAY,
                "upstream-error",
                "The bank data provider could not be reached. Try again in a moment.".into(),
            ),
            Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "store-unavailable",
                "This service cannot reach its database right now. Try again in a minute.".into(),
            ),
            InvalidApiKey { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "misconfigured",
                "This service is not set up correctly. Please contact its operator.".into(),
            ),
            other => other.refusal_parts(),
        }
    }

    /// Requests this server refuses itself (limits, sessions, origins, bodies).
    fn refusal_parts(&self) -> (StatusCode, &'static str, String) {
        use ServerError::*;
        match self {
            TokenRateLimited { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!("Too many sign-ins right now. Try again in {retry_after} seconds."),
            ),
            TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests from this address. Wait a moment and try again.".into(),
            ),
            TooManyNewSessions { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-new-sessions",
                format!(
                    "Too many new sessions were started from here. Try again in {} minutes.",
                    retry_after.div_ceil(60)
                ),
            ),
            RefreshTooSoon { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "refresh-too-soon",
                format!(
                    "This bank was refreshed moments ago. You can refresh it again in {} minutes.",
                    retry_after.div_ceil(60)
                ),
            ),
            NoSession => (
                StatusCode::UNAUTHORIZED,
                "no-session",
                "Your session has ended. Reload the page to start again.".into(),
            ),
            SessionExpired => (
                StatusCode::UNAUTHORIZED,
                "session-expired",
                "Your session has expired, so this browser no longer knows which banks you connected. Start a new session to connect a bank again."
                    .into(),
            ),
            LinkTokenRequired => (
                StatusCode::UNAUTHORIZED,
                "link-token-required",
                "This page must be opened from the site you came from. Go back to it and start again."
                    .into(),
            ),
            WrongHost(_) => (
                StatusCode::MISDIRECTED_REQUEST,
                "wrong-host",
                "This address is not served here. Use the service's own address.".into(),
            ),
            OriginNotAllowed(_) => (
                StatusCode::FORBIDDEN,
                "origin-not-allowed",
                "This site is not allowed to use this service.".into(),
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Send JSON (Content-Type: application/json) or an empty body.".into(),
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The request body is too large.".into(),
            ),
            BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                format!("The request was not understood: {why}."),
            ),
            LinkToken(why) => (
                StatusCode::UNAUTHORIZED,
                "link-token-invalid",
                format!("This link has {why}. Go back to the site you came from and start again."),
            ),
            LinkTokensDisabled => (
                StatusCode::NOT_FOUND,
                "link-tokens-disabled",
                "Link tokens are not enabled on this server (set HOST_API_SECRET).".into(),
            ),
            HostUnauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Send Authorization: Bearer <HOST_API_SECRET>.".into(),
            ),
            WebhooksOff => (
                StatusCode::NOT_FOUND,
                "webhooks-off",
                "Basiq webhooks are not set up on this server (set BASIQ_WEBHOOK_SECRET).".into(),
            ),
            WebhookRefused(why) => (
                StatusCode::UNAUTHORIZED,
                "webhook-refused",
                format!("Refused: {why}. Sign with the subscription's whsec_ secret (Standard Webhooks)."),
            ),
            // Start-up errors (and the upstream ones, answered by `parts`).
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side. Try again.".into(),
            ),
        }
    }
}

impl From<axum::extract::rejection::BytesRejection> for ServerError {
    fn from(rejection: axum::extract::rejection::BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::PayloadTooLarge
        } else {
            ServerError::BadRequest("the body could not be read".into())
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        let mut response = (
            status,
            axum::Json(json!({"code": code, "message": message})),
        )
            .into_response();
        let retry = match &self {
            ServerError::TokenRateLimited { retry_after }
            | ServerError::RefreshTooSoon { retry_after }
            | ServerError::Unavailable { retry_after }
            | ServerError::TooManyRequests { retry_after }
            | ServerError::TooManyNewSessions { retry_after } => Some(*retry_after),
            ServerError::Store(_) => Some(5),
            ServerError::Upstream {
                status: 429,
                retry_after,
                ..
            } => Some(retry_after.unwrap_or(30)),
            _ => None,
        };
        if let Some(secs) = retry {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
