//! The connections view as a pure state machine: [`next`]`(state, event) -> (state, effects)`.
//!
//! The person's connected banks with their accounts; per card a running refresh or credential
//! update (its job followed by [`crate::job`], MFA included), its error and its refresh wait;
//! per account its transaction pages; the update form and the remove dialog. The container
//! does the I/O each [`ConnectionsEffect`] names and feeds the answers back in; it keeps the
//! secrets (passwords, MFA answers) out of the state and hands them to the request itself.

use std::collections::BTreeMap;

use super::{ActionError, ConnectionStatus, append_page, refresh_all_targets, refresh_wait_secs};
use crate::InstitutionSummary;
use crate::api_types::{AccountView, ConnectionView, TransactionPage, TransactionView};
use crate::basiq::Job;
use crate::errors::{ErrorKind, UserError};
use crate::job::{self, Followed, JobEvent, JobFollow, MfaStep};
use crate::validation::FormCheck;

/// What a card's job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Fetching the latest data (`POST …/refresh`).
    Refresh,
    /// Checking new credentials (`POST …/connections/{id}`).
    Update,
}

/// A card's running job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    /// Refresh or update.
    pub kind: JobKind,
    /// When it started.
    pub started_at_ms: u64,
    /// The job, once Basiq named it.
    pub job: Option<JobFollow>,
}

impl Running {
    /// The challenge on screen (not once the answer is with the bank).
    pub fn asking(&self) -> Option<&MfaStep> {
        self.job
            .as_ref()
            .and_then(|j| j.mfa.as_ref())
            .filter(|m| !m.checking())
    }
}

/// One connection's card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    /// The job running for it.
    pub running: Option<Running>,
    /// The login id of the update being checked, in memory only (pre-fills the form again).
    pub update_login: Option<String>,
    /// The last failure, shown beside the old data.
    pub error: Option<String>,
    /// When this page last started a refresh of it.
    pub last_started_ms: Option<u64>,
    /// The refresh before the one now starting (restored when the server refuses it).
    pub previous_start_ms: Option<u64>,
    /// No refresh before this (a 429's `Retry-After`).
    pub blocked_until_ms: Option<u64>,
}

/// One account's transaction list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transactions {
    /// The rows loaded so far.
    pub rows: Vec<TransactionView>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// True while a page loads.
    pub loading: bool,
    /// True once a page arrived.
    pub loaded: bool,
    /// Why the last page failed.
    pub error: Option<String>,
    /// True while the list is open.
    pub expanded: bool,
}

/// The credential-update form.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateForm {
    /// The connection.
    pub connection_id: String,
    /// The login id typed last, put back after the bank refused the details (not a secret).
    pub login_prefill: Option<String>,
    /// Its institution (captions).
    pub institution: InstitutionSummary,
    /// The last check.
    pub check: FormCheck,
    /// True while the update is posted.
    pub submitting: bool,
    /// Why the person is here again.
    pub notice: Option<UserError>,
}

/// What the update form opens with.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateOpening {
    /// From the cached directory, else [`super::fallback_institution`].
    pub institution: InstitutionSummary,
    /// The login id to pre-fill.
    pub login_prefill: Option<String>,
    /// Why the person is here (the bank refused the details).
    pub notice: Option<UserError>,
}

/// The whole view.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionsScreen {
    /// True while the full view is open (else only its entry button shows).
    pub open: bool,
    /// The connections, once loaded.
    pub connections: Option<Vec<ConnectionView>>,
    /// Their accounts.
    pub accounts: Vec<AccountView>,
    /// Why the list could not be updated.
    pub load_error: Option<String>,
    /// The server's minimum time between refreshes of one connection.
    pub min_interval_secs: u64,
    /// The cards' own state, by connection id.
    pub cards: BTreeMap<String, Card>,
    /// Transaction lists, by account id.
    pub transactions: BTreeMap<String, Transactions>,
    /// The connection whose job the person follows in full (progress or MFA).
    pub watching: Option<String>,
    /// The credential-update form, while open.
    pub updating: Option<UpdateForm>,
    /// The connection the remove dialog asks about.
    pub confirm_remove: Option<String>,
    /// The live region's last sentence.
    pub note: Option<String>,
}

