//! `POST /api/token` (browser) and `POST /api/link-tokens` (host backend).

use std::net::IpAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bank_connect_core::api_types::{LinkTokenBody, TokenGrantBody};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::client::ClientIp;
use crate::error::ServerError;
use crate::extract::{CurrentSession, HostBackend, JsonOrEmpty, SameOrigin};
use crate::host::contact_hash;
use crate::openapi::{BodyErrors, OriginRefused, UpstreamErrors};
use crate::session::{LinkTokenError, SessionState, now_unix};
use crate::state::AppState;
use crate::store::now_ms;
use bank_connect_core::api_types::ApiErrorBody;

/// `POST /api/token` body.
#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// A host's link token: starts a session for its user (replacing any other).
    #[serde(default)]
    link_token: Option<String>,
    /// Basiq refused the token this server handed out (revoked early): mint a new one.
    #[serde(default)]
    fresh: bool,
    /// The person chose to start over after `session-expired`: a new user is fine.
    #[serde(default)]
    new_session: bool,
    /// The widget runs in a host's frame: without a link token or a session, refuse rather than
    /// create a user the host never hears of.
    #[serde(default)]
    embedded: bool,
}

/// `POST /api/token`: a CLIENT_ACCESS token for this session's Basiq user, for the user of a
/// link token, or (standalone, no session cookie at all) for a new anonymous user. A session
/// cookie that is no longer valid answers `401 session-expired` unless the body asks for a
/// `new_session`: a person's session never silently becomes a new user.
#[utoipa::path(
    post,
    path = "/api/token",
    tag = "session",
    operation_id = "token",
    request_body(content = Option<TokenRequest>, content_type = "application/json", description = "Empty, or JSON with any of these"),
    security((), ("session_cookie" = [])),
    responses(
        (status = 200, description = "A CLIENT_ACCESS token for this session's Basiq user; a new session sets its cookie", body = TokenGrantBody,
            headers(("Set-Cookie" = String, description = "The session cookie (HttpOnly, SameSite), when a session starts or is renewed"))),
        (status = 401, description = "session-expired: the session cookie is no longer valid (ask with new_session to start over); link-token-required: embedded without a link token or session; link-token-invalid: the link token was used, expired or never issued", body = ApiErrorBody),
        (status = 429, description = "rate-limited: too many token requests from this address or over the /token cap; too-many-new-sessions: the new-user quota is spent", body = ApiErrorBody),
        OriginRefused, BodyErrors,
        (status = 502, description = "upstream-error: Basiq could not be reached", body = ApiErrorBody),
        (status = 503, description = "upstream-unavailable, store-unavailable or request-timeout", body = ApiErrorBody),
        (status = 504, description = "upstream-timeout: Basiq did not answer in time", body = ApiErrorBody),
    ),
)]
pub async fn token(
    State(state): State<Arc<AppState>>,
    ClientIp(client): ClientIp,
    _: SameOrigin,
    CurrentSession(session): CurrentSession,
    JsonOrEmpty(request): JsonOrEmpty<TokenRequest>,
) -> Result<Response, ServerError> {
    state.limits.token_request(client)?;
    let (user, new_session) = match (request.link_token.as_deref(), session) {
        (Some(t), _) => (redeem(&state, t).await?, Some(true)),
        (None, SessionState::Valid(s)) => (s.user, None),
        (None, SessionState::Invalid) if !request.new_session => {
            return Err(ServerError::SessionExpired);
        }
        (None, _) if request.embedded || !state.sessions.anonymous() => {
            return Err(ServerError::LinkTokenRequired);
        }
        (None, _) => (anonymous_user(&state, client).await?, Some(false)),
    };
    if request.fresh {
        state.basiq.forget_client_token(&user).await;
    }
    let grant = state.basiq.client_token(&user).await?;
    let mut response = Json(TokenGrantBody {
        access_token: grant.access_token.expose_secret().to_owned(),
        expires_in: grant.expires_in,
        user_id: user.clone(),
    })
    .into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(embedded) = new_session {
        let cookie = state.sessions.start(&user, embedded, now_unix());
        h.insert(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("cookie is ASCII"),
        );
    }
    Ok(response)
}

async fn redeem(state: &AppState, link_token: &str) -> Result<String, ServerError> {
    match state
        .host
        .link_tokens
        .redeem(link_token.trim(), now_ms())
        .await?
    {
        Ok(user) => Ok(user),
        Err(LinkTokenError::Expired) => Err(ServerError::LinkToken("expired")),
        Err(LinkTokenError::Unknown) => {
            Err(ServerError::LinkToken("already been used or is not valid"))
        }
    }
}

/// A new Basiq user for a browser with no session — only when a CLIENT token could be fetched
/// for it right after (no orphans from a full budget) and within the new-user quotas.
async fn anonymous_user(state: &AppState, client: IpAddr) -> Result<String, ServerError> {
    state.basiq.check_client_budget().await?;
    state.limits.new_user(client)?;
    let email = format!(
        "session-{}@users.bank-connect.invalid",
        uuid::Uuid::new_v4().simple()
    );
    let user = state.basiq.create_user(Some(&email), None).await?;
    tracing::info!(user = %user.id, "created a Basiq user for a new browser session");
    Ok(user.id)
}

