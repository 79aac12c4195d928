//! The connections view's container (issue 6): the person's connected banks with status, last
//! refresh and accounts; refresh (one or all) followed in the connect flow's progress component,
//! MFA on refresh, transactions with "load more", credential update for a connection whose
//! password the bank refused, and removal behind a confirmation dialog.
//!
//! It owns its state (created once by the app, so it survives screen changes) and does its I/O
//! through `api.rs`; Basiq calls go through the app's in-memory client token (`Ctx::with_token`).
//! A running refresh never blocks the rest of the view, and a failed one leaves the old data on
//! screen with the error beside it.

use std::collections::HashMap;

use bank_connect_core::InstitutionSummary;
use bank_connect_core::accounts::{self, AccountRow};
use bank_connect_core::api_types::{AccountView, ConnectionView, TransactionView};
use bank_connect_core::basiq::Job;
use bank_connect_core::connections::{self as logic, ActionError, ConnectionStatus};
use bank_connect_core::errors::{ErrorKind, UserError};
use bank_connect_core::job::{self, Followed, JobEvent, JobFollow, JobView};
use bank_connect_core::validation::FormCheck;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::{CallError, Ctx};
use crate::browser::{self, now_ms};
use crate::components::{
    AccountItem, ConfirmDialog, ConnectionCard, ConnectionProgress, CredentialForm,
    CredentialSubmit, MfaPrompt, RefreshOffer, TransactionList, card_heading_id, remove_button_id,
};
use crate::split::{ChunkError, call_split, lazy_view, preload};

