//! 3.0: consents, open-banking connections (created `pre-init`, authorised at the data holder,
//! expiring with their sharing arrangement), purge, and what expiry does on the clock.

use std::time::Duration;

use serde_json::json;

use super::records::{ConnStatus, Consent, ConsentStatus, Credentials, Expiry, Method};
use super::{Ctx, Store, valid_id};
use crate::error::{ApiError, ApiResult};

/// Days a renewal or the "expiring soon" list of `action=reauthorise` looks ahead.
pub const EXPIRING_SOON_DAYS: u64 = 7;

const DAY: Duration = Duration::from_secs(86_400);

impl Store {
    fn expiry_in(&self, now: Duration, days: u64) -> Expiry {
        let span = DAY.saturating_mul(u32::try_from(days).unwrap_or(u32::MAX));
        Expiry {
            at: now.saturating_add(span),
            date: self.wall(now) + chrono::Duration::days(i64::try_from(days).unwrap_or(36_500)),
        }
    }

    /// The user's active consent, if any.
    pub fn active_consent(&self, user_id: &str) -> Option<&Consent> {
        let u = self.users.get(user_id)?;
        u.consents
            .iter()
            .rev()
            .filter_map(|id| self.consents.get(id))
            .find(|c| c.status == ConsentStatus::Active)
    }

    /// The user's consents, newest first.
    pub fn consents_of(&self, user_id: &str) -> ApiResult<Vec<&Consent>> {
        let u = self.user(user_id)?;
        Ok(u.consents
            .iter()
            .rev()
            .filter_map(|id| self.consents.get(id))
            .collect())
    }

    /// The person consents for `days` (an active consent is renewed instead of doubled).
    pub fn give_consent(
        &mut self,
        ctx: &Ctx,
        user_id: &str,
        days: u64,
        declined_scopes: Vec<String>,
    ) -> ApiResult<String> {
        self.user(user_id)?;
        let expiry = self.expiry_in(ctx.now, days);
        let now = self.wall(ctx.now);
        if let Some(id) = self.active_consent(user_id).map(|c| c.id.clone())
            && let Some(c) = self.consents.get_mut(&id)
        {
            c.updated = now;
            c.expiry = expiry;
            c.declined_scopes = declined_scopes;
            self.emit_consent("consent.updated", user_id, &id);
            return Ok(id);
        }
        let id = self.next_id("consent");
        self.consents.insert(
            id.clone(),
            Consent {
                id: id.clone(),
                user_id: user_id.into(),
                created: now,
                updated: now,
                expiry,
                status: ConsentStatus::Active,
                revoked: None,
                declined_scopes,
            },
        );
        if let Some(u) = self.users.get_mut(user_id) {
            u.consents.push(id.clone());
        }
        self.emit_consent("consent.created", user_id, &id);
        Ok(id)
    }

    /// Extends the active consent to `days` from now (`action=extend`, `action=update`).
    pub fn extend_consent(&mut self, ctx: &Ctx, user_id: &str, days: u64) -> bool {
        let expiry = self.expiry_in(ctx.now, days);
        let now = self.wall(ctx.now);
        let Some(id) = self.active_consent(user_id).map(|c| c.id.clone()) else {
            return false;
        };
        if let Some(c) = self.consents.get_mut(&id) {
            c.expiry = expiry;
            c.updated = now;
        }
        true
    }

    /// Test switch: the active consent (and its open-banking connections) expire in `days`.
    pub fn consent_expires_in(&mut self, ctx: &Ctx, user_id: &str, days: u64) -> bool {
        let expiry = self.expiry_in(ctx.now, days);
        let Some(id) = self.active_consent(user_id).map(|c| c.id.clone()) else {
            return false;
        };
        if let Some(c) = self.consents.get_mut(&id) {
            c.expiry = expiry;
        }
        for c in self.connections.values_mut() {
            if c.consent_id.as_deref() == Some(id.as_str()) && c.method == Method::OpenBanking {
                c.expiry = Some(expiry);
            }
        }
        true
    }

    /// `DELETE /users/{u}/consents/{id}`, or a revocation in the Consent UI or at the bank:
    /// irreversible; the consent's connections are deleted with the data they brought in.
    pub fn revoke_consent(&mut self, ctx: &Ctx, user_id: &str, id: &str) -> ApiResult<()> {
        self.user(user_id)?;
        if !valid_id(id) {
            return Err(ApiError::not_valid("Consent ID value is not valid")
                .with_source(json!({"parameter": "consentId", "pointer": "path/consentId"})));
        }
        let now = self.wall(ctx.now);
        let c = self
            .consents
            .get_mut(id)
            .filter(|c| c.user_id == user_id)
            .ok_or_else(|| ApiError::not_found("Requested consent does not exist."))?;
        if c.status != ConsentStatus::Revoked {
            c.status = ConsentStatus::Revoked;
            c.revoked = Some(now);
            c.updated = now;
            self.emit_consent("consent.revoked", user_id, id);
        }
        let doomed: Vec<String> = self
            .connections
            .values()
            .filter(|c| c.consent_id.as_deref() == Some(id))
            .map(|c| c.id.clone())
            .collect();
        for conn in doomed {
            self.purge_data(user_id, &conn);
            let _ = self.delete_connection(user_id, &conn);
        }
        Ok(())
    }

