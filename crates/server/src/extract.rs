//! Request extractors: a handler that names one cannot run without what it guarantees.
//! Axum runs them in argument order, so `SameOrigin` before `SessionUser` before `ConnectionId`
//! refuses a foreign origin before it looks at the session, and a missing session before a bad id.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use crate::client::ClientIp;
use crate::error::ServerError;
use crate::session::{SessionState, now_unix};
use crate::state::AppState;

/// The request's `Origin` is ours or on the allowlist (browsers send it on every POST/DELETE).
pub struct SameOrigin;

impl FromRequestParts<Arc<AppState>> for SameOrigin {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ServerError> {
        state.origins.check(&parts.headers).map(|()| SameOrigin)
    }
}

/// The request's session as the `/api` middleware resolved it.
pub struct CurrentSession(pub SessionState);

impl FromRequestParts<Arc<AppState>> for CurrentSession {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ServerError> {
        let resolved = parts.extensions.get::<SessionState>().cloned();
        Ok(CurrentSession(resolved.unwrap_or_else(|| {
            state.sessions.resolve(&parts.headers, now_unix())
        })))
    }
}

/// The Basiq user of the request's valid session: `401 session-expired` when the cookie is
/// there but no longer valid, `401 no-session` without one.
pub struct SessionUser(pub String);

impl FromRequestParts<Arc<AppState>> for SessionUser {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ServerError> {
        match CurrentSession::from_request_parts(parts, state).await?.0 {
            SessionState::Valid(s) => {
                state.limits.session_request(&s.user)?;
                Ok(SessionUser(s.user))
            }
            SessionState::Invalid => Err(ServerError::SessionExpired),
            SessionState::None => Err(ServerError::NoSession),
        }
    }
}

/// The host's backend, authenticated by `Authorization: Bearer <HOST_API_SECRET>`. Failed
/// attempts count against the client address's limit; link tokens against the host's.
pub struct HostBackend;

impl FromRequestParts<Arc<AppState>> for HostBackend {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ServerError> {
        match state.host.authorize(&parts.headers) {
            Ok(()) => {
                state.limits.link_token()?;
                Ok(HostBackend)
            }
            Err(e) => {
                let ClientIp(client) = ClientIp::from_request_parts(parts, state).await?;
                state.limits.token_request(client)?;
                Err(e)
            }
        }
    }
}

/// A connection id from the path: UUID-like only, so nothing can add or climb path segments
/// upstream; anything else is a 404.
pub struct ConnectionId(pub String);

impl FromRequestParts<Arc<AppState>> for ConnectionId {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ServerError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ServerError::NotFound)?;
        valid_id(&id)?;
        Ok(ConnectionId(id))
    }
}

/// Ids in paths and filters: UUID-like only.
pub fn valid_id(id: &str) -> Result<&str, ServerError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(ServerError::NotFound)
    }
}

/// A query string parsed into `T`; one that does not parse is a JSON `400 bad-request` (axum's
/// own `Query` answers plain text).
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ServerError> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| ServerError::BadRequest(e.body_text()))
    }
}

/// A body (at most 16 KiB) must have arrived this long after its headers.
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A JSON body, or an empty one (→ `T::default()`); anything else is refused.
pub struct JsonOrEmpty<T>(pub T);

impl<T, S> FromRequest<S> for JsonOrEmpty<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ServerError> {
        let headers = req.headers().clone();
        let body = tokio::time::timeout(BODY_READ_TIMEOUT, Bytes::from_request(req, state))
            .await
            .map_err(|_| ServerError::RequestTimeout)?
            .map_err(ServerError::from)?;
        json_body(&headers, &body).map(JsonOrEmpty)
    }
}

/// Rejects a non-empty body that is not JSON; parses it (empty → `T::default()`).
fn json_body<T: DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, ServerError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(ServerError::UnsupportedMediaType);
    }
    // An object only: serde would also read a struct from a JSON array of its fields.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ServerError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| ServerError::BadRequest(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(valid_id("64011b56-988a-4c2c-bfca-16c836cec23f").is_ok());
        for bad in ["", "..", "a/b", "a%2Fb", "a.b", &"x".repeat(65)] {
            assert!(valid_id(bad).is_err(), "{bad}");
        }
    }
}
