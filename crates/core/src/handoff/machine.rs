//! The hand-off's transitions, one function per stretch of the visit.

use super::{
    ConnectedBank, ConsentAction, ConsentResult, Ending, Handoff, HandoffEffect, HandoffEvent,
    JobSlot, LaunchMode, PopupWindow, SEVER_GRACE_MS, SlotProgress, Target,
};
use crate::basiq::Job;
use crate::errors::{ErrorKind, UserError};
use crate::job::{self, Followed, JobEvent, JobFollow};

/// The hand-off's transition function: pure, total, never panics. Events that make no sense in
/// the current state leave it unchanged.
pub fn next(state: Handoff, event: HandoffEvent) -> (Handoff, Vec<HandoffEffect>) {
    // Word about another hand-off (an old tab, a replayed message) is never followed.
    let named = match &event {
        HandoffEvent::PopupSaidBack { nonce } | HandoffEvent::ResultArrived { nonce, .. } => {
            Some(nonce.as_str())
        }
        _ => None,
    };
    if named.is_some() && named != state.watched_nonce() {
        return (state, Vec::new());
    }
    match state {
        Handoff::Confirming { .. } | Handoff::Starting { .. } | Handoff::Leaving { .. } => {
            before_basiq(state, event)
        }
        Handoff::Waiting { .. } | Handoff::Returning { .. } => at_basiq(state, event),
        Handoff::Following { .. } | Handoff::Connected { .. } | Handoff::Ended { .. } => {
            after_basiq(state, event)
        }
    }
}

/// "Continue to {bank}" and the start request.
fn before_basiq(state: Handoff, event: HandoffEvent) -> (Handoff, Vec<HandoffEffect>) {
    use Handoff as S;
    use HandoffEffect as F;
    use HandoffEvent as E;
    let keep = |s| (s, Vec::new());
    match (state, event) {
        // ---- "Continue to {bank}"
        (S::Confirming { target, mode, .. }, E::Continue { window_opened }) => {
            if mode == LaunchMode::Popup && !window_opened {
                return keep(S::Confirming {
                    target,
                    mode,
                    blocked: true,
                });
            }
            let body = target.start_body(mode);
            (S::Starting { target, mode }, vec![F::Start(body)])
        }

        // ---- the start request
        (S::Starting { target, mode }, E::Started { started, now_ms }) => match mode {
            LaunchMode::Page => (S::Leaving { target }, vec![F::Navigate(started.url)]),
            LaunchMode::Popup => {
                let expires_at_ms = now_ms.saturating_add(started.expires_in.saturating_mul(1000));
                let effects = vec![
                    F::SendPopup(started.url.clone()),
                    F::WatchResult(started.nonce.clone()),
                ];
                (
                    S::Waiting {
                        target,
                        nonce: started.nonce,
                        url: started.url,
                        expires_at_ms,
                        window: PopupWindow::Open { since_ms: now_ms },
                    },
                    effects,
                )
            }
        },
        (S::Starting { target, mode }, E::StartFailed(error)) => (
            ended(start_failed(error), Some(target), mode),
            vec![F::ClosePopup],
        ),
        // The blank popup was closed before it went anywhere: surely the person.
        (S::Starting { target, mode }, E::PopupGone { .. }) if mode == LaunchMode::Popup => {
            keep(ended(Ending::WindowClosed, Some(target), mode))
        }

        (state, _) => keep(state),
    }
}

