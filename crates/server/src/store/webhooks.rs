//! Webhooks: Basiq deliveries already acted on (idempotency by `webhook-id`) and the outbox
//! of events for the host's receiver (the id is the `webhook-id`, stable across retries).

use super::{Store, on_pool};
use crate::error::ServerError;

/// An outbox event due for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Order of enqueueing.
    pub seq: i64,
    /// The `webhook-id` of every attempt.
    pub id: String,
    /// E.g. `consent.revoked`.
    pub event_type: String,
    /// The Basiq user it is about, if any.
    pub user_id: Option<String>,
    /// The JSON body sent.
    pub payload: String,
    /// Attempts made so far.
    pub attempts: i64,
}

impl Store {
    /// Records a received delivery; false when `webhook_id` was seen before.
    pub async fn record_webhook_received(
        &self,
        webhook_id: &str,
        event_type: &str,
        now: i64,
    ) -> Result<bool, ServerError> {
        let n = on_pool!(self, p => sqlx::query(
            "INSERT INTO webhooks_received (webhook_id, event_type, received_at) VALUES ($1, $2, $3) \
             ON CONFLICT (webhook_id) DO NOTHING",
        )
        .bind(webhook_id)
        .bind(event_type)
        .bind(now)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Adds an event to the outbox, due at once.
    pub async fn enqueue_webhook(
        &self,
        id: &str,
        event_type: &str,
        user_id: Option<&str>,
        payload: &str,
        now: i64,
    ) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO webhook_outbox (id, event_type, user_id, payload, attempts, next_attempt_at, state, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5, 'pending', $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(event_type)
        .bind(user_id)
        .bind(payload)
        .bind(now)
        .execute(p)
        .await?.rows_affected());
        Ok(())
    }

    /// Pending events due at `now`, oldest first, at most `limit`.
    pub async fn due_webhooks(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<OutboxEvent>, ServerError> {
        type Row = (i64, String, String, Option<String>, String, i64);
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, id, event_type, user_id, payload, attempts FROM webhook_outbox \
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY seq LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(
                |(seq, id, event_type, user_id, payload, attempts)| OutboxEvent {
                    seq,
                    id,
                    event_type,
                    user_id,
                    payload,
                    attempts,
                },
            )
            .collect())
    }

    /// Marks an event delivered.
    pub async fn webhook_delivered(&self, id: &str) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE webhook_outbox SET state = 'delivered', attempts = attempts + 1, last_error = NULL WHERE id = $1",
        )
        .bind(id)
        .execute(p)
        .await?.rows_affected());
        Ok(())
    }

    /// Records a failed attempt: tried again at `next_attempt_at`, or `dead` when `None`.
    pub async fn webhook_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $2, \
             state = CASE WHEN $3 IS NULL THEN 'dead' ELSE 'pending' END, \
             next_attempt_at = COALESCE($3, next_attempt_at) WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(next_attempt_at)
        .execute(p)
        .await?.rows_affected());
        Ok(())
    }
}
