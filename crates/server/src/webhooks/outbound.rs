//! The host outbox worker: sends each user's oldest pending event (in the order they
//! happened), signed with `HOST_WEBHOOK_SECRET`, retries failures on the schedule, and
//! dead-letters an event after its last attempt.
//!
//! An attempt first claims its event in the store (its next attempt moves a lease ahead, on
//! the condition that nobody moved it since): two replicas never send one event at once, and
//! a process that dies mid-delivery leaves the event to be sent again when the lease ends.
//! The `webhook-id` is the event's id on every attempt, so a receiver that got an attempt
//! whose answer was lost recognises the repeat (at-least-once).

use std::sync::Arc;
use std::time::Duration;

use bank_connect_core::webhooks::outbox::{LEASE_MS, Pending, deliverable, delivered};
use bank_connect_core::webhooks::signature::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};

use super::HostTarget;
use crate::error::ServerError;
use crate::state::AppState;
use crate::store::{PendingWebhook, now_ms};

/// How often the worker looks when nothing woke it.
const POLL: Duration = Duration::from_millis(250);
/// How long the host's receiver may take to answer.
const RECEIVER_TIMEOUT: Duration = Duration::from_secs(15);
/// Pending events read per look.
const BATCH: i64 = 500;

/// Runs for the life of the server (nothing to do without `HOST_WEBHOOK_URL`).
pub async fn run(state: Arc<AppState>) {
    let Some(host) = state.webhooks.host.clone() else {
        return;
    };
    let Ok(client) = reqwest::Client::builder()
        .timeout(RECEIVER_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    else {
        tracing::error!("host webhooks are off: no HTTP client");
        return;
    };
    loop {
        let sent = match deliver_due(&state, &host, &client).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "host webhooks: the store failed; trying again");
                0
            }
        };
        if sent == 0 {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = state.webhooks.wake.notified() => {}
            }
        }
    }
}

/// Sends what may go now; how many attempts were made.
async fn deliver_due(
    state: &AppState,
    host: &HostTarget,
    client: &reqwest::Client,
) -> Result<usize, ServerError> {
    let pending = state.store.pending_webhooks(BATCH).await?;
    let refs: Vec<Pending<'_>> = pending
        .iter()
        .map(|e| Pending {
            seq: e.seq,
            user: e.user_id.as_deref(),
            next_attempt_ms: e.next_attempt_at,
        })
        .collect();
    let mut made = 0;
    for seq in deliverable(&refs, now_ms()) {
        if let Some(event) = pending.iter().find(|e| e.seq == seq)
            && attempt(state, host, client, event).await?
        {
            made += 1;
        }
    }
    Ok(made)
}

/// One attempt at one event; false when another worker had claimed it.
async fn attempt(
    state: &AppState,
    host: &HostTarget,
    client: &reqwest::Client,
    event: &PendingWebhook,
) -> Result<bool, ServerError> {
    let now = now_ms();
    if !state
        .store
        .claim_webhook(
            &event.id,
            event.next_attempt_at,
            now.saturating_add(LEASE_MS),
        )
        .await?
    {
        return Ok(false);
    }
    let ts = now.div_euclid(1000);
    let answer = client
        .post(&host.url)
        .header("content-type", "application/json")
        .header(HEADER_ID, &event.id)
        .header(HEADER_TIMESTAMP, ts.to_string())
        .header(
            HEADER_SIGNATURE,
            host.secret.sign(&event.id, ts, event.payload.as_bytes()),
        )
        .body(event.payload.clone())
        .send()
        .await;
    let status = answer.as_ref().ok().map(|r| r.status().as_u16());
    if delivered(status) {
        state.store.webhook_delivered(&event.id).await?;
        return Ok(true);
    }
    let why = match status {
        Some(s) => format!("the receiver answered {s}"),
        None => "the receiver did not answer".to_owned(),
    };
    let made = usize::try_from(event.attempts)
        .unwrap_or(0)
        .saturating_add(1);
    let next = state.webhooks.schedule.after_failure(made, now_ms());
    if next.is_none() {
        tracing::warn!(
            id = event.id,
            attempts = made,
            "host webhook dead-lettered: {why}"
        );
    } else {
        tracing::info!(
            id = event.id,
            attempts = made,
            "host webhook not delivered: {why}"
        );
    }
    state.store.webhook_failed(&event.id, &why, next).await?;
    Ok(true)
}
