//! Following one Basiq job, the same way wherever a job runs (connecting a bank, refreshing a
//! connection, updating its credentials): the polling cadence, the step view ([`JobView`]),
//! the MFA challenge and its countdown, and how the job ends.
//!
//! [`next`]`(follow, event) -> Followed` is pure; the container polls `GET /jobs/{id}`, posts
//! the MFA answer and feeds in what came back, stamped with the time.
//!
//! **The MFA rule.** Basiq checks an answer before it answers `POST /jobs/{id}/mfa` with 202
//! (the simulator does; Basiq's own control reads "still asking after the answer" as a
//! refusal). So a challenge seen by a poll *sent after* the answer was submitted is the bank
//! asking again: the answer was refused. A poll sent *before* the answer went out (it raced the
//! POST) can only show the old challenge and says nothing about the answer: it is ignored until a
//! later poll tells.

mod view;

pub use view::{JobOutcome, JobView, StepKind, StepState, StepView, connection_id, step_label};

use crate::basiq::{Job, MfaChallenge};
use crate::errors::{ErrorKind, UserError};

/// Delay before the next job poll: every second for the first 10 s, then every 2 s up to a
/// minute, then every 5 s.
pub fn poll_delay_ms(elapsed_ms: u64) -> u64 {
    match elapsed_ms {
        0..10_000 => 1_000,
        10_000..60_000 => 2_000,
        _ => 5_000,
    }
}

/// Consecutive failed job polls a view rides out before it shows the failure.
pub const POLL_FAILURES_TOLERATED: u32 = 3;

/// Whether a failed job poll is ridden out (polled again at the next tick) instead of shown:
/// only a transient failure, and only while fewer than [`POLL_FAILURES_TOLERATED`] polls in a
/// row failed (`failed_before` counts the earlier ones).
pub fn rides_out_poll_failure(kind: &ErrorKind, failed_before: u32) -> bool {
    failed_before + 1 < POLL_FAILURES_TOLERATED
        && matches!(
            kind,
            ErrorKind::Network
                | ErrorKind::ServerError
                | ErrorKind::ServiceUnavailable
                | ErrorKind::BadResponse
                | ErrorKind::RateLimited { .. }
        )
}

/// The message shown when the bank refuses an MFA answer.
pub const MFA_REFUSED: &str = "That answer wasn't accepted. Please try again.";

/// Where the person's answer to the challenge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Not answered yet (or answered again after a refusal).
    Open,
    /// `POST /jobs/{id}/mfa` is in flight since `at_ms`.
    Sending {
        /// When the answer was submitted.
        at_ms: u64,
    },
    /// Basiq accepted the answer submitted at `at_ms` for checking (202); polls sent after it
    /// tell whether the bank took it.
    Checking {
        /// When the answer was submitted.
        at_ms: u64,
    },
}

/// The challenge the bank puts to the person, and where their answer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaStep {
    /// The challenge to answer.
    pub challenge: MfaChallenge,
    /// Refused answers so far.
    pub attempts: u32,
    /// When this challenge was shown (with `challenge.expiry_ms`: the time left).
    pub issued_at_ms: u64,
    /// The answer's progress.
    pub answer: Answer,
    /// Message to show above the inputs (a refused answer, a failed send).
    pub error: Option<String>,
}

impl MfaStep {
    fn asked(challenge: MfaChallenge, attempts: u32, now_ms: u64, error: Option<String>) -> Self {
        Self {
            challenge,
            attempts,
            issued_at_ms: now_ms,
            answer: Answer::Open,
            error,
        }
    }

    /// True while the answer is being posted.
    pub fn sending(&self) -> bool {
        matches!(self.answer, Answer::Sending { .. })
    }

    /// True once Basiq accepted the answer for checking and no poll has told its fate yet.
    pub fn checking(&self) -> bool {
        matches!(self.answer, Answer::Checking { .. })
    }

    /// Milliseconds left to answer, when the challenge states an expiry.
    pub fn time_left_ms(&self, now_ms: u64) -> Option<u64> {
        self.challenge
            .expiry_ms
            .map(|e| self.issued_at_ms.saturating_add(e).saturating_sub(now_ms))
    }

    /// Whole seconds left to answer (rounded up), for the countdown.
    pub fn seconds_left(&self, now_ms: u64) -> Option<u64> {
        self.time_left_ms(now_ms).map(|ms| ms.div_ceil(1000))
    }
}

/// A job being followed: its steps as last polled and, while the bank asks, the challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFollow {
    /// The job.
    pub job_id: String,
    /// When following started (for "elapsed" and the polling cadence).
    pub started_at_ms: u64,
    /// The steps as last polled.
    pub view: JobView,
    /// The open challenge, while the bank waits for the person.
    pub mfa: Option<MfaStep>,
}

/// What can happen to a followed job.
// Short-lived values (one per event); variant sizes depend on serde_json's features.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    /// A poll of `GET /jobs/{id}` answered.
    Polled {
        /// The job.
        job: Job,
        /// When the poll was sent.
        requested_at_ms: u64,
        /// Now.
        now_ms: u64,
    },
    /// The person submitted an answer; it is being posted.
    MfaSubmitted {
        /// Now.
        now_ms: u64,
    },
    /// Basiq accepted the answer for checking (202).
    MfaSent,
    /// A request about the challenge failed (e.g. posting the answer): the challenge stays
    /// open, with this message above it.
    RequestFailed(String),
    /// Time passed (drives the challenge's expiry).
    Tick {
        /// Now.
        now_ms: u64,
    },
}