    /// Test switch: every active consent of the user is revoked from the bank's side.
    pub fn revoke_at_bank(&mut self, ctx: &Ctx, user_id: &str) -> usize {
        let ids: Vec<String> = self
            .users
            .get(user_id)
            .map(|u| u.consents.clone())
            .unwrap_or_default();
        let mut n = 0;
        for id in ids {
            if self
                .consents
                .get(&id)
                .is_some_and(|c| c.status == ConsentStatus::Active)
                && self.revoke_consent(ctx, user_id, &id).is_ok()
            {
                n += 1;
            }
        }
        n
    }

    /// Expires what is due: consents past their expiry, open-banking connections past theirs
    /// (they become `invalid`, as at Basiq when an arrangement lapses).
    pub(super) fn expire_due(&mut self, now: Duration) {
        let wall = self.wall(now);
        let mut expired = Vec::new();
        for c in self.consents.values_mut() {
            if c.status == ConsentStatus::Active && now >= c.expiry.at {
                c.status = ConsentStatus::Expired;
                c.updated = wall;
                expired.push((c.user_id.clone(), c.id.clone()));
            }
        }
        let mut lapsed = Vec::new();
        for c in self.connections.values_mut() {
            if c.method == Method::OpenBanking
                && c.status == ConnStatus::Active
                && c.expiry.is_some_and(|e| now >= e.at)
            {
                c.status = ConnStatus::Invalid;
                lapsed.push((c.user_id.clone(), c.id.clone()));
            }
        }
        for (user, consent) in expired {
            self.emit_consent("consent.expired", &user, &consent);
        }
        for (user, conn) in lapsed {
            self.emit_connection("connection.invalidated", &user, &conn);
        }
    }

    /// A connection made in the Consent UI: web (with credentials; `pending`) or open banking
    /// (`pre-init` until the person finishes at the data holder).
    pub fn create_consented_connection(
        &mut self,
        ctx: &Ctx,
        user_id: &str,
        institution: &str,
        method: Method,
        creds: &Credentials,
    ) -> String {
        let consent = self
            .active_consent(user_id)
            .map(|c| (c.id.clone(), c.expiry));
        let id = self.create_connection(ctx, user_id, institution, creds);
        if let Some(c) = self.connections.get_mut(&id) {
            c.method = method;
            c.consent_id = consent.as_ref().map(|(id, _)| id.clone());
            if method == Method::OpenBanking {
                c.status = ConnStatus::PreInit;
                c.last_used = None;
                c.expiry = consent.map(|(_, e)| e);
            }
        }
        id
    }

    /// The data holder's answer for an open-banking connection: approved (with the account
    /// numbers shared) or declined. Starts the job either way.
    pub fn authorise_open_banking(
        &mut self,
        ctx: &Ctx,
        conn_id: &str,
        shared: Option<Vec<String>>,
    ) -> Option<String> {
        let c = self.connections.get_mut(conn_id)?;
        c.declined = shared.is_none();
        if let Some(s) = shared {
            c.shared_accounts = Some(s);
            if c.status == ConnStatus::PreInit {
                c.status = ConnStatus::Init;
            }
        }
        self.start_job(ctx, conn_id)
    }

    /// `action=reauthorise` Renew: a new sharing arrangement of `days` (account ids stay) and a
    /// job that fetches the data again.
    pub fn renew_open_banking(&mut self, ctx: &Ctx, conn_id: &str, days: u64) -> Option<String> {
        let expiry = self.expiry_in(ctx.now, days);
        let consent = {
            let c = self.connections.get_mut(conn_id)?;
            c.expiry = Some(expiry);
            c.declined = false;
            if c.status == ConnStatus::Invalid {
                c.status = ConnStatus::Active;
            }
            c.consent_id.clone()
        };
        if let Some(cons) = consent.and_then(|id| self.consents.get_mut(&id))
            && cons.expiry.at < expiry.at
        {
            cons.expiry = expiry;
        }
        self.start_job(ctx, conn_id)
    }

    /// `POST …/{c}/purge`: deletes the data a connection brought in; only while it is active.
    pub fn purge(&mut self, user_id: &str, conn_id: &str) -> ApiResult<()> {
        let c = self.connection(user_id, conn_id)?;
        if c.status != ConnStatus::Active {
            return Err(ApiError::not_valid(
                "Connection is not active. Only active connections can be purged.",
            )
            .with_source(json!({"parameter": "connectionId", "pointer": "path/connectionId"})));
        }
        self.purge_data(user_id, conn_id);
        Ok(())
    }

    fn purge_data(&mut self, user_id: &str, conn_id: &str) {
        if let Some(u) = self.users.get_mut(user_id) {
            u.accounts.retain(|a| a.connection_id != conn_id);
            u.transactions.retain(|t| t.connection_id != conn_id);
        }
    }
}
