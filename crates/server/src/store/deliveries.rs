//! What the webhook route and the host outbox worker need beyond `webhooks.rs`: Basiq
//! deliveries recorded against their user, the host's reference of a Basiq user, and the
//! outbox's ordering view and claims.

use bank_connect_core::webhooks::BasiqEvent;

use super::{Store, on_pool};
use crate::error::ServerError;

/// A pending outbox event with the time of its next attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingWebhook {
    /// Order of enqueueing.
    pub seq: i64,
    /// The `webhook-id` of every attempt.
    pub id: String,
    /// The Basiq user it is about, if any.
    pub user_id: Option<String>,
    /// The JSON body sent.
    pub payload: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// Unix ms of the next attempt (a claimed event's lease end).
    pub next_attempt_at: i64,
}

impl Store {
    /// Whether a Basiq delivery with this `webhook-id` was acted on already.
    pub async fn basiq_webhook_seen(&self, webhook_id: &str) -> Result<bool, ServerError> {
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT webhook_id FROM webhooks_received WHERE webhook_id = $1",
        )
        .bind(webhook_id)
        .fetch_optional(p)
        .await?);
        Ok(row.is_some())
    }

    /// Records a Basiq delivery as acted on, against its user; false when it was already.
    pub async fn record_basiq_event(
        &self,
        webhook_id: &str,
        event: &BasiqEvent,
        now: i64,
    ) -> Result<bool, ServerError> {
        let n = on_pool!(self, p => sqlx::query(
            "INSERT INTO webhooks_received \
             (webhook_id, event_type, received_at, basiq_user_id, connection_id, consent_id, event_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (webhook_id) DO NOTHING",
        )
        .bind(webhook_id)
        .bind(&event.type_id)
        .bind(now)
        .bind(event.user_id.as_deref())
        .bind(event.connection_id.as_deref())
        .bind(event.consent_id.as_deref())
        .bind(&event.event_id)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// The Basiq events recorded against a user, oldest first: (event type, entity id).
    pub async fn basiq_events_of(
        &self,
        basiq_user_id: &str,
    ) -> Result<Vec<(String, Option<String>)>, ServerError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT event_type, COALESCE(connection_id, consent_id) FROM webhooks_received \
             WHERE basiq_user_id = $1 ORDER BY received_at, webhook_id",
        )
        .bind(basiq_user_id)
        .fetch_all(p)
        .await?))
    }

    /// The host's own reference of a Basiq user, when a host created it.
    pub async fn host_user_ref(&self, basiq_user_id: &str) -> Result<Option<String>, ServerError> {
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT user_ref FROM host_users WHERE basiq_user_id = $1 AND state = 'ready' \
             ORDER BY host, user_ref LIMIT 1",
        )
        .bind(basiq_user_id)
        .fetch_optional(p)
        .await?);
        Ok(row.map(|(r,)| r))
    }

    /// Forgets the refresh slots of a user's connections (their consent ended).
    pub async fn forget_refresh_slots(&self, user_id: &str) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query("DELETE FROM refresh_slots WHERE user_id = $1")
            .bind(user_id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// The oldest pending outbox events, due or not (the ordering rule needs both).
    pub async fn pending_webhooks(&self, limit: i64) -> Result<Vec<PendingWebhook>, ServerError> {
        type Row = (i64, String, Option<String>, String, i64, i64);
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, id, user_id, payload, attempts, next_attempt_at FROM webhook_outbox \
             WHERE state = 'pending' ORDER BY seq LIMIT $1",
        )
        .bind(limit)
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(
                |(seq, id, user_id, payload, attempts, next_attempt_at)| PendingWebhook {
                    seq,
                    id,
                    user_id,
                    payload,
                    attempts,
                    next_attempt_at,
                },
            )
            .collect())
    }

    /// Claims a pending event for one attempt: its next attempt moves to `lease_until`, only
    /// if it is still `expected_next` (no other worker claimed it since it was read).
    pub async fn claim_webhook(
        &self,
        id: &str,
        expected_next: i64,
        lease_until: i64,
    ) -> Result<bool, ServerError> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE webhook_outbox SET next_attempt_at = $3 \
             WHERE id = $1 AND state = 'pending' AND next_attempt_at = $2",
        )
        .bind(id)
        .bind(expected_next)
        .bind(lease_until)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Outbox events by state, for operators and tests: (id, state, attempts), in order.
    pub async fn outbox(&self) -> Result<Vec<(String, String, i64)>, ServerError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, state, attempts FROM webhook_outbox ORDER BY seq",
        )
        .fetch_all(p)
        .await?))
    }
}
