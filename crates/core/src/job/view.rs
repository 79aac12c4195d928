//! A Basiq job as the progress view shows it: its steps in flow order with readable labels,
//! and where the job as a whole is ([`JobOutcome`]).

use crate::basiq::{Job, JobStep, MfaChallenge, StepResult, StepStatus};
use crate::errors::{self, UserError};

/// Which job step this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    /// `verify-credentials`.
    VerifyCredentials,
    /// `mfa-challenge`.
    MfaChallenge,
    /// `retrieve-accounts`.
    RetrieveAccounts,
    /// `retrieve-transactions`.
    RetrieveTransactions,
    /// `retrieve-statements`.
    RetrieveStatements,
    /// Any other title.
    Other,
}

impl StepKind {
    /// The kind for a Basiq step title.
    pub fn from_title(title: &str) -> Self {
        match title {
            "verify-credentials" => Self::VerifyCredentials,
            "mfa-challenge" => Self::MfaChallenge,
            "retrieve-accounts" => Self::RetrieveAccounts,
            "retrieve-transactions" => Self::RetrieveTransactions,
            "retrieve-statements" => Self::RetrieveStatements,
            _ => Self::Other,
        }
    }
}

/// Where one step is, as the progress view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepState {
    /// Not started.
    Pending,
    /// Running (or waiting for the person's MFA answer).
    Running,
    /// Finished.
    Done,
    /// Failed.
    Failed,
    /// Skipped by Basiq.
    Skipped,
}

/// One row of the progress view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepView {
    /// Basiq's title (`verify-credentials`…).
    pub title: String,
    /// The step kind.
    pub kind: StepKind,
    /// What the person reads ("Verifying your credentials").
    pub label: String,
    /// Its state.
    pub state: StepState,
}

/// Where the job as a whole is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Still working.
    InProgress,
    /// Waiting for the person to answer this challenge.
    NeedsMfa(MfaChallenge),
    /// Every step finished; the connection id when the job names it.
    Succeeded {
        /// From `links.source` or the `verify-credentials` result link.
        connection_id: Option<String>,
    },
    /// A step failed.
    Failed(UserError),
}

/// A Basiq job as the progress view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    /// Steps in flow order: verify-credentials, mfa-challenge (if present), retrieve-accounts,
    /// retrieve-transactions, then any others.
    pub steps: Vec<StepView>,
    /// The overall outcome.
    pub outcome: JobOutcome,
}

/// The label shown for a step.
pub fn step_label(kind: StepKind, title: &str) -> String {
    match kind {
        StepKind::VerifyCredentials => "Verifying your credentials".into(),
        StepKind::MfaChallenge => "Confirming it's you".into(),
        StepKind::RetrieveAccounts => "Retrieving your accounts".into(),
        StepKind::RetrieveTransactions => "Retrieving your transactions".into(),
        StepKind::RetrieveStatements => "Retrieving your statements".into(),
        StepKind::Other => {
            let words = title.replace(['-', '_'], " ");
            let mut c = words.trim().chars();
            match c.next() {
                Some(f) => std::iter::once(crate::case::upper(f)).chain(c).collect(),
                None => "Working".into(),
            }
        }
    }
}

/// Flattens Basiq's result (an object, or an old-style one-element array).
fn results(result: &Option<StepResult>) -> Vec<&StepResult> {
    fn walk<'a>(r: &'a StepResult, out: &mut Vec<&'a StepResult>) {
        match r {
            StepResult::Many(v) => v.iter().for_each(|r| walk(r, out)),
            other => out.push(other),
        }
    }
    let mut out = Vec::new();
    if let Some(r) = result {
        walk(r, &mut out);
    }
    out
}

/// The connection id a job names: the last segment of `links.source`, else of the
/// `verify-credentials` result link (`/users/{u}/connections/{c}`).
pub fn connection_id(job: &Job) -> Option<String> {
    fn after_connections(url: &str) -> Option<String> {
        let path = url.split(['?', '#']).next()?;
        let (_, rest) = path.rsplit_once("/connections/")?;
        let id = rest.split('/').next()?.trim();
        (!id.is_empty()).then(|| id.to_string())
    }
    job.links
        .as_ref()
        .and_then(|l| l.source.as_deref())
        .and_then(after_connections)
        .or_else(|| {
            job.steps
                .iter()
                .filter(|s| s.title == "verify-credentials")
                .flat_map(|s| results(&s.result))
                .find_map(|r| match r {
                    StepResult::Link(l) => after_connections(&l.url),
                    _ => None,
                })
        })
}

