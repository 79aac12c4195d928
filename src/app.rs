//! The one container: owns the flow state (core's state machine), the in-memory token, the
//! institution directory and its cache, and does all I/O through `api.rs`. Components only
//! render what they are given and report events.

use std::sync::Arc;

use bank_connect_core::accounts::{self, AccountRow};
use bank_connect_core::cache::{CacheEntry, CacheRead};
use bank_connect_core::errors::{ErrorKind, UserError};
use bank_connect_core::flow::{
    self, Connected, FlowEffect, FlowEvent, FlowState, Focus, Form, Screen,
};
use bank_connect_core::institution;
use bank_connect_core::job::{self, JobView};
use bank_connect_core::token::TokenClock;
use bank_connect_core::{Filters, InstitutionSummary, PublicConfig};
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Basiq, DirectoryAnswer};
use crate::browser::{self, now_ms};
use crate::components::{
    ConnectedAccounts, ConnectionProgress, CredentialForm, CredentialSubmit, FailureAction,
    FailureScreen, InstitutionPicker, MfaPrompt, Notice, PlusButton, STEP_HEADING_ID, StepHeading,
};
use crate::connections::ConnectionsState;
use crate::split::{ChunkError, call_split, lazy_view, preload};

/// How long a cached directory is used without refetching first (the server keeps it 6 h).
pub const DIRECTORY_TTL_MS: u64 = 6 * 60 * 60 * 1000;

/// The CLIENT token and its user, in memory only (never Web Storage or cookies).
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) token: String,
    pub(crate) user_id: String,
    clock: TokenClock,
}

/// Why a Basiq call failed after the one silent token renewal.
pub(crate) enum CallError {
    /// The token expired again right after renewal (or could not be renewed).
    Expired,
    /// Anything else.
    Failed(UserError),
}

impl CallError {
    fn into_event(self) -> FlowEvent {
        match self {
            Self::Expired => FlowEvent::TokenExpired,
            Self::Failed(e) => FlowEvent::RequestFailed(e),
        }
    }
}

/// Everything the container shares with its tasks; `Copy`, so closures capture it freely.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    flow: RwSignal<FlowState>,
    session: RwSignal<Option<Session>>,
    config: RwSignal<Option<PublicConfig>>,
    directory: RwSignal<Option<Arc<Vec<InstitutionSummary>>>>,
    directory_error: RwSignal<Option<UserError>>,
    background_note: RwSignal<Option<String>>,
    now: RwSignal<u64>,
    poll_generation: StoredValue<u64>,
    config_pending: StoredValue<Option<ConfigFetch>, LocalStorage>,
}

/// `GET /api/config` on its way, shared by everyone who needs it meanwhile.
type ConfigFetch = Shared<LocalBoxFuture<'static, Result<PublicConfig, UserError>>>;

impl Ctx {
    fn dispatch(&self, event: FlowEvent) {
        let mut effects = Vec::new();
        self.flow.update(|s| {
            let current = std::mem::replace(s, FlowState::Idle);
            if crate::embed::active() {
                // Embedded: the host hears about the transition (core decides what it hears).
                let before = current.clone();
                let observed = event.clone();
                (*s, effects) = flow::next(current, event);
                crate::embed::observe(before, observed, s.clone());
            } else {
                (*s, effects) = flow::next(current, event);
            }
        });
        for effect in effects {
            self.run(effect);
        }
    }

    /// Carries out what a transition asked for; the I/O of the later steps runs from their
    /// module.
    fn run(&self, effect: FlowEffect) {
        match effect {
            FlowEffect::Focus(target) => browser::focus_when_shown(
                match target {
                    Focus::StepHeading => STEP_HEADING_ID,
                    Focus::Password => "bc-password",
                    Focus::PlusButton => "bc-plus",
                }
                .to_string(),
            ),
            FlowEffect::PreparePicker => {
                if self.directory.with_untracked(Option::is_none) {
                    self.load_directory();
                }
                if self.session.with_untracked(Option::is_none) {
                    // Get the token early so the form's details arrive quickly.
                    let ctx = *self;
                    spawn_local(async move {
                        let _ = ctx.session(false).await;
                    });
                }
            }
            effect => {
                let ctx = *self;
                spawn_local(async move {
                    let _ = call_split!(flow_effect(ctx, effect));
                });
            }
        }
    }