/// Of a link-token request, at least one of these is present.
pub const LINK_TOKEN_CONTACTS: [&str; 2] = ["email", "mobile"];

/// `POST /api/link-tokens` body: the host's reference of its user and one way to reach them.
#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkTokenRequest {
    /// The host's own reference of the person (1 to 200 characters once trimmed).
    #[serde(default)]
    #[schema(
        required,
        min_length = 1,
        max_length = 200,
        pattern = r"[^\s\x00-\x1f\x7f-\x9f]"
    )]
    user_ref: String,
    /// The person's email (one of email or mobile is required), as Basiq accepts it.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        nullable = false,
        pattern = r"^[!-?A-~]+@[!-,\-/-?A-~][!-?A-~]*\.[!-?A-~]*[!-,\-/-?A-~]$(?!\n)"
    )]
    email: Option<String>,
    /// The person's mobile number (one of email or mobile is required): 8 to 15 digits, an
    /// optional leading `+`.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, pattern = r"^\+?[0-9]{8,15}$(?!\n)")]
    mobile: Option<String>,
}

/// `POST /api/link-tokens` (host backend → us): a single-use link token for one of the host's users.
#[utoipa::path(
    post,
    path = "/api/link-tokens",
    tag = "host",
    operation_id = "link_token",
    request_body(content = LinkTokenRequest, content_type = "application/json"),
    security(("host_secret" = [])),
    responses(
        (status = 200, description = "A single-use link token for the widget", body = LinkTokenBody),
        (status = 401, description = "unauthorized: no or a wrong Authorization: Bearer <HOST_API_SECRET>", body = ApiErrorBody),
        (status = 404, description = "link-tokens-disabled: HOST_API_SECRET is not set", body = ApiErrorBody),
        BodyErrors, UpstreamErrors,
    ),
)]
pub async fn link_tokens(
    State(state): State<Arc<AppState>>,
    _: HostBackend,
    JsonOrEmpty(request): JsonOrEmpty<LinkTokenRequest>,
) -> Result<Response, ServerError> {
    let user_ref = request
        .user_ref
        .trim_matches(|c: char| c.is_whitespace() || c.is_control());
    if user_ref.is_empty() || request.user_ref.chars().count() > 200 {
        return Err(ServerError::BadRequest(
            "user_ref is required (1 to 200 characters)".into(),
        ));
    }
    if request.email.is_none() && request.mobile.is_none() {
        return Err(ServerError::BadRequest(
            "one of email or mobile is required".into(),
        ));
    }
    let (email, mobile) = (request.email.as_deref(), request.mobile.as_deref());
    if email.is_some_and(|e| !valid_email(e)) {
        return Err(ServerError::BadRequest(
            "email is not an address Basiq accepts".into(),
        ));
    }
    if mobile.is_some_and(|m| !valid_mobile(m)) {
        return Err(ServerError::BadRequest(
            "mobile must be 8 to 15 digits, optionally after a +".into(),
        ));
    }
    let contact = contact_hash(email, mobile);
    let user = state
        .host
        .users
        .get_or_create(user_ref, &contact, || async {
            let created = state
                .basiq
                .create_user(email, mobile)
                .await
                .map_err(|e| match e {
                    ServerError::Upstream {
                        status: 400,
                        detail,
                        ..
                    } => ServerError::BadRequest(detail),
                    other => other,
                })?;
            Ok(created.id)
        })
        .await?;
    let link_token = state.host.link_tokens.mint(&user, now_ms()).await?;
    let body = LinkTokenBody {
        link_token,
        expires_in: state.host.link_tokens.ttl().as_secs(),
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// A field that may be left out but, when present, is a string (`null` is refused, as the
/// document says).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

/// The document's email pattern: printable ASCII, one `@`, a domain with a `.` inside it.
fn valid_email(email: &str) -> bool {
    let printable = email.chars().all(|c| ('!'..='~').contains(&c));
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    printable
        && !local.is_empty()
        && !domain.contains('@')
        && domain.len() >= 3
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// The document's mobile pattern: 8 to 15 ASCII digits, optionally after a `+`.
fn valid_mobile(mobile: &str) -> bool {
    let digits = mobile.strip_prefix('+').unwrap_or(mobile);
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_checked_as_documented() {
        for ok in ["a@b.c", "first.last+tag@example.com.au", "x@a..b"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.c", "a@.b", "a@b.", "a@b@c.d", "a b@c.d", "é@b.c", "a@b.c\n",
        ] {
            assert!(!valid_email(bad), "{bad:?}");
        }
        for ok in ["04123456", "+61412345678", "123456789012345"] {
            assert!(valid_mobile(ok), "{ok}");
        }
        for bad in [
            "",
            "1234567",
            "1234567890123456",
            "+",
            "0412 345 678",
            "04123456\n",
            "٠٤١٢٣٤٥٦",
        ] {
            assert!(!valid_mobile(bad), "{bad:?}");
        }
    }
}
