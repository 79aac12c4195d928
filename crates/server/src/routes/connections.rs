//! `/api/connections…`: the session user's connections, their transactions, refresh and removal.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bank_connect_core::api_types::{
    ConnectionView, RefreshStarted, TransactionPage, TransactionView,
};
use bank_connect_core::basiq::{Connection, Transaction};
use serde::Deserialize;

#[allow(unused_imports)]
use super::jobs::ConnectionV3View;
use super::private;
use crate::directory::Names;
use crate::error::ServerError;
use crate::extract::{ApiQuery, ConnectionId, SameOrigin, SessionUser, valid_id};
use crate::openapi::{OriginRefused, SessionRequired, UpstreamErrors};
use crate::state::AppState;
use crate::status::TransactionStatus;
use bank_connect_core::api_types::ApiErrorBody;

/// `GET /api/connections`: the session user's connections; in 3.0 with each one's method and
/// expiry.
#[utoipa::path(
    get,
    path = "/api/connections",
    tag = "connections",
    operation_id = "connections",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The session user's connections with institution name and logo (`method` and `expiryDate` in 3.0 only)", body = Vec<ConnectionV3View>),
        SessionRequired, UpstreamErrors,
    ),
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: SessionUser,
) -> Result<Response, ServerError> {
    if state.consent.enabled {
        super::jobs::list_v3(State(state), user).await
    } else {
        list_v21(State(state), user).await
    }
}

/// `GET /api/connections` in 2.1: the session user's connections with institution name and logo.
async fn list_v21(
    State(state): State<Arc<AppState>>,
    SessionUser(user): SessionUser,
) -> Result<Response, ServerError> {
    let list = state.basiq.connections(&user).await?;
    let names = state.directory.names(&state.basiq).await;
    let views: Vec<ConnectionView> = list.iter().cloned().map(|c| view_of(c, &names)).collect();
    Ok(private(Json(views)))
}

/// A Basiq connection as the connections view shows it (name and logo from the directory).
pub fn view_of(c: Connection, names: &Names) -> ConnectionView {
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
        method: None,
        expiry_date: None,
    }
}

/// `GET /api/connections/{id}/transactions` query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page, 1 to 500 (default 50).
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The cursor of the page before's `next`.
    #[serde(default)]
    next: Option<String>,
    /// Only this account's transactions.
    #[serde(default)]
    account: Option<String>,
}

/// `GET /api/connections/{id}/transactions?limit=&next=&account=`.
#[utoipa::path(
    get,
    path = "/api/connections/{id}/transactions",
    tag = "connections",
    operation_id = "transactions",
    params(("id" = String, Path, description = "A connection of the session user"), PageQuery),
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "A page of transactions, newest first, and the next page's cursor", body = TransactionPage),
        (status = 400, description = "bad-request: limit is not 1 to 500", body = ApiErrorBody),
        (status = 404, description = "not-found: not a connection (or account) of this user, or a page cursor Basiq does not know (any more): reload the list", body = ApiErrorBody),
        SessionRequired, UpstreamErrors,
    ),
)]
pub async fn transactions(
    State(state): State<Arc<AppState>>,
    SessionUser(user): SessionUser,
    ConnectionId(id): ConnectionId,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Response, ServerError> {
    let limit = match q.limit.as_deref() {
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| ServerError::BadRequest("limit must be 1 to 500".into()))?,
        None => 50,
    };
    let connection = state.basiq.connection(&user, &id).await?;
    let mut filter = format!("institution.id.eq('{}')", connection.institution.id);
    if let Some(account) = q.account.as_deref() {
        filter.push_str(&format!(",account.id.eq('{}')", valid_id(account)?));
    }
    let next = q.next.as_deref().filter(|n| !n.is_empty());
    let page = state
        .basiq
        .transactions(&user, &filter, limit, next)
        .await
        .map_err(|e| match e {
            ServerError::Upstream {
                status: 400,
                detail,
                ..
            } if detail.contains("Next") => ServerError::NotFound,
            other => other,
        })?;
    let next = page
        .links
        .as_ref()
        .and_then(|l| l.next.as_deref())
        .and_then(cursor_of);
    let transactions = page.data.into_iter().map(transaction_view).collect();
    Ok(private(Json(TransactionPage { transactions, next })))
}

fn transaction_view(t: Transaction) -> TransactionView {
    TransactionView {
        pending: TransactionStatus::from(t.status.as_str()) == TransactionStatus::Pending,
        date: t
            .post_date
            .or(t.transaction_date)
            .filter(|d| !d.is_empty())
            .map(|d| d.chars().take(10).collect()),
        id: t.id,
        account_id: t.account,
        description: t.description,
        amount: t.amount,
    }
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

/// `POST /api/connections/{id}/refresh` → `{job_id}`. Ownership first (someone else's id is a
/// 404, never a 429), then the per-(user, connection) slot.
#[utoipa::path(
    post,
    path = "/api/connections/{id}/refresh",
    tag = "connections",
    operation_id = "refresh_connection",
    params(("id" = String, Path, description = "A connection of the session user")),
    security(("session_cookie" = [])),
    responses(
        (status = 202, description = "The refresh started: follow its job", body = RefreshStarted),
        (status = 404, description = "not-found: not a connection of this user", body = ApiErrorBody),
        (status = 409, description = "connection-invalid: the bank needs the current password first", body = ApiErrorBody),
        (status = 429, description = "refresh-too-soon: refreshed less than MIN_REFRESH_INTERVAL ago; rate-limited: too many requests", body = ApiErrorBody),
        SessionRequired, OriginRefused, UpstreamErrors,
    ),
)]
pub async fn refresh(
    State(state): State<Arc<AppState>>,
    _: SameOrigin,
    SessionUser(user): SessionUser,
    ConnectionId(id): ConnectionId,
) -> Result<Response, ServerError> {
    state.basiq.connection(&user, &id).await?;
    let slot = state
        .refreshes
        .reserve(&user, &id, crate::store::now_ms())
        .await?;
    let job = state.basiq.refresh(&user, &id).await?;
    slot.keep();
    Ok((
        StatusCode::ACCEPTED,
        private(Json(RefreshStarted { job_id: job.id })),
    )
        .into_response())
}

/// `DELETE /api/connections/{id}` → 204, after checking the connection is the user's.
#[utoipa::path(
    delete,
    path = "/api/connections/{id}",
    tag = "connections",
    operation_id = "delete_connection",
    params(("id" = String, Path, description = "A connection of the session user")),
    security(("session_cookie" = [])),
    responses(
        (status = 204, description = "The connection is deleted at Basiq"),
        (status = 404, description = "not-found: not a connection of this user", body = ApiErrorBody),
        SessionRequired, OriginRefused, UpstreamErrors,
    ),
)]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    _: SameOrigin,
    SessionUser(user): SessionUser,
    ConnectionId(id): ConnectionId,
) -> Result<Response, ServerError> {
    state.basiq.connection(&user, &id).await?;
    state.basiq.delete_connection(&user, &id).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "no-store")],
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors() {
        assert_eq!(
            cursor_of("https://x/users/u/transactions?next=abc-1&limit=5").as_deref(),
            Some("abc-1")
        );
        assert_eq!(cursor_of("https://x/users/u/transactions"), None);
    }
}