impl Default for ConnectionsScreen {
    fn default() -> Self {
        Self {
            open: false,
            connections: None,
            accounts: Vec::new(),
            load_error: None,
            min_interval_secs: 300,
            cards: BTreeMap::new(),
            transactions: BTreeMap::new(),
            watching: None,
            updating: None,
            confirm_remove: None,
            note: None,
        }
    }
}

/// Everything that can happen to the view.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionsEvent {
    /// Open the full view.
    Show,
    /// "Hide connected banks".
    Hide,
    /// The public settings arrived.
    ConfigLoaded {
        /// Minimum seconds between refreshes.
        min_refresh_interval_secs: u64,
    },
    /// Load (or reload) the list; what is shown stays until the answer.
    Reload,
    /// The connections arrived.
    ListLoaded(Vec<ConnectionView>),
    /// The connections could not be loaded.
    ListFailed(ActionError),
    /// The accounts arrived.
    AccountsLoaded(Vec<AccountView>),
    /// The list and accounts were reloaded after a job of this connection ended.
    ReloadedAfterJob(String),
    /// "Refresh" on a card (`watch`: follow it in full).
    Refresh {
        /// The connection.
        id: String,
        /// Show its progress (not only the compact line).
        watch: bool,
        /// Now.
        now_ms: u64,
    },
    /// "Refresh all".
    RefreshAll {
        /// Now.
        now_ms: u64,
    },
    /// The server started the refresh job.
    RefreshStarted {
        /// The connection.
        id: String,
        /// Its job.
        job_id: String,
    },
    /// The server refused the refresh.
    RefreshRefused {
        /// The connection.
        id: String,
        /// Why.
        error: ActionError,
        /// Now.
        now_ms: u64,
    },
    /// A poll of a card's job answered.
    JobPolled {
        /// The connection.
        id: String,
        /// The job.
        job: Job,
        /// When the poll was sent.
        requested_at_ms: u64,
        /// Now.
        now_ms: u64,
    },
    /// Polling a card's job failed for good.
    PollFailed {
        /// The connection.
        id: String,
        /// What to show.
        message: String,
    },
    /// An MFA answer is being posted.
    MfaSubmitted {
        /// The connection.
        id: String,
        /// Now.
        now_ms: u64,
    },
    /// Basiq accepted the answer for checking (202).
    MfaSent {
        /// The connection.
        id: String,
    },
    /// The answer could not be posted.
    MfaNotSent {
        /// The connection.
        id: String,
        /// What to show.
        message: String,
    },
    /// "Show progress" / "Answer your bank" on a compact card.
    Watch(String),
    /// "Continue in background".
    Background,
    /// "Cancel" on a card's job: stop following it.
    StopFollowing(String),
    /// "Update credentials" on a card (or the bank refused an update), with the institution
    /// the container found for it.
    OpenUpdate {
        /// The connection.
        id: String,
        /// The form's institution, login id and notice.
        open: UpdateOpening,
    },
    /// Fresh captions for the update form.
    UpdateDetails {
        /// The connection.
        id: String,
        /// From `GET /institutions/{id}`.
        institution: InstitutionSummary,
    },
    /// The update form was submitted.
    SubmitUpdate {
        /// The login id typed.
        login_id: String,
        /// The form check.
        check: FormCheck,
    },
    /// Basiq started the update job.
    UpdateStarted {
        /// The connection.
        id: String,
        /// Its job.
        job_id: String,
        /// Now.
        now_ms: u64,
    },
    /// The update could not be posted.
    UpdateFailed(UserError),
    /// "Cancel" on the update form.
    CancelUpdate,
    /// "Remove" on a card: ask first.
    AskRemove(String),
    /// "Cancel" in the dialog.
    CancelRemove,
    /// "Remove" in the dialog.
    ConfirmRemove(String),
    /// The server removed the connection.
    Removed(String),
    /// The server could not remove it.
    RemoveFailed {
        /// The connection.
        id: String,
        /// What to show.
        message: String,
    },
    /// An account's "Transactions" toggle.
    ToggleTransactions {
        /// The connection.
        connection_id: String,
        /// The account.
        account_id: String,
    },
    /// "Load more" (or "Try again") under an account's transactions.
    MoreTransactions {
        /// The connection.
        connection_id: String,
        /// The account.
        account_id: String,
    },
    /// A page of transactions answered.
    PageLoaded {
        /// The account.
        account_id: String,
        /// True when it was a further page (appended), false for the first (replacing).
        more: bool,
        /// The page, or what to show.
        page: Result<TransactionPage, String>,
    },
}

