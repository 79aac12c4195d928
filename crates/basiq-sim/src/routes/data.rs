//! Accounts and transactions.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use super::extract::{Query, S, json_status, store};
use crate::auth::ServerToken;
use crate::error::{ApiError, ApiResult};
use crate::state::Sim;
use crate::wire;

/// Adds the routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route("/users/{user}/accounts", get(list_accounts))
        .route("/users/{user}/accounts/{account}", get(get_account))
        .route("/users/{user}/transactions", get(list_transactions))
        .route("/users/{user}/transactions/{txn}", get(get_transaction))
}

async fn list_accounts(
    _: ServerToken,
    State(sim): S,
    Path(user): Path<String>,
    q: Query,
) -> ApiResult<Response> {
    let (st, ctx) = store(&sim)?;
    st.user(&user)?;
    let data = st
        .accounts(&user, q.filter())?
        .into_iter()
        .map(|a| wire::account(&user, a, ctx.base))
        .collect();
    Ok(json_status(
        StatusCode::OK,
        wire::list(data, format!("{}/users/{user}/accounts", ctx.base)),
    ))
}

async fn get_account(
    _: ServerToken,
    State(sim): S,
    Path((user, account)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (st, ctx) = store(&sim)?;
    Ok(json_status(
        StatusCode::OK,
        wire::account(&user, st.account(&user, &account)?, ctx.base),
    ))
}

/// Maximum (and default) page size of transactions.
pub const MAX_LIMIT: usize = 500;

async fn list_transactions(
    _: ServerToken,
    State(sim): S,
    Path(user): Path<String>,
    q: Query,
) -> ApiResult<Response> {
    let (mut st, ctx) = store(&sim)?;
    st.user(&user)?;
    let limit = match q.get("limit") {
        None => MAX_LIMIT,
        Some(l) => match l.trim().parse::<usize>() {
            Ok(n) if n > MAX_LIMIT => {
                return Err(ApiError::not_valid("Maximum limit allowed is 500")
                    .with_source(json!({"parameter": "limit"})));
            }
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(ApiError::not_valid("Limit value is not valid")
                    .with_source(json!({"parameter": "limit"})));
            }
        },
    };
    let (page, size, cursor) = st.transactions_page(&user, q.filter(), limit, q.get("next"))?;
    Ok(json_status(
        StatusCode::OK,
        wire::transactions_page(&user, &page, size, cursor, ctx.base),
    ))
}

async fn get_transaction(
    _: ServerToken,
    State(sim): S,
    Path((user, txn)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (st, ctx) = store(&sim)?;
    Ok(json_status(
        StatusCode::OK,
        wire::transaction(&user, st.transaction(&user, &txn)?, ctx.base),
    ))
}