    /// The app's one clock (a tick a second), for elapsed times and countdowns.
    pub(crate) fn now(&self) -> RwSignal<u64> {
        self.now
    }

    /// The public settings: `/api/config` is fetched once (callers that come while it is on its
    /// way wait for the same answer; a failure lets the next caller try again).
    pub(crate) async fn config(&self) -> Result<PublicConfig, UserError> {
        if let Some(c) = self.config.get_untracked() {
            return Ok(c);
        }
        let pending = self.config_pending.with_value(Clone::clone);
        let pending = pending.unwrap_or_else(|| {
            let fetch = api::fetch_config().boxed_local().shared();
            self.config_pending.set_value(Some(fetch.clone()));
            fetch
        });
        let answer = pending.await;
        self.config_pending.set_value(None);
        if let Ok(c) = &answer
            && self.config.with_untracked(Option::is_none)
        {
            self.config.set(Some(c.clone()));
        }
        answer
    }

    async fn basiq(&self) -> Result<Basiq, UserError> {
        Ok(Basiq::new(&self.config().await?.basiq_url))
    }

    /// The current session, renewed when due (or when `force`).
    async fn session(&self, force: bool) -> Result<Session, UserError> {
        if !force
            && let Some(s) = self.session.get_untracked()
            && !s.clock.needs_renewal(now_ms())
        {
            return Ok(s);
        }
        let issued_at_ms = now_ms();
        let grant = api::fetch_token(force).await?;
        let s = Session {
            token: grant.access_token,
            user_id: grant.user_id,
            clock: TokenClock {
                issued_at_ms,
                expires_in_secs: grant.expires_in,
            },
        };
        self.session.set(Some(s.clone()));
        self.schedule_renewal(&s);
        Ok(s)
    }

    /// Renews the token shortly before it expires, while the flow is open.
    fn schedule_renewal(&self, s: &Session) {
        let ctx = *self;
        let token = s.token.clone();
        let wait = s.clock.renew_in_ms(now_ms());
        spawn_local(async move {
            browser::sleep(wait).await;
            let still_current = ctx
                .session
                .with_untracked(|c| c.as_ref().is_some_and(|c| c.token == token));
            let open = ctx.flow.with_untracked(|f| !matches!(f, FlowState::Idle));
            if still_current && open {
                let _ = ctx.session(true).await;
            }
        });
    }

    /// Calls Basiq with the token; a 401 or 403 "Token has expired" renews it once and retries.
    pub(crate) async fn with_token<T, F, Fut>(&self, call: F) -> Result<T, CallError>
    where
        F: Fn(Basiq, Session) -> Fut,
        Fut: Future<Output = Result<T, UserError>>,
    {
        let basiq = self.basiq().await.map_err(CallError::Failed)?;
        let s = self.session(false).await.map_err(CallError::Failed)?;
        match call(basiq.clone(), s).await {
            Err(e) if e.needs_new_token() => {
                let s = self.session(true).await.map_err(|e| {
                    if e.needs_new_token() {
                        CallError::Expired
                    } else {
                        CallError::Failed(e)
                    }
                })?;
                match call(basiq, s).await {
                    Err(e) if e.needs_new_token() => Err(CallError::Expired),
                    other => other.map_err(CallError::Failed),
                }
            }
            other => other.map_err(CallError::Failed),
        }
    }