fn step_state(step: &JobStep) -> StepState {
    match step.status {
        StepStatus::Pending | StepStatus::Unknown => StepState::Pending,
        StepStatus::InProgress => StepState::Running,
        StepStatus::Success => StepState::Done,
        StepStatus::Failed => StepState::Failed,
        StepStatus::Skipped => StepState::Skipped,
    }
}

impl JobView {
    /// The view of a job that has just been created (no steps known yet).
    pub fn starting() -> Self {
        Self {
            steps: [
                ("verify-credentials", StepKind::VerifyCredentials),
                ("retrieve-accounts", StepKind::RetrieveAccounts),
                ("retrieve-transactions", StepKind::RetrieveTransactions),
            ]
            .into_iter()
            .map(|(title, kind)| StepView {
                title: title.into(),
                kind,
                label: step_label(kind, title),
                state: StepState::Pending,
            })
            .collect(),
            outcome: JobOutcome::InProgress,
        }
    }

    /// Builds the view of a polled job.
    pub fn from_job(job: &Job) -> Self {
        let mut ordered: Vec<&JobStep> = job.steps.iter().collect();
        ordered.sort_by_key(|s| StepKind::from_title(&s.title)); // stable: unknown keep order
        let steps: Vec<StepView> = ordered
            .iter()
            .map(|s| {
                let kind = StepKind::from_title(&s.title);
                StepView {
                    title: s.title.clone(),
                    kind,
                    label: step_label(kind, &s.title),
                    state: step_state(s),
                }
            })
            .collect();

        let failed = ordered.iter().find(|s| s.status == StepStatus::Failed);
        let outcome = if let Some(step) = failed {
            let error = results(&step.result)
                .into_iter()
                .find_map(|r| match r {
                    StepResult::Failure(f) => Some(errors::from_step_failure(f)),
                    _ => None,
                })
                .unwrap_or_else(|| errors::from_job_code("unknown-error", None, None));
            JobOutcome::Failed(error)
        } else if let Some(challenge) = ordered
            .iter()
            .filter(|s| s.status == StepStatus::InProgress)
            .flat_map(|s| results(&s.result))
            .find_map(|r| match r {
                StepResult::Mfa(m) => Some(m.clone()),
                _ => None,
            })
        {
            JobOutcome::NeedsMfa(challenge)
        } else if !ordered.is_empty()
            && ordered
                .iter()
                .all(|s| matches!(s.status, StepStatus::Success | StepStatus::Skipped))
        {
            JobOutcome::Succeeded {
                connection_id: connection_id(job),
            }
        } else {
            JobOutcome::InProgress
        };
        Self { steps, outcome }
    }

    /// True once `verify-credentials` (and `mfa-challenge`, if any) succeeded: the person may
    /// "continue in background".
    pub fn credentials_verified(&self) -> bool {
        let gate = |k: StepKind| {
            self.steps
                .iter()
                .filter(|s| s.kind == k)
                .all(|s| matches!(s.state, StepState::Done | StepState::Skipped))
        };
        self.steps
            .iter()
            .any(|s| s.kind == StepKind::VerifyCredentials)
            && gate(StepKind::VerifyCredentials)
            && gate(StepKind::MfaChallenge)
    }

    /// Steps finished (done or skipped).
    pub fn finished_steps(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s.state, StepState::Done | StepState::Skipped))
            .count()
    }

    /// Share of the steps finished, 0.0 to 1.0, for the progress bar.
    pub fn fraction_done(&self) -> f32 {
        if self.steps.is_empty() {
            0.0
        } else {
            self.finished_steps() as f32 / self.steps.len() as f32
        }
    }

    /// The label of the step running now (else the next pending one), for the live region.
    pub fn current_label(&self) -> Option<&str> {
        self.steps
            .iter()
            .find(|s| s.state == StepState::Running)
            .or_else(|| self.steps.iter().find(|s| s.state == StepState::Pending))
            .map(|s| s.label.as_str())
    }
}
