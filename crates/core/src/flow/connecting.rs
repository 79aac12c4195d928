//! The flow while its job runs: what the job's progress (and MFA) means for the flow.

use super::{Attempt, Connected, FlowEvent, FlowState, Resume, attempt_failed, expired, form};
use crate::errors::{Recovery, UserError};
use crate::job::{self, Followed, JobEvent, JobFollow};

/// Feeds an event to the job followed and reads what became of it.
pub(super) fn follow_job(attempt: Attempt, job: JobFollow, event: JobEvent) -> FlowState {
    let job_id = job.job_id.clone();
    match job::next(job, event) {
        Followed::Going { follow, .. } => FlowState::Connecting {
            attempt,
            job: follow,
        },
        Followed::Succeeded { connection_id } => FlowState::Succeeded(Connected {
            institution: attempt.institution,
            job_id,
            connection_id,
            accounts: None,
            accounts_error: None,
        }),
        Followed::Failed(error) => attempt_failed(attempt, error, Resume::Form),
    }
}

/// A request failed while connecting: a transient one keeps an open challenge on screen (the
/// person may send again); otherwise a failure, resuming the job when the job itself is fine.
fn connecting_failed(attempt: Attempt, job: JobFollow, error: UserError) -> FlowState {
    if job.mfa.is_none() {
        let resume = Resume::Job {
            job_id: job.job_id,
            started_at_ms: job.started_at_ms,
        };
        return attempt_failed(attempt, error, resume);
    }
    if matches!(
        error.recovery(),
        Recovery::Retry | Recovery::RetryLater { .. }
    ) {
        follow_job(attempt, job, JobEvent::RequestFailed(error.message()))
    } else {
        attempt_failed(attempt, error, Resume::Form)
    }
}

/// The flow while its job runs (and while the bank asks its question).
pub(super) fn connecting(attempt: Attempt, job: JobFollow, event: FlowEvent) -> FlowState {
    use FlowEvent as E;
    match event {
        E::JobUpdated {
            job: polled,
            requested_at_ms,
            now_ms,
        } => follow_job(
            attempt,
            job,
            JobEvent::Polled {
                job: polled,
                requested_at_ms,
                now_ms,
            },
        ),
        E::MfaSubmitted { now_ms } => follow_job(attempt, job, JobEvent::MfaSubmitted { now_ms }),
        E::MfaSent => follow_job(attempt, job, JobEvent::MfaSent),
        E::Tick { now_ms } => follow_job(attempt, job, JobEvent::Tick { now_ms }),
        E::RequestFailed(error) => connecting_failed(attempt, job, error),
        E::TokenExpired => attempt_failed(
            attempt,
            expired(),
            Resume::Job {
                job_id: job.job_id,
                started_at_ms: job.started_at_ms,
            },
        ),
        E::Cancel | E::Back => form(attempt, None),
        E::ContinueInBackground if job.mfa.is_none() && job.view.credentials_verified() => {
            FlowState::Idle
        }
        _ => FlowState::Connecting { attempt, job },
    }
}
