//! Host users: the host's reference for a person → the Basiq user created for them. A row is
//! claimed (`pending`) before `POST /users`, so concurrent first requests on any replica create
//! one user, and a lost answer leaves an `unconfirmed` row to find the user by later.

use super::{Store, on_pool};
use crate::error::ServerError;

/// A host user row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUserRow {
    /// The Basiq user, once known.
    pub basiq_user_id: Option<String>,
    /// `pending`, `unconfirmed` or `ready`.
    pub state: String,
    /// Hash of the contact details sent to `POST /users`.
    pub contact_hash: String,
    /// When the creation was (last) claimed.
    pub claimed_at: i64,
}

/// The outcome of claiming a host user's creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The user exists.
    Ready(String),
    /// This caller creates it (`previous`: an earlier attempt's answer was lost, so the user
    /// may already exist; its row as it was).
    Create {
        /// The earlier attempt left unconfirmed, if any.
        previous: Option<HostUserRow>,
    },
    /// Another request (perhaps on another replica) is creating it now.
    Busy,
}

impl Store {
    /// The row of `user_ref` at `host`.
    pub async fn host_user(
        &self,
        host: &str,
        user_ref: &str,
    ) -> Result<Option<HostUserRow>, ServerError> {
        let row: Option<(Option<String>, String, String, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT basiq_user_id, state, contact_hash, claimed_at FROM host_users WHERE host = $1 AND user_ref = $2",
        )
        .bind(host)
        .bind(user_ref)
        .fetch_optional(p)
        .await?);
        Ok(row.map(
            |(basiq_user_id, state, contact_hash, claimed_at)| HostUserRow {
                basiq_user_id,
                state,
                contact_hash,
                claimed_at,
            },
        ))
    }

    /// Claims the creation of `user_ref`'s Basiq user at `now`: a new row, an unconfirmed
    /// one, or a pending one claimed before `stale_before` (its creator died) is taken over.
    pub async fn claim_host_user(
        &self,
        host: &str,
        user_ref: &str,
        contact_hash: &str,
        now: i64,
        stale_before: i64,
    ) -> Result<Claim, ServerError> {
        let before = self.host_user(host, user_ref).await?;
        if let Some(HostUserRow {
            basiq_user_id: Some(id),
            ..
        }) = before.as_ref().filter(|r| r.state == "ready")
        {
            return Ok(Claim::Ready(id.clone()));
        }
        let taken: Option<(String,)> = on_pool!(self, p => sqlx::query_as(
            "INSERT INTO host_users (host, user_ref, basiq_user_id, state, contact_hash, claimed_at, created_at) \
             VALUES ($1, $2, NULL, 'pending', $3, $4, $4) \
             ON CONFLICT (host, user_ref) DO UPDATE SET state = 'pending', contact_hash = $3, claimed_at = $4 \
             WHERE host_users.state = 'unconfirmed' OR (host_users.state = 'pending' AND host_users.claimed_at < $5) \
             RETURNING state",
        )
        .bind(host)
        .bind(user_ref)
        .bind(contact_hash)
        .bind(now)
        .bind(stale_before)
        .fetch_optional(p)
        .await?);
        if taken.is_some() {
            let previous = before.filter(|r| r.state == "unconfirmed");
            return Ok(Claim::Create { previous });
        }
        Ok(match self.host_user(host, user_ref).await? {
            Some(HostUserRow {
                basiq_user_id: Some(id),
                state,
                ..
            }) if state == "ready" => Claim::Ready(id),
            _ => Claim::Busy,
        })
    }

    /// Records the Basiq user created for a claimed `user_ref`.
    pub async fn finish_host_user(
        &self,
        host: &str,
        user_ref: &str,
        basiq_user_id: &str,
    ) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE host_users SET state = 'ready', basiq_user_id = $3 WHERE host = $1 AND user_ref = $2",
        )
        .bind(host)
        .bind(user_ref)
        .bind(basiq_user_id)
        .execute(p)
        .await?.rows_affected());
        Ok(())
    }

    /// Ends a claim without a user: `unconfirmed` (the answer was lost; Basiq may have created
    /// it) keeps the row for the next attempt to look for it, otherwise the row goes.
    pub async fn abandon_host_user(
        &self,
        host: &str,
        user_ref: &str,
        unconfirmed: bool,
    ) -> Result<(), ServerError> {
        if unconfirmed {
            on_pool!(self, p => sqlx::query(
                "UPDATE host_users SET state = 'unconfirmed' WHERE host = $1 AND user_ref = $2 AND state = 'pending'",
            )
            .bind(host)
            .bind(user_ref)
            .execute(p)
            .await?.rows_affected());
        } else {
            on_pool!(self, p => sqlx::query(
                "DELETE FROM host_users WHERE host = $1 AND user_ref = $2 AND state = 'pending'",
            )
            .bind(host)
            .bind(user_ref)
            .execute(p)
            .await?.rows_affected());
        }
        Ok(())
    }

    /// Forgets a deleted Basiq user: every host mapping to it and its outstanding link tokens.
    pub async fn forget_basiq_user(&self, basiq_user_id: &str) -> Result<(), ServerError> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM host_users WHERE basiq_user_id = $1")
                .bind(basiq_user_id)
                .execute(p)
                .await?.rows_affected();
            sqlx::query("DELETE FROM link_tokens WHERE basiq_user_id = $1")
                .bind(basiq_user_id)
                .execute(p)
                .await?.rows_affected();
        });
        Ok(())
    }

    /// Whether any creation lost its answer and waits for its user to be found.
    pub async fn any_unconfirmed_host_user(&self) -> Result<bool, ServerError> {
        let found: Option<(i32,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT 1 FROM host_users WHERE state = 'unconfirmed' LIMIT 1",
        )
        .fetch_optional(p)
        .await?);
        Ok(found.is_some())
    }

    /// A Basiq user learnt of later (the `user.created` webhook, whose user's email and mobile
    /// hash to `contact_hash`): adopted by the unconfirmed row it was created for — only when
    /// exactly one such row has those contact details and no row maps to the user yet.
    /// Returns the host user reference that now maps to it.
    pub async fn adopt_unconfirmed_host_user(
        &self,
        contact_hash: &str,
        basiq_user_id: &str,
    ) -> Result<Option<String>, ServerError> {
        let adopted: Option<(String,)> = on_pool!(self, p => sqlx::query_as(
            "UPDATE host_users SET state = 'ready', basiq_user_id = $2 \
             WHERE state = 'unconfirmed' AND contact_hash = $1 \
             AND (SELECT COUNT(*) FROM host_users WHERE state = 'unconfirmed' AND contact_hash = $1) = 1 \
             AND NOT EXISTS (SELECT 1 FROM host_users WHERE basiq_user_id = $2) \
             RETURNING user_ref",
        )
        .bind(contact_hash)
        .bind(basiq_user_id)
        .fetch_optional(p)
        .await?);
        Ok(adopted.map(|(r,)| r))
    }

    /// At the start of the only process using this store: creations it had in flight when it
    /// stopped are unconfirmed (Basiq may have made the user), not pending for 30 seconds.
    pub async fn release_claims(&self) -> Result<(), ServerError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE host_users SET state = 'unconfirmed' WHERE state = 'pending'",
        )
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Every known host user: (host, user_ref, Basiq user id), ordered.
    pub async fn host_users(&self) -> Result<Vec<(String, String, String)>, ServerError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT host, user_ref, basiq_user_id FROM host_users WHERE state = 'ready' ORDER BY host, user_ref",
        )
        .fetch_all(p)
        .await?))
    }
}
