//! `/__admin/*` routes (only with the admin flag): faults, token expiry, connection
//! invalidation, bank deposits and the clock.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::extract::{S, json_status};
use crate::error::{ApiError, ApiResult};
use crate::faults::FaultRule;
use crate::state::Sim;

/// Adds the admin routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route(
        "/__admin/faults",
        post(add_fault).get(list_faults).delete(clear_faults),
    )
    .route("/__admin/tokens/expire", post(expire_tokens))
    .route("/__admin/connections/invalidate", post(invalidate))
    .route("/__admin/bank-deposit", post(bank_deposit))
    .route("/__admin/clock/advance", post(advance))
}

fn rules(sim: &Sim) -> Value {
    let list = sim.faults.lock().map(|f| f.clone()).unwrap_or_default();
    json!({"type": "list", "data": list})
}

async fn add_fault(State(sim): S, body: Bytes) -> ApiResult<Response> {
    let rule: FaultRule = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid_content(format!("Posted fault is not in valid format: {e}"))
    })?;
    if let Ok(mut f) = sim.faults.lock() {
        f.push(rule);
    }
    Ok(json_status(StatusCode::CREATED, rules(&sim)))
}

async fn list_faults(State(sim): S) -> Response {
    json_status(StatusCode::OK, rules(&sim))
}

async fn clear_faults(State(sim): S) -> Response {
    if let Ok(mut f) = sim.faults.lock() {
        f.clear();
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn expire_tokens(State(sim): S) -> Response {
    sim.token_epoch.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT.into_response()
}

async fn invalidate(State(sim): S, body: Bytes) -> ApiResult<Response> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid_content("Posted body is not in valid format."))?;
    let login = v
        .get("loginId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::not_supplied("Login ID parameter is required."))?;
    let n = sim
        .store
        .lock()
        .map(|mut s| s.invalidate_login(login))
        .unwrap_or(0);
    Ok(json_status(StatusCode::OK, json!({"invalidated": n})))
}

/// `{"loginId": "gavinBelson", "cents": 12345}`: money arrives at the bank (seen after the
/// next refresh).
async fn bank_deposit(State(sim): S, body: Bytes) -> ApiResult<Response> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid_content("Posted body is not in valid format."))?;
    let login = v
        .get("loginId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::not_supplied("Login ID parameter is required."))?;
    let cents = v
        .get("cents")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::not_supplied("Cents parameter is required."))?;
    if let Ok(mut s) = sim.store.lock() {
        s.bank_deposit(login, cents);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn advance(State(sim): S, body: Bytes) -> ApiResult<Response> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid_content("Posted body is not in valid format."))?;
    let secs = v
        .get("seconds")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .ok_or_else(|| ApiError::not_valid("seconds must be a non-negative number"))?;
    sim.clock.advance(Duration::from_secs_f64(secs));
    Ok(StatusCode::NO_CONTENT.into_response())
}