/// The person at Basiq (popup mode), and the relay's answer.
fn at_basiq(state: Handoff, event: HandoffEvent) -> (Handoff, Vec<HandoffEffect>) {
    use Handoff as S;
    use HandoffEffect as F;
    use HandoffEvent as E;
    let keep = |s| (s, Vec::new());
    match (state, event) {
        // ---- waiting for the person in the popup
        (
            S::Waiting {
                target,
                nonce,
                url,
                expires_at_ms,
                window,
            },
            E::PopupGone { now_ms },
        ) => match window {
            PopupWindow::Open { since_ms } if now_ms.saturating_sub(since_ms) > SEVER_GRACE_MS => (
                ended(Ending::WindowClosed, Some(target), LaunchMode::Popup),
                Vec::new(),
            ),
            _ => keep(S::Waiting {
                target,
                nonce,
                url,
                expires_at_ms,
                window: PopupWindow::Unreachable,
            }),
        },
        (w @ S::Waiting { .. }, E::ShowWindow) => {
            let effect = match &w {
                S::Waiting {
                    window: PopupWindow::Unreachable,
                    url,
                    ..
                } => F::ReopenPopup(url.clone()),
                _ => F::FocusPopup,
            };
            (w, vec![effect])
        }
        (S::Waiting { nonce, target, .. }, E::PopupSaidBack { .. }) => (
            S::Returning {
                nonce: nonce.clone(),
                purpose: target.action,
            },
            vec![F::AskResultNow(nonce)],
        ),
        (S::Waiting { target, .. }, E::PopupSaidFailed { code }) => (
            ended(Ending::ReturnRefused(code), Some(target), LaunchMode::Popup),
            vec![F::ClosePopup, F::ReconcileConnections],
        ),
        (S::Waiting { target, .. }, E::Cancel) => (
            S::Confirming {
                target,
                mode: LaunchMode::Popup,
                blocked: false,
            },
            vec![F::ClosePopup],
        ),
        (
            S::Waiting {
                target,
                expires_at_ms,
                ..
            },
            E::Tick { now_ms },
        ) if now_ms >= expires_at_ms => (
            ended(Ending::TookTooLong, Some(target), LaunchMode::Popup),
            vec![F::ClosePopup],
        ),

        // ---- back: the relay's answer
        (S::Waiting { target, .. }, E::ResultArrived { result, now_ms, .. }) => {
            came_back(result, now_ms, target.action)
        }
        (S::Returning { purpose, .. }, E::ResultArrived { result, now_ms, .. }) => {
            came_back(result, now_ms, purpose)
        }
        (S::Waiting { target, .. }, E::ResultGone) => (
            ended(Ending::TookTooLong, Some(target), LaunchMode::Popup),
            vec![F::ClosePopup],
        ),
        (S::Returning { .. }, E::ResultGone) => {
            keep(ended(Ending::TookTooLong, None, LaunchMode::Page))
        }
        (S::Waiting { target, .. }, E::ResultFailed(e)) => {
            keep(ended(Ending::Failed(e), Some(target), LaunchMode::Popup))
        }
        (S::Returning { .. }, E::ResultFailed(e)) => {
            keep(ended(Ending::Failed(e), None, LaunchMode::Page))
        }

        (state, _) => keep(state),
    }
}

/// Following the jobs, the connected banks, the endings.
fn after_basiq(state: Handoff, event: HandoffEvent) -> (Handoff, Vec<HandoffEffect>) {
    use Handoff as S;
    use HandoffEffect as F;
    use HandoffEvent as E;
    let keep = |s| (s, Vec::new());
    match (state, event) {
        // ---- following every job
        (
            S::Following {
                jobs,
                started_at_ms,
            },
            E::JobPolled {
                job,
                requested_at_ms,
                now_ms,
            },
        ) => job_polled(jobs, started_at_ms, job, requested_at_ms, now_ms),
        (
            S::Following {
                mut jobs,
                started_at_ms,
            },
            E::JobPollFailed { job_id, error },
        ) => {
            for slot in jobs.iter_mut().filter(|s| s.job_id == job_id) {
                if !slot.finished() {
                    slot.progress = SlotProgress::Failed(error.clone());
                }
            }
            following(jobs, started_at_ms)
        }

        // ---- connected
        (
            S::Connected {
                banks,
                failed,
                accounts: None,
                ..
            },
            E::AccountsLoaded(rows),
        ) => keep(S::Connected {
            banks,
            failed,
            accounts: Some(rows),
            accounts_error: None,
        }),
        (
            S::Connected {
                banks,
                failed,
                accounts: None,
                ..
            },
            E::AccountsFailed(e),
        ) => keep(S::Connected {
            banks,
            failed,
            accounts: None,
            accounts_error: Some(e),
        }),
        (
            S::Connected {
                banks,
                failed,
                accounts: None,
                accounts_error: Some(_),
            },
            E::ReloadAccounts,
        ) => (
            S::Connected {
                banks,
                failed,
                accounts: None,
                accounts_error: None,
            },
            vec![F::LoadAccounts],
        ),

        // ---- endings
        (
            S::Ended {
                target: Some(target),
                mode,
                ending,
            },
            E::Retry,
        ) if ending.can_retry() => keep(S::Confirming {
            target,
            mode,
            blocked: false,
        }),

        (state, _) => keep(state),
    }
}

