//! The steps after the picker — credential form, progress, MFA, accounts, failure — and the
//! I/O they ask for: fresh captions, creating the connection, polling its job, the MFA answer,
//! the accounts. All of it lives in the `flow` split module.

use bank_connect_core::InstitutionSummary;
use bank_connect_core::accounts::{self, AccountRow};
use bank_connect_core::browser_session::{SessionEffect, SessionEvent, SessionStatus};
use bank_connect_core::flow::{Attempt, Connected, FlowEffect, FlowEvent, FlowState, Form};
use bank_connect_core::institution;
use bank_connect_core::job::{JobFollow, JobView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::api;
use crate::browser::{focus_when_shown, now_ms};
use crate::components::{
    ConnectedAccounts, ConnectionProgress, CredentialForm, CredentialSubmit, FailureAction,
    FailureScreen, MfaPrompt, STEP_HEADING_ID, SessionEnded,
};
use crate::connections::ConnectionsState;
use crate::split::ChunkError;

impl Ctx {
    /// Fresh captions and status for the chosen institution (the cached ones stay on failure).
    pub(super) fn refresh_institution(&self, id: String) {
        let ctx = *self;
        spawn_local(async move {
            let answer = ctx
                .with_token(|basiq| {
                    let id = id.clone();
                    async move { basiq.institution(&id).await }
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

    pub(super) fn submit_credentials(&self, submit: CredentialSubmit) {
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
                .with_token(|basiq| {
                    let body = body.clone();
                    async move { basiq.create_connection(&body).await }
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

/// An event the picker's module has no transition for, through the whole flow machine (split
/// point `flow`, beside the form's and the job's screens).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(flow, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn flow_dispatch(ctx: Ctx, event: FlowEvent) -> Result<(), ChunkError> {
    ctx.dispatch(event);
    Ok(())
}

/// The I/O the later steps ask for (in the `flow` module, beside their screens).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(flow, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn flow_effect(ctx: Ctx, effect: FlowEffect) -> Result<(), ChunkError> {
    match effect {
        FlowEffect::FetchInstitution(id) => ctx.refresh_institution(id),
        FlowEffect::PollJob(job_id) => ctx.poll(job_id),
        FlowEffect::LoadAccounts => ctx.load_accounts(),
        FlowEffect::PreparePicker | FlowEffect::Focus(_) | FlowEffect::Handoff(_) => {}
    }
    Ok(())
}

/// What a session transition asks for (in the `flow` module, beside the session-ended screen).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(flow, wasm_split_path = ::leptos::wasm_split, fallible)
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
pub(super) fn flow_screen(
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
        FlowState::EnteringCredentials(Form { attempt, .. }) => credentials_screen(ctx, attempt),
        FlowState::Connecting { attempt, job } if job.mfa.is_none() => {
            progress_screen(ctx, attempt, job)
        }
        FlowState::Connecting { attempt, job } => mfa_screen(ctx, attempt, job),
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
        FlowState::Idle | FlowState::Picking { .. } | FlowState::Handoff(_) => ().into_any(),
    })
}

fn credentials_screen(ctx: Ctx, attempt: Attempt) -> AnyView {
    let flow = ctx.flow;
    let institution = attempt.institution;
    let inst = Signal::derive(move || {
        flow.with(|f| f.institution().cloned())
            .unwrap_or_else(|| institution.clone())
    });
    let form = move |f: &FlowState| match f {
        FlowState::EnteringCredentials(form) => Some(form.clone()),
        _ => None,
    };
    let check = Signal::derive(move || flow.with(form).map(|f| f.check).unwrap_or_default());
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
