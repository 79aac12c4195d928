//! The steps after the credential form — progress, MFA, accounts, failure, "your session has
//! ended" — and the I/O they ask for: polling the job, the MFA answer, the accounts, a new
//! session. All of it lives in the `job` split module (the form fetches it once it is up), with
//! the job's part of the flow's machine.

use bank_connect_core::InstitutionSummary;
use bank_connect_core::accounts::{self, AccountRow};
use bank_connect_core::browser_session::{SessionEffect, SessionEvent, SessionStatus};
use bank_connect_core::flow::{Attempt, Connected, FlowEffect, FlowEvent, FlowState};
use bank_connect_core::institution;
use bank_connect_core::job::{JobFollow, JobView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::api;
use crate::browser::{focus_when_shown, now_ms};
use crate::components::{
    ConnectedAccounts, ConnectionProgress, FailureAction, FailureScreen, MfaPrompt,
    STEP_HEADING_ID, SessionEnded,
};
use crate::connections::ConnectionsState;
use crate::split::ChunkError;

impl Ctx {
    pub(super) fn submit_mfa(&self, body: String) {
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
                .with_token(|basiq| {
                    let (body, job_id) = (body.clone(), job_id.clone());
                    async move { basiq.answer_mfa(&job_id, &body).await }
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
    pub(super) fn poll(&self, job_id: String) {
        POLLED.set(Some(job_id.clone()));
        let ctx = *self;
        let generation = ctx.poll_generation.with_value(|g| g + 1);
        ctx.poll_generation.set_value(generation);
        ctx.poll_job(
            job_id,
            move || {
                (ctx.poll_generation.get_value() == generation)
                    .then(|| ctx.flow.with_untracked(|f| f.job().cloned()))
                    .flatten()
            },
            move |job, requested_at_ms| {
                ctx.dispatch(FlowEvent::JobUpdated {
                    job,
                    requested_at_ms,
                    now_ms: now_ms(),
                })
            },
            move |e| ctx.dispatch(e.into_event()),
        );
    }

    /// Loads the new connection's accounts into the flow (and so into the host's `success`
    /// message when embedded).
    pub(super) fn load_accounts(&self) {
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

thread_local! {
    /// The job this module last started polling.
    static POLLED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

impl Ctx {
    /// The job's screen is up: its poll runs. The flow enters the job's steps from the form's
    /// module (`ConnectionCreated`), whose `PollJob` is lost when this module could not be
    /// downloaded then; every later poll is asked for from here, where the module is at hand.
    fn poll_unless_polled(&self, job_id: &str) {
        if POLLED.with_borrow(|p| p.as_deref() != Some(job_id)) {
            self.poll(job_id.to_string());
        }
    }
}

/// An event for the steps after the form, through the whole flow machine (split point `job`,
/// beside the job's screens).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(job, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn job_dispatch(ctx: Ctx, event: FlowEvent) -> Result<(), ChunkError> {
    ctx.dispatch(event);
    Ok(())
}

/// The I/O the job's steps ask for (in the `job` module, beside their screens).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(job, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn job_effect(ctx: Ctx, effect: FlowEffect) -> Result<(), ChunkError> {
    match effect {
        FlowEffect::PollJob(job_id) => ctx.poll(job_id),
        FlowEffect::LoadAccounts => ctx.load_accounts(),
        _ => {}
    }
    Ok(())
}

/// What a session transition asks for (in the `job` module, beside the session-ended screen).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(job, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn session_effect(ctx: Ctx, effect: SessionEffect) -> Result<(), ChunkError> {
    match effect {
        SessionEffect::DropSession => {
            // The old session's tokens and flow go; nothing asks for a new one.
            ctx.session.set(None);
            ctx.poll_generation.update_value(|g| *g += 1);
            ctx.flow.set(FlowState::Idle);
        }
        SessionEffect::StartNewSession => spawn_local(async move {
            ctx.session_event(match ctx.start_new_session().await {
                Ok(()) => SessionEvent::Started,
                Err(e) => SessionEvent::StartFailed(e),
            });
        }),
        // The start screen renders again for the new session and loads its banks.
        SessionEffect::ReloadConnections => {}
        SessionEffect::FocusHeading => focus_when_shown(STEP_HEADING_ID.to_string()),
    }
    Ok(())
}

/// "Your session has ended" with "Start again".
fn session_ended_screen(ctx: Ctx) -> AnyView {
    let status = ctx.session_status;
    let starting = Signal::derive(move || {
        status.with(|s| matches!(s, SessionStatus::Ended { starting: true, .. }))
    });
    let error = Signal::derive(move || {
        status.with(|s| match s {
            SessionStatus::Ended { error, .. } => error.clone(),
            SessionStatus::Active => None,
        })
    });
    let on_start_again = Callback::new(move |()| ctx.session_event(SessionEvent::StartAgain));
    let embedded = crate::embed::mode().is_some();
    view! { <SessionEnded starting error on_start_again embedded /> }.into_any()
}

/// The steps after the form: progress, MFA, accounts, failure, and "your session has ended"
/// (split point `job`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        job,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_job)
    )
)]
pub(super) fn job_screen(
    ctx: Ctx,
    connections: ConnectionsState,
    state: FlowState,
) -> Result<AnyView, ChunkError> {
    let on_failure_action = move |a: FailureAction| {
        ctx.dispatch(match a {
            FailureAction::Retry => FlowEvent::Retry,
            FailureAction::BackToForm => FlowEvent::Back,
            FailureAction::PickAnother => FlowEvent::PickAnother,
            FailureAction::Close => FlowEvent::Close,
        })
    };

    if ctx
        .session_status
        .with_untracked(|s| matches!(s, SessionStatus::Ended { .. }))
    {
        return Ok(session_ended_screen(ctx));
    }
    Ok(match state {
        FlowState::Connecting { attempt, job } => {
            ctx.poll_unless_polled(&job.job_id);
            if job.mfa.is_none() {
                progress_screen(ctx, attempt, job)
            } else {
                mfa_screen(ctx, attempt, job)
            }
        }
        FlowState::Succeeded(Connected { institution, .. }) => {
            success_screen(ctx, connections, institution)
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
        FlowState::Idle
        | FlowState::Picking { .. }
        | FlowState::EnteringCredentials(_)
        | FlowState::Handoff(_) => ().into_any(),
    })
}

fn progress_screen(ctx: Ctx, attempt: Attempt, job: JobFollow) -> AnyView {
    let flow = ctx.flow;
    let institution = attempt.institution;
    let view_signal = Signal::derive(move || {
        flow.with(|f| f.job().map(|j| j.view.clone()))
            .unwrap_or_else(JobView::starting)
    });
    let started_at_ms = job.started_at_ms;
    let elapsed = Signal::derive(move || ctx.now.get().saturating_sub(started_at_ms) / 1000);
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

fn mfa_screen(ctx: Ctx, attempt: Attempt, job: JobFollow) -> AnyView {
    let flow = ctx.flow;
    let Some(first) = job.mfa.map(|m| m.challenge) else {
        return ().into_any();
    };
    let challenge_signal = Signal::derive(move || {
        flow.with(|f| f.mfa().map(|m| m.challenge.clone()))
            .unwrap_or_else(|| first.clone())
    });
    let error = Signal::derive(move || flow.with(|f| f.mfa().and_then(|m| m.error.clone())));
    let busy =
        Signal::derive(move || flow.with(|f| f.mfa().is_some_and(|m| m.sending() || m.checking())));
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

fn success_screen(
    ctx: Ctx,
    connections: ConnectionsState,
    institution: InstitutionSummary,
) -> AnyView {
    let flow = ctx.flow;
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
