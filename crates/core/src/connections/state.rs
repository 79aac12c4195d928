//! The connections view as a pure state machine: [`next`]`(state, event) -> (state, effects)`.
//!
//! The person's connected banks with their accounts; per card a running refresh or credential
//! update (its job followed by [`crate::job`], MFA included), its error and its refresh wait;
//! per account its transaction pages; the update form and the remove dialog. The container
//! does the I/O each [`ConnectionsEffect`] names and feeds the answers back in; it keeps the
//! secrets (passwords, MFA answers) out of the state and hands them to the request itself.

pub use super::events::{ConnectionsEffect, ConnectionsEvent, ConnectionsFocus};
pub use super::screen::{
    Card, ConnectionsScreen, JobKind, Running, Transactions, UpdateForm, UpdateOpening,
};

use super::{ActionError, append_page};
use crate::errors::{ErrorKind, UserError};
use crate::job::{self, Followed, JobEvent, JobFollow};
use crate::validation::FormCheck;

type Effects = Vec<ConnectionsEffect>;

/// The transitions' building blocks.
impl ConnectionsScreen {
    fn card(&mut self, id: &str) -> &mut Card {
        self.cards.entry(id.to_string()).or_default()
    }

    fn tx(&mut self, account_id: &str) -> &mut Transactions {
        self.transactions.entry(account_id.to_string()).or_default()
    }

    /// Stops showing `id`'s job in full; focus follows to its card when it was there.
    fn unwatch(&mut self, id: &str, fx: &mut Effects) {
        if self.watching.as_deref() == Some(id) {
            self.watching = None;
            fx.push(focus(ConnectionsFocus::CardHeadingFromJobArea(id.into())));
        }
    }

    fn start_refresh(&mut self, id: &str, watch: bool, now_ms: u64, fx: &mut Effects) {
        if self.running(id).is_some() {
            return;
        }
        let card = self.card(id);
        card.error = None;
        card.previous_start_ms = card.last_started_ms;
        card.last_started_ms = Some(now_ms);
        card.running = Some(Running {
            kind: JobKind::Refresh,
            started_at_ms: now_ms,
            job: None,
        });
        if watch {
            self.watching = Some(id.into());
        }
        self.note = Some(format!("Refreshing {}…", self.name_of(id)));
        fx.push(ConnectionsEffect::StartRefresh(id.into()));
    }

    fn refresh_refused(&mut self, id: &str, e: ActionError, now_ms: u64, fx: &mut Effects) {
        let too_soon = e.code.as_deref() == Some("refresh-too-soon");
        let card = self.card(id);
        card.running = None;
        card.last_started_ms = card.previous_start_ms;
        if let Some(s) = e.retry_after_secs {
            card.blocked_until_ms = Some(now_ms.saturating_add(s.saturating_mul(1000)));
        }
        if !too_soon {
            card.error = Some(e.message.clone());
        }
        self.unwatch(id, fx);
        self.note = Some(if too_soon {
            e.message
        } else {
            format!("{} couldn't be refreshed.", self.name_of(id))
        });
        if e.needs_password {
            fx.push(ConnectionsEffect::ReloadAfterJob(id.into()));
        }
    }

    /// Feeds an event to the card's job and applies what became of it.
    fn follow(&mut self, id: &str, event: JobEvent, fx: &mut Effects) {
        let Some(follow) = self.job(id).cloned() else {
            return;
        };
        match job::next(follow, event) {
            Followed::Going { follow, asked } => {
                if let Some(r) = self.cards.get_mut(id).and_then(|c| c.running.as_mut()) {
                    r.job = Some(follow);
                }
                if asked && self.watching.is_none() {
                    self.watching = Some(id.into());
                }
                if asked && self.watching.as_deref() == Some(id) {
                    // The bank is waiting for the person: take them to the question.
                    fx.push(focus(ConnectionsFocus::StepHeading));
                }
            }
            Followed::Succeeded { .. } => {
                let name = self.name_of(id);
                let card = self.card(id);
                let kind = card.running.take().map(|r| r.kind);
                card.update_login = None;
                self.unwatch(id, fx);
                self.note = Some(match kind {
                    Some(JobKind::Update) => format!("{name} is connected again."),
                    _ => format!("{name} refreshed."),
                });
                fx.push(ConnectionsEffect::ReloadAfterJob(id.into()));
            }
            Followed::Failed(e) => self.job_failed_with(id, e, fx),
        }
    }

