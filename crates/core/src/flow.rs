//! The connect flow as a pure state machine: [`next`]`(state, event) -> state`.
//!
//! The app feeds in what happened (a click, an HTTP answer, a polled job, a timer tick with the
//! current time) and renders the state it gets back; it never decides transitions itself. Time
//! is always a parameter. The state never holds a password, security code or MFA answer: those
//! live only in the form inputs; at most the login id is kept, to pre-fill the form again.
//!
//! Also here: the step view of a Basiq [`Job`] ([`JobView`]), institution status badges, the
//! polling schedule and account-number masking.

use crate::accounts::money;
use crate::basiq::{Account, Job, JobStep, MfaChallenge, StepResult, StepStatus};
use crate::directory::InstitutionSummary;
use crate::errors::{self, ErrorKind, Recovery, UserError};
use crate::validation::FormCheck;

// ---------------------------------------------------------------------------------------------
// Job → step view
// ---------------------------------------------------------------------------------------------

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
                Some(f) => f.to_uppercase().chain(c).collect(),
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

// ---------------------------------------------------------------------------------------------
// Institutions, polling, accounts
// ---------------------------------------------------------------------------------------------

/// An institution's `status`, as the picker shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstitutionStatus {
    /// `operational`.
    Operational,
    /// `degraded-performance`: selectable, warned.
    Degraded,
    /// `under-maintenance`: selectable, warned.
    Maintenance,
    /// `partial-outage`: selectable, warned.
    PartialOutage,
    /// `major-outage`: shown disabled.
    MajorOutage,
    /// Anything else: treated as operational.
    Unknown,
}

impl InstitutionStatus {
    /// Reads Basiq's status string.
    pub fn parse(status: &str) -> Self {
        match status.trim() {
            "operational" => Self::Operational,
            "degraded-performance" => Self::Degraded,
            "under-maintenance" => Self::Maintenance,
            "partial-outage" => Self::PartialOutage,
            "major-outage" => Self::MajorOutage,
            _ => Self::Unknown,
        }
    }

    /// Whether the institution can be chosen.
    pub fn is_selectable(&self) -> bool {
        *self != Self::MajorOutage
    }

    /// Badge text, `None` when all is well.
    pub fn badge(&self) -> Option<&'static str> {
        match self {
            Self::Operational | Self::Unknown => None,
            Self::Degraded => Some("Slower than usual"),
            Self::Maintenance => Some("Under maintenance"),
            Self::PartialOutage => Some("Some problems reported"),
            Self::MajorOutage => Some("Unavailable right now"),
        }
    }
}

/// Whether the institution can be chosen (everything but a major outage).
pub fn is_selectable(institution: &InstitutionSummary) -> bool {
    InstitutionStatus::parse(&institution.status).is_selectable()
}

/// "Usually takes ~N s": the institution's average job duration in whole seconds, rounded up.
pub fn usual_seconds(institution: &InstitutionSummary) -> Option<u64> {
    institution
        .average_duration_ms
        .filter(|&ms| ms > 0)
        .map(|ms| ms.div_ceil(1000))
}

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

/// An account number for display: the last four characters behind dots ("•••• 6789"); short
/// numbers are shown as they are.
pub fn mask_account_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= 4 {
        return chars.into_iter().collect();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("•••• {tail}")
}

/// One account as the result screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// Account id.
    pub id: String,
    /// Account name.
    pub name: String,
    /// Masked account number ("•••• 6789").
    pub number: String,
    /// Readable account type ("Credit card").
    pub kind: String,
    /// Balance with currency ("-$6,081.50"); Basiq's text as is when it is not a plain amount.
    pub balance: String,
    /// True when the balance is below zero (owed).
    pub negative: bool,
    /// Available funds with currency, when given.
    pub available: Option<String>,
}

/// A readable name for Basiq's `class.type`.
pub fn account_kind_label(kind: &str) -> String {
    match kind {
        "transaction" => "Transaction account".into(),
        "savings" => "Savings account".into(),
        "credit-card" => "Credit card".into(),
        "mortgage" => "Home loan".into(),
        "loan" => "Loan".into(),
        "term-deposit" => "Term deposit".into(),
        "investment" => "Investment".into(),
        "insurance" => "Insurance".into(),
        "foreign" => "Foreign currency account".into(),
        "" => "Account".into(),
        other => step_label(StepKind::Other, other),
    }
}