    /// Shows the cached directory at once and revalidates it (or fetches it on a miss).
    fn load_directory(&self) {
        let ctx = *self;
        let read = browser::read_cache(now_ms(), DIRECTORY_TTL_MS);
        let fresh = matches!(read, CacheRead::Fresh(_));
        let etag = read.etag().map(str::to_string);
        let cached = read.into_entry();
        if let Some(entry) = &cached
            && (fresh || !browser::online())
        {
            ctx.directory
                .set(Some(Arc::new(entry.directory.institutions.clone())));
        }
        spawn_local(async move {
            match api::fetch_institutions(etag.as_deref()).await {
                Ok(DirectoryAnswer::NotModified) => {
                    if let Some(entry) = cached {
                        if ctx.directory.with_untracked(Option::is_none) {
                            ctx.directory
                                .set(Some(Arc::new(entry.directory.institutions.clone())));
                        }
                        browser::write_cache(&entry.revalidated(now_ms()));
                    }
                }
                Ok(DirectoryAnswer::Fresh { directory, etag }) => {
                    browser::write_cache(&CacheEntry {
                        fetched_at_ms: now_ms(),
                        etag,
                        directory: directory.clone(),
                    });
                    ctx.directory.set(Some(Arc::new(directory.institutions)));
                    ctx.directory_error.set(None);
                }
                Err(e) => {
                    // A stale copy beats nothing when the network fails.
                    if let Some(entry) = cached {
                        if ctx.directory.with_untracked(Option::is_none) {
                            ctx.directory
                                .set(Some(Arc::new(entry.directory.institutions.clone())));
                        }
                    } else if ctx.directory.with_untracked(Option::is_none) {
                        ctx.directory_error.set(Some(e));
                    }
                }
            }
        });
    }

    /// Fresh captions and status for the chosen institution (the cached ones stay on failure).
    fn refresh_institution(&self, id: String) {
        let ctx = *self;
        spawn_local(async move {
            let answer = ctx
                .with_token(|basiq, s| {
                    let id = id.clone();
                    async move { basiq.institution(&s.token, &id).await }
                })
                .await;
            if let Ok(inst) = answer {
                let mut fresh = InstitutionSummary::from_institution(&inst);
                // Keep the directory's logo when the detail has none.
                if fresh.logo.is_none() {
                    fresh.logo = ctx
                        .flow
                        .with_untracked(|f| f.institution().and_then(|i| i.logo.clone()));
                }
                ctx.dispatch(FlowEvent::InstitutionDetails(fresh));
            }
        });
    }

    fn submit_credentials(&self, submit: CredentialSubmit) {
        let CredentialSubmit {
            login_id,
            check,
            body,
        } = submit;
        self.dispatch(FlowEvent::Submit { login_id, check });
        let Some(body) = body else { return };
        let sending = self.flow.with_untracked(|f| {
            matches!(
                f,
                FlowState::EnteringCredentials(Form {
                    submitting: true,
                    ..
                })
            )
        });
        if !sending {
            return;
        }
        let ctx = *self;
        spawn_local(async move {
            let result = ctx
                .with_token(|basiq, s| {
                    let body = body.clone();
                    async move { basiq.create_connection(&s.token, &s.user_id, &body).await }
                })
                .await;
            drop(body);
            match result {
                Ok(job) => ctx.dispatch(FlowEvent::ConnectionCreated {
                    job_id: job.id,
                    now_ms: now_ms(),
                }),
                Err(e) => ctx.dispatch(e.into_event()),
            }
        });
    }

    fn submit_mfa(&self, body: String) {
        let Some(job_id) = self
            .flow
            .with_untracked(|f| f.mfa().and(f.job()).map(|j| j.job_id.clone()))
        else {
            return;
        };
        self.dispatch(FlowEvent::MfaSubmitted { now_ms: now_ms() });
        let ctx = *self;
        spawn_local(async move {
            let result = ctx
                .with_token(|basiq, s| {
                    let (body, job_id) = (body.clone(), job_id.clone());
                    async move { basiq.answer_mfa(&s.token, &job_id, &body).await }
                })
                .await;
            drop(body);
            match result {
                Ok(()) => ctx.dispatch(FlowEvent::MfaSent),
                Err(e) => ctx.dispatch(e.into_event()),
            }
        });
    }