    /// A job ended in failure; a refused update goes back to the form, the refusal on top.
    fn job_failed_with(&mut self, id: &str, e: UserError, fx: &mut Effects) {
        let update = self.running(id).is_some_and(|r| r.kind == JobKind::Update);
        self.job_failed(id, ActionError::from_user_error(&e).message, fx);
        if update && e.kind == ErrorKind::InvalidCredentials {
            let card = self.card(id);
            card.error = None;
            let login_prefill = card.update_login.take();
            self.note = Some(format!("{} didn't accept those details.", self.name_of(id)));
            fx.push(ConnectionsEffect::OfferUpdate {
                id: id.into(),
                login_prefill,
                notice: Some(e),
            });
        }
    }

    fn job_failed(&mut self, id: &str, message: String, fx: &mut Effects) {
        let name = self.name_of(id);
        let card = self.card(id);
        card.running = None;
        card.error = Some(message);
        self.unwatch(id, fx);
        self.note = Some(format!("{name} couldn't be refreshed."));
        fx.push(ConnectionsEffect::ReloadAfterJob(id.into()));
    }

    fn open_update(&mut self, id: &str, open: UpdateOpening, fx: &mut Effects) {
        let UpdateOpening {
            institution,
            login_prefill,
            notice,
        } = open;
        let Some(conn) = self.connection(id) else {
            return;
        };
        let mut institution = institution;
        if institution.logo.is_none() {
            institution.logo = conn.institution_logo.clone();
        }
        fx.push(focus(ConnectionsFocus::StepHeading));
        fx.push(ConnectionsEffect::FetchInstitution {
            id: id.into(),
            institution_id: conn.institution_id.clone(),
        });
        self.updating = Some(UpdateForm {
            connection_id: id.into(),
            login_prefill,
            institution,
            check: FormCheck::default(),
            submitting: false,
            notice,
        });
    }

    fn load_page(&mut self, connection_id: &str, account_id: &str, more: bool, fx: &mut Effects) {
        let t = self.tx(account_id);
        if more && t.next.is_none() {
            return;
        }
        t.loading = true;
        t.error = None;
        fx.push(ConnectionsEffect::LoadPage {
            connection_id: connection_id.into(),
            account_id: account_id.into(),
            cursor: if more { t.next.clone() } else { None },
        });
    }

    fn removed(&mut self, id: &str, fx: &mut Effects) {
        let name = self.name_of(id);
        if let Some(l) = &mut self.connections {
            l.retain(|c| c.id != id);
        }
        let gone: Vec<String> = self
            .accounts
            .iter()
            .filter(|a| a.connection_id == id)
            .map(|a| a.id.clone())
            .collect();
        self.accounts.retain(|a| a.connection_id != id);
        self.transactions.retain(|a, _| !gone.contains(a));
        self.cards.remove(id);
        self.unwatch(id, fx);
        self.note = Some(format!("{name} was removed."));
        fx.push(focus(ConnectionsFocus::Heading));
    }
}

fn focus(target: ConnectionsFocus) -> ConnectionsEffect {
    ConnectionsEffect::Focus(target)
}

