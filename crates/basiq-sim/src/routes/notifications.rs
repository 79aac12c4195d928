//! `/notifications/webhooks`: subscribe (the answer carries the `whsec_` secret), list, get,
//! delete, the messages sent to a subscription with their attempts, and `GET /events/{id}`.
//! SERVER_ACCESS only.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::extract::{S, json_body, json_status, str_field};
use crate::auth::ServerToken;
use crate::error::{ApiError, ApiResult};
use crate::state::Sim;
use crate::webhooks::{EVENT_TYPES, Subscription, new_secret};

/// Adds the routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route("/notifications/webhooks", get(list).post(create))
        .route("/notifications/webhooks/{id}", get(one).delete(remove))
        .route("/notifications/webhooks/{id}/messages", get(messages))
        .route("/events/{id}", get(event))
}

fn subscribed_events(m: &Map<String, Value>) -> ApiResult<Vec<String>> {
    let bad =
        || ApiError::invalid_content("Posted subscribedEvents contains unsupported event types.");
    let list: Vec<String> = match m.get("subscribedEvents") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<ApiResult<_>>()?,
        Some(_) => return Err(bad()),
    };
    if list.is_empty() || list.iter().any(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(bad());
    }
    Ok(list)
}

fn valid_url(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

async fn create(
    _t: ServerToken,
    State(sim): S,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let m = json_body(&headers, &body, "request")?;
    let url = str_field(&m, "url", "URL")?
        .filter(|u| valid_url(u))
        .ok_or_else(|| {
            ApiError::invalid_content("Posted request not valid.")
                .with_source(json!({"parameter": "url", "pointer": "body/url"}))
        })?;
    let events = subscribed_events(&m)?;
    let sub = Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        name: str_field(&m, "name", "Name")?,
        description: str_field(&m, "description", "Description")?,
        url,
        secret: new_secret(),
        events,
    };
    let mut w = sim
        .webhooks
        .lock()
        .map_err(|_| ApiError::internal("Simulator state is poisoned."))?;
    if let Some(taken) = sub
        .events
        .iter()
        .find(|e| w.subscriptions.iter().any(|s| s.wants(e)))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "event-already-subscribed",
            "Event already subscribed",
            format!("The application already has a webhook subscribed to {taken}."),
        ));
    }
    let answer = sub.json(&sim.cfg.base_url);
    w.subscriptions.push(sub);
    Ok(json_status(StatusCode::CREATED, answer))
}

async fn list(_t: ServerToken, State(sim): S) -> ApiResult<Response> {
    let w = sim
        .webhooks
        .lock()
        .map_err(|_| ApiError::internal("Simulator state is poisoned."))?;
    let base = &sim.cfg.base_url;
    let data: Vec<Value> = w.subscriptions.iter().map(|s| s.json(base)).collect();
    Ok(json_status(
        StatusCode::OK,
        json!({"type": "list", "count": data.len(), "size": data.len(), "data": data,
               "links": {"self": format!("{base}/notifications/webhooks")}}),
    ))
}

fn not_found() -> ApiError {
    ApiError::not_found("Requested webhook does not exist.")
}

async fn one(_t: ServerToken, State(sim): S, Path(id): Path<String>) -> ApiResult<Response> {
    let w = sim
        .webhooks
        .lock()
        .map_err(|_| ApiError::internal("Simulator state is poisoned."))?;
    let sub = w
        .subscriptions
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(not_found)?;
    Ok(json_status(StatusCode::OK, sub.json(&sim.cfg.base_url)))
}

async fn remove(_t: ServerToken, State(sim): S, Path(id): Path<String>) -> ApiResult<Response> {
    let mut w = sim
        .webhooks
        .lock()
        .map_err(|_| ApiError::internal("Simulator state is poisoned."))?;
    let before = w.subscriptions.len();
    w.subscriptions.retain(|s| s.id != id);
    if w.subscriptions.len() == before {
        return Err(not_found());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn messages(_t: ServerToken, State(sim): S, Path(id): Path<String>) -> ApiResult<Response> {
    let w = sim
        .webhooks
        .lock()
        .map_err(|_| ApiError::internal("Simulator state is poisoned."))?;
    if !w.subscriptions.iter().any(|s| s.id == id) {
        return Err(not_found());
    }
    let base = &sim.cfg.base_url;
    let data: Vec<Value> = w
        .messages
        .iter()
        .filter(|m| m.webhook_id == id)
        .map(|m| m.json(base))
        .collect();
    Ok(json_status(
        StatusCode::OK,
        json!({"type": "list", "size": data.len(), "data": data,
               "links": {"self": format!("{base}/notifications/webhooks/{id}/messages")}}),
    ))
}

async fn event(_t: ServerToken, State(sim): S, Path(id): Path<String>) -> ApiResult<Response> {
    let w = sim
        .webhooks
        .lock()
        .map_err(|_| ApiError::internal("Simulator state is poisoned."))?;
    let e = w
        .events
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError::not_found("Requested event does not exist."))?;
    Ok(json_status(StatusCode::OK, e.json(&sim.cfg.base_url)))
}
