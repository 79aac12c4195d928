//! Jobs: their steps, the failures a step can end in, and typed step results (`wire` renders
//! them).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::personas::{GenAccount, MfaKind};

/// Status of one job step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// Not started.
    Pending,
    /// Running (or waiting for an MFA answer).
    InProgress,
    /// Done.
    Success,
    /// Failed (the job stops).
    Failed,
}

impl StepStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::InProgress => "in-progress",
            StepStatus::Success => "success",
            StepStatus::Failed => "failed",
        }
    }
}

/// A job failure: `(code, title, detail)`.
pub type Failure = (&'static str, &'static str, &'static str);

/// Invalid credentials (generic).
pub const F_BAD_CREDENTIALS: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials.",
    "Cannot login to target institution using supplied credentials. Please check credentials and try again.",
);
/// Locked account (bighead).
pub const F_LOCKED: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials: this account is locked.",
    "Account is locked. Cannot login to target institution using supplied credentials. Please contact institution directly.",
);
/// User action required (erlich).
pub const F_ACTION: Failure = (
    "account-not-accessible-requires-user-action",
    "Account not accessible, user action required.",
    "An action is required from end-user before account details can be returned.",
);
/// Service unavailable (jianYang).
pub const F_UNAVAILABLE: Failure = (
    "service-unavailable",
    "Service unavailable.",
    "Service is currently unavailable. Please try again later.",
);
/// Institution in major outage.
pub const F_OUTAGE: Failure = (
    "institution-not-available",
    "Institution not available.",
    "The institution is currently not available. Please try again later.",
);
/// Institution under maintenance.
pub const F_MAINTENANCE: Failure = (
    "maintenance",
    "Institution under maintenance.",
    "The institution is undergoing scheduled maintenance. Please try again later.",
);
/// The institution needs a security code and none was given.
pub const F_NO_SECURITY_CODE: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials.",
    "Cannot login to target institution: a security code is required. Please check credentials and try again.",
);
/// The institution needs a secondary login id and none was given.
pub const F_NO_SECONDARY_LOGIN: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials.",
    "Cannot login to target institution: a secondary login id is required. Please check credentials and try again.",
);
/// MFA not answered in time.
pub const F_MFA_EXPIRED: Failure = (
    "user-action-required",
    "MFA challenge expired.",
    "The multi-factor authentication challenge was not answered in time. Please try again.",
);
/// MFA answered wrongly three times.
pub const F_MFA_WRONG: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials.",
    "The multi-factor authentication response was incorrect too many times. Please try again.",
);

/// The data holder declined (or the person cancelled there): open banking.
pub const F_DH_DECLINED: Failure = (
    "authorization-failed",
    "Authorization failed",
    "access_denied",
);

/// What a step ends in, decided when the job starts.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Success,
    Fail(Failure),
    Mfa(MfaKind),
}

/// A step's `result`, rendered by `wire`.
#[derive(Debug, Clone)]
pub enum StepResult {
    /// `{"type":"link","url":…}` (a path on the simulator).
    Link(String),
    /// `{"code","title","detail"}`.
    Failed(Failure),
    /// An open MFA challenge.
    Challenge(MfaKind),
}

/// One step of a job.
#[derive(Debug, Clone)]
pub struct JobStep {
    /// `verify-credentials`, `mfa-challenge`, `retrieve-accounts`, `retrieve-transactions`.
    pub title: &'static str,
    /// Status.
    pub status: StepStatus,
    /// Result, once there is one.
    pub result: Option<StepResult>,
    pub(crate) dur: Duration,
    pub(crate) outcome: Outcome,
    /// Whether the step is listed (the MFA step appears once it is reached).
    pub visible: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct MfaState {
    pub(crate) expires: Duration,
    pub(crate) attempts: u32,
}

/// How long an MFA challenge stays open (simulated time).
pub const MFA_EXPIRY: Duration = Duration::from_secs(120);
/// Wrong MFA answers before the job fails.
pub const MFA_TRIES: u32 = 3;

/// A job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Connection id.
    pub connection_id: String,
    /// Institution id.
    pub institution_id: String,
    /// Created.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
    /// Steps in order.
    pub steps: Vec<JobStep>,
    pub(crate) short_name: String,
    pub(crate) cursor: usize,
    pub(crate) step_started: Duration,
    pub(crate) done: bool,
    pub(crate) mfa: Option<MfaState>,
    /// The challenge's `expiryMs`: [`MFA_EXPIRY`] in real time at the simulator's speed (what
    /// a client counts down is when the challenge really expires).
    pub mfa_expiry_ms: u64,
    pub(crate) generated: Option<(usize, Vec<GenAccount>)>,
}

pub(super) fn step(title: &'static str, dur: Duration, outcome: Outcome, visible: bool) -> JobStep {
    JobStep {
        title,
        status: StepStatus::Pending,
        result: None,
        dur,
        outcome,
        visible,
    }
}