/// The view's transition function: pure, total, never panics. Events about a connection,
/// job or form that is not there change nothing.
pub fn next(state: ConnectionsScreen, event: ConnectionsEvent) -> (ConnectionsScreen, Effects) {
    use ConnectionsEvent as E;
    let mut s = state;
    let mut fx = Vec::new();
    let handle = match &event {
        E::Show
        | E::Hide
        | E::ConfigLoaded { .. }
        | E::Reload
        | E::ListLoaded { .. }
        | E::ListFailed { .. }
        | E::AccountsLoaded { .. }
        | E::ReloadedAfterJob { .. } => list,
        E::Refresh { .. }
        | E::RefreshAll { .. }
        | E::RefreshStarted { .. }
        | E::RefreshRefused { .. }
        | E::JobPolled { .. }
        | E::PollFailed { .. }
        | E::MfaSubmitted { .. }
        | E::MfaSent { .. }
        | E::MfaNotSent { .. }
        | E::Watch { .. }
        | E::Background
        | E::StopFollowing { .. } => jobs,
        E::OpenUpdate { .. }
        | E::UpdateDetails { .. }
        | E::SubmitUpdate { .. }
        | E::UpdateStarted { .. }
        | E::UpdateFailed { .. }
        | E::CancelUpdate => update,
        E::AskRemove { .. }
        | E::CancelRemove
        | E::ConfirmRemove { .. }
        | E::Removed { .. }
        | E::RemoveFailed { .. } => removal,
        E::ToggleTransactions { .. } | E::MoreTransactions { .. } | E::PageLoaded { .. } => {
            transactions
        }
        E::ConsentsLoaded(_)
        | E::AskRevoke
        | E::CancelRevoke
        | E::ConfirmRevoke
        | E::Revoked(_)
        | E::RevokeFailed(_) => consent,
    };
    handle(&mut s, event, &mut fx);
    (s, fx)
}

/// The list: opening, loading, reloading.
fn list(s: &mut ConnectionsScreen, event: ConnectionsEvent, fx: &mut Effects) {
    use ConnectionsEffect as F;
    use ConnectionsEvent as E;
    match event {
        E::Show => fx.extend(s.show()),
        E::Hide => {
            s.open = false;
            fx.push(focus(ConnectionsFocus::Entry));
        }
        E::ConfigLoaded {
            min_refresh_interval_secs,
        } => s.min_interval_secs = min_refresh_interval_secs,
        E::Reload => fx.push(F::LoadList),
        E::ListLoaded(list) => s.list_loaded(list),
        E::ListFailed(e) => s.list_failed(e),
        E::AccountsLoaded(list) => s.accounts_loaded(list),
        E::ReloadedAfterJob(id) => {
            let open: Vec<String> = s
                .transactions
                .iter()
                .filter(|(_, t)| t.expanded)
                .map(|(a, _)| a.clone())
                .filter(|a| {
                    s.accounts
                        .iter()
                        .any(|x| x.id == *a && x.connection_id == id)
                })
                .collect();
            for account in open {
                s.load_page(&id, &account, false, fx);
            }
        }
        _ => {}
    }
}

