//! `POST /api/token` (browser) and `POST /api/link-tokens` (host backend).

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bank_connect_core::api_types::{LinkTokenBody, TokenGrantBody};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::ServerError;
use crate::extract::{HostBackend, JsonOrEmpty, SameOrigin};
use crate::session::LinkTokenError;
use crate::state::AppState;

/// `POST /api/token` body.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[serde(default)]
    link_token: Option<String>,
    /// Basiq refused the token this server handed out (revoked early): mint a new one.
    #[serde(default)]
    fresh: bool,
}

/// `POST /api/token`: a CLIENT_ACCESS token for this session's Basiq user (created on first use),
/// or for the user of a link token.
pub async fn token(
    State(state): State<Arc<AppState>>,
    _: SameOrigin,
    headers: HeaderMap,
    JsonOrEmpty(request): JsonOrEmpty<TokenRequest>,
) -> Result<Response, ServerError> {
    let embedded = request.link_token.is_some();
    let (user, new_session) = match request.link_token {
        Some(t) => match state.host.link_tokens.redeem(t.trim(), Instant::now()) {
            Ok(user) => (user, true),
            Err(LinkTokenError::Expired) => return Err(ServerError::LinkToken("expired")),
            Err(LinkTokenError::Unknown) => {
                return Err(ServerError::LinkToken("already been used or is not valid"));
            }
        },
        None => match state.sessions.user_of(&headers) {
            Some(user) => (user, false),
            None => {
                let email = format!(
                    "session-{}@users.bank-connect.invalid",
                    uuid::Uuid::new_v4().simple()
                );
                let user = state.basiq.create_user(Some(&email), None).await?;
                tracing::info!(user = %user.id, "created a Basiq user for a new browser session");
                (user.id, true)
            }
        },
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
    if new_session {
        let cookie = state.sessions.start(&user, embedded);
        h.insert(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("cookie is ASCII"),
        );
    }
    Ok(response)
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
    let user = match state.host.users.get(user_ref) {
        Some(u) => u,
        None => {
            let created = state
                .basiq
                .create_user(request.email.as_deref(), request.mobile.as_deref())
                .await
                .map_err(|e| match e {
                    ServerError::Upstream {
                        status: 400,
                        detail,
                        ..
                    } => ServerError::BadRequest(detail),
                    other => other,
                })?;
            state.host.users.insert_or_existing(user_ref, created.id)
        }
    };
    let link_token = state.host.link_tokens.mint(&user, Instant::now());
    let body = LinkTokenBody {
        link_token,
        expires_in: state.host.link_tokens.ttl().as_secs(),
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}