/// The result screen's rows for the connected accounts.
pub fn account_rows(accounts: &[Account]) -> Vec<AccountRow> {
    accounts
        .iter()
        .map(|a| {
            let (balance, negative) = money(&a.balance, &a.currency);
            AccountRow {
                id: a.id.clone(),
                name: a.name.clone(),
                number: mask_account_number(&a.account_no),
                kind: account_kind_label(&a.class.kind),
                balance,
                negative,
                available: a
                    .available_funds
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| money(s, &a.currency).0),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The state machine
// ---------------------------------------------------------------------------------------------

/// Where "Retry" on a failure screen leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Back to the picker.
    Picker,
    /// Back to the credential form (the password must be typed again).
    Form,
    /// Keep polling this job.
    Job {
        /// The job.
        job_id: String,
        /// When the connection started.
        started_at_ms: u64,
    },
}

/// Every screen of the flow and what it needs.
// One value of this lives in one signal; variant sizes depend on serde_json's features (which
// other workspace crates change), so the size lint fires only in some builds.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum FlowState {
    /// Closed: only the plus button.
    Idle,
    /// The institution picker.
    Picking {
        /// The search box's text.
        query: String,
    },
    /// The credential form.
    EnteringCredentials {
        /// The chosen institution (captions refreshed from `/institutions/{id}` when possible).
        institution: InstitutionSummary,
        /// Login id to pre-fill (after a failed attempt); never a password.
        login_id: Option<String>,
        /// Per-field messages from the last submit attempt.
        check: FormCheck,
        /// True while `POST /users/{id}/connections` is in flight.
        submitting: bool,
        /// Why the person is back here (e.g. the bank refused the details).
        notice: Option<UserError>,
    },
    /// The job is running; poll it.
    Connecting {
        /// The institution.
        institution: InstitutionSummary,
        /// The job being polled.
        job_id: String,
        /// The steps as last polled.
        view: JobView,
        /// When the connection started (for "elapsed").
        started_at_ms: u64,
        /// Login id, kept only to pre-fill the form if the bank refuses it.
        login_id: Option<String>,
    },
    /// The bank asks a security question or for a one-time code.
    Mfa {
        /// The institution.
        institution: InstitutionSummary,
        /// The job.
        job_id: String,
        /// The challenge to answer.
        challenge: MfaChallenge,
        /// Refused answers so far.
        attempts: u32,
        /// When this challenge was shown (with `challenge.expiry_ms`: the time left).
        issued_at_ms: u64,
        /// When the connection started.
        started_at_ms: u64,
        /// True while `POST /jobs/{id}/mfa` is in flight.
        sending: bool,
        /// True once the answer was accepted for checking (202); the next poll tells.
        answered: bool,
        /// Message to show above the inputs (e.g. a refused answer).
        error: Option<String>,
        /// The steps as last polled.
        view: JobView,
        /// Login id, kept only to pre-fill the form.
        login_id: Option<String>,
    },
    /// Connected.
    Succeeded {
        /// The institution.
        institution: InstitutionSummary,
        /// The finished job.
        job_id: String,
        /// The new connection, when the job named it.
        connection_id: Option<String>,
        /// The accounts' rows once loaded (see [`crate::accounts::rows_for_connection`] for the
        /// server's `/api/accounts`, [`account_rows`] for Basiq accounts).
        accounts: Option<Vec<AccountRow>>,
        /// Why the accounts could not be loaded.
        accounts_error: Option<UserError>,
    },
    /// A failure screen.
    Failed {
        /// The institution, when one was chosen.
        institution: Option<InstitutionSummary>,
        /// What went wrong.
        error: UserError,
        /// The way out offered.
        recovery: Recovery,
        /// Login id to pre-fill if the person goes back to the form.
        login_id: Option<String>,
        /// Where "Retry" leads.
        resume: Resume,
    },
}

/// Everything that can happen to the flow.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowEvent {
    /// The plus button (or "Connect another bank").
    Open,
    /// The widget was closed.
    Close,
    /// The search text changed.
    Search(String),
    /// An institution was chosen in the picker (or by the host).
    Select(InstitutionSummary),
    /// Fresh details of the chosen institution arrived from `GET /institutions/{id}`.
    InstitutionDetails(InstitutionSummary),
    /// The credential form was submitted; `check` comes from
    /// [`crate::validation::check_credentials`].
    Submit {
        /// The login id typed (kept to pre-fill after a refusal).
        login_id: String,
        /// The form check.
        check: FormCheck,
    },
    /// Basiq accepted the credentials for checking and created a job (202).
    ConnectionCreated {
        /// The job id.
        job_id: String,
        /// Now.
        now_ms: u64,
    },
    /// A poll of `GET /jobs/{id}` answered.
    JobUpdated {
        /// The job.
        job: Job,
        /// Now.
        now_ms: u64,
    },
    /// The MFA answers are being posted.
    MfaSubmitted,
    /// Basiq accepted the MFA answers for checking (202).
    MfaSent,
    /// A request of the current step failed (after the app's one silent token renewal).
    RequestFailed(UserError),
    /// The token could not be renewed, or expired again right after renewal.
    TokenExpired,
    /// The connected accounts arrived, as result-screen rows.
    AccountsLoaded(Vec<AccountRow>),
    /// Time passed (drives MFA expiry).
    Tick {
        /// Now.
        now_ms: u64,
    },
    /// "Try again" on a failure screen.
    Retry,
    /// "Back".
    Back,
    /// "Choose another bank".
    PickAnother,
    /// "Cancel" while connecting.
    Cancel,
    /// "Continue in background" once the credentials are verified.
    ContinueInBackground,
}

/// The message shown when the bank refuses an MFA answer.
pub const MFA_REFUSED: &str = "That answer wasn't accepted. Please try again.";

impl FlowState {
    /// The institution this screen is about.
    pub fn institution(&self) -> Option<&InstitutionSummary> {
        match self {
            Self::Idle | Self::Picking { .. } => None,
            Self::EnteringCredentials { institution, .. }
            | Self::Connecting { institution, .. }
            | Self::Mfa { institution, .. }
            | Self::Succeeded { institution, .. } => Some(institution),
            Self::Failed { institution, .. } => institution.as_ref(),
        }
    }

    /// The job to poll now, if any (not while an MFA answer is being posted).
    pub fn job_to_poll(&self) -> Option<&str> {
        match self {
            Self::Connecting { job_id, .. } => Some(job_id),
            // While the person types, polling goes on so expiry and the answer's fate show.
            Self::Mfa {
                job_id,
                sending: false,
                ..
            } => Some(job_id),
            _ => None,
        }
    }

    /// Milliseconds since the connection started, while one is running.
    pub fn elapsed_ms(&self, now_ms: u64) -> Option<u64> {
        match self {
            Self::Connecting { started_at_ms, .. } | Self::Mfa { started_at_ms, .. } => {
                Some(now_ms.saturating_sub(*started_at_ms))
            }
            _ => None,
        }
    }

    /// Milliseconds left to answer the MFA challenge, when it states an expiry.
    pub fn mfa_time_left_ms(&self, now_ms: u64) -> Option<u64> {
        match self {
            Self::Mfa {
                challenge,
                issued_at_ms,
                ..
            } => challenge
                .expiry_ms
                .map(|e| (issued_at_ms + e).saturating_sub(now_ms)),
            _ => None,
        }
    }