/// Where the focus goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionsFocus {
    /// The view's heading.
    Heading,
    /// The start screen's "Your connected banks" button.
    Entry,
    /// The step heading of a card's progress, MFA or update form.
    StepHeading,
    /// A card's heading, when the focus was in its job area (or nowhere).
    CardHeadingFromJobArea(String),
    /// A card's "Remove" button.
    RemoveButton(String),
}

/// Something the container must do.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionsEffect {
    /// Load the connections and accounts (then reload them while any is unfinished).
    LoadList,
    /// Reload them after this connection's job ended, then report
    /// [`ConnectionsEvent::ReloadedAfterJob`].
    ReloadAfterJob(String),
    /// Ask the server to refresh this connection.
    StartRefresh(String),
    /// Poll this card's job until the card stops following it.
    PollJob {
        /// The connection.
        id: String,
        /// The job.
        job_id: String,
    },
    /// Post the MFA answer the container holds.
    PostMfa {
        /// The connection.
        id: String,
        /// The job.
        job_id: String,
    },
    /// Fetch fresh captions for the update form.
    FetchInstitution {
        /// The connection.
        id: String,
        /// Its institution.
        institution_id: String,
    },
    /// Open the update form for this connection: find its institution (cached directory, else
    /// [`super::fallback_institution`]) and report [`ConnectionsEvent::OpenUpdate`].
    OfferUpdate {
        /// The connection.
        id: String,
        /// The login id to pre-fill.
        login_prefill: Option<String>,
        /// Why the person is asked again.
        notice: Option<UserError>,
    },
    /// Post the new credentials the container holds.
    PostUpdate(String),
    /// Remove this connection.
    Remove(String),
    /// Load a page of an account's transactions.
    LoadPage {
        /// The connection.
        connection_id: String,
        /// The account.
        account_id: String,
        /// The page's cursor (`None`: the first page).
        cursor: Option<String>,
    },
    /// Move the focus.
    Focus(ConnectionsFocus),
}

type Effects = Vec<ConnectionsEffect>;

impl ConnectionsScreen {
    /// A connection by id.
    pub fn connection(&self, id: &str) -> Option<&ConnectionView> {
        self.connections.as_ref()?.iter().find(|c| c.id == id)
    }

    /// The bank's name for messages ("This bank" when unknown).
    pub fn name_of(&self, id: &str) -> String {
        self.connection(id)
            .map(|c| c.institution_name.clone())
            .unwrap_or_else(|| "This bank".into())
    }

    /// A card's running job.
    pub fn running(&self, id: &str) -> Option<&Running> {
        self.cards.get(id)?.running.as_ref()
    }

    /// The job a card follows, when its id is known.
    pub fn job(&self, id: &str) -> Option<&JobFollow> {
        self.running(id)?.job.as_ref()
    }

    /// Seconds before `id` may be refreshed again, `None` when it may be now.
    pub fn wait_of(&self, id: &str, now_ms: u64) -> Option<u64> {
        let card = self.cards.get(id)?;
        refresh_wait_secs(
            card.last_started_ms,
            card.blocked_until_ms,
            self.min_interval_secs,
            now_ms,
        )
    }

    /// The connections "Refresh all" starts now.
    pub fn refresh_all_targets(&self, now_ms: u64) -> Vec<String> {
        let Some(list) = &self.connections else {
            return Vec::new();
        };
        refresh_all_targets(list, |id| match self.running(id) {
            Some(_) => Some(1),
            None => self.wait_of(id, now_ms),
        })
        .into_iter()
        .map(str::to_string)
        .collect()
    }

    /// A connection is still `pending`, or active without accounts yet (its job goes on in
    /// the background).
    pub fn any_unfinished(&self) -> bool {
        self.connections.as_ref().is_some_and(|l| {
            l.iter().any(|c| match ConnectionStatus::parse(&c.status) {
                ConnectionStatus::Pending => true,
                ConnectionStatus::Active => !self.accounts.iter().any(|a| a.connection_id == c.id),
                _ => false,
            })
        })
    }