/// A card's job: refresh, polling, MFA, following it or not.
fn jobs(s: &mut ConnectionsScreen, event: ConnectionsEvent, fx: &mut Effects) {
    use ConnectionsEffect as F;
    use ConnectionsEvent as E;
    match event {
        E::Refresh { id, watch, now_ms } => s.start_refresh(&id, watch, now_ms, fx),
        E::RefreshAll { now_ms } => {
            for (i, id) in s.refresh_all_targets(now_ms).into_iter().enumerate() {
                s.start_refresh(&id, i == 0, now_ms, fx);
            }
        }
        E::RefreshStarted { id, job_id } => {
            if let Some(r) = s.cards.get_mut(&id).and_then(|c| c.running.as_mut())
                && r.job.is_none()
            {
                r.job = Some(JobFollow::new(job_id.clone(), r.started_at_ms));
                fx.push(F::PollJob { id, job_id });
            }
        }
        E::RefreshRefused { id, error, now_ms }
            if s.running(&id).is_some_and(|r| r.job.is_none()) =>
        {
            s.refresh_refused(&id, error, now_ms, fx);
        }
        E::JobPolled {
            id,
            job,
            requested_at_ms,
            now_ms,
        } => {
            let event = JobEvent::Polled {
                job,
                requested_at_ms,
                now_ms,
            };
            s.follow(&id, event, fx);
        }
        E::PollFailed { id, message } if s.running(&id).is_some() => {
            s.job_failed(&id, message, fx);
        }
        E::MfaSubmitted { id, now_ms } => {
            let open = s.job(&id).filter(|j| j.asks()).map(|j| j.job_id.clone());
            if let Some(job_id) = open {
                s.follow(&id, JobEvent::MfaSubmitted { now_ms }, fx);
                fx.push(F::PostMfa { id, job_id });
            }
        }
        E::MfaSent { id } => s.follow(&id, JobEvent::MfaSent, fx),
        E::MfaNotSent { id, message } => s.follow(&id, JobEvent::RequestFailed(message), fx),
        E::Watch(id) if s.running(&id).is_some() => {
            s.watching = Some(id);
            fx.push(focus(ConnectionsFocus::StepHeading));
        }
        E::Background => s.watching = None,
        E::StopFollowing(id) if s.running(&id).is_some() => {
            s.card(&id).running = None;
            s.unwatch(&id, fx);
            s.note = Some(format!(
                "Stopped following {}. Its data updates when the bank finishes.",
                s.name_of(&id)
            ));
            fx.push(F::ReloadAfterJob(id));
        }
        _ => {}
    }
}

/// The credential-update form.
fn update(s: &mut ConnectionsScreen, event: ConnectionsEvent, fx: &mut Effects) {
    use ConnectionsEffect as F;
    use ConnectionsEvent as E;
    match event {
        E::OpenUpdate { id, open } => s.open_update(&id, open, fx),
        E::UpdateDetails { id, institution } => {
            if let Some(u) = s.updating.as_mut().filter(|u| u.connection_id == id) {
                let mut fresh = institution;
                if fresh.logo.is_none() {
                    fresh.logo = u.institution.logo.clone();
                }
                u.institution = fresh;
            }
        }
        E::SubmitUpdate { login_id, check } => {
            if let Some(u) = s.updating.as_mut().filter(|u| !u.submitting) {
                let ok = check.can_submit();
                u.check = check;
                if ok {
                    u.submitting = true;
                    u.notice = None;
                    u.login_prefill = Some(login_id);
                    fx.push(F::PostUpdate(u.connection_id.clone()));
                }
            }
        }
        E::UpdateStarted { id, job_id, now_ms } => {
            let form = s
                .updating
                .take_if(|u| u.connection_id == id && u.submitting);
            if let Some(form) = form {
                let name = s.name_of(&id);
                let card = s.card(&id);
                card.error = None;
                card.update_login = form.login_prefill;
                card.running = Some(Running {
                    kind: JobKind::Update,
                    started_at_ms: now_ms,
                    job: Some(JobFollow::new(job_id.clone(), now_ms)),
                });
                s.watching = Some(id.clone());
                s.note = Some(format!("Checking your new details with {name}…"));
                fx.push(focus(ConnectionsFocus::StepHeading));
                fx.push(F::PollJob { id, job_id });
            }
        }
        E::UpdateFailed(notice) => {
            if let Some(u) = s.updating.as_mut().filter(|u| u.submitting) {
                u.submitting = false;
                u.notice = Some(notice);
            }
        }
        E::CancelUpdate => {
            if let Some(u) = s.updating.take() {
                fx.push(focus(ConnectionsFocus::RemoveButton(u.connection_id)));
            }
        }
        _ => {}
    }
}

