//! Basiq's error envelope: `{"type":"list","correlationId":…,"data":[{"type":"error",…}]}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One Basiq API error, rendered in Basiq's list envelope with a fresh `correlationId`.
#[derive(Debug, Clone)]
pub struct ApiError(Box<ErrorParts>);

/// The parts of an [`ApiError`].
#[derive(Debug, Clone)]
pub struct ErrorParts {
    /// HTTP status.
    pub status: StatusCode,
    /// Basiq error code, e.g. `parameter-not-valid`.
    pub code: String,
    /// Basiq error title.
    pub title: String,
    /// Optional detail text.
    pub detail: Option<String>,
    /// Optional `source` object.
    pub source: Option<Value>,
    /// Optional `Retry-After` seconds (for 429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A new error with a detail.
    pub fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Self {
        ApiError(Box::new(ErrorParts {
            status,
            code: code.into(),
            title: title.into(),
            detail: Some(detail.into()),
            source: None,
            retry_after: None,
        }))
    }

    /// Sets the `source` object.
    pub fn with_source(mut self, source: Value) -> Self {
        self.source = Some(source);
        self
    }

    /// Removes the detail (some Basiq errors have none).
    pub fn without_detail(mut self) -> Self {
        self.detail = None;
        self
    }

    /// 400 `parameter-not-valid` "Required parameter not valid".
    pub fn not_valid(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "parameter-not-valid",
            "Required parameter not valid",
            detail,
        )
    }

    /// 400 `parameter-not-supplied` "Required parameter not supplied".
    pub fn not_supplied(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "parameter-not-supplied",
            "Required parameter not supplied",
            detail,
        )
    }

    /// 400 `invalid-content` for bodies that are not the expected JSON.
    pub fn invalid_content(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid-content",
            "Invalid content",
            detail,
        )
    }

    /// 404 `resource-not-found` "Requested resource is not found".
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource-not-found",
            "Requested resource is not found",
            detail,
        )
    }

    /// 401 `invalid-authorization-token` (Basiq sends no detail).
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid-authorization-token",
            "Invalid authorization token.",
            "",
        )
        .without_detail()
    }

    /// 403 `access-denied` "Token has expired".
    pub fn token_expired() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "access-denied",
            "Access denied.",
            "Token has expired",
        )
    }

    /// 403 `forbidden-access` (wrong scope).
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden-access",
            "Forbidden Access",
            "Access to this resource is forbidden",
        )
    }

    /// 401 `unauthorized-access` (token bound to another user).
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized-access",
            "Unauthorized access",
            "You are not authorized to access this resource",
        )
    }

    /// 415 `unsupported-content-type`.
    pub fn unsupported_content_type(ct: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-content-type",
            "Unsupported content type",
            format!("Content type {ct} is not supported on requested endpoint."),
        )
    }

    /// 429 `too-many-requests`.
    pub fn too_many(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-requests",
            "Too many requests",
            "Too many requests.",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 500 `internal-server-error`.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal-server-error",
            "Internal Server Error",
            detail,
        )
    }

    /// The JSON envelope with a fresh correlation id.
    pub fn body(&self) -> Value {
        let mut item = json!({"type": "error", "code": self.code, "title": self.title});
        if let Some(d) = &self.detail {
            item["detail"] = json!(d);
        }
        match &self.source {
            Some(s) => item["source"] = s.clone(),
            // Basiq's 403s carry `"source": null` (recorded getUserForbidden.json).
            None if self.status == StatusCode::FORBIDDEN => item["source"] = Value::Null,
            None => {}
        }
        json!({"type": "list", "correlationId": uuid::Uuid::new_v4().to_string(), "data": [item]})
    }
}

impl std::ops::Deref for ApiError {
    type Target = ErrorParts;
    fn deref(&self) -> &ErrorParts {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorParts {
        &mut self.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
