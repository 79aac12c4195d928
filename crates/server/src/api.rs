//! `/api/*` routes that act for the browser session's Basiq user.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bank_connect_core::api_types::{
    AccountView, ConnectionView, LinkTokenBody, RefreshStarted, TokenGrantBody, TransactionPage,
    TransactionView,
};
use bank_connect_core::flow::mask_account_number;
use secrecy::ExposeSecret;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::ServerError;
use crate::session::{self, LinkTokenError};

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The origin of this server as the browser sees it.
fn own_origin(headers: &HeaderMap, secure: bool) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(if secure { "https" } else { "http" });
    Some(format!("{proto}://{host}"))
}

/// Browsers send `Origin` on every POST/DELETE; it must be us or on the allowlist.
pub fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ServerError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    if Some(origin) == own_origin(headers, state.secure_cookies).as_deref()
        || state.allowed_origins.iter().any(|o| o == origin)
    {
        Ok(())
    } else {
        Err(ServerError::OriginNotAllowed(
            origin.chars().take(100).collect(),
        ))
    }
}

/// The Basiq user of the request's session cookie.
pub fn session_user(state: &AppState, headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(session::cookie_value)
        .find_map(|v| state.sessions.verify(v, now_unix()))
}

fn require_user(state: &AppState, headers: &HeaderMap) -> Result<String, ServerError> {
    session_user(state, headers).ok_or(ServerError::NoSession)
}

