//! What sessions need shared: the Consent UI hand-offs (single-use nonces and their results)
//! and server-side revocations (every replica refuses a revoked session).

use super::{Store, on_pool};
use crate::error::ServerError;

/// A hand-off in flight (times in seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffRow {
    /// The Basiq user it was started for.
    pub user: String,
    /// `p` (page) or `w` (popup).
    pub mode: String,
    /// When it (or its result) expires.
    pub expires_at_secs: i64,
    /// When the person came back, once they have.
    pub returned_at_secs: Option<i64>,
    /// `jobId` as it came back.
    pub job_id: Option<String>,
    /// Every job id, comma-separated.
    pub job_ids: String,
}

/// A revocation: of one session (`kind` `session`, `subject` its id, `until_secs` how long
/// to keep it) or of every session of a user created up to `until_secs` (`kind` `user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRow {
    /// `session` or `user`.
    pub kind: String,
    /// Session id or Basiq user id.
    pub subject: String,
    /// See the type's docs.
    pub until_secs: i64,
}

impl Store {
    /// Records a new hand-off nonce.
    pub async fn insert_handoff(
        &self,
        nonce: &str,
        user: &str,
        mode: &str,
        expires_at_secs: i64,
    ) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO handoffs (nonce, user_id, mode, expires_at_secs) VALUES ($1, $2, $3, $4)",
        )
        .bind(nonce)
        .bind(user)
        .bind(mode)
        .bind(expires_at_secs)
        .execute(p)
        .await?.rows_affected());
        Ok(())
    }

    /// The hand-off of `nonce`.
    pub async fn handoff(&self, nonce: &str) -> Result<Option<HandoffRow>, ServerError> {
        type Row = (String, String, i64, Option<i64>, Option<String>, String);
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT user_id, mode, expires_at_secs, returned_at_secs, job_id, job_ids FROM handoffs WHERE nonce = $1",
        )
        .bind(nonce)
        .fetch_optional(p)
        .await?);
        Ok(row.map(
            |(user, mode, expires_at_secs, returned_at_secs, job_id, job_ids)| HandoffRow {
                user,
                mode,
                expires_at_secs,
                returned_at_secs,
                job_id,
                job_ids,
            },
        ))
    }

    /// Uses `nonce` once (for `user` and `mode`, before it expires): records the result and
    /// keeps it readable until at least `keep_until_secs`. False when it was not usable.
    #[allow(clippy::too_many_arguments)]
    pub async fn complete_handoff(
        &self,
        nonce: &str,
        user: &str,
        mode: &str,
        job_id: Option<&str>,
        job_ids: &str,
        now_secs: i64,
        keep_until_secs: i64,
    ) -> Result<bool, ServerError> {
        let done = on_pool!(self, p => sqlx::query(
            "UPDATE handoffs SET returned_at_secs = $4, job_id = $5, job_ids = $6, \
             expires_at_secs = CASE WHEN expires_at_secs > $7 THEN expires_at_secs ELSE $7 END \
             WHERE nonce = $1 AND user_id = $2 AND mode = $3 AND returned_at_secs IS NULL AND expires_at_secs > $4",
        )
        .bind(nonce)
        .bind(user)
        .bind(mode)
        .bind(now_secs)
        .bind(job_id)
        .bind(job_ids)
        .bind(keep_until_secs)
        .execute(p)
        .await?
        .rows_affected());
        Ok(done == 1)
    }

    /// Deletes one hand-off.
    pub async fn delete_handoff(&self, nonce: &str) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query("DELETE FROM handoffs WHERE nonce = $1")
            .bind(nonce)
            .execute(p)
            .await?.rows_affected());
        Ok(())
    }

    /// Deletes hand-offs (and results) expired at `now_secs`.
    pub async fn prune_handoffs(&self, now_secs: i64) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query("DELETE FROM handoffs WHERE expires_at_secs <= $1")
            .bind(now_secs)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Records a revocation at `now` (a later one for the same subject replaces it).
    pub async fn record_revocation(
        &self,
        revocation: &RevocationRow,
        now: i64,
    ) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO revocations (kind, subject, until_secs, recorded_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, subject) DO UPDATE SET until_secs = $3, recorded_at = $4 \
             WHERE revocations.until_secs < $3",
        )
        .bind(&revocation.kind)
        .bind(&revocation.subject)
        .bind(revocation.until_secs)
        .bind(now)
        .execute(p)
        .await?.rows_affected());
        Ok(())
    }

    /// Revocations recorded at or after `since` (all of them with `since` = 0).
    pub async fn revocations_since(&self, since: i64) -> Result<Vec<RevocationRow>, ServerError> {
        let rows: Vec<(String, String, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT kind, subject, until_secs FROM revocations WHERE recorded_at >= $1",
        )
        .bind(since)
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(kind, subject, until_secs)| RevocationRow {
                kind,
                subject,
                until_secs,
            })
            .collect())
    }
}