    /// Opens the full view (also applied by the start screen before the view's module is
    /// there, like the three list updates below).
    pub fn show(&mut self) -> Vec<ConnectionsEffect> {
        self.open = true;
        vec![focus(ConnectionsFocus::Heading)]
    }

    /// The connections arrived.
    pub fn list_loaded(&mut self, list: Vec<ConnectionView>) {
        self.connections = Some(list);
        self.load_error = None;
    }

    /// The connections could not be loaded; no session means nothing connected yet.
    pub fn list_failed(&mut self, e: ActionError) {
        self.connections.get_or_insert_with(Vec::new);
        if !e.session_ended {
            self.load_error = Some(e.message);
        }
    }

    /// The accounts arrived.
    pub fn accounts_loaded(&mut self, list: Vec<AccountView>) {
        self.accounts = list;
    }

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
    use ConnectionsEffect as F;
    use ConnectionsEvent as E;
    let mut s = state;
    let mut fx = Vec::new();
    match event {
        E::Show => fx = s.show(),
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
                s.load_page(&id, &account, false, &mut fx);
            }
        }
        E::Refresh { id, watch, now_ms } => s.start_refresh(&id, watch, now_ms, &mut fx),
        E::RefreshAll { now_ms } => {
            for (i, id) in s.refresh_all_targets(now_ms).into_iter().enumerate() {
                s.start_refresh(&id, i == 0, now_ms, &mut fx);
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
        E::RefreshRefused { id, error, now_ms } => {
            if s.running(&id).is_some_and(|r| r.job.is_none()) {
                s.refresh_refused(&id, error, now_ms, &mut fx);
            }
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
            s.follow(&id, event, &mut fx);
        }
        E::PollFailed { id, message } => {
            if s.running(&id).is_some() {
                s.job_failed(&id, message, &mut fx);
            }
        }
        E::MfaSubmitted { id, now_ms } => {
            let open = s.job(&id).filter(|j| j.asks()).map(|j| j.job_id.clone());
            if let Some(job_id) = open {
                s.follow(&id, JobEvent::MfaSubmitted { now_ms }, &mut fx);
                fx.push(F::PostMfa { id, job_id });
            }
        }
        E::MfaSent { id } => s.follow(&id, JobEvent::MfaSent, &mut fx),
        E::MfaNotSent { id, message } => s.follow(&id, JobEvent::RequestFailed(message), &mut fx),
        E::Watch(id) => {
            if s.running(&id).is_some() {
                s.watching = Some(id);
                fx.push(focus(ConnectionsFocus::StepHeading));
            }
        }
        E::Background => s.watching = None,
        E::StopFollowing(id) => {
            if s.running(&id).is_some() {
                s.card(&id).running = None;
                s.unwatch(&id, &mut fx);
                s.note = Some(format!(
                    "Stopped following {}. Its data updates when the bank finishes.",
                    s.name_of(&id)
                ));
                fx.push(F::ReloadAfterJob(id));
            }
        }
        E::OpenUpdate { id, open } => s.open_update(&id, open, &mut fx),
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
        E::AskRemove(id) => {
            if s.connection(&id).is_some() {
                s.confirm_remove = Some(id);
            }
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
        E::Removed(id) => s.removed(&id, &mut fx),
        E::RemoveFailed { id, message } => {
            if s.connection(&id).is_some() {
                s.note = Some(format!("{} couldn't be removed.", s.name_of(&id)));
                s.card(&id).error = Some(message);
            }
        }
        E::ToggleTransactions {
            connection_id,
            account_id,
        } => {
            let t = s.tx(&account_id);
            t.expanded = !t.expanded;
            if t.expanded && !t.loaded && !t.loading {
                s.load_page(&connection_id, &account_id, false, &mut fx);
            }
        }
        E::MoreTransactions {
            connection_id,
            account_id,
        } => {
            let more = s.tx(&account_id).loaded;
            s.load_page(&connection_id, &account_id, more, &mut fx);
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
    }
    (s, fx)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