/// Rejects a non-empty body that is not JSON; parses it (empty → `T::default()`).
fn json_body<T: for<'de> Deserialize<'de> + Default>(
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
    serde_json::from_slice(body).map_err(|e| ServerError::BadRequest(e.to_string()))
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
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
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ServerError> {
    check_origin(&state, &headers)?;
    let request: TokenRequest = json_body(&headers, &body)?;
    let embedded = request.link_token.is_some();
    let (user, new_session) = match request.link_token {
        Some(t) => match state.link_tokens.redeem(t.trim(), Instant::now()) {
            Ok(user) => (user, true),
            Err(LinkTokenError::Expired) => return Err(ServerError::LinkToken("expired")),
            Err(LinkTokenError::Unknown) => {
                return Err(ServerError::LinkToken("already been used or is not valid"));
            }
        },
        None => match session_user(&state, &headers) {
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
        let cookie = session::set_cookie(
            &state.sessions.sign(&user, now_unix()),
            state.secure_cookies,
            embedded,
        );
        h.insert(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("cookie is ASCII"),
        );
    }
    Ok(response)
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkTokenRequest {
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
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ServerError> {
    let Some(secret) = &state.host_api_secret else {
        return Err(ServerError::LinkTokensDisabled);
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(
        presented
            .as_bytes()
            .ct_eq(secret.expose_secret().as_bytes()),
    ) {
        return Err(ServerError::HostUnauthorized);
    }
    let request: LinkTokenRequest = json_body(&headers, &body)?;
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
    let existing = state
        .host_users
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(user_ref)
        .cloned();
    let user = match existing {
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
            state
                .host_users
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(user_ref.to_owned())
                .or_insert(created.id)
                .clone()
        }
    };
    let link_token = state.link_tokens.mint(&user, Instant::now());
    let body = LinkTokenBody {
        link_token,
        expires_in: state.link_tokens.ttl().as_secs(),
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// Ids in paths: UUID-like only, so nothing can add or climb path segments upstream.
fn valid_id(id: &str) -> Result<&str, ServerError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(ServerError::NotFound)
    }
}

/// `GET /api/connections`: the session user's connections with institution name and logo.
pub async fn connections(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let user = require_user(&state, &headers)?;
    let list = state.basiq.connections(&user).await?;
    let names = state.directory.names(&state.basiq).await;
    let views: Vec<ConnectionView> = list
        .into_iter()
        .map(|c| {
            let (name, logo) = names
                .get(&c.institution.id)
                .cloned()
                .unwrap_or_else(|| (c.institution.id.clone(), None));
            ConnectionView {
                id: c.id,
                status: c.status,
                institution_id: c.institution.id,
                institution_name: name,
                institution_logo: logo,
                last_used: c.last_used,
                created_date: c.created_date,
                mfa_enabled: c.mfa_enabled.unwrap_or(false),
            }
        })
        .collect();
    Ok(private(Json(views)))
}

/// `GET /api/accounts`: the session user's accounts, numbers masked.
pub async fn accounts(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let user = require_user(&state, &headers)?;
    let views: Vec<AccountView> = state
        .basiq
        .accounts(&user)
        .await?
        .into_iter()
        .map(|a| AccountView {
            masked_number: mask_account_number(&a.account_no),
            id: a.id,
            connection_id: a.connection.unwrap_or_default(),
            institution_id: a.institution.unwrap_or_default(),
            name: a.name,
            balance: a.balance,
            available_funds: a.available_funds,
            currency: a.currency,
            class: a.class.kind,
            last_updated: a.last_updated,
        })
        .collect();
    Ok(private(Json(views)))
}

/// `GET /api/connections/{id}/transactions?limit=&next=&account=`.
pub async fn transactions(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ServerError> {
    let user = require_user(&state, &headers)?;
    let id = valid_id(&id)?;
    let limit = match q.get("limit") {
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| ServerError::BadRequest("limit must be 1 to 500".into()))?,
        None => 50,
    };
    let connection = state.basiq.connection(&user, id).await?;
    let mut filter = format!("institution.id.eq('{}')", connection.institution.id);
    if let Some(account) = q.get("account") {
        filter.push_str(&format!(",account.id.eq('{}')", valid_id(account)?));
    }
    let next = q.get("next").map(String::as_str).filter(|n| !n.is_empty());
    let page = state
        .basiq
        .transactions(&user, &filter, limit, next)
        .await
        .map_err(|e| match e {
            ServerError::Upstream {
                status: 400,
                detail,
                ..
            } if detail.contains("Next") => ServerError::BadRequest(
                "the page cursor is no longer valid; reload the list".into(),
            ),
            other => other,
        })?;
    let next = page
        .links
        .as_ref()
        .and_then(|l| l.next.as_deref())
        .and_then(cursor_of);
    let transactions = page
        .data
        .into_iter()
        .map(|t| TransactionView {
            pending: t.status == "pending",
            date: t
                .post_date
                .or(t.transaction_date)
                .filter(|d| !d.is_empty())
                .map(|d| d.chars().take(10).collect()),
            id: t.id,
            account_id: t.account,
            description: t.description,
            amount: t.amount,
        })
        .collect();
    Ok(private(Json(TransactionPage { transactions, next })))
}

/// The `next` query value of Basiq's next-page link.
pub fn cursor_of(link: &str) -> Option<String> {
    let query = link.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "next")
        .map(|(_, v)| v.to_owned())
}

/// `POST /api/connections/{id}/refresh` → `{job_id}`.
pub async fn refresh(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    check_origin(&state, &headers)?;
    let user = require_user(&state, &headers)?;
    let id = valid_id(&id)?;
    let now = Instant::now();
    let last = state
        .last_refresh
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(id)
        .copied();
    if let Some(wait) = last
        .map(|t| {
            state
                .min_refresh_interval
                .saturating_sub(now.duration_since(t))
        })
        .filter(|w| !w.is_zero())
    {
        return Err(ServerError::RefreshTooSoon {
            retry_after: wait.as_secs().max(1),
        });
    }
    let job = state.basiq.refresh(&user, id).await?;
    state
        .last_refresh
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id.to_owned(), now);
    Ok((
        StatusCode::ACCEPTED,
        private(Json(RefreshStarted { job_id: job.id })),
    )
        .into_response())
}

/// `DELETE /api/connections/{id}` → 204.
pub async fn delete_connection(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    check_origin(&state, &headers)?;
    let user = require_user(&state, &headers)?;
    state.basiq.delete_connection(&user, valid_id(&id)?).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "no-store")],
    )
        .into_response())
}

fn private(body: impl IntoResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_cursors() {
        assert!(valid_id("64011b56-988a-4c2c-bfca-16c836cec23f").is_ok());
        for bad in ["", "..", "a/b", "a%2Fb", "a.b", &"x".repeat(65)] {
            assert!(valid_id(bad).is_err(), "{bad}");
        }
        assert_eq!(
            cursor_of("https://x/users/u/transactions?next=abc-1&limit=5").as_deref(),
            Some("abc-1")
        );
        assert_eq!(cursor_of("https://x/users/u/transactions"), None);
    }
}
