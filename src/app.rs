//! The one container: owns the flow state (core's state machine), the in-memory token, the
//! institution directory and its cache, and does all I/O through `api.rs`. Components only
//! render what they are given and report events.

use std::sync::Arc;

use bank_connect_core::api_types::AccountView;
use bank_connect_core::cache::{CacheEntry, CacheRead};
use bank_connect_core::errors::{ErrorKind, UserError};
use bank_connect_core::flow::{self, AccountRow, FlowEvent, FlowState, JobView};
use bank_connect_core::token::TokenClock;
use bank_connect_core::{Filters, InstitutionSummary, PublicConfig, accounts};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Basiq, DirectoryAnswer};
use crate::browser::{self, now_ms};
use crate::components::{
    ConnectedAccounts, ConnectionProgress, CredentialForm, CredentialSubmit, FailureAction,
    FailureScreen, InstitutionPicker, MfaPrompt, PlusButton,
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

/// Which screen is up: a change re-renders the step and moves focus to its heading.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Screen {
    Idle,
    Picking,
    Form(String),
    Progress(String),
    Mfa(String),
    Success(String),
    Failed,
}

fn screen_of(state: &FlowState) -> Screen {
    match state {
        FlowState::Idle => Screen::Idle,
        FlowState::Picking { .. } => Screen::Picking,
        FlowState::EnteringCredentials { institution, .. } => Screen::Form(institution.id.clone()),
        FlowState::Connecting { job_id, .. } => Screen::Progress(job_id.clone()),
        FlowState::Mfa { job_id, .. } => Screen::Mfa(job_id.clone()),
        FlowState::Succeeded { job_id, .. } => Screen::Success(job_id.clone()),
        FlowState::Failed { .. } => Screen::Failed,
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
    accounts: RwSignal<Option<Vec<AccountView>>>,
    accounts_error: RwSignal<Option<UserError>>,
    background_note: RwSignal<Option<String>>,
    now: RwSignal<u64>,
    poll_generation: StoredValue<u64>,
}

impl Ctx {
    fn dispatch(&self, event: FlowEvent) {
        self.flow.update(|s| {
            let current = std::mem::replace(s, FlowState::Idle);
            if crate::embed::active() {
                // Embedded: the host hears about the transition (core decides what it hears).
                let before = current.clone();
                let observed = event.clone();
                *s = flow::next(current, event);
                crate::embed::observe(before, observed, s.clone());
            } else {
                *s = flow::next(current, event);
            }
        });
    }

    async fn basiq(&self) -> Result<Basiq, UserError> {
        if let Some(c) = self.config.get_untracked() {
            return Ok(Basiq::new(&c.basiq_url));
        }
        let c = api::fetch_config().await?;
        let basiq = Basiq::new(&c.basiq_url);
        self.config.set(Some(c));
        Ok(basiq)
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
                FlowState::EnteringCredentials {
                    submitting: true,
                    ..
                }
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
        let Some(job_id) = self.flow.with_untracked(|f| match f {
            FlowState::Mfa { job_id, .. } => Some(job_id.clone()),
            _ => None,
        }) else {
            return;
        };
        self.dispatch(FlowEvent::MfaSubmitted);
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
                    && ctx.flow.with_untracked(|f| match f {
                        FlowState::Connecting { job_id: j, .. }
                        | FlowState::Mfa { job_id: j, .. } => *j == followed,
                        _ => false,
                    })
            };
            let mut failures = 0;
            loop {
                let elapsed = ctx
                    .flow
                    .with_untracked(|f| f.elapsed_ms(now_ms()))
                    .unwrap_or(0);
                browser::sleep(flow::poll_delay_ms(elapsed)).await;
                if !following() {
                    break;
                }
                if ctx.flow.with_untracked(|f| f.job_to_poll().is_none()) {
                    continue; // an MFA answer is on its way
                }
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
                            now_ms: now_ms(),
                        });
                    }
                    Err(CallError::Failed(e))
                        if flow::rides_out_poll_failure(&e.kind, failures) =>
                    {
                        failures += 1;
                    }
                    Err(e) => ctx.dispatch(e.into_event()),
                }
            }
        });
    }

    fn load_accounts(&self) {
        let ctx = *self;
        ctx.accounts.set(None);
        ctx.accounts_error.set(None);
        spawn_local(async move {
            match api::fetch_accounts().await {
                Ok(list) => {
                    if crate::embed::active() {
                        // The host's `success` message carries these rows (core builds it
                        // from the state when they arrive).
                        let rows = ctx.flow.with_untracked(|f| match f {
                            FlowState::Succeeded {
                                institution,
                                connection_id,
                                ..
                            } => Some(accounts::rows_for_connection(
                                &list,
                                connection_id.as_deref(),
                                &institution.id,
                            )),
                            _ => None,
                        });
                        if let Some(rows) = rows {
                            ctx.dispatch(FlowEvent::AccountsLoaded(rows));
                        }
                    }
                    ctx.accounts.set(Some(list))
                }
                Err(e) => ctx.accounts_error.set(Some(e)),
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
        accounts: RwSignal::new(None),
        accounts_error: RwSignal::new(None),
        background_note: RwSignal::new(None),
        now: RwSignal::new(now_ms()),
        poll_generation: StoredValue::new(0),
    };
    let flow = ctx.flow;
    let connections = ConnectionsState::new();
    // The picker's module, right after the first view: ready by the time "+" is pressed.
    preload!(preload_picker);

    // Config and directory straight away: the picker is ready the moment it opens.
    spawn_local(async move {
        if let Ok(c) = api::fetch_config().await {
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
            ctx.config.set(Some(c));
        }
    });
    ctx.load_directory();

    // A one-second clock for elapsed time and the MFA countdown.
    let _ = set_interval_with_handle(
        move || {
            let now = now_ms();
            ctx.now.set(now);
            if flow.with_untracked(|f| matches!(f, FlowState::Mfa { .. })) {
                ctx.dispatch(FlowEvent::Tick { now_ms: now });
            }
        },
        std::time::Duration::from_secs(1),
    );

    let screen = Memo::new(move |_| flow.with(screen_of));

    // Side effects of entering a screen.
    Effect::new(move |previous: Option<Screen>| {
        let current = screen.get();
        if previous.as_ref() != Some(&current) {
            match &current {
                Screen::Picking if ctx.directory.with_untracked(Option::is_none) => {
                    ctx.load_directory();
                }
                // The later steps' own effects start in `flow_screen`, in their module.
                _ => {}
            }
            if matches!(current, Screen::Picking) && ctx.session.with_untracked(Option::is_none) {
                // Get the token early so the form's details arrive quickly.
                spawn_local(async move {
                    let _ = ctx.session(false).await;
                });
            }
            // Move focus to the new step's heading (to the password after a refusal).
            let back_with_notice = flow.with_untracked(|f| {
                matches!(
                    f,
                    FlowState::EnteringCredentials {
                        notice: Some(_),
                        ..
                    }
                )
            });
            let target = match current {
                Screen::Idle if previous.is_some() => Some("bc-plus"),
                Screen::Idle => None,
                Screen::Form(_) if back_with_notice => Some("bc-password"),
                _ => Some("bc-step-heading"),
            };
            if let Some(id) = target {
                browser::focus_when_shown(id.to_string());
            }
        }
        current
    });

    let shown = StoredValue::new(None::<Screen>);
    let body = move || {
        let current = screen.get();
        let previous = shown.get_value();
        shown.set_value(Some(current.clone()));
        match current {
            Screen::Idle => view! {
                {move || {
                    ctx.background_note
                        .get()
                        .map(|n| view! { <p class="bc-live" role="status">{n}</p> })
                }}
                {crate::connections::connections_home(ctx, connections)}
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
            current => {
                let state = flow.get_untracked();
                lazy_view(move || {
                    let (current, state) = (current.clone(), state.clone());
                    let previous = previous.clone();
                    async move {
                        call_split!(flow_screen(ctx, connections, current, previous, state))
                    }
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
    current: Screen,
    previous: Option<Screen>,
    state: FlowState,
) -> Result<AnyView, ChunkError> {
    let flow = ctx.flow;
    // Entering the step: fresh captions, polling the job, the accounts.
    match &current {
        Screen::Form(id)
            if !matches!(
                previous,
                Some(Screen::Progress(_)) | Some(Screen::Mfa(_)) | Some(Screen::Failed)
            ) =>
        {
            ctx.refresh_institution(id.clone());
        }
        Screen::Progress(job) if !matches!(&previous, Some(Screen::Mfa(j)) if j == job) => {
            ctx.poll(job.clone());
        }
        Screen::Success(_) => ctx.load_accounts(),
        _ => {}
    }
    let on_failure_action = move |a: FailureAction| {
        ctx.dispatch(match a {
            FailureAction::Retry => FlowEvent::Retry,
            FailureAction::BackToForm => FlowEvent::Back,
            FailureAction::PickAnother => FlowEvent::PickAnother,
            FailureAction::Close => FlowEvent::Close,
        })
    };

    Ok(match (current, state) {
        (
            Screen::Form(_),
            FlowState::EnteringCredentials {
                institution,
                login_id,
                ..
            },
        ) => {
            let inst = Signal::derive(move || {
                flow.with(|f| f.institution().cloned())
                    .unwrap_or_else(|| institution.clone())
            });
            let check = Signal::derive(move || {
                flow.with(|f| match f {
                    FlowState::EnteringCredentials { check, .. } => check.clone(),
                    _ => Default::default(),
                })
            });
            let submitting = Signal::derive(move || {
                flow.with(|f| {
                    matches!(
                        f,
                        FlowState::EnteringCredentials {
                            submitting: true,
                            ..
                        }
                    )
                })
            });
            let notice = Signal::derive(move || {
                flow.with(|f| match f {
                    FlowState::EnteringCredentials { notice, .. } => notice.clone(),
                    _ => None,
                })
            });
            view! {
                <CredentialForm
                    institution=inst
                    login_prefill=login_id.unwrap_or_default()
                    check=check
                    submitting=submitting
                    notice=notice
                    on_submit=move |s| ctx.submit_credentials(s)
                    on_back=move |_| ctx.dispatch(FlowEvent::Back)
                />
            }
            .into_any()
        }
        (
            Screen::Progress(_),
            FlowState::Connecting {
                institution,
                started_at_ms,
                ..
            },
        ) => {
            let view_signal = Signal::derive(move || {
                flow.with(|f| match f {
                    FlowState::Connecting { view, .. } | FlowState::Mfa { view, .. } => {
                        view.clone()
                    }
                    _ => JobView::starting(),
                })
            });
            let elapsed =
                Signal::derive(move || ctx.now.get().saturating_sub(started_at_ms) / 1000);
            let name = institution.name.clone();
            view! {
                <ConnectionProgress
                    institution_name=institution.name.clone()
                    view=view_signal
                    usual_secs=flow::usual_seconds(&institution)
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
        (
            Screen::Mfa(_),
            FlowState::Mfa {
                institution,
                challenge,
                ..
            },
        ) => {
            let challenge_signal = Signal::derive(move || {
                flow.with(|f| match f {
                    FlowState::Mfa { challenge, .. } => Some(challenge.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| challenge.clone())
            });
            let error = Signal::derive(move || {
                flow.with(|f| match f {
                    FlowState::Mfa { error, .. } => error.clone(),
                    _ => None,
                })
            });
            let busy = Signal::derive(move || {
                flow.with(|f| {
                    matches!(
                        f,
                        FlowState::Mfa { sending: true, .. }
                            | FlowState::Mfa { answered: true, .. }
                    )
                })
            });
            let seconds_left = Signal::derive(move || {
                let now = ctx.now.get();
                flow.with(|f| f.mfa_time_left_ms(now))
                    .map(|ms| ms.div_ceil(1000))
            });
            view! {
                <MfaPrompt
                    institution_name=institution.name.clone()
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
        (
            Screen::Success(_),
            FlowState::Succeeded {
                institution,
                connection_id,
                ..
            },
        ) => {
            let inst_id = institution.id.clone();
            let rows = Signal::derive(move || -> Option<Vec<AccountRow>> {
                ctx.accounts.with(|a| {
                    a.as_ref().map(|list| {
                        accounts::rows_for_connection(list, connection_id.as_deref(), &inst_id)
                    })
                })
            });
            view! {
                <ConnectedAccounts
                    institution_name=institution.name.clone()
                    rows=rows
                    error=ctx.accounts_error
                    on_reload=move |_| ctx.load_accounts()
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
        (
            Screen::Failed,
            FlowState::Failed {
                institution,
                error,
                recovery,
                ..
            },
        ) => view! {
            <FailureScreen
                error=error
                recovery=recovery
                institution_name=institution.map(|i| i.name)
                on_action=on_failure_action
            />
        }
        .into_any(),
        _ => ().into_any(),
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
                <div class="bc-notice" role="alert">
                    <p class="bc-notice-title">"We couldn't load the list of banks"</p>
                    <p>{e.message()}</p>
                    <button
                        type="button"
                        class="bc-button"
                        on:click=move |_| {
                            ctx.directory_error.set(None);
                            ctx.load_directory();
                        }
                    >
                        "Try again"
                    </button>
                </div>
            }
            .into_any()
        } else {
            view! { <p class="bc-live" role="status">"Loading banks…"</p> }.into_any()
        }
    };
    view! {
        <h2 id="bc-step-heading" class="bc-step-heading" tabindex="-1">"Choose your bank"</h2>
        {content}
    }
}
