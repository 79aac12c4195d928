//! `GET /api/accounts`: the session user's accounts, numbers masked.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use bank_connect_core::accounts::mask_account_number;
use bank_connect_core::api_types::AccountView;

use super::private;
use crate::error::ServerError;
use crate::extract::SessionUser;
use crate::openapi::{SessionRequired, UpstreamErrors};
use crate::state::AppState;

/// `GET /api/accounts`.
#[utoipa::path(
    get,
    path = "/api/accounts",
    tag = "connections",
    operation_id = "accounts",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The session user's accounts, numbers masked", body = Vec<AccountView>),
        SessionRequired, UpstreamErrors,
    ),
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    SessionUser(user): SessionUser,
) -> Result<Response, ServerError> {
    let views: Vec<AccountView> = state
        .basiq
        .accounts(&user)
        .await?
        .iter()
        .cloned()
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
