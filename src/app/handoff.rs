//! Basiq 3.0: the hand-off's screens and the I/O they ask for — starting it, leaving for the
//! Consent UI, asking our relay how the visit ended, following every job of the visit, the
//! connected banks' accounts. All of it lives in the `handoff` split module (a 2.1 widget never
//! downloads it); the popup's own calls, which a click's gesture may need, are in `popup.rs`.

use bank_connect_core::errors::{ErrorKind, UserError};
use bank_connect_core::flow::{self, FlowEvent, FlowState};
use bank_connect_core::handoff::{
    self, Handoff, HandoffEffect, HandoffEvent, JobSlot, LaunchMode, SlotProgress,
};
use bank_connect_core::job;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{CallError, Ctx, popup};
use crate::api;
use crate::browser::{self, now_ms};
use crate::components::{
    BanksConnected, ContinueStep, HandoffEnded, HandoffProgress, JobLine, WaitingForPopup,
};
use crate::split::ChunkError;

/// How often the relay is asked while the person is at Basiq.
const RELAY_POLL_MS: u64 = 1_500;

impl Ctx {
    fn handoff_event(&self, event: HandoffEvent) {
        self.dispatch(FlowEvent::Handoff(event));
    }

    fn handoff_with<T>(&self, f: impl FnOnce(&Handoff) -> T) -> Option<T> {
        self.flow.with_untracked(|s| match s {
            FlowState::Handoff(h) => Some(f(h)),
            _ => None,
        })
    }

    /// "Continue to Basiq": popup mode opens the (blank) window in this very click, before any
    /// request, so the browser counts it as the person's.
    fn continue_handoff(&self, mode: LaunchMode) {
        let window_opened = mode == LaunchMode::Popup && popup::open("");
        if window_opened {
            popup::listen(*self);
        }
        self.handoff_event(HandoffEvent::Continue { window_opened });
    }

    fn start_handoff(&self, body: serde_json::Value) {
        let ctx = *self;
        spawn_local(async move {
            // The hand-off belongs to this browser's session: made (or its token's flight
            // joined) first, whether or not the picker's early token got there before.
            let started = match ctx.session(false).await {
                Ok(_) => api::start_consent(&body).await,
                Err(e) => Err(e),
            };
            match started {
                Ok(started) => ctx.handoff_event(HandoffEvent::Started {
                    started,
                    now_ms: now_ms(),
                }),
                Err(e) => ctx.handoff_event(HandoffEvent::StartFailed(e)),
            }
        });
    }

    /// Asks the relay about `nonce` now and, with `watch`, every 1.5 s while the hand-off waits
    /// for it; transient failures are ridden out like a job poll's.
    fn watch_result(&self, nonce: String, watch: bool) {
        let ctx = *self;
        spawn_local(async move {
            let mut failures = 0;
            loop {
                let watched = ctx.handoff_with(|h| h.watched_nonce() == Some(nonce.as_str()));
                if watched != Some(true) {
                    break;
                }
                match api::consent_result(&nonce).await {
                    Ok(Some(result)) => {
                        let nonce = nonce.clone();
                        let now_ms = now_ms();
                        ctx.handoff_event(HandoffEvent::ResultArrived {
                            nonce,
                            result,
                            now_ms,
                        });
                        break;
                    }
                    Ok(None) => failures = 0,
                    Err(e) if e.kind == ErrorKind::NotFound => {
                        ctx.handoff_event(HandoffEvent::ResultGone);
                        break;
                    }
                    Err(e) if job::rides_out_poll_failure(&e.kind, failures) => failures += 1,
                    Err(e) => {
                        ctx.handoff_event(HandoffEvent::ResultFailed(e));
                        break;
                    }
                }
                if !watch {
                    break;
                }
                browser::sleep(RELAY_POLL_MS).await;
            }
        });
    }

    fn poll_visit_job(&self, job_id: String) {
        let ctx = *self;
        let (followed_id, failed_id) = (job_id.clone(), job_id.clone());
        ctx.poll_job(
            job_id,
            move || {
                ctx.handoff_with(|h| h.follows(&followed_id).cloned())
                    .flatten()
            },
            move |job, requested_at_ms| {
                ctx.handoff_event(HandoffEvent::JobPolled {
                    job,
                    requested_at_ms,
                    now_ms: now_ms(),
                })
            },
            move |e: CallError| {
                let error = match e {
                    CallError::Failed(e) => e,
                    CallError::Expired => UserError::new(ErrorKind::SessionExpired),
                };
                ctx.handoff_event(HandoffEvent::JobPollFailed {
                    job_id: failed_id.clone(),
                    error,
                })
            },
        );
    }

    fn load_bank_accounts(&self) {
        let ctx = *self;
        spawn_local(async move {
            let banks = ctx.handoff_with(|h| match h {
                Handoff::Connected { banks, .. } => banks.clone(),
                _ => Vec::new(),
            });
            let Some(banks) = banks.filter(|b| !b.is_empty()) else {
                return;
            };
            let loaded = async {
                let connections = api::list_connections().await?;
                let accounts = api::fetch_accounts().await?;
                Ok(handoff::bank_accounts(&banks, &connections, &accounts))
            };
            ctx.handoff_event(match loaded.await {
                Ok(rows) => HandoffEvent::AccountsLoaded(rows),
                Err(e) => HandoffEvent::AccountsFailed(e),
            });
        });
    }
}

/// Runs a hand-off event through the whole flow machine (split point `handoff`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(handoff, wasm_split_path = ::leptos::wasm_split, fallible)
)]
#[allow(clippy::result_large_err)]
pub(super) fn handoff_dispatch(ctx: Ctx, event: FlowEvent) -> Result<(), ChunkError> {
    let effects = ctx.step(event, |state, event| Ok(flow::next(state, event)));
    for effect in effects {
        ctx.run(effect);
    }
    Ok(())
}