    /// The login id the credential form should pre-fill.
    pub fn login_prefill(&self) -> Option<&str> {
        match self {
            Self::EnteringCredentials { login_id, .. }
            | Self::Connecting { login_id, .. }
            | Self::Mfa { login_id, .. }
            | Self::Failed { login_id, .. } => login_id.as_deref(),
            _ => None,
        }
    }
}

fn form(
    institution: InstitutionSummary,
    login_id: Option<String>,
    notice: Option<UserError>,
) -> FlowState {
    FlowState::EnteringCredentials {
        institution,
        login_id,
        check: FormCheck::default(),
        submitting: false,
        notice,
    }
}

fn picking() -> FlowState {
    FlowState::Picking {
        query: String::new(),
    }
}

/// The state after a failure: straight back to the form (with the reason) when that is the way
/// out, else a failure screen. A token failure reaching the flow means the app's one silent
/// renewal already failed: the screen offers a plain retry.
fn fail(
    institution: Option<InstitutionSummary>,
    error: UserError,
    login_id: Option<String>,
    resume: Resume,
) -> FlowState {
    let recovery = match error.recovery() {
        Recovery::ReauthenticateOnce => Recovery::Retry,
        r => r,
    };
    match (recovery, institution) {
        (Recovery::BackToForm { keep_login }, Some(inst)) => {
            form(inst, login_id.filter(|_| keep_login), Some(error))
        }
        (recovery, institution) => FlowState::Failed {
            institution,
            error,
            recovery,
            login_id,
            resume,
        },
    }
}

/// Applies a polled job to a running connection.
fn on_job(
    state: FlowState,
    job: &Job,
    now_ms: u64,
    institution: InstitutionSummary,
    job_id: String,
    started_at_ms: u64,
    login_id: Option<String>,
) -> FlowState {
    let view = JobView::from_job(job);
    let outcome = view.outcome.clone();
    match (outcome, state) {
        (JobOutcome::Failed(error), _) => fail(Some(institution), error, login_id, Resume::Form),
        (JobOutcome::Succeeded { connection_id }, _) => FlowState::Succeeded {
            institution,
            job_id,
            connection_id,
            accounts: None,
            accounts_error: None,
        },
        (JobOutcome::InProgress, _) => FlowState::Connecting {
            institution,
            job_id,
            view,
            started_at_ms,
            login_id,
        },
        (
            JobOutcome::NeedsMfa(challenge),
            FlowState::Mfa {
                attempts,
                issued_at_ms,
                sending,
                answered,
                error,
                challenge: old,
                ..
            },
        ) => {
            if answered {
                // Still waiting after an accepted answer: the bank refused it (as Basiq's own
                // UI reads it) and asks again.
                FlowState::Mfa {
                    institution,
                    job_id,
                    challenge,
                    attempts: attempts + 1,
                    issued_at_ms: now_ms,
                    started_at_ms,
                    sending: false,
                    answered: false,
                    error: Some(MFA_REFUSED.into()),
                    view,
                    login_id,
                }
            } else {
                let renewed = challenge != old;
                FlowState::Mfa {
                    institution,
                    job_id,
                    challenge,
                    attempts,
                    issued_at_ms: if renewed { now_ms } else { issued_at_ms },
                    started_at_ms,
                    sending,
                    answered,
                    error,
                    view,
                    login_id,
                }
            }
        }
        (JobOutcome::NeedsMfa(challenge), _) => FlowState::Mfa {
            institution,
            job_id,
            challenge,
            attempts: 0,
            issued_at_ms: now_ms,
            started_at_ms,
            sending: false,
            answered: false,
            error: None,
            view,
            login_id,
        },
    }
}