/// The view's heading id (focus moves there when it opens).
pub const HEADING_ID: &str = "bc-connections-heading";
/// The start screen's "Your connected banks" button id.
pub const ENTRY_ID: &str = "bc-conn-open";
/// Transactions per page.
pub const PAGE_SIZE: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobKind {
    Refresh,
    Update,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Running {
    kind: JobKind,
    started_ms: u64,
    /// The job, once Basiq named it.
    job: Option<JobFollow>,
}

impl Running {
    fn view(&self) -> JobView {
        self.job
            .as_ref()
            .map(|j| j.view.clone())
            .unwrap_or_else(JobView::starting)
    }

    /// The challenge on screen (not once the answer is with the bank).
    fn asking(&self) -> Option<&job::MfaStep> {
        self.job
            .as_ref()
            .and_then(|j| j.mfa.as_ref())
            .filter(|m| !m.checking())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ConnUi {
    running: Option<Running>,
    /// The login id of the update being checked, in memory only.
    update_login: Option<String>,
    error: Option<String>,
    last_started_ms: Option<u64>,
    blocked_until_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TxUi {
    rows: Vec<TransactionView>,
    next: Option<String>,
    loading: bool,
    loaded: bool,
    error: Option<String>,
    expanded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdateUi {
    connection_id: String,
    /// The login id typed last, put back after the bank refused the details (not a secret).
    login_prefill: Option<String>,
    institution: InstitutionSummary,
    check: FormCheck,
    submitting: bool,
    notice: Option<UserError>,
}

/// Which job area a card shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum JobArea {
    None,
    Compact,
    Progress,
    Mfa,
}

/// The connections view's state: created once by the app, shared by its screens.
#[derive(Clone, Copy)]
pub struct ConnectionsState {
    open: RwSignal<bool>,
    connections: RwSignal<Option<Vec<ConnectionView>>>,
    accounts: RwSignal<Vec<AccountView>>,
    load_error: RwSignal<Option<String>>,
    min_interval_secs: RwSignal<u64>,
    config_loaded: StoredValue<bool>,
    /// True while a loop reloads the list because a connection is still `pending`.
    watching_pending: StoredValue<bool>,
    ui: RwSignal<HashMap<String, ConnUi>>,
    tx: RwSignal<HashMap<String, TxUi>>,
    watching: RwSignal<Option<String>>,
    updating: RwSignal<Option<UpdateUi>>,
    confirm_remove: RwSignal<Option<String>>,
    note: RwSignal<Option<String>>,
    now: RwSignal<u64>,
}

impl Default for ConnectionsState {
    fn default() -> Self {
        Self::new()
    }
}

fn call_error(e: CallError) -> ActionError {
    match e {
        CallError::Expired => {
            ActionError::from_user_error(&UserError::new(ErrorKind::SessionExpired))
        }
        CallError::Failed(e) => ActionError::from_user_error(&e),
    }
}

/// True when focus sits in a card's job area (progress or MFA) or nowhere in particular: a
/// job that ends may then move it to the card's heading without taking it from elsewhere.
fn focus_in_job_area() -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    match doc.active_element() {
        None => true,
        Some(a) => {
            a.closest(".bc-conn-job").ok().flatten().is_some()
                || doc.body().is_some_and(|b| {
                    let b: &web_sys::Node = b.as_ref();
                    b.is_same_node(Some(a.as_ref()))
                })
        }
    }
}

fn focus_soon(id: String) {
    spawn_local(async move {
        browser::sleep(60).await;
        // The view's module may still be on its way.
        browser::focus_when_shown(id);
    });
}

impl ConnectionsState {
    /// Fresh state with a one-second clock.
    pub fn new() -> Self {
        let now = RwSignal::new(now_ms());
        let _ =
            set_interval_with_handle(move || now.set(now_ms()), std::time::Duration::from_secs(1));
        Self {
            open: RwSignal::new(false),
            connections: RwSignal::new(None),
            accounts: RwSignal::new(Vec::new()),
            load_error: RwSignal::new(None),
            min_interval_secs: RwSignal::new(300),
            config_loaded: StoredValue::new(false),
            watching_pending: StoredValue::new(false),
            ui: RwSignal::new(HashMap::new()),
            tx: RwSignal::new(HashMap::new()),
            watching: RwSignal::new(None),
            updating: RwSignal::new(None),
            confirm_remove: RwSignal::new(None),
            note: RwSignal::new(None),
            now,
        }
    }

    /// Opens the full view (e.g. right after a bank was connected).
    pub fn show(&self) {
        self.open.set(true);
        focus_soon(HEADING_ID.to_string());
    }

    fn name_of(&self, id: &str) -> String {
        self.connections
            .with_untracked(|l| {
                l.as_ref()
                    .and_then(|l| l.iter().find(|c| c.id == id))
                    .map(|c| c.institution_name.clone())
            })
            .unwrap_or_else(|| "This bank".into())
    }

    fn set_ui(&self, id: &str, f: impl FnOnce(&mut ConnUi)) {
        self.ui.update(|m| f(m.entry(id.to_string()).or_default()));
    }

    fn running_job(&self, id: &str) -> Option<Running> {
        self.ui
            .with_untracked(|m| m.get(id).and_then(|u| u.running.clone()))
    }

    /// Seconds before `id` may be refreshed again, `None` when it may be now.
    fn wait_of(&self, id: &str, now: u64) -> Option<u64> {
        let min = self.min_interval_secs.get();
        self.ui.with(|m| {
            m.get(id).and_then(|u| {
                logic::refresh_wait_secs(u.last_started_ms, u.blocked_until_ms, min, now)
            })
        })
    }

    /// Loads (or reloads) connections and accounts; what is shown stays until the answer.
    fn load(&self) {
        let st = *self;
        spawn_local(async move {
            if !st.config_loaded.get_value()
                && let Ok(c) = api::fetch_config().await
            {
                st.min_interval_secs.set(c.min_refresh_interval_secs);
                st.config_loaded.set_value(true);
            }
            match api::list_connections().await {
                Ok(list) => {
                    st.connections.set(Some(list));
                    st.load_error.set(None);
                }
                Err(e) if e.session_ended => {
                    // No session yet: nothing connected in this browser.
                    if st.connections.with_untracked(Option::is_none) {
                        st.connections.set(Some(Vec::new()));
                    }
                }
                Err(e) => {
                    if st.connections.with_untracked(Option::is_none) {
                        st.connections.set(Some(Vec::new()));
                    }
                    st.load_error.set(Some(e.message));
                }
            }
            if let Ok(list) = api::list_accounts().await {
                st.accounts.set(list);
            }
            st.follow_pending();
        });
    }

    /// A connection is still `pending`, or active without accounts yet (its job goes on in
    /// the background).
    fn any_unfinished(&self) -> bool {
        self.connections.with_untracked(|l| {
            l.as_ref().is_some_and(|l| {
                l.iter().any(|c| match ConnectionStatus::parse(&c.status) {
                    ConnectionStatus::Pending => true,
                    ConnectionStatus::Active => self
                        .accounts
                        .with_untracked(|a| !a.iter().any(|a| a.connection_id == c.id)),
                    _ => false,
                })
            })
        })
    }

    /// While a connection is unfinished (e.g. continued in the background), reloads the list
    /// and the accounts every few seconds (for at most two minutes) so they appear in place.
    fn follow_pending(&self) {
        if !self.any_unfinished() || self.watching_pending.get_value() {
            return;
        }
        self.watching_pending.set_value(true);
        let st = *self;
        spawn_local(async move {
            for _ in 0..40 {
                browser::sleep(3_000).await;
                if let Ok(list) = api::list_connections().await {
                    st.connections.set(Some(list));
                }
                if let Ok(list) = api::list_accounts().await {
                    st.accounts.set(list);
                }
                if !st.any_unfinished() {
                    break;
                }
            }
            st.watching_pending.set_value(false);
        });
    }

    /// Reloads after a job finished, and the first page of each open transaction list of
    /// that connection.
    fn reload_after_job(&self, connection_id: &str) {
        let st = *self;
        let id = connection_id.to_string();
        spawn_local(async move {
            if let Ok(list) = api::list_connections().await {
                st.connections.set(Some(list));
            }
            if let Ok(list) = api::list_accounts().await {
                st.accounts.set(list);
            }
            let open: Vec<String> = st.tx.with_untracked(|m| {
                m.iter()
                    .filter(|(_, t)| t.expanded)
                    .map(|(a, _)| a.clone())
                    .collect()
            });
            for account in open {
                let belongs = st
                    .accounts
                    .with_untracked(|l| l.iter().any(|a| a.id == account && a.connection_id == id));
                if belongs {
                    st.load_page(&id, &account, false);
                }
            }
        });
    }

    fn start_refresh(&self, app: Ctx, id: String, watch: bool) {
        if self.running_job(&id).is_some() {
            return;
        }
        let now = now_ms();
        let previous = self
            .ui
            .with_untracked(|m| m.get(&id).and_then(|u| u.last_started_ms));
        self.set_ui(&id, |u| {
            u.error = None;
            u.last_started_ms = Some(now);
            u.running = Some(Running {
                kind: JobKind::Refresh,
                started_ms: now,
                job: None,
            });
        });
        if watch {
            self.watching.set(Some(id.clone()));
        }
        self.note
            .set(Some(format!("Refreshing {}…", self.name_of(&id))));
        let st = *self;
        spawn_local(async move {
            match api::start_refresh(&id).await {
                Ok(job_id) => {
                    st.set_ui(&id, |u| {
                        if let Some(r) = &mut u.running {
                            r.job = Some(JobFollow::new(job_id.clone(), r.started_ms));
                        }
                    });
                    st.poll(app, id, job_id);
                }
                Err(e) => {
                    let too_soon = e.code.as_deref() == Some("refresh-too-soon");
                    st.set_ui(&id, |u| {
                        u.running = None;
                        u.last_started_ms = previous;
                        if let Some(s) = e.retry_after_secs {
                            u.blocked_until_ms = Some(now_ms() + s * 1000);
                        }
                        if !too_soon {
                            u.error = Some(e.message.clone());
                        }
                    });
                    st.unwatch(&id);
                    st.note.set(Some(if too_soon {
                        e.message.clone()
                    } else {
                        format!("{} couldn't be refreshed.", st.name_of(&id))
                    }));
                    if e.needs_password {
                        st.reload_after_job(&id);
                    }
                }
            }
        });
    }

    fn unwatch(&self, id: &str) {
        if self.watching.with_untracked(|w| w.as_deref() == Some(id)) {
            let move_focus = focus_in_job_area();
            self.watching.set(None);
            if move_focus {
                focus_soon(card_heading_id(id));
            }
        }
    }

    fn following(&self, id: &str, job_id: &str) -> bool {
        self.ui.with_untracked(|m| {
            m.get(id)
                .and_then(|u| u.running.as_ref())
                .and_then(|r| r.job.as_ref())
                .is_some_and(|j| j.job_id == job_id)
        })
    }

    /// Polls the job until it ends, the person stops following it, or another job replaces it.
    fn poll(&self, app: Ctx, id: String, job_id: String) {
        let st = *self;
        spawn_local(async move {
            let mut failures = 0;
            loop {
                let elapsed = st
                    .running_job(&id)
                    .map(|r| now_ms().saturating_sub(r.started_ms))
                    .unwrap_or(0);
                browser::sleep(job::poll_delay_ms(elapsed)).await;
                if !st.following(&id, &job_id) {
                    break;
                }
                let answering = st
                    .running_job(&id)
                    .is_some_and(|r| r.job.as_ref().is_some_and(|j| j.job_to_poll().is_none()));
                if answering {
                    continue;
                }
                let requested_at_ms = now_ms();
                let answer = app
                    .with_token(|basiq, s| {
                        let job_id = job_id.clone();
                        async move { basiq.job(&s.token, &job_id).await }
                    })
                    .await;
                if !st.following(&id, &job_id) {
                    break;
                }
                match answer {
                    Ok(job) => {
                        failures = 0;
                        if st.job_updated(app, &id, job, requested_at_ms) {
                            break;
                        }
                    }
                    Err(CallError::Failed(e)) if job::rides_out_poll_failure(&e.kind, failures) => {
                        failures += 1;
                    }
                    Err(e) => {
                        st.job_failed(&id, call_error(e).message);
                        break;
                    }
                }
            }
        });
    }

    /// Feeds an event to the job `id` follows, keeping what it becomes.
    fn follow(&self, id: &str, event: JobEvent) -> Option<Followed> {
        let follow = self.running_job(id)?.job?;
        let followed = job::next(follow, event);
        if let Followed::Going { follow, .. } = &followed {
            self.set_ui(id, |u| {
                if let Some(r) = &mut u.running {
                    r.job = Some(follow.clone());
                }
            });
        }
        Some(followed)
    }

    /// Applies a polled job; true when it ended.
    fn job_updated(&self, app: Ctx, id: &str, polled: Job, requested_at_ms: u64) -> bool {
        let name = self.name_of(id);
        let event = JobEvent::Polled {
            job: polled,
            requested_at_ms,
            now_ms: now_ms(),
        };
        match self.follow(id, event) {
            None => true,
            Some(Followed::Succeeded { .. }) => {
                let kind = self.running_job(id).map(|r| r.kind);
                self.set_ui(id, |u| {
                    u.running = None;
                    u.update_login = None;
                });
                self.unwatch(id);
                self.note.set(Some(match kind {
                    Some(JobKind::Update) => format!("{name} is connected again."),
                    _ => format!("{name} refreshed."),
                }));
                self.reload_after_job(id);
                true
            }
            Some(Followed::Failed(e)) => {
                let update = self
                    .running_job(id)
                    .is_some_and(|r| r.kind == JobKind::Update);
                self.job_failed(id, ActionError::from_user_error(&e).message);
                if update && e.kind == ErrorKind::InvalidCredentials {
                    // As in the connect flow: back to the form, the bank's refusal on top.
                    let login = self
                        .ui
                        .with_untracked(|m| m.get(id).and_then(|u| u.update_login.clone()));
                    self.set_ui(id, |u| u.error = None);
                    self.open_update(app, id.to_string(), login);
                    self.note.set(Some(format!(
                        "{} didn't accept those details.",
                        self.name_of(id)
                    )));
                    self.updating.update(|u| {
                        if let Some(u) = u {
                            u.notice = Some(e.clone());
                        }
                    });
                }
                true
            }
            Some(Followed::Going { asked, .. }) => {
                if asked && self.watching.with_untracked(Option::is_none) {
                    self.watching.set(Some(id.to_string()));
                }
                if asked && self.watching.with_untracked(|w| w.as_deref() == Some(id)) {
                    // The bank is waiting for the person: take them to the question.
                    focus_soon("bc-step-heading".into());
                }
                false
            }
        }
    }

    fn job_failed(&self, id: &str, message: String) {
        let name = self.name_of(id);
        self.set_ui(id, |u| {
            u.running = None;
            u.error = Some(message);
        });
        self.unwatch(id);
        self.note
            .set(Some(format!("{name} couldn't be refreshed.")));
        self.reload_after_job(id);
    }

    fn stop_following(&self, id: &str) {
        self.set_ui(id, |u| u.running = None);
        self.unwatch(id);
        self.note.set(Some(format!(
            "Stopped following {}. Its data updates when the bank finishes.",
            self.name_of(id)
        )));
        self.reload_after_job(id);
    }

    fn submit_mfa(&self, app: Ctx, id: String, body: String) {
        let Some(job_id) = self.running_job(&id).and_then(|r| r.job).map(|j| j.job_id) else {
            return;
        };
        self.follow(&id, JobEvent::MfaSubmitted { now_ms: now_ms() });
        let st = *self;
        spawn_local(async move {
            let result = app
                .with_token(|basiq, s| {
                    let (body, job_id) = (body.clone(), job_id.clone());
                    async move { basiq.answer_mfa(&s.token, &job_id, &body).await }
                })
                .await;
            drop(body);
            st.follow(
                &id,
                match result {
                    Ok(()) => JobEvent::MfaSent,
                    Err(e) => JobEvent::RequestFailed(call_error(e).message),
                },
            );
        });
    }

    /// Opens the credential form for `id`, pre-filled with nothing but its institution.
    fn open_update(&self, app: Ctx, id: String, login_prefill: Option<String>) {
        let Some(conn) = self.connections.with_untracked(|l| {
            l.as_ref()
                .and_then(|l| l.iter().find(|c| c.id == id).cloned())
        }) else {
            return;
        };
        let cached = browser::read_cache(now_ms(), u64::MAX)
            .into_entry()
            .and_then(|e| {
                e.directory
                    .institutions
                    .into_iter()
                    .find(|i| i.id == conn.institution_id)
            });
        let mut institution = cached.unwrap_or_else(|| logic::fallback_institution(&conn));
        if institution.logo.is_none() {
            institution.logo = conn.institution_logo.clone();
        }
        self.updating.set(Some(UpdateUi {
            connection_id: id.clone(),
            login_prefill,
            institution,
            check: FormCheck::default(),
            submitting: false,
            notice: None,
        }));
        focus_soon("bc-step-heading".into());
        // Fresh captions from Basiq (the cached or fallback ones stay on failure).
        let st = *self;
        let inst_id = conn.institution_id.clone();
        spawn_local(async move {
            let answer = app
                .with_token(|basiq, s| {
                    let inst_id = inst_id.clone();
                    async move { basiq.institution(&s.token, &inst_id).await }
                })
                .await;
            if let Ok(i) = answer {
                let mut fresh = InstitutionSummary::from_institution(&i);
                st.updating.update(|u| {
                    if let Some(u) = u.as_mut().filter(|u| u.connection_id == id) {
                        if fresh.logo.is_none() {
                            fresh.logo = u.institution.logo.clone();
                        }
                        u.institution = fresh;
                    }
                });
            }
        });
    }

    fn submit_update(&self, app: Ctx, submit: CredentialSubmit) {
        let CredentialSubmit {
            login_id,
            check,
            body,
        } = submit;
        let Some(id) = self
            .updating
            .with_untracked(|u| u.as_ref().map(|u| u.connection_id.clone()))
        else {
            return;
        };
        let Some(body) = body else {
            self.updating.update(|u| {
                if let Some(u) = u {
                    u.check = check;
                }
            });
            return;
        };
        self.updating.update(|u| {
            if let Some(u) = u {
                u.check = check;
                u.submitting = true;
                u.notice = None;
            }
        });
        let st = *self;
        spawn_local(async move {
            let result = app
                .with_token(|basiq, s| {
                    let (body, id) = (body.clone(), id.clone());
                    async move {
                        basiq
                            .update_connection(&s.token, &s.user_id, &id, &body)
                            .await
                    }
                })
                .await;
            drop(body);
            match result {
                Ok(job) => {
                    let now = now_ms();
                    st.set_ui(&id, |u| {
                        u.error = None;
                        u.update_login = Some(login_id.clone());
                        u.running = Some(Running {
                            kind: JobKind::Update,
                            started_ms: now,
                            job: Some(JobFollow::new(job.id.clone(), now)),
                        });
                    });
                    st.watching.set(Some(id.clone()));
                    st.updating.set(None);
                    st.note.set(Some(format!(
                        "Checking your new details with {}…",
                        st.name_of(&id)
                    )));
                    focus_soon("bc-step-heading".into());
                    st.poll(app, id, job.id);
                }
                Err(e) => {
                    let notice = match e {
                        CallError::Expired => UserError::new(ErrorKind::SessionExpired),
                        CallError::Failed(e) => e,
                    };
                    st.updating.update(|u| {
                        if let Some(u) = u {
                            u.submitting = false;
                            u.notice = Some(notice);
                        }
                    });
                }
            }
        });
    }

    fn remove(&self, id: String) {
        self.confirm_remove.set(None);
        let name = self.name_of(&id);
        self.note.set(Some(format!("Removing {name}…")));
        self.set_ui(&id, |u| u.error = None);
        let st = *self;
        spawn_local(async move {
            match api::remove_connection(&id).await {
                Ok(()) => {
                    st.connections.update(|l| {
                        if let Some(l) = l {
                            l.retain(|c| c.id != id);
                        }
                    });
                    let gone: Vec<String> = st.accounts.with_untracked(|l| {
                        l.iter()
                            .filter(|a| a.connection_id == id)
                            .map(|a| a.id.clone())
                            .collect()
                    });
                    st.accounts.update(|l| l.retain(|a| a.connection_id != id));
                    st.tx.update(|m| m.retain(|a, _| !gone.contains(a)));
                    st.ui.update(|m| {
                        m.remove(&id);
                    });
                    st.unwatch(&id);
                    st.note.set(Some(format!("{name} was removed.")));
                    focus_soon(HEADING_ID.to_string());
                }
                Err(e) => {
                    st.set_ui(&id, |u| u.error = Some(e.message.clone()));
                    st.note.set(Some(format!("{name} couldn't be removed.")));
                }
            }
        });
    }

    fn toggle_transactions(&self, connection_id: &str, account_id: &str) {
        let mut load = false;
        self.tx.update(|m| {
            let t = m.entry(account_id.to_string()).or_default();
            t.expanded = !t.expanded;
            load = t.expanded && !t.loaded && !t.loading;
        });
        if load {
            self.load_page(connection_id, account_id, false);
        }
    }

    /// Loads the first page (`more` = false, replacing the rows) or the next one.
    fn load_page(&self, connection_id: &str, account_id: &str, more: bool) {
        let next = self
            .tx
            .with_untracked(|m| m.get(account_id).and_then(|t| t.next.clone()));
        if more && next.is_none() {
            return;
        }
        self.tx.update(|m| {
            let t = m.entry(account_id.to_string()).or_default();
            t.loading = true;
            t.error = None;
        });
        let st = *self;
        let (cid, aid) = (connection_id.to_string(), account_id.to_string());
        spawn_local(async move {
            let cursor = if more { next } else { None };
            let result = api::list_transactions(&cid, &aid, PAGE_SIZE, cursor.as_deref()).await;
            st.tx.update(|m| {
                let t = m.entry(aid.clone()).or_default();
                t.loading = false;
                match result {
                    Ok(page) => {
                        if more {
                            logic::append_page(&mut t.rows, page.transactions);
                        } else {
                            t.rows = page.transactions;
                        }
                        t.next = page.next;
                        t.loaded = true;
                    }
                    Err(e) => t.error = Some(e.message),
                }
            });
        });
    }
}

/// The connections view on the widget's start screen: a button to open it once a bank is
/// connected, then the banks themselves.
pub(crate) fn connections_home(app: Ctx, state: ConnectionsState) -> impl IntoView {
    let st = state;
    st.load();
    let count = move || st.connections.with(|l| l.as_ref().map_or(0, Vec::len));
    let attention = move || {
        st.connections.with(|l| {
            l.as_ref()
                .map(|l| {
                    l.iter()
                        .filter(|c| {
                            ConnectionStatus::parse(&c.status) == ConnectionStatus::NeedsPassword
                        })
                        .map(|c| format!("{} needs your password.", c.institution_name))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        })
    };
    let entry = move || {
        (count() > 0).then(|| {
            // The view's module, now that there is something to show in it.
            preload!(preload_connections);
            view! {
                <Show when=move || !attention().is_empty()>
                    <p class="bc-conn-attention">{attention}</p>
                </Show>
                <button
                    type="button"
                    id=ENTRY_ID
                    class="bc-button bc-conn-open"
                    on:click=move |_| st.show()
                >
                    {move || match count() {
                        1 => "Your connected bank (1)".to_string(),
                        n => format!("Your connected banks ({n})"),
                    }}
                </button>
            }
        })
    };
    view! {
        <Show when=move || st.open.get() fallback=entry>
            {lazy_view(move || async move { call_split!(connections_screen(app, st)) })}
        </Show>
    }
}

/// The connected-banks view (split point `connections`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        connections,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_connections)
    )
)]
fn connections_screen(app: Ctx, state: ConnectionsState) -> Result<AnyView, ChunkError> {
    Ok(connections_view(app, state).into_any())
}

fn connections_view(app: Ctx, state: ConnectionsState) -> impl IntoView {
    let st = state;
    let ids = move || {
        st.connections.with(|l| {
            l.as_ref()
                .map(|l| l.iter().map(|c| c.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let refresh_all_targets = move || {
        let now = st.now.get();
        st.connections.with(|l| {
            l.as_ref()
                .map(|l| {
                    logic::refresh_all_targets(l, |id| {
                        if st
                            .ui
                            .with(|m| m.get(id).is_some_and(|u| u.running.is_some()))
                        {
                            Some(1)
                        } else {
                            st.wait_of(id, now)
                        }
                    })
                    .into_iter()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let refresh_all = move |_| {
        for (i, id) in refresh_all_targets().into_iter().enumerate() {
            st.start_refresh(app, id, i == 0);
        }
    };
    let updating = move || st.updating.with(Option::is_some);
    let list = move || {
        view! {
            <div class="bc-actions bc-conn-toolbar">
                <Show when=move || !refresh_all_targets().is_empty()>
                    <button type="button" class="bc-button bc-primary" on:click=refresh_all>
                        "Refresh all"
                    </button>
                </Show>
                <button
                    type="button"
                    class="bc-button"
                    on:click=move |_| {
                        st.open.set(false);
                        focus_soon(ENTRY_ID.to_string());
                    }
                >
                    "Hide connected banks"
                </button>
            </div>
            <Show
                when=move || !ids().is_empty()
                fallback=|| view! { <p class="bc-live">"No banks are connected."</p> }
            >
                <ul class="bc-conn-list" aria-label="Connected banks">
                    <For each=ids key=|id| id.clone() let:id>
                        {connection_item(app, st, id)}
                    </For>
                </ul>
            </Show>
        }
    };
    let form = move || {
        let institution = Memo::new(move |_| {
            st.updating
                .with(|u| u.as_ref().map(|u| u.institution.clone()))
                .unwrap_or_else(|| {
                    logic::fallback_institution(&ConnectionView {
                        id: String::new(),
                        status: String::new(),
                        institution_id: String::new(),
                        institution_name: String::new(),
                        institution_logo: None,
                        last_used: None,
                        created_date: None,
                        mfa_enabled: false,
                    })
                })
        });
        let check = Memo::new(move |_| {
            st.updating
                .with(|u| u.as_ref().map(|u| u.check.clone()))
                .unwrap_or_default()
        });
        let submitting = Memo::new(move |_| {
            st.updating
                .with(|u| u.as_ref().is_some_and(|u| u.submitting))
        });
        let notice = Memo::new(move |_| {
            st.updating
                .with(|u| u.as_ref().and_then(|u| u.notice.clone()))
        });
        view! {
            <p class="bc-conn-hint">
                "Enter the details you use at your bank now. Your accounts stay connected."
            </p>
            <CredentialForm
                institution=institution
                login_prefill=st
                    .updating
                    .with_untracked(|u| u.as_ref().and_then(|u| u.login_prefill.clone()))
                    .unwrap_or_default()
                check=check
                submitting=submitting
                notice=notice
                back_label="Cancel"
                submit_labels=("Update", "Checking…")
                on_submit=move |s| st.submit_update(app, s)
                on_back=move |_| {
                    let id = st.updating.with_untracked(|u| u.as_ref().map(|u| u.connection_id.clone()));
                    st.updating.set(None);
                    if let Some(id) = id {
                        focus_soon(remove_button_id(&id));
                    }
                }
            />
        }
    };
    let dialog = move || {
        st.confirm_remove.get().map(|id| {
            let name = st.name_of(&id);
            let (confirm_id, cancel_id) = (id.clone(), id.clone());
            view! {
                <ConfirmDialog
                    title=format!("Remove {name}?")
                    message=format!(
                        "{name} and its accounts will no longer be shown or updated here. You can connect it again at any time.",
                    )
                    confirm_label="Remove"
                    on_confirm=move |_| st.remove(confirm_id.clone())
                    on_cancel=move |_| {
                        st.confirm_remove.set(None);
                        focus_soon(remove_button_id(&cancel_id));
                    }
                />
            }
        })
    };
    view! {
        <section class="bc-connections" aria-labelledby=HEADING_ID>
            <h2 id=HEADING_ID class="bc-step-heading" tabindex="-1">
                "Your connected banks"
            </h2>
            <p class="bc-live" role="status">
                {move || st.note.get().unwrap_or_default()}
            </p>
            {move || {
                st.load_error
                    .get()
                    .map(|e| {
                        view! {
                            <div class="bc-notice" role="alert">
                                <p class="bc-notice-title">"We couldn't update this list"</p>
                                <p>{e}</p>
                                <button type="button" class="bc-button" on:click=move |_| st.load()>
                                    "Try again"
                                </button>
                            </div>
                        }
                    })
            }}
            <Show when=updating fallback=list>
                {form}
            </Show>
            {dialog}
        </section>
    }
}

fn connection_item(app: Ctx, state: ConnectionsState, id: String) -> AnyView {
    let st = state;
    let initial = st.connections.with_untracked(|l| {
        l.as_ref()
            .and_then(|l| l.iter().find(|c| c.id == id).cloned())
    });
    let Some(initial) = initial else {
        return ().into_any();
    };
    let cid = StoredValue::new(id.clone());
    let connection = Memo::new(move |prev: Option<&ConnectionView>| {
        st.connections
            .with(|l| {
                l.as_ref()
                    .and_then(|l| l.iter().find(|c| c.id == cid.get_value()).cloned())
            })
            .or_else(|| prev.cloned())
            .unwrap_or_else(|| initial.clone())
    });
    let offer = Memo::new(move |_| {
        let id = cid.get_value();
        let status = connection.with(|c| ConnectionStatus::parse(&c.status));
        if st
            .ui
            .with(|m| m.get(&id).is_some_and(|u| u.running.is_some()))
        {
            RefreshOffer::Running
        } else if !status.can_refresh() {
            RefreshOffer::NotPossible
        } else {
            match st.wait_of(&id, st.now.get()) {
                Some(s) => RefreshOffer::Wait(s),
                None => RefreshOffer::Offered,
            }
        }
    });
    let error = Memo::new(move |_| {
        st.ui
            .with(|m| m.get(&cid.get_value()).and_then(|u| u.error.clone()))
    });
    let area = Memo::new(move |_| {
        let id = cid.get_value();
        let watched = st.watching.with(|w| w.as_deref() == Some(id.as_str()));
        st.ui
            .with(|m| match m.get(&id).and_then(|u| u.running.as_ref()) {
                None => JobArea::None,
                Some(_) if !watched => JobArea::Compact,
                Some(r) if r.asking().is_some() => JobArea::Mfa,
                Some(_) => JobArea::Progress,
            })
    });
    let running = move || {
        st.ui
            .with(|m| m.get(&cid.get_value()).and_then(|u| u.running.clone()))
    };
    let name = move || connection.with(|c| c.institution_name.clone());

    let job_area = move || match area.get() {
        JobArea::None => ().into_any(),
        JobArea::Compact => {
            let status = move || {
                running()
                    .map(|r| {
                        if r.asking().is_some() {
                            format!("{} needs you to confirm it's you.", name())
                        } else {
                            let step = r.view().current_label().unwrap_or("Finishing").to_string();
                            match r.kind {
                                JobKind::Refresh => format!("Refreshing: {step}…"),
                                JobKind::Update => format!("Checking your details: {step}…"),
                            }
                        }
                    })
                    .unwrap_or_default()
            };
            let asks = move || running().is_some_and(|r| r.asking().is_some());
            view! {
                <div class="bc-conn-job">
                    <p class="bc-live" role="status">{status}</p>
                    <button
                        type="button"
                        class="bc-button"
                        on:click=move |_| {
                            st.watching.set(Some(cid.get_value()));
                            focus_soon("bc-step-heading".into());
                        }
                    >
                        {move || if asks() { "Answer your bank" } else { "Show progress" }}
                    </button>
                </div>
            }
            .into_any()
        }
        JobArea::Progress => {
            let view_signal = Memo::new(move |_| {
                running()
                    .map(|r| r.view())
                    .unwrap_or_else(JobView::starting)
            });
            let elapsed = Memo::new(move |_| {
                let started = running().map(|r| r.started_ms).unwrap_or_else(now_ms);
                st.now.get().saturating_sub(started) / 1000
            });
            view! {
                <div class="bc-conn-job">
                    <ConnectionProgress
                        institution_name=name()
                        heading=match running().map(|r| r.kind) {
                            Some(JobKind::Update) => format!("Checking your details with {}", name()),
                            _ => format!("Refreshing {}", name()),
                        }
                        view=view_signal
                        usual_secs=None
                        elapsed_secs=elapsed
                        on_cancel=move |_| st.stop_following(&cid.get_value())
                        on_background=move |_| st.watching.set(None)
                    />
                </div>
            }
            .into_any()
        }
        JobArea::Mfa => {
            let mfa = move || running().and_then(|r| r.asking().cloned());
            let fallback = mfa().map(|m| m.challenge);
            let Some(first) = fallback else {
                return ().into_any();
            };
            let challenge =
                Memo::new(move |_| mfa().map(|m| m.challenge).unwrap_or_else(|| first.clone()));
            let error = Memo::new(move |_| mfa().and_then(|m| m.error));
            let busy = Memo::new(move |_| mfa().is_some_and(|m| m.sending()));
            let seconds_left = Memo::new(move |_| {
                let now = st.now.get();
                mfa().and_then(|m| m.seconds_left(now))
            });
            view! {
                <div class="bc-conn-job">
                    <MfaPrompt
                        institution_name=name()
                        challenge=challenge
                        error=error
                        seconds_left=seconds_left
                        busy=busy
                        on_submit=move |body| st.submit_mfa(app, cid.get_value(), body)
                        on_cancel=move |_| st.stop_following(&cid.get_value())
                    />
                </div>
            }
            .into_any()
        }
    };

    let account_ids = Memo::new(move |_| {
        let id = cid.get_value();
        st.accounts.with(|l| {
            l.iter()
                .filter(|a| a.connection_id == id)
                .map(|a| a.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let account_item = move |aid: String| {
        let aid_value = StoredValue::new(aid.clone());
        let initial_row = AccountRow {
            id: aid.clone(),
            name: String::new(),
            number: String::new(),
            kind: String::new(),
            balance: String::new(),
            negative: false,
            available: None,
        };
        let row = Memo::new(move |prev: Option<&AccountRow>| {
            let (id, inst) = (
                cid.get_value(),
                connection.with(|c| c.institution_id.clone()),
            );
            st.accounts
                .with(|l| {
                    accounts::rows_for_connection(l, Some(&id), &inst)
                        .into_iter()
                        .find(|r| r.id == aid_value.get_value())
                })
                .or_else(|| prev.cloned())
                .unwrap_or_else(|| initial_row.clone())
        });
        let account = move || {
            st.accounts.with(|l| {
                l.iter()
                    .find(|a| a.id == aid_value.get_value())
                    .map(|a| (a.currency.clone(), a.last_updated.clone()))
            })
        };
        let tx = move || {
            st.tx
                .with(|m| m.get(&aid_value.get_value()).cloned().unwrap_or_default())
        };
        let expanded = Memo::new(move |_| tx().expanded);
        let rows = Memo::new(move |_| {
            let currency = account().map(|a| a.0).unwrap_or_else(|| "AUD".into());
            logic::transaction_rows(&tx().rows, &currency)
        });
        let note = Memo::new(move |_| {
            let updated = account().and_then(|a| a.1);
            let fallback = connection.with(|c| c.last_used.clone());
            logic::fetched_note(updated.or(fallback).as_deref(), st.now.get())
        });
        let loading = Memo::new(move |_| tx().loading);
        let has_more = Memo::new(move |_| tx().next.is_some());
        let tx_error = Memo::new(move |_| tx().error);
        let account_name = move || row.with(|r| r.name.clone());
        view! {
            <AccountItem
                row=row
                expanded=expanded
                on_toggle=move |_| st.toggle_transactions(&cid.get_value(), &aid_value.get_value())
            >
                <TransactionList
                    account_name=account_name()
                    rows=rows
                    note=note
                    loading=loading
                    has_more=has_more
                    error=tx_error
                    on_more=move |_| {
                        let more = tx().loaded;
                        st.load_page(&cid.get_value(), &aid_value.get_value(), more)
                    }
                />
            </AccountItem>
        }
    };

    view! {
        <ConnectionCard
            connection=connection
            now_ms=st.now
            offer=offer
            error=error
            on_refresh=move |_| st.start_refresh(app, cid.get_value(), true)
            on_update=move |_| st.open_update(app, cid.get_value(), None)
            on_remove=move |_| st.confirm_remove.set(Some(cid.get_value()))
        >
            {job_area}
            <Show
                when=move || !account_ids.with(Vec::is_empty)
                fallback=|| view! { <p class="bc-live">"No accounts from this bank yet."</p> }
            >
                <ul class="bc-accounts" aria-label=move || format!("Accounts at {}", name())>
                    <For each=move || account_ids.get() key=|a| a.clone() children=account_item />
                </ul>
            </Show>
        </ConnectionCard>
    }
    .into_any()
}