/// A failed start: the consent site (or Basiq behind it) unreachable, or the failure itself.
fn start_failed(error: UserError) -> Ending {
    match error.kind {
        ErrorKind::Network
        | ErrorKind::ServiceUnavailable
        | ErrorKind::ServerError
        | ErrorKind::BadResponse => Ending::SiteUnreachable,
        _ => Ending::Failed(error),
    }
}

fn ended(ending: Ending, target: Option<Target>, mode: LaunchMode) -> Handoff {
    Handoff::Ended {
        ending,
        target,
        mode,
    }
}

/// The visit came back with these jobs: follow them all, or (none) it was cancelled — or,
/// for "Manage consent" and "Extend consent", simply done.
fn came_back(
    result: ConsentResult,
    now_ms: u64,
    purpose: Option<ConsentAction>,
) -> (Handoff, Vec<HandoffEffect>) {
    let mut ids: Vec<String> = Vec::new();
    for id in result.job_ids.into_iter().chain(result.job_id) {
        if !id.is_empty() && !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        let ending = match purpose {
            Some(ConsentAction::Manage | ConsentAction::Extend) => Ending::ConsentManaged,
            _ => Ending::Cancelled,
        };
        return (
            ended(ending, None, LaunchMode::Page),
            vec![HandoffEffect::ReconcileConnections],
        );
    }
    let effects = ids.iter().cloned().map(HandoffEffect::PollJob).collect();
    let jobs = ids
        .into_iter()
        .map(|id| JobSlot {
            progress: SlotProgress::Going(JobFollow::new(id.clone(), now_ms)),
            job_id: id,
            institution_id: None,
        })
        .collect();
    (
        Handoff::Following {
            jobs,
            started_at_ms: now_ms,
        },
        effects,
    )
}

/// Every job finished: the banks connected, or the first failure's ending.
fn settle(jobs: Vec<JobSlot>) -> (Handoff, Vec<HandoffEffect>) {
    let mut banks = Vec::new();
    let mut failed = Vec::new();
    for slot in jobs {
        match slot.progress {
            SlotProgress::Done { connection_id } => banks.push(ConnectedBank {
                job_id: slot.job_id,
                connection_id,
                institution_id: slot.institution_id,
            }),
            SlotProgress::Failed(e) => failed.push(e),
            SlotProgress::Going(_) => {}
        }
    }
    if banks.is_empty() {
        let ending = failed
            .into_iter()
            .next()
            .map(Ending::from_job_failure)
            .unwrap_or(Ending::Cancelled);
        return (
            ended(ending, None, LaunchMode::Page),
            vec![HandoffEffect::ReconcileConnections],
        );
    }
    (
        Handoff::Connected {
            banks,
            failed,
            accounts: None,
            accounts_error: None,
        },
        vec![HandoffEffect::LoadAccounts],
    )
}

/// A poll of one of the visit's jobs.
fn job_polled(
    mut jobs: Vec<JobSlot>,
    started_at_ms: u64,
    job: Job,
    requested_at_ms: u64,
    now_ms: u64,
) -> (Handoff, Vec<HandoffEffect>) {
    let Some(slot) = jobs.iter_mut().find(|s| s.job_id == job.id) else {
        return (
            Handoff::Following {
                jobs,
                started_at_ms,
            },
            Vec::new(),
        );
    };
    if let SlotProgress::Going(follow) = &slot.progress {
        if let Some(i) = job.institution.as_ref().map(|i| i.id.clone()) {
            slot.institution_id = Some(i);
        }
        let event = JobEvent::Polled {
            job,
            requested_at_ms,
            now_ms,
        };
        slot.progress = match job::next(follow.clone(), event) {
            Followed::Going { follow, .. } => SlotProgress::Going(follow),
            Followed::Succeeded { connection_id } => SlotProgress::Done { connection_id },
            Followed::Failed(e) => SlotProgress::Failed(e),
        };
    }
    following(jobs, started_at_ms)
}

fn following(jobs: Vec<JobSlot>, started_at_ms: u64) -> (Handoff, Vec<HandoffEffect>) {
    if jobs.iter().all(JobSlot::finished) {
        settle(jobs)
    } else {
        (
            Handoff::Following {
                jobs,
                started_at_ms,
            },
            Vec::new(),
        )
    }
}
