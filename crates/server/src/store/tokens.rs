//! Link tokens (single use by one conditional `UPDATE … RETURNING`), refresh slots (one atomic
//! upsert) and the ledger of upstream `/token` calls shared by every replica.

use super::{Pool, Store, on_pool};
use crate::error::ServerError;

/// Why a link token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTokenError {
    /// Never issued, or already used.
    Unknown,
    /// Issued but past its lifetime.
    Expired,
}

/// A `/token` call the fleet's cap does not allow now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCallRefused {
    /// Milliseconds until the oldest call that must leave the window does.
    pub wait_ms: i64,
}

impl Store {
    /// Records a link token (its hash) for `user` until `expires_at`.
    pub async fn insert_link_token(
        &self,
        token_hash: &str,
        user: &str,
        expires_at: i64,
    ) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO link_tokens (token_hash, basiq_user_id, expires_at, used_at) VALUES ($1, $2, $3, NULL)",
        )
        .bind(token_hash)
        .bind(user)
        .bind(expires_at)
        .execute(p)
        .await?.rows_affected());
        Ok(())
    }

    /// Uses a link token once: one conditional update decides, whichever replica asks.
    pub async fn redeem_link_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Result<String, LinkTokenError>, ServerError> {
        let used: Option<(String,)> = on_pool!(self, p => sqlx::query_as(
            "UPDATE link_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING basiq_user_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(p)
        .await?);
        if let Some((user,)) = used {
            return Ok(Ok(user));
        }
        let row: Option<(Option<i64>,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT used_at FROM link_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await?);
        Ok(Err(match row {
            Some((None,)) => LinkTokenError::Expired,
            _ => LinkTokenError::Unknown,
        }))
    }

    /// Takes the refresh slot of (`user`, `connection`) at `now` unless one was taken within
    /// `interval_ms`; `Err(wait_ms)` otherwise.
    pub async fn reserve_refresh(
        &self,
        user: &str,
        connection: &str,
        now: i64,
        interval_ms: i64,
    ) -> Result<Result<(), i64>, ServerError> {
        let taken: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(
            "INSERT INTO refresh_slots (user_id, connection_id, started_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, connection_id) DO UPDATE SET started_at = $3 \
             WHERE refresh_slots.started_at <= $4 RETURNING started_at",
        )
        .bind(user)
        .bind(connection)
        .bind(now)
        .bind(now - interval_ms)
        .fetch_optional(p)
        .await?);
        if taken.is_some() {
            return Ok(Ok(()));
        }
        let last: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT started_at FROM refresh_slots WHERE user_id = $1 AND connection_id = $2",
        )
        .bind(user)
        .bind(connection)
        .fetch_optional(p)
        .await?);
        Ok(Err(last.map_or(1, |(at,)| (at + interval_ms - now).max(1))))
    }

    /// Gives back the slot taken at `at` (the refresh failed).
    pub async fn release_refresh(
        &self,
        user: &str,
        connection: &str,
        at: i64,
    ) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "DELETE FROM refresh_slots WHERE user_id = $1 AND connection_id = $2 AND started_at = $3",
        )
        .bind(user)
        .bind(connection)
        .bind(at)
        .execute(p)
        .await?.rows_affected());
        Ok(())
    }

    /// Calls in the window `(since, now]`.
    pub async fn count_token_calls(&self, since: i64) -> Result<i64, ServerError> {
        let (n,): (i64,) = on_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*) FROM token_calls WHERE at > $1",
        )
        .bind(since)
        .fetch_one(p)
        .await?);
        Ok(n)
    }

    /// Counts one `/token` call of `kind` at `now` when fewer than `limit` were made since
    /// `since` by the whole fleet; its id (to give it back), or how long to wait.
    pub async fn reserve_token_call(
        &self,
        kind: &str,
        now: i64,
        since: i64,
        limit: i64,
    ) -> Result<Result<i64, TokenCallRefused>, ServerError> {
        const INSERT: &str = "INSERT INTO token_calls (at, kind) SELECT $1, $2 \
             WHERE (SELECT COUNT(*) FROM token_calls WHERE at > $3) < $4 RETURNING id";
        let id: Option<(i64,)> = match &self.pool {
            Pool::Sqlite(p) => {
                let _one_writer = self.ledger.lock().await;
                sqlx::query_as(INSERT)
                    .bind(now)
                    .bind(kind)
                    .bind(since)
                    .bind(limit)
                    .fetch_optional(p)
                    .await?
            }
            Pool::Postgres(p) => {
                // Concurrent transactions would each see the others' inserts missing: one
                // transaction-scoped lock makes the count and the insert one step.
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7373010201)")
                    .execute(&mut *tx)
                    .await?;
                let id = sqlx::query_as(INSERT)
                    .bind(now)
                    .bind(kind)
                    .bind(since)
                    .bind(limit)
                    .fetch_optional(&mut *tx)
                    .await?;
                tx.commit().await?;
                id
            }
        };
        if let Some((id,)) = id {
            return Ok(Ok(id));
        }
        Ok(Err(TokenCallRefused {
            wait_ms: self.token_call_wait(now, since, limit).await?,
        }))
    }

    /// With `limit` calls or more since `since`: milliseconds until one more fits (the
    /// `limit`-th newest call leaves the window).
    pub async fn token_call_wait(
        &self,
        now: i64,
        since: i64,
        limit: i64,
    ) -> Result<i64, ServerError> {
        let oldest: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT at FROM token_calls WHERE at > $1 ORDER BY at DESC LIMIT 1 OFFSET $2",
        )
        .bind(since)
        .bind((limit - 1).max(0))
        .fetch_optional(p)
        .await?);
        let window = now - since;
        Ok(oldest.map_or(window, |(at,)| window - (now - at)).max(1))
    }

    /// Gives back a call that never reached Basiq.
    pub async fn release_token_call(&self, id: i64) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query("DELETE FROM token_calls WHERE id = $1")
            .bind(id)
            .execute(p)
            .await?.rows_affected());
        Ok(())
    }
}