/// The remove dialog and the removal.
fn removal(s: &mut ConnectionsScreen, event: ConnectionsEvent, fx: &mut Effects) {
    use ConnectionsEffect as F;
    use ConnectionsEvent as E;
    match event {
        E::AskRemove(id) if s.connection(&id).is_some() => {
            s.confirm_remove = Some(id);
        }
        E::CancelRemove => {
            if let Some(id) = s.confirm_remove.take() {
                fx.push(focus(ConnectionsFocus::RemoveButton(id)));
            }
        }
        E::ConfirmRemove(id) => {
            s.confirm_remove = None;
            if s.connection(&id).is_some() {
                s.note = Some(format!("Removing {}…", s.name_of(&id)));
                s.card(&id).error = None;
                fx.push(F::Remove(id));
            }
        }
        E::Removed(id) => s.removed(&id, fx),
        E::RemoveFailed { id, message } if s.connection(&id).is_some() => {
            s.note = Some(format!("{} couldn't be removed.", s.name_of(&id)));
            s.card(&id).error = Some(message);
        }
        _ => {}
    }
}

/// Basiq 3.0: the consent and its revocation, after a dialog that names every connection
/// it removes.
fn consent(s: &mut ConnectionsScreen, event: ConnectionsEvent, fx: &mut Effects) {
    use ConnectionsEffect as F;
    use ConnectionsEvent as E;
    match event {
        E::ConsentsLoaded(list) => s.consents = list,
        E::AskRevoke if s.active_consent().is_some() && !s.revoking => {
            s.confirm_revoke = true;
            s.revoke_error = None;
        }
        E::CancelRevoke if s.confirm_revoke && !s.revoking => {
            s.confirm_revoke = false;
            fx.push(focus(ConnectionsFocus::RevokeButton));
        }
        E::ConfirmRevoke if s.confirm_revoke && !s.revoking => {
            if let Some(id) = s.active_consent().map(|c| c.id.clone()) {
                s.revoking = true;
                s.revoke_error = None;
                s.note = Some("Revoking your consent…".into());
                fx.push(F::RevokeConsent(id));
            }
        }
        E::Revoked(id) if s.revoking => {
            s.revoking = false;
            s.confirm_revoke = false;
            s.consents.retain(|c| c.id != id);
            // Basiq deleted every connection under it; the list is reloaded to be sure.
            s.connections = Some(Vec::new());
            s.accounts.clear();
            s.transactions.clear();
            s.cards.clear();
            s.watching = None;
            s.note = Some("Your consent was revoked and its connections were removed.".into());
            fx.push(focus(ConnectionsFocus::Heading));
            fx.push(F::LoadList);
        }
        E::RevokeFailed(message) if s.revoking => {
            s.revoking = false;
            s.note = Some("Your consent couldn't be revoked.".into());
            s.revoke_error = Some(message);
        }
        _ => {}
    }
}

/// An account's transaction pages.
fn transactions(s: &mut ConnectionsScreen, event: ConnectionsEvent, fx: &mut Effects) {
    use ConnectionsEvent as E;
    match event {
        E::ToggleTransactions {
            connection_id,
            account_id,
        } => {
            let t = s.tx(&account_id);
            t.expanded = !t.expanded;
            if t.expanded && !t.loaded && !t.loading {
                s.load_page(&connection_id, &account_id, false, fx);
            }
        }
        E::MoreTransactions {
            connection_id,
            account_id,
        } => {
            let more = s.tx(&account_id).loaded;
            s.load_page(&connection_id, &account_id, more, fx);
        }
        E::PageLoaded {
            account_id,
            more,
            page,
        } => {
            let t = s.tx(&account_id);
            t.loading = false;
            match page {
                Ok(page) => {
                    if more {
                        append_page(&mut t.rows, page.transactions);
                    } else {
                        t.rows = page.transactions;
                    }
                    t.next = page.next;
                    t.loaded = true;
                }
                Err(message) => t.error = Some(message),
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