    /// Polls the job while the flow follows it; stops on a terminal state, on close, or when a
    /// newer poller starts.
    fn poll(&self, job_id: String) {
        let ctx = *self;
        let generation = ctx.poll_generation.with_value(|g| g + 1);
        ctx.poll_generation.set_value(generation);
        spawn_local(async move {
            let followed = job_id.clone();
            let following = move || {
                ctx.poll_generation.get_value() == generation
                    && ctx
                        .flow
                        .with_untracked(|f| f.job().is_some_and(|j| j.job_id == followed))
            };
            let mut failures = 0;
            loop {
                let elapsed = ctx
                    .flow
                    .with_untracked(|f| f.elapsed_ms(now_ms()))
                    .unwrap_or(0);
                browser::sleep(job::poll_delay_ms(elapsed)).await;
                if !following() {
                    break;
                }
                if ctx.flow.with_untracked(|f| f.job_to_poll().is_none()) {
                    continue; // an MFA answer is on its way
                }
                let requested_at_ms = now_ms();
                let answer = ctx
                    .with_token(|basiq, s| {
                        let job_id = job_id.clone();
                        async move { basiq.job(&s.token, &job_id).await }
                    })
                    .await;
                if !following() {
                    break;
                }
                match answer {
                    Ok(job) => {
                        failures = 0;
                        ctx.dispatch(FlowEvent::JobUpdated {
                            job,
                            requested_at_ms,
                            now_ms: now_ms(),
                        });
                    }
                    Err(CallError::Failed(e)) if job::rides_out_poll_failure(&e.kind, failures) => {
                        failures += 1;
                    }
                    Err(e) => ctx.dispatch(e.into_event()),
                }
            }
        });
    }

    /// Loads the new connection's accounts into the flow (and so into the host's `success`
    /// message when embedded).
    fn load_accounts(&self) {
        let ctx = *self;
        spawn_local(async move {
            match api::fetch_accounts().await {
                Ok(list) => {
                    let rows = ctx.flow.with_untracked(|f| match f {
                        FlowState::Succeeded(c) => Some(accounts::rows_for_connection(
                            &list,
                            c.connection_id.as_deref(),
                            &c.institution.id,
                        )),
                        _ => None,
                    });
                    if let Some(rows) = rows {
                        ctx.dispatch(FlowEvent::AccountsLoaded(rows));
                    }
                }
                Err(e) => ctx.dispatch(FlowEvent::RequestFailed(e)),
            }
        });
    }
}

/// The widget.
#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        flow: RwSignal::new(FlowState::Idle),
        session: RwSignal::new(None),
        config: RwSignal::new(None),
        directory: RwSignal::new(None),
        directory_error: RwSignal::new(None),
        background_note: RwSignal::new(None),
        now: RwSignal::new(now_ms()),
        poll_generation: StoredValue::new(0),
        config_pending: StoredValue::new_local(None),
    };
    let flow = ctx.flow;
    let connections = ConnectionsState::new(ctx);
    // The picker's module, right after the first view: ready by the time "+" is pressed.
    preload!(preload_picker);

    // Config and directory straight away: the picker is ready the moment it opens.
    spawn_local(async move {
        if let Ok(c) = ctx.config().await {
            // Embedded by `embed.js`: open the flow once the host's init arrives.
            crate::embed::start(
                c.allowed_parent_origins.clone(),
                move || {
                    ctx.dispatch(FlowEvent::Open);
                    // Exchange the host's link token now: a used or expired one gets its own
                    // screen at once instead of surfacing later in the flow.
                    spawn_local(async move {
                        if let Err(e) = ctx.session(false).await
                            && e.kind == ErrorKind::LinkExpired
                        {
                            ctx.dispatch(FlowEvent::RequestFailed(e));
                        }
                    });
                },
                move || ctx.dispatch(FlowEvent::Close),
            );
        }
    });
    ctx.load_directory();

    // A one-second clock for elapsed time and the MFA countdown.
    let _ = set_interval_with_handle(
        move || {
            let now = now_ms();
            ctx.now.set(now);
            if flow.with_untracked(|f| f.mfa().is_some()) {
                ctx.dispatch(FlowEvent::Tick { now_ms: now });
            }
        },
        std::time::Duration::from_secs(1),
    );

    let screen = Memo::new(move |_| flow.with(Screen::of));

    let body = move || {
        let current = screen.get();
        match current {
            Screen::Idle => view! {
                {move || {
                    ctx.background_note
                        .get()
                        .map(|n| view! { <p class="bc-live" role="status">{n}</p> })
                }}
                {crate::connections::connections_home(connections)}
                <PlusButton on_click=move |_| {
                    ctx.background_note.set(None);
                    ctx.dispatch(FlowEvent::Open)
                } />
            }
            .into_any(),
            Screen::Picking => {
                // The next steps' module, while the person searches.
                preload!(preload_flow);
                lazy_view(move || async move { call_split!(picker_screen(ctx)) }).into_any()
            }
            _ => {
                let state = flow.get_untracked();
                lazy_view(move || {
                    let state = state.clone();
                    async move { call_split!(flow_screen(ctx, connections, state)) }
                })
                .into_any()
            }
        }
    };

    let open = move || !matches!(screen.get(), Screen::Idle);
    view! {
        <main class="bc-widget">
            <header class="bc-header">
                <h1 class="bc-title">"Connect your bank"</h1>
                <Show when=open>
                    <button
                        type="button"
                        class="bc-button bc-close"
                        aria-label="Close"
                        on:click=move |_| ctx.dispatch(FlowEvent::Close)
                    >
                        "×"
                    </button>
                </Show>
            </header>
            <section class="bc-body">{body}</section>
        </main>
    }
}

