//! `/__admin/*` routes (only with the admin flag): faults, token expiry, connection
//! invalidation, bank deposits, the clock, the Consent UI's test switches, and failing webhook
//! deliveries.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::extract::{S, json_status, store};
use crate::error::{ApiError, ApiResult};
use crate::faults::FaultRule;
use crate::state::{Sim, Switches};

/// The admin routes, behind [`guard`].
pub(super) fn router(sim: &Arc<Sim>) -> Router<Arc<Sim>> {
    Router::new()
        .route(
            "/__admin/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/__admin/tokens/expire", post(expire_tokens))
        .route("/__admin/connections/invalidate", post(invalidate))
        .route("/__admin/bank-deposit", post(bank_deposit))
        .route("/__admin/clock/advance", post(advance))
        .route(
            "/__admin/consent-ui/switches",
            post(set_switches).get(get_switches),
        )
        .route("/__admin/consents/expire-in", post(consent_expires_in))
        .route("/__admin/consents/revoke-at-bank", post(revoke_at_bank))
        .route("/__admin/webhooks/fail-deliveries", post(fail_deliveries))
        .route_layer(middleware::from_fn_with_state(sim.clone(), guard))
}

/// Every admin request carries `Authorization: Bearer <admin token>`, and every POST is
/// `application/json`: no page of another site can reach these routes with a simple request
/// (a `text/plain` form post), and none can without the token the simulator printed.
async fn guard(State(sim): S, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let expected = sim.cfg.admin_token.as_deref();
    if !matches!((given, expected), (Some(g), Some(e)) if same_secret(g, e)) {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized-access",
            "Unauthorized Access",
            "The admin routes need 'Authorization: Bearer <admin token>' (printed once when the simulator starts).",
        )
        .into_response();
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if req.method() == Method::POST && !json {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-content-type",
            "Unsupported content type",
            "The admin routes take 'Content-Type: application/json' only.",
        )
        .into_response();
    }
    next.run(req).await
}

/// Compares two secrets in time that depends only on their lengths.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `{"times": 3}`: the next 3 webhook delivery attempts count as failed whatever the
/// receiver answers (so they are retried on Basiq's schedule, with the same `webhook-id`).
async fn fail_deliveries(State(sim): S, body: Bytes) -> ApiResult<Response> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid_content("Posted body is not in valid format."))?;
    let times = v
        .get("times")
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok())
        .ok_or_else(|| ApiError::not_valid("times must be a whole number"))?;
    if let Ok(mut w) = sim.webhooks.lock() {
        w.fail_next = times;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
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

fn switches(sim: &Sim) -> Value {
    serde_json::to_value(sim.switches.lock().map(|s| s.clone()).unwrap_or_default())
        .unwrap_or_default()
}

async fn get_switches(State(sim): S) -> Response {
    json_status(StatusCode::OK, switches(&sim))
}

/// `{"holderDeclines": true, "abandonAtBank": false, "consentExpiresInDays": 3}`: replaces the
/// Consent UI's test switches (absent = off).
async fn set_switches(State(sim): S, body: Bytes) -> ApiResult<Response> {
    let new: Switches = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid_content(format!("Posted switches are not in valid format: {e}"))
    })?;
    if let Ok(mut s) = sim.switches.lock() {
        *s = new;
    }
    Ok(json_status(StatusCode::OK, switches(&sim)))
}

fn user_id_of(v: &Value) -> ApiResult<&str> {
    v.get("userId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::not_supplied("User ID parameter is required."))
}

/// `{"userId": "…", "days": 3}`: the user's active consent (and its open-banking
/// connections) expire in that many days.
async fn consent_expires_in(State(sim): S, body: Bytes) -> ApiResult<Response> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid_content("Posted body is not in valid format."))?;
    let user = user_id_of(&v)?;
    let days = v
        .get("days")
        .and_then(Value::as_u64)
        .filter(|d| *d <= 36_500)
        .ok_or_else(|| ApiError::not_valid("days must be a whole number of days"))?;
    let (mut st, ctx) = store(&sim)?;
    if !st.consent_expires_in(&ctx, user, days) {
        return Err(ApiError::not_found("The user has no active consent."));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `{"userId": "…"}`: the bank revokes the user's consents (their connections are deleted).
async fn revoke_at_bank(State(sim): S, body: Bytes) -> ApiResult<Response> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid_content("Posted body is not in valid format."))?;
    let user = user_id_of(&v)?;
    let (mut st, ctx) = store(&sim)?;
    let n = st.revoke_at_bank(&ctx, user);
    Ok(json_status(StatusCode::OK, json!({"revoked": n})))
}