/// Where a followed job is after an event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Followed {
    /// Still running.
    Going {
        /// The job.
        follow: JobFollow,
        /// True when a challenge was just put before the person: the first one, or the same
        /// one again after a refused answer (their focus belongs there).
        asked: bool,
    },
    /// Every step finished.
    Succeeded {
        /// The connection the job names, if it does.
        connection_id: Option<String>,
    },
    /// A step failed, or the challenge expired unanswered.
    Failed(UserError),
}

impl JobFollow {
    /// Starts following `job_id` (no steps known yet).
    pub fn new(job_id: String, started_at_ms: u64) -> Self {
        Self {
            job_id,
            started_at_ms,
            view: JobView::starting(),
            mfa: None,
        }
    }

    /// The job to poll now: not while an MFA answer is being posted (a poll could only show the
    /// old challenge then).
    pub fn job_to_poll(&self) -> Option<&str> {
        match &self.mfa {
            Some(m) if m.sending() => None,
            _ => Some(&self.job_id),
        }
    }

    /// Milliseconds since following started.
    pub fn elapsed_ms(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.started_at_ms)
    }

    /// True when the bank waits for the person's answer (not while one is sent or checked).
    pub fn asks(&self) -> bool {
        self.mfa
            .as_ref()
            .is_some_and(|m| matches!(m.answer, Answer::Open))
    }

    fn going(self, asked: bool) -> Followed {
        Followed::Going {
            follow: self,
            asked,
        }
    }

    fn with_mfa(mut self, f: impl FnOnce(&mut MfaStep)) -> Followed {
        if let Some(m) = &mut self.mfa {
            f(m);
        }
        self.going(false)
    }

    /// A polled challenge: asked for the first time, asked again, renewed, or not news.
    fn on_challenge(
        mut self,
        challenge: MfaChallenge,
        requested_at_ms: u64,
        now_ms: u64,
    ) -> Followed {
        let Some(mfa) = self.mfa.take() else {
            self.mfa = Some(MfaStep::asked(challenge, 0, now_ms, None));
            return self.going(true);
        };
        match mfa.answer {
            // A poll sent before the answer went out: says nothing about it.
            Answer::Sending { .. } => {
                self.mfa = Some(mfa);
                self.going(false)
            }
            Answer::Checking { at_ms } if requested_at_ms <= at_ms => {
                self.mfa = Some(mfa);
                self.going(false)
            }
            // Still asking after the answer: the bank refused it and asks again.
            Answer::Checking { .. } => {
                let attempts = mfa.attempts.saturating_add(1);
                self.mfa = Some(MfaStep::asked(
                    challenge,
                    attempts,
                    now_ms,
                    Some(MFA_REFUSED.into()),
                ));
                self.going(true)
            }
            Answer::Open => {
                let renewed = challenge != mfa.challenge;
                self.mfa = Some(MfaStep {
                    issued_at_ms: if renewed { now_ms } else { mfa.issued_at_ms },
                    challenge,
                    ..mfa
                });
                self.going(false)
            }
        }
    }
}

/// The job-following transition function: pure, total, never panics. A poll of another job
/// changes nothing.
pub fn next(follow: JobFollow, event: JobEvent) -> Followed {
    match event {
        JobEvent::Polled {
            job,
            requested_at_ms,
            now_ms,
        } => {
            // Another job, or a poll that raced an answer being posted: nothing to learn.
            if follow.job_to_poll() != Some(job.id.as_str()) {
                return follow.going(false);
            }
            let view = JobView::from_job(&job);
            let outcome = view.outcome.clone();
            let follow = JobFollow { view, ..follow };
            match outcome {
                JobOutcome::Failed(e) => Followed::Failed(e),
                JobOutcome::Succeeded { connection_id } => Followed::Succeeded { connection_id },
                JobOutcome::InProgress => JobFollow {
                    mfa: None,
                    ..follow
                }
                .going(false),
                JobOutcome::NeedsMfa(c) => follow.on_challenge(c, requested_at_ms, now_ms),
            }
        }
        JobEvent::MfaSubmitted { now_ms } => follow.with_mfa(|m| {
            if matches!(m.answer, Answer::Open) {
                m.answer = Answer::Sending { at_ms: now_ms };
                m.error = None;
            }
        }),
        JobEvent::MfaSent => follow.with_mfa(|m| {
            if let Answer::Sending { at_ms } = m.answer {
                m.answer = Answer::Checking { at_ms };
            }
        }),
        JobEvent::RequestFailed(message) => follow.with_mfa(|m| {
            m.answer = Answer::Open;
            m.error = Some(message);
        }),
        JobEvent::Tick { now_ms } => {
            let expired = follow.mfa.as_ref().is_some_and(|m| {
                matches!(m.answer, Answer::Open) && m.time_left_ms(now_ms) == Some(0)
            });
            if expired {
                Followed::Failed(UserError::new(ErrorKind::MfaExpired))
            } else {
                follow.going(false)
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