/// The I/O the later steps ask for (in the `flow` module, beside their screens).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(flow, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn flow_effect(ctx: Ctx, effect: FlowEffect) -> Result<(), ChunkError> {
    match effect {
        FlowEffect::FetchInstitution(id) => ctx.refresh_institution(id),
        FlowEffect::PollJob(job_id) => ctx.poll(job_id),
        FlowEffect::LoadAccounts => ctx.load_accounts(),
        FlowEffect::PreparePicker | FlowEffect::Focus(_) => {}
    }
    Ok(())
}

/// The steps after the picker: form, progress, MFA, accounts, failure (split point `flow`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        flow,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_flow)
    )
)]
fn flow_screen(
    ctx: Ctx,
    connections: ConnectionsState,
    state: FlowState,
) -> Result<AnyView, ChunkError> {
    let flow = ctx.flow;
    let on_failure_action = move |a: FailureAction| {
        ctx.dispatch(match a {
            FailureAction::Retry => FlowEvent::Retry,
            FailureAction::BackToForm => FlowEvent::Back,
            FailureAction::PickAnother => FlowEvent::PickAnother,
            FailureAction::Close => FlowEvent::Close,
        })
    };

    Ok(match state {
        FlowState::EnteringCredentials(Form { attempt, .. }) => {
            let institution = attempt.institution;
            let inst = Signal::derive(move || {
                flow.with(|f| f.institution().cloned())
                    .unwrap_or_else(|| institution.clone())
            });
            let form = move |f: &FlowState| match f {
                FlowState::EnteringCredentials(form) => Some(form.clone()),
                _ => None,
            };
            let check =
                Signal::derive(move || flow.with(form).map(|f| f.check).unwrap_or_default());
            let submitting = Signal::derive(move || flow.with(form).is_some_and(|f| f.submitting));
            let notice = Signal::derive(move || flow.with(form).and_then(|f| f.notice));
            view! {
                <CredentialForm
                    institution=inst
                    login_prefill=attempt.login_id.unwrap_or_default()
                    check=check
                    submitting=submitting
                    notice=notice
                    on_submit=move |s| ctx.submit_credentials(s)
                    on_back=move |_| ctx.dispatch(FlowEvent::Back)
                />
            }
            .into_any()
        }
        FlowState::Connecting { attempt, job } if job.mfa.is_none() => {
            let institution = attempt.institution;
            let view_signal = Signal::derive(move || {
                flow.with(|f| f.job().map(|j| j.view.clone()))
                    .unwrap_or_else(JobView::starting)
            });
            let started_at_ms = job.started_at_ms;
            let elapsed =
                Signal::derive(move || ctx.now.get().saturating_sub(started_at_ms) / 1000);
            let name = institution.name.clone();
            view! {
                <ConnectionProgress
                    institution_name=institution.name.clone()
                    view=view_signal
                    usual_secs=institution::usual_seconds(&institution)
                    elapsed_secs=elapsed
                    on_cancel=move |_| ctx.dispatch(FlowEvent::Cancel)
                    on_background=move |_| {
                        ctx.background_note.set(Some(format!(
                            "We'll finish connecting {name} in the background."
                        )));
                        ctx.dispatch(FlowEvent::ContinueInBackground)
                    }
                />
            }
            .into_any()
        }
        FlowState::Connecting { attempt, job } => {
            let Some(first) = job.mfa.map(|m| m.challenge) else {
                return Ok(().into_any());
            };
            let challenge_signal = Signal::derive(move || {
                flow.with(|f| f.mfa().map(|m| m.challenge.clone()))
                    .unwrap_or_else(|| first.clone())
            });
            let error =
                Signal::derive(move || flow.with(|f| f.mfa().and_then(|m| m.error.clone())));
            let busy = Signal::derive(move || {
                flow.with(|f| f.mfa().is_some_and(|m| m.sending() || m.checking()))
            });
            let seconds_left = Signal::derive(move || {
                let now = ctx.now.get();
                flow.with(|f| f.mfa().and_then(|m| m.seconds_left(now)))
            });
            view! {
                <MfaPrompt
                    institution_name=attempt.institution.name.clone()
                    challenge=challenge_signal
                    error=error
                    seconds_left=seconds_left
                    busy=busy
                    on_submit=move |body| ctx.submit_mfa(body)
                    on_cancel=move |_| ctx.dispatch(FlowEvent::Cancel)
                />
            }
            .into_any()
        }
        FlowState::Succeeded(Connected { institution, .. }) => {
            let connected = move |f: &FlowState| match f {
                FlowState::Succeeded(c) => Some((c.accounts.clone(), c.accounts_error.clone())),
                _ => None,
            };
            let rows = Signal::derive(move || -> Option<Vec<AccountRow>> {
                flow.with(connected).and_then(|c| c.0)
            });
            let error = Signal::derive(move || flow.with(connected).and_then(|c| c.1));
            view! {
                <ConnectedAccounts
                    institution_name=institution.name.clone()
                    rows=rows
                    error=error
                    on_reload=move |_| ctx.dispatch(FlowEvent::ReloadAccounts)
                    on_another=move |_| ctx.dispatch(FlowEvent::PickAnother)
                />
                <button
                    type="button"
                    class="bc-button bc-conn-open"
                    on:click=move |_| {
                        connections.show();
                        ctx.dispatch(FlowEvent::Close)
                    }
                >
                    "See all your connected banks"
                </button>
            }
            .into_any()
        }
        FlowState::Failed(f) => view! {
            <FailureScreen
                error=f.error
                recovery=f.recovery
                institution_name=f.institution.map(|i| i.name)
                on_action=on_failure_action
            />
        }
        .into_any(),
        FlowState::Idle | FlowState::Picking { .. } => ().into_any(),
    })
}