/// The flow's transition function: pure, total, never panics. Events that make no sense in
/// the current state leave it unchanged.
pub fn next(state: FlowState, event: FlowEvent) -> FlowState {
    use FlowEvent as E;
    use FlowState as S;

    match (state, event) {
        (_, E::Close) => S::Idle,

        // ---- opening and picking
        (S::Idle | S::Succeeded { .. } | S::Failed { .. }, E::Open) => picking(),
        (S::Picking { .. }, E::Search(query)) => S::Picking { query },
        (S::Idle | S::Picking { .. }, E::Select(inst)) if is_selectable(&inst) => {
            form(inst, None, None)
        }
        (S::Picking { .. }, E::Back) => S::Idle,
        (S::Picking { .. }, E::RequestFailed(error)) => fail(None, error, None, Resume::Picker),
        (S::Picking { .. }, E::TokenExpired) => fail(
            None,
            UserError::new(ErrorKind::SessionExpired),
            None,
            Resume::Picker,
        ),

        // ---- the credential form
        (
            S::EnteringCredentials {
                institution,
                login_id,
                check,
                submitting,
                notice,
            },
            E::InstitutionDetails(fresh),
        ) => {
            let institution = if fresh.id == institution.id {
                fresh
            } else {
                institution
            };
            S::EnteringCredentials {
                institution,
                login_id,
                check,
                submitting,
                notice,
            }
        }
        (
            S::EnteringCredentials {
                institution,
                notice,
                submitting: false,
                ..
            },
            E::Submit { login_id, check },
        ) => {
            let ok = check.can_submit();
            S::EnteringCredentials {
                institution,
                login_id: Some(login_id),
                check,
                submitting: ok,
                notice: if ok { None } else { notice },
            }
        }
        (
            S::EnteringCredentials {
                institution,
                login_id,
                submitting: true,
                ..
            },
            E::ConnectionCreated { job_id, now_ms },
        ) => S::Connecting {
            institution,
            job_id,
            view: JobView::starting(),
            started_at_ms: now_ms,
            login_id,
        },
        (
            S::EnteringCredentials {
                institution,
                login_id,
                submitting: true,
                ..
            },
            E::RequestFailed(error),
        ) => fail(Some(institution), error, login_id, Resume::Form),
        (
            S::EnteringCredentials {
                institution,
                login_id,
                submitting: true,
                ..
            },
            E::TokenExpired,
        ) => fail(
            Some(institution),
            UserError::new(ErrorKind::SessionExpired),
            login_id,
            Resume::Form,
        ),
        (
            S::EnteringCredentials {
                submitting: false, ..
            },
            E::Back,
        ) => picking(),

        // ---- connecting
        // A job update while connecting or answering MFA: only for the job followed, and not
        // while an MFA answer is in flight (a poll can only show the old challenge then).
        (st @ (S::Connecting { .. } | S::Mfa { .. }), E::JobUpdated { job, now_ms }) => {
            if st.job_to_poll() != Some(job.id.as_str()) {
                return st;
            }
            let (S::Connecting {
                institution,
                job_id,
                started_at_ms,
                login_id,
                ..
            }
            | S::Mfa {
                institution,
                job_id,
                started_at_ms,
                login_id,
                ..
            }) = &st
            else {
                return st;
            };
            let (institution, job_id, started_at_ms, login_id) = (
                institution.clone(),
                job_id.clone(),
                *started_at_ms,
                login_id.clone(),
            );
            on_job(
                st,
                &job,
                now_ms,
                institution,
                job_id,
                started_at_ms,
                login_id,
            )
        }
        (
            S::Connecting {
                institution,
                job_id,
                started_at_ms,
                login_id,
                ..
            },
            E::RequestFailed(error),
        ) => fail(
            Some(institution),
            error,
            login_id,
            Resume::Job {
                job_id,
                started_at_ms,
            },
        ),
        (
            S::Connecting {
                institution,
                job_id,
                started_at_ms,
                login_id,
                ..
            }
            | S::Mfa {
                institution,
                job_id,
                started_at_ms,
                login_id,
                ..
            },
            E::TokenExpired,
        ) => fail(
            Some(institution),
            UserError::new(ErrorKind::SessionExpired),
            login_id,
            Resume::Job {
                job_id,
                started_at_ms,
            },
        ),
        (
            S::Connecting {
                institution,
                login_id,
                ..
            }
            | S::Mfa {
                institution,
                login_id,
                ..
            },
            E::Cancel | E::Back,
        ) => form(institution, login_id, None),
        (S::Connecting { view, .. }, E::ContinueInBackground) if view.credentials_verified() => {
            S::Idle
        }

        // ---- MFA
        (
            S::Mfa {
                institution,
                job_id,
                challenge,
                attempts,
                issued_at_ms,
                started_at_ms,
                sending: false,
                view,
                login_id,
                ..
            },
            E::MfaSubmitted,
        ) => S::Mfa {
            institution,
            job_id,
            challenge,
            attempts,
            issued_at_ms,
            started_at_ms,
            sending: true,
            answered: false,
            error: None,
            view,
            login_id,
        },
        (
            S::Mfa {
                institution,
                job_id,
                challenge,
                attempts,
                issued_at_ms,
                started_at_ms,
                sending: true,
                view,
                login_id,
                ..
            },
            E::MfaSent,
        ) => S::Mfa {
            institution,
            job_id,
            challenge,
            attempts,
            issued_at_ms,
            started_at_ms,
            sending: false,
            answered: true,
            error: None,
            view,
            login_id,
        },
        (
            S::Mfa {
                institution,
                job_id,
                challenge,
                attempts,
                issued_at_ms,
                started_at_ms,
                view,
                login_id,
                ..
            },
            E::RequestFailed(error),
        ) => {
            if matches!(
                error.recovery(),
                Recovery::Retry | Recovery::RetryLater { .. }
            ) {
                // A transient failure: stay on the challenge and let the person send again.
                S::Mfa {
                    institution,
                    job_id,
                    challenge,
                    attempts,
                    issued_at_ms,
                    started_at_ms,
                    sending: false,
                    answered: false,
                    error: Some(error.message()),
                    view,
                    login_id,
                }
            } else {
                fail(Some(institution), error, login_id, Resume::Form)
            }
        }
        (st @ S::Mfa { .. }, E::Tick { now_ms }) => {
            let expired = matches!(
                &st,
                S::Mfa { sending: false, answered: false, .. } if st.mfa_time_left_ms(now_ms) == Some(0)
            );
            match st {
                S::Mfa {
                    institution,
                    login_id,
                    ..
                } if expired => fail(
                    Some(institution),
                    UserError::new(ErrorKind::MfaExpired),
                    login_id,
                    Resume::Form,
                ),
                st => st,
            }
        }

        // ---- success
        (
            S::Succeeded {
                institution,
                job_id,
                connection_id,
                ..
            },
            E::AccountsLoaded(accounts),
        ) => S::Succeeded {
            institution,
            job_id,
            connection_id,
            accounts: Some(accounts),
            accounts_error: None,
        },
        (
            S::Succeeded {
                institution,
                job_id,
                connection_id,
                accounts,
                ..
            },
            E::RequestFailed(error),
        ) => S::Succeeded {
            institution,
            job_id,
            connection_id,
            accounts,
            accounts_error: Some(error),
        },
        (S::Succeeded { .. }, E::PickAnother | E::Back) => picking(),

        // ---- failure screens
        (
            S::Failed {
                institution,
                login_id,
                resume,
                ..
            },
            E::Retry,
        ) => match (resume, institution) {
            (Resume::Picker, _) | (_, None) => picking(),
            (Resume::Form, Some(inst)) => form(inst, login_id, None),
            (
                Resume::Job {
                    job_id,
                    started_at_ms,
                },
                Some(inst),
            ) => S::Connecting {
                institution: inst,
                job_id,
                view: JobView::starting(),
                started_at_ms,
                login_id,
            },
        },
        (
            S::Failed {
                institution: Some(inst),
                error,
                recovery,
                login_id,
                ..
            },
            E::Back,
        ) => {
            let keep = !matches!(recovery, Recovery::BackToForm { keep_login: false });
            let notice = matches!(recovery, Recovery::BackToForm { .. }).then_some(error);
            form(inst, login_id.filter(|_| keep), notice)
        }
        (S::Failed { .. }, E::Back | E::PickAnother) => picking(),

        // ---- anything else changes nothing
        (state, _) => state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{CredentialInput, check_credentials, form_fields};
    use proptest::prelude::*;
    use serde_json::json;

    fn hooli() -> InstitutionSummary {
        InstitutionSummary {
            tier: "4".into(),
            average_duration_ms: Some(31_588),
            ..InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")
        }
    }

    fn job(steps: serde_json::Value) -> Job {
        serde_json::from_value(json!({
            "type": "job",
            "id": "job-1",
            "steps": steps,
            "links": {"self": "https://x/jobs/job-1"}
        }))
        .unwrap()
    }

    fn step(title: &str, status: &str, result: serde_json::Value) -> serde_json::Value {
        json!({"title": title, "status": status, "result": result})
    }

    fn mfa_result(method: &str, inputs: &[&str]) -> serde_json::Value {
        json!({"type": "mfa", "method": method, "description": "Answer please",
               "input": inputs, "expiryMs": 120000, "links": {"response": "https://x/jobs/job-1/mfa"}})
    }

    fn link(url: &str) -> serde_json::Value {
        json!({"type": "link", "url": url})
    }

    fn failure(code: &str, title: &str, detail: &str) -> serde_json::Value {
        json!({"code": code, "title": title, "detail": detail})
    }

    fn running() -> Job {
        job(json!([
            step("verify-credentials", "in-progress", json!(null)),
            step("retrieve-accounts", "pending", json!(null)),
            step("retrieve-transactions", "pending", json!(null)),
        ]))
    }

    fn done() -> Job {
        job(json!([
            step(
                "retrieve-transactions",
                "success",
                link("/users/u/transactions")
            ),
            step(
                "verify-credentials",
                "success",
                link("/users/u/connections/conn-9")
            ),
            step("retrieve-accounts", "success", link("/users/u/accounts")),
        ]))
    }

    fn mfa_job(status: &str) -> Job {
        job(json!([
            step(
                "verify-credentials",
                "success",
                link("/users/u/connections/conn-9")
            ),
            step(
                "mfa-challenge",
                status,
                if status == "in-progress" {
                    mfa_result("security-questions", &["What's your first company?"])
                } else {
                    json!(null)
                }
            ),
            step("retrieve-accounts", "pending", json!(null)),
            step("retrieve-transactions", "pending", json!(null)),
        ]))
    }

    fn failed_job(code: &str, title: &str, detail: &str) -> Job {
        job(json!([
            step("verify-credentials", "failed", failure(code, title, detail)),
            step("retrieve-accounts", "pending", json!(null)),
            step("retrieve-transactions", "pending", json!(null)),
        ]))
    }

    fn submit(login: &str, password: &str) -> FlowEvent {
        let fields = form_fields(&hooli());
        FlowEvent::Submit {
            login_id: login.into(),
            check: check_credentials(
                &fields,
                &CredentialInput {
                    login_id: login,
                    password,
                    ..Default::default()
                },
            ),
        }
    }

    fn run(events: Vec<FlowEvent>) -> FlowState {
        events.into_iter().fold(FlowState::Idle, next)
    }

    fn connecting(login: &str) -> Vec<FlowEvent> {
        vec![
            FlowEvent::Open,
            FlowEvent::Search("hoo".into()),
            FlowEvent::Select(hooli()),
            submit(login, "hooli2016"),
            FlowEvent::ConnectionCreated {
                job_id: "job-1".into(),
                now_ms: 1_000,
            },
        ]
    }

    #[test]
    fn contract_recorded_job_is_a_success_with_its_connection() {
        let job: Job =
            serde_json::from_str(&crate::reference("recorded/jobs/getJob.json")).unwrap();
        let view = JobView::from_job(&job);
        assert_eq!(
            view.outcome,
            JobOutcome::Succeeded {
                connection_id: Some("64011b56-988a-4c2c-bfca-16c836cec23f".into())
            }
        );
        assert_eq!(view.fraction_done(), 1.0);
        assert!(view.credentials_verified());
    }

    #[test]
    fn steps_are_ordered_and_labelled() {
        let view = JobView::from_job(&done());
        let titles: Vec<_> = view.steps.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "verify-credentials",
                "retrieve-accounts",
                "retrieve-transactions"
            ]
        );
        assert_eq!(view.steps[0].label, "Verifying your credentials");
        assert_eq!(view.steps[2].label, "Retrieving your transactions");
        assert_eq!(
            view.outcome,
            JobOutcome::Succeeded {
                connection_id: Some("conn-9".into())
            }
        );

        let view = JobView::from_job(&mfa_job("in-progress"));
        let states: Vec<_> = view.steps.iter().map(|s| s.state).collect();
        assert_eq!(
            states,
            [
                StepState::Done,
                StepState::Running,
                StepState::Pending,
                StepState::Pending
            ]
        );
        assert_eq!(view.steps[1].label, "Confirming it's you");
        assert!(
            matches!(view.outcome, JobOutcome::NeedsMfa(ref c) if c.input == ["What's your first company?"])
        );
        assert!(!view.credentials_verified(), "MFA still open");
        assert_eq!(view.current_label(), Some("Confirming it's you"));
        assert_eq!(
            step_label(StepKind::Other, "create-report"),
            "Create report"
        );
    }

    #[test]
    fn job_progress_outcomes() {
        let view = JobView::from_job(&running());
        assert_eq!(view.outcome, JobOutcome::InProgress);
        assert_eq!(view.finished_steps(), 0);
        assert_eq!(view.current_label(), Some("Verifying your credentials"));
        let failed = JobView::from_job(&failed_job("service-unavailable", "t", "d"));
        assert!(
            matches!(failed.outcome, JobOutcome::Failed(ref e) if e.kind == ErrorKind::ServiceUnavailable)
        );
        let no_result = job(json!([step("verify-credentials", "failed", json!(null))]));
        assert!(
            matches!(JobView::from_job(&no_result).outcome, JobOutcome::Failed(ref e) if e.kind == ErrorKind::Unknown)
        );
        let empty = job(json!([]));
        assert_eq!(JobView::from_job(&empty).outcome, JobOutcome::InProgress);
        let skipped_mfa = job(json!([
            step("verify-credentials", "success", json!(null)),
            step("mfa-challenge", "skipped", json!(null)),
            step(
                "retrieve-accounts",
                "success",
                json!([link("/users/u/accounts")])
            ),
        ]));
        let v = JobView::from_job(&skipped_mfa);
        assert_eq!(
            v.outcome,
            JobOutcome::Succeeded {
                connection_id: None
            }
        );
        assert!(v.credentials_verified());
    }

    #[test]
    fn connection_id_prefers_links_source() {
        let mut j = done();
        j.links.as_mut().unwrap().source = Some("https://x/users/u/connections/from-source".into());
        assert_eq!(connection_id(&j).as_deref(), Some("from-source"));
        j.links = None;
        assert_eq!(connection_id(&j).as_deref(), Some("conn-9"));
        assert_eq!(connection_id(&running()), None);
    }

    #[test]
    fn happy_path() {
        let st = run(connecting("gavinBelson"));
        let FlowState::Connecting {
            ref view,
            started_at_ms,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(started_at_ms, 1_000);
        assert_eq!(view.steps.len(), 3);
        assert_eq!(st.job_to_poll(), Some("job-1"));
        assert_eq!(st.elapsed_ms(4_500), Some(3_500));
        let st = next(
            st,
            FlowEvent::JobUpdated {
                job: running(),
                now_ms: 2_000,
            },
        );
        assert!(matches!(st, FlowState::Connecting { .. }));
        let st = next(
            st,
            FlowEvent::JobUpdated {
                job: done(),
                now_ms: 9_000,
            },
        );
        let FlowState::Succeeded {
            ref connection_id,
            ref accounts,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(connection_id.as_deref(), Some("conn-9"));
        assert!(accounts.is_none());
        assert_eq!(st.job_to_poll(), None);
        let st = next(st, FlowEvent::AccountsLoaded(vec![]));
        assert!(matches!(st, FlowState::Succeeded { accounts: Some(ref a), .. } if a.is_empty()));
        assert_eq!(
            next(st, FlowEvent::Open),
            FlowState::Picking {
                query: String::new()
            }
        );
    }

    #[test]
    fn polls_of_another_job_are_ignored() {
        let st = run(connecting("gavinBelson"));
        let mut other = done();
        other.id = "job-2".into();
        assert_eq!(
            next(
                st.clone(),
                FlowEvent::JobUpdated {
                    job: other,
                    now_ms: 5
                }
            ),
            st
        );
    }

    #[test]
    fn invalid_form_stays_with_messages() {
        let st = run(vec![
            FlowEvent::Open,
            FlowEvent::Select(hooli()),
            submit("", ""),
        ]);
        let FlowState::EnteringCredentials {
            ref check,
            submitting,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert!(!submitting);
        assert_eq!(check.messages.len(), 2);
        // A job answer without a submit in flight changes nothing.
        assert_eq!(
            next(
                st.clone(),
                FlowEvent::ConnectionCreated {
                    job_id: "j".into(),
                    now_ms: 0
                }
            ),
            st
        );
    }

    #[test]
    fn invalid_credentials_go_back_to_the_form_with_the_login_kept() {
        let st = run(connecting("gavinBelson"));
        let st = next(
            st,
            FlowEvent::JobUpdated {
                job: failed_job(
                    "invalid-credentials",
                    "Cannot login to target institution, check credentials.",
                    "Cannot login to target institution using supplied credentials. Please check credentials and try again.",
                ),
                now_ms: 3_000,
            },
        );
        let FlowState::EnteringCredentials {
            ref login_id,
            ref notice,
            submitting,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(login_id.as_deref(), Some("gavinBelson"));
        assert_eq!(
            notice.as_ref().map(|e| e.kind),
            Some(ErrorKind::InvalidCredentials)
        );
        assert!(!submitting);
        assert_eq!(st.login_prefill(), Some("gavinBelson"));
    }

    #[test]
    fn sandbox_personas_each_get_their_screen() {
        for (title, detail, code, kind, recovery) in [
            (
                "Cannot login to target institution, check credentials: this account is locked.",
                "Account is locked. Please contact institution directly.",
                "invalid-credentials",
                ErrorKind::AccountLocked,
                Recovery::ContactBank,
            ),
            (
                "Account not accessible, user action required.",
                "An action is required from end-user before account details can be returned.",
                "account-not-accessible-requires-user-action",
                ErrorKind::UserActionRequired,
                Recovery::ContactBank,
            ),
            (
                "Service unavailable.",
                "Service is currently unavailable. Please try again later.",
                "service-unavailable",
                ErrorKind::ServiceUnavailable,
                Recovery::Retry,
            ),
        ] {
            let st = next(
                run(connecting("bighead")),
                FlowEvent::JobUpdated {
                    job: failed_job(code, title, detail),
                    now_ms: 2_000,
                },
            );
            let FlowState::Failed {
                ref error,
                recovery: r,
                ref resume,
                ..
            } = st
            else {
                panic!("{st:?}")
            };
            assert_eq!(error.kind, kind);
            assert_eq!(r, recovery);
            assert_eq!(*resume, Resume::Form);
            // Retry from a job failure means typing the password again.
            let again = next(st.clone(), FlowEvent::Retry);
            assert!(
                matches!(again, FlowState::EnteringCredentials { login_id: Some(ref l), .. } if l == "bighead")
            );
            assert_eq!(
                next(st, FlowEvent::PickAnother),
                FlowState::Picking {
                    query: String::new()
                }
            );
        }
    }

    #[test]
    fn mfa_with_a_wrong_then_right_answer() {
        let st = run(connecting("gavinBelson"));
        let st = next(
            st,
            FlowEvent::JobUpdated {
                job: mfa_job("in-progress"),
                now_ms: 5_000,
            },
        );
        let FlowState::Mfa {
            ref challenge,
            attempts,
            issued_at_ms,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(challenge.method, "security-questions");
        assert_eq!((attempts, issued_at_ms), (0, 5_000));
        assert_eq!(st.mfa_time_left_ms(65_000), Some(60_000));
        assert_eq!(st.job_to_poll(), Some("job-1"));

        let st = next(st, FlowEvent::MfaSubmitted);
        assert_eq!(
            st.job_to_poll(),
            None,
            "no polling while the answer is in flight"
        );
        // A poll racing the POST shows the old challenge: ignored.
        let st2 = next(
            st.clone(),
            FlowEvent::JobUpdated {
                job: mfa_job("in-progress"),
                now_ms: 6_000,
            },
        );
        assert_eq!(st2, st);
        let st = next(st, FlowEvent::MfaSent);
        let st = next(
            st,
            FlowEvent::JobUpdated {
                job: mfa_job("in-progress"),
                now_ms: 7_000,
            },
        );
        let FlowState::Mfa {
            attempts,
            ref error,
            issued_at_ms,
            answered,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(attempts, 1);
        assert_eq!(error.as_deref(), Some(MFA_REFUSED));
        assert_eq!(issued_at_ms, 7_000);
        assert!(!answered);

        let st = next(next(st, FlowEvent::MfaSubmitted), FlowEvent::MfaSent);
        let st = next(
            st,
            FlowEvent::JobUpdated {
                job: mfa_job("success"),
                now_ms: 8_000,
            },
        );
        let FlowState::Connecting {
            ref view,
            started_at_ms,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(started_at_ms, 1_000);
        assert!(view.credentials_verified());
        assert_eq!(next(st, FlowEvent::ContinueInBackground), FlowState::Idle);
    }

    #[test]
    fn mfa_expires_on_the_clock() {
        let st = next(
            run(connecting("gavinBelson")),
            FlowEvent::JobUpdated {
                job: mfa_job("in-progress"),
                now_ms: 5_000,
            },
        );
        let still = next(st.clone(), FlowEvent::Tick { now_ms: 124_999 });
        assert_eq!(still, st);
        let st = next(st, FlowEvent::Tick { now_ms: 125_000 });
        let FlowState::EnteringCredentials {
            ref notice,
            ref login_id,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(notice.as_ref().map(|e| e.kind), Some(ErrorKind::MfaExpired));
        assert_eq!(login_id.as_deref(), Some("gavinBelson"));
    }

    #[test]
    fn transient_mfa_post_failure_keeps_the_challenge() {
        let st = next(
            run(connecting("gavinBelson")),
            FlowEvent::JobUpdated {
                job: mfa_job("in-progress"),
                now_ms: 5_000,
            },
        );
        let st = next(st, FlowEvent::MfaSubmitted);
        let st = next(st, FlowEvent::RequestFailed(errors::network_failure()));
        assert!(
            matches!(
                st,
                FlowState::Mfa {
                    sending: false,
                    error: Some(_),
                    ..
                }
            ),
            "{st:?}"
        );
    }

    #[test]
    fn continue_in_background_needs_verified_credentials() {
        let st = next(
            run(connecting("gavinBelson")),
            FlowEvent::JobUpdated {
                job: running(),
                now_ms: 2,
            },
        );
        assert!(matches!(
            next(st, FlowEvent::ContinueInBackground),
            FlowState::Connecting { .. }
        ));
    }

    #[test]
    fn token_expiry_after_the_silent_renewal_offers_a_retry_that_resumes_polling() {
        let st = run(connecting("gavinBelson"));
        let st = next(st, FlowEvent::TokenExpired);
        let FlowState::Failed {
            ref error,
            recovery,
            ref resume,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(error.kind, ErrorKind::SessionExpired);
        assert_eq!(recovery, Recovery::Retry);
        assert_eq!(
            *resume,
            Resume::Job {
                job_id: "job-1".into(),
                started_at_ms: 1_000
            }
        );
        let st = next(st, FlowEvent::Retry);
        assert!(
            matches!(st, FlowState::Connecting { ref job_id, started_at_ms: 1_000, .. } if job_id == "job-1")
        );

        let http = errors::from_http(
            403,
            r#"{"type":"list","data":[{"type":"error","code":"access-denied","title":"Access denied.","detail":"Token has expired"}]}"#,
            None,
        );
        let st = next(run(connecting("g")), FlowEvent::RequestFailed(http));
        assert!(matches!(
            st,
            FlowState::Failed {
                recovery: Recovery::Retry,
                ..
            }
        ));
    }

    #[test]
    fn submit_failures_are_classified() {
        let st = run(vec![
            FlowEvent::Open,
            FlowEvent::Select(hooli()),
            submit("gavinBelson", "x"),
        ]);
        assert!(matches!(
            st,
            FlowState::EnteringCredentials {
                submitting: true,
                ..
            }
        ));
        let st = next(
            st,
            FlowEvent::RequestFailed(errors::from_http(
                403,
                r#"{"type":"list","data":[{"type":"error","code":"too-many-sandbox-connections","title":"t"}]}"#,
                None,
            )),
        );
        let FlowState::Failed {
            recovery,
            ref resume,
            ref login_id,
            ..
        } = st
        else {
            panic!("{st:?}")
        };
        assert_eq!(recovery, Recovery::ContactSupport);
        assert_eq!(*resume, Resume::Form);
        assert_eq!(login_id.as_deref(), Some("gavinBelson"));
        let back = next(st, FlowEvent::Back);
        assert!(matches!(
            back,
            FlowState::EnteringCredentials {
                login_id: Some(_),
                notice: None,
                ..
            }
        ));
    }

    #[test]
    fn outage_institutions_cannot_be_selected() {
        let mut down = hooli();
        down.status = "major-outage".into();
        let picking = next(FlowState::Idle, FlowEvent::Open);
        assert_eq!(
            next(picking.clone(), FlowEvent::Select(down.clone())),
            picking
        );
        assert!(!is_selectable(&down));
        down.status = "under-maintenance".into();
        assert!(is_selectable(&down));
        assert_eq!(
            InstitutionStatus::parse("under-maintenance").badge(),
            Some("Under maintenance")
        );
        assert_eq!(InstitutionStatus::parse("operational").badge(), None);
        assert_eq!(
            InstitutionStatus::parse("weird"),
            InstitutionStatus::Unknown
        );
    }

    #[test]
    fn fresh_institution_details_replace_the_cached_ones() {
        let st = run(vec![FlowEvent::Open, FlowEvent::Select(hooli())]);
        let mut fresh = hooli();
        fresh.security_code_caption = Some("Security code".into());
        let st2 = next(st.clone(), FlowEvent::InstitutionDetails(fresh.clone()));
        assert_eq!(st2.institution(), Some(&fresh));
        let mut other = fresh;
        other.id = "AU99999".into();
        assert_eq!(next(st.clone(), FlowEvent::InstitutionDetails(other)), st);
    }

    #[test]
    fn navigation() {
        let st = run(vec![FlowEvent::Open, FlowEvent::Select(hooli())]);
        let st = next(st, FlowEvent::Back);
        assert_eq!(
            st,
            FlowState::Picking {
                query: String::new()
            }
        );
        assert_eq!(next(st, FlowEvent::Back), FlowState::Idle);
        let st = run(connecting("gavinBelson"));
        let st = next(st, FlowEvent::Cancel);
        assert!(matches!(
            st,
            FlowState::EnteringCredentials {
                login_id: Some(_),
                submitting: false,
                ..
            }
        ));
        assert_eq!(next(st, FlowEvent::Close), FlowState::Idle);
        assert_eq!(next(FlowState::Idle, FlowEvent::Retry), FlowState::Idle);
    }

    #[test]
    fn contract_recorded_accounts_become_rows() {
        let list: crate::basiq::List<Account> =
            serde_json::from_str(&crate::reference("recorded/accounts/getAccounts.json")).unwrap();
        let rows = account_rows(&list.data);
        assert_eq!(rows.len(), list.data.len());
        let card = rows
            .iter()
            .find(|r| r.kind == "Credit card")
            .expect("a credit card");
        assert!(card.negative);
        assert!(card.balance.starts_with("-$"), "{}", card.balance);
        assert!(
            card.available
                .as_deref()
                .is_some_and(|a| a.starts_with('$'))
        );
        assert_eq!(account_kind_label("home-equity"), "Home equity");
        let mut odd = list.data[0].clone();
        odd.balance = "n/a".into();
        odd.available_funds = Some(" ".into());
        let row = &account_rows(&[odd])[0];
        assert_eq!(
            (row.balance.as_str(), row.negative, row.available.is_none()),
            ("n/a", false, true)
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(usual_seconds(&hooli()), Some(32));
        assert_eq!(poll_delay_ms(0), 1_000);
        assert_eq!(poll_delay_ms(9_999), 1_000);
        assert_eq!(poll_delay_ms(10_000), 2_000);
        assert_eq!(poll_delay_ms(600_000), 5_000);
        assert!(rides_out_poll_failure(&ErrorKind::Network, 0));
        assert!(rides_out_poll_failure(&ErrorKind::ServerError, 1));
        assert!(!rides_out_poll_failure(&ErrorKind::ServerError, 2));
        assert!(!rides_out_poll_failure(&ErrorKind::InvalidCredentials, 0));
        assert_eq!(mask_account_number("123 456 789"), "•••• 6789");
        assert_eq!(mask_account_number("12"), "12");
    }

    fn arb_event() -> impl Strategy<Value = FlowEvent> {
        let jobs = prop_oneof![
            Just(running()),
            Just(done()),
            Just(mfa_job("in-progress")),
            Just(mfa_job("success")),
            Just(failed_job("invalid-credentials", "t", "d")),
            Just(failed_job("maintenance", "t", "d")),
        ];
        prop_oneof![
            Just(FlowEvent::Open),
            Just(FlowEvent::Close),
            "[a-z]{0,5}".prop_map(FlowEvent::Search),
            Just(FlowEvent::Select(hooli())),
            Just(submit("gavinBelson", "hooli2016")),
            Just(submit("", "")),
            (0u64..200_000).prop_map(|now_ms| FlowEvent::ConnectionCreated {
                job_id: "job-1".into(),
                now_ms
            }),
            (jobs, 0u64..200_000).prop_map(|(job, now_ms)| FlowEvent::JobUpdated { job, now_ms }),
            Just(FlowEvent::MfaSubmitted),
            Just(FlowEvent::MfaSent),
            Just(FlowEvent::RequestFailed(errors::network_failure())),
            Just(FlowEvent::RequestFailed(errors::from_http(
                429,
                "",
                Some("5")
            ))),
            Just(FlowEvent::TokenExpired),
            Just(FlowEvent::AccountsLoaded(vec![])),
            (0u64..400_000).prop_map(|now_ms| FlowEvent::Tick { now_ms }),
            Just(FlowEvent::Retry),
            Just(FlowEvent::Back),
            Just(FlowEvent::PickAnother),
            Just(FlowEvent::Cancel),
            Just(FlowEvent::ContinueInBackground),
        ]
    }

    proptest! {
        #[test]
        fn any_event_sequence_is_safe(events in proptest::collection::vec(arb_event(), 0..40)) {
            let mut st = FlowState::Idle;
            for e in events {
                st = next(st, e);
                // The password typed in `submit` never reaches the state.
                let shown = format!("{:?}", st);
                prop_assert!(!shown.contains("hooli2016"));
                if let FlowState::Failed { recovery, .. } = &st {
                    prop_assert_ne!(*recovery, Recovery::ReauthenticateOnce);
                }
                if let FlowState::Mfa { attempts, .. } = &st {
                    prop_assert!(*attempts < 40);
                }
            }
            prop_assert_eq!(next(st, FlowEvent::Close), FlowState::Idle);
        }
    }
}