/// The I/O the hand-off asks for (the popup's own calls ran already, in `popup.rs`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(handoff, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn handoff_effect(ctx: Ctx, effect: HandoffEffect) -> Result<(), ChunkError> {
    match effect {
        HandoffEffect::Start(body) => ctx.start_handoff(body),
        HandoffEffect::Navigate(url) => {
            if let Some(w) = web_sys::window() {
                let _ = w.location().assign(&url);
            }
        }
        HandoffEffect::WatchResult(nonce) => ctx.watch_result(nonce, true),
        HandoffEffect::AskResultNow(nonce) => ctx.watch_result(nonce, false),
        HandoffEffect::PollJob(job_id) => ctx.poll_visit_job(job_id),
        HandoffEffect::LoadAccounts => ctx.load_bank_accounts(),
        // The connections view reloads its list whenever it is shown; a half-made connection
        // from a cancelled visit is not shown as connected there.
        HandoffEffect::ReconcileConnections
        | HandoffEffect::SendPopup(_)
        | HandoffEffect::ReopenPopup(_)
        | HandoffEffect::FocusPopup
        | HandoffEffect::ClosePopup => {}
    }
    Ok(())
}

/// The hand-off's screens (split point `handoff`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        handoff,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_handoff)
    )
)]
pub(super) fn handoff_screen(ctx: Ctx, state: Handoff) -> Result<AnyView, ChunkError> {
    let pick = move |_| ctx.dispatch(FlowEvent::PickAnother);
    Ok(match state {
        Handoff::Confirming { target, mode, .. } => {
            let blocked = Signal::derive(move || {
                ctx.flow.with(|f| {
                    matches!(f, FlowState::Handoff(Handoff::Confirming { blocked: true, .. }))
                })
            });
            view! {
                <ContinueStep
                    bank_name=target.institution.map(|i| i.name)
                    popup=mode == LaunchMode::Popup
                    blocked=blocked
                    on_continue=move |_| ctx.continue_handoff(mode)
                    on_back=move |_| ctx.dispatch(FlowEvent::Back)
                />
            }
            .into_any()
        }
        Handoff::Starting { .. } | Handoff::Leaving { .. } => view! {
            <HandoffProgress heading="Opening Basiq's secure page…" jobs=Signal::stored(Vec::new()) />
        }
        .into_any(),
        Handoff::Waiting { .. } => view! {
            <WaitingForPopup
                on_show=move |_| ctx.handoff_event(HandoffEvent::ShowWindow)
                on_cancel=move |_| ctx.handoff_event(HandoffEvent::Cancel)
            />
        }
        .into_any(),
        Handoff::Returning { .. } | Handoff::Following { .. } => following_screen(ctx),
        Handoff::Connected { banks, failed, .. } => connected_screen(ctx, banks.len(), failed.len()),
        Handoff::Ended { ending, target, .. } => {
            let retry = (target.is_some() && ending.can_retry())
                .then(|| Callback::new(move |_| ctx.handoff_event(HandoffEvent::Retry)));
            let banks = Some(Callback::new(move |_| ctx.see_connections()));
            view! { <HandoffEnded ending=ending on_retry=retry on_pick=pick on_banks=banks /> }
                .into_any()
        }
    })
}

/// One line per job of the visit.
fn job_lines(jobs: &[JobSlot], ctx: Ctx) -> Vec<JobLine> {
    jobs.iter()
        .enumerate()
        .map(|(i, slot)| {
            let bank = slot
                .institution_id
                .as_deref()
                .and_then(|id| ctx.institution_name(id))
                .unwrap_or_else(|| format!("Bank {}", i + 1));
            let state = match &slot.progress {
                SlotProgress::Going(f) => f
                    .view
                    .current_label()
                    .map(str::to_owned)
                    .unwrap_or_else(|| "Starting…".into()),
                SlotProgress::Done { .. } => "Done".into(),
                SlotProgress::Failed(e) => e.title().into(),
            };
            JobLine { bank, state }
        })
        .collect()
}

fn following_screen(ctx: Ctx) -> AnyView {
    let jobs = Signal::derive(move || {
        ctx.flow.with(|f| match f {
            FlowState::Handoff(Handoff::Following { jobs, .. }) => job_lines(jobs, ctx),
            _ => Vec::new(),
        })
    });
    let heading = Signal::derive(move || {
        if jobs.with(Vec::is_empty) {
            "Checking what happened at Basiq…"
        } else {
            "Connecting your banks"
        }
    });
    view! { {move || view! { <HandoffProgress heading=heading.get() jobs=jobs /> }} }.into_any()
}

fn connected_screen(ctx: Ctx, count: usize, failed: usize) -> AnyView {
    let connected = move |f: &FlowState| match f {
        FlowState::Handoff(Handoff::Connected {
            accounts,
            accounts_error,
            ..
        }) => Some((accounts.clone(), accounts_error.clone())),
        _ => None,
    };
    let banks = Signal::derive(move || ctx.flow.with(connected).and_then(|c| c.0));
    let error = Signal::derive(move || ctx.flow.with(connected).and_then(|c| c.1));
    view! {
        <BanksConnected
            count=count
            banks=banks
            error=error
            failed=failed
            on_reload=move |_| ctx.handoff_event(HandoffEvent::ReloadAccounts)
            on_another=move |_| ctx.dispatch(FlowEvent::PickAnother)
            on_banks=Some(Callback::new(move |_| ctx.see_connections()))
        />
    }
    .into_any()
}