/// The institution picker (split point `picker`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        picker,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_picker)
    )
)]
fn picker_screen(ctx: Ctx) -> Result<AnyView, ChunkError> {
    Ok(picker_view(ctx).into_any())
}

fn picker_view(ctx: Ctx) -> impl IntoView {
    let flow = ctx.flow;
    let query = Signal::derive(move || {
        flow.with(|f| match f {
            FlowState::Picking { query } => query.clone(),
            _ => String::new(),
        })
    });
    let filters = Signal::derive(move || {
        ctx.config
            .with(|c| c.as_ref().map(Filters::from_config))
            .unwrap_or_default()
    });
    let institutions =
        Signal::derive(move || ctx.directory.get().unwrap_or_else(|| Arc::new(Vec::new())));
    let content = move || {
        if ctx.directory.with(Option::is_some) {
            view! {
                <InstitutionPicker
                    institutions=institutions
                    filters=filters
                    query=query
                    on_query=move |q| ctx.dispatch(FlowEvent::Search(q))
                    on_select=move |i| ctx.dispatch(FlowEvent::Select(i))
                    on_escape=move |_| ctx.dispatch(FlowEvent::Back)
                />
            }
            .into_any()
        } else if let Some(e) = ctx.directory_error.get() {
            view! {
                <Notice
                    title="We couldn't load the list of banks"
                    message=e.message()
                    on_retry=move |_| {
                        ctx.directory_error.set(None);
                        ctx.load_directory();
                    }
                />
            }
            .into_any()
        } else {
            view! { <p class="bc-live" role="status">"Loading banks…"</p> }.into_any()
        }
    };
    view! {
        <StepHeading>"Choose your bank"</StepHeading>
        {content}
    }
}
