//! `POST /api/webhooks/basiq`: a Basiq delivery, verified on its raw body with the
//! subscription's secret, acted on once per `webhook-id`.
//!
//! The actions are idempotent (the host event's id is derived from the delivery's id, the
//! caches are only dropped), and the delivery is recorded as seen after them: a failure half
//! way answers 5xx, Basiq delivers again and the rest is done; a repeat after success is
//! acknowledged without acting.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bank_connect_core::webhooks::signature::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use bank_connect_core::webhooks::{BasiqEvent, host_payload, rfc3339};
use sha2::{Digest, Sha256};

use crate::error::ServerError;
use crate::state::AppState;
use crate::store::now_ms;
use bank_connect_core::api_types::ApiErrorBody;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The host event's id for a Basiq delivery: the same on every redelivery.
pub fn host_event_id(basiq_webhook_id: &str) -> String {
    let digest = Sha256::digest(format!("host-event:{basiq_webhook_id}").as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

/// The route.
#[utoipa::path(
    post,
    path = "/api/webhooks/basiq",
    tag = "webhooks",
    operation_id = "basiq_webhook",
    params(
        ("webhook-id" = String, Header, description = "The delivery's id (the same on every retry)"),
        ("webhook-timestamp" = String, Header, description = "Unix seconds; refused more than 5 minutes from now"),
        ("webhook-signature" = String, Header, description = "Space-separated v1,<base64 HMAC-SHA256> entries over id.timestamp.body"),
    ),
    request_body(content = Object, content_type = "application/json", description = "Basiq's event: eventTypeId, eventId, links"),
    responses(
        (status = 204, description = "Acted on, or seen before and acknowledged"),
        (status = 401, description = "webhook-refused: a missing header, a wrong signature or a timestamp too far off", body = ApiErrorBody),
        (status = 404, description = "webhooks-off: BASIQ_WEBHOOK_SECRET is not set", body = ApiErrorBody),
        (status = 413, description = "payload-too-large: the body is over 16 KiB", body = ApiErrorBody),
        (status = 503, description = "store-unavailable: Basiq will deliver again", body = ApiErrorBody),
    ),
)]
pub async fn receive(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ServerError> {
    let body = body?;
    let secret = state
        .webhooks
        .basiq_secret
        .as_ref()
        .ok_or(ServerError::WebhooksOff)?;
    let id = header(&headers, HEADER_ID);
    let now = now_ms();
    secret.verify(
        id,
        header(&headers, HEADER_TIMESTAMP),
        header(&headers, HEADER_SIGNATURE),
        &body,
        now.div_euclid(1000),
    )?;
    let id = id.unwrap_or_default();
    if state.store.basiq_webhook_seen(id).await? {
        tracing::info!(
            webhook_id = id,
            "Basiq webhook seen before: acknowledged, not acted on"
        );
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let Some(event) = BasiqEvent::parse(&body) else {
        tracing::warn!(
            webhook_id = id,
            "Basiq webhook without an event type: acknowledged, ignored"
        );
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    act(&state, id, &event, now).await?;
    state.store.record_basiq_event(id, &event, now).await?;
    tracing::info!(
        webhook_id = id,
        event = event.type_id,
        "Basiq webhook acted on"
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// What the server does about an event: a new user may be the one a lost `POST /users` answer
/// made; a consent's end drops what it holds about the user's connections; the host's events go
/// to the outbox.
async fn act(state: &AppState, id: &str, event: &BasiqEvent, now: i64) -> Result<(), ServerError> {
    if let Some(user) = &event.user_id
        && event.type_id == "user.created"
    {
        state.host.users.adopt_orphan(&state.basiq, user).await?;
    }
    if let Some(user) = &event.user_id
        && event.ends_consent()
    {
        state.basiq.drop_client_token(user);
        state.store.forget_refresh_slots(user).await?;
    }
    let (Some(_), Some(kind)) = (&state.webhooks.host, event.host_type()) else {
        return Ok(());
    };
    let user_ref = match &event.user_id {
        Some(user) => state.store.host_user_ref(user).await?,
        None => None,
    };
    let payload = host_payload(
        kind,
        &rfc3339(now.div_euclid(1000)),
        event,
        user_ref.as_deref(),
    );
    state
        .store
        .enqueue_webhook(
            &host_event_id(id),
            kind,
            event.user_id.as_deref(),
            &payload,
            now,
        )
        .await?;
    state.webhooks.wake.notify_one();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::host_event_id;

    #[test]
    fn host_event_ids_are_stable_per_delivery_and_differ_between_them() {
        assert_eq!(host_event_id("msg_a"), host_event_id("msg_a"));
        assert_ne!(host_event_id("msg_a"), host_event_id("msg_b"));
        assert!(host_event_id("msg_a").starts_with("msg_"));
        assert_eq!(host_event_id("x").len(), 36);
    }
}
