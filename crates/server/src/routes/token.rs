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
use crate::session::{LinkTokenError, SessionState, now_unix};
use crate::state::AppState;
use crate::store::now_ms;

/// `POST /api/token` body.
#[derive(Default, Deserialize)]
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

/// `POST /api/link-tokens` body.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkTokenRequest {
    #[serde(default)]
    user_ref: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    mobile: Option<String>,
}

/// `POST /api/link-tokens` (host backend → us): a single-use link token for one of the host's users.
pub async fn link_tokens(
    State(state): State<Arc<AppState>>,
    _: HostBackend,
    JsonOrEmpty(request): JsonOrEmpty<LinkTokenRequest>,
) -> Result<Response, ServerError> {
    let user_ref = request.user_ref.trim();
    if user_ref.is_empty() || user_ref.len() > 200 {
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
