//! The connect flow as a pure state machine: [`next`]`(state, event) -> (state, effects)`.
//!
//! The app feeds in what happened (a click, an HTTP answer, a polled job, a timer tick with the
//! current time), renders the state it gets back and carries out the [`FlowEffect`]s it is
//! handed; it never decides transitions itself. Time is always a parameter. The state never
//! holds a password, security code or MFA answer: those live only in the form inputs; at most
//! the login id is kept, to pre-fill the form again.
//!
//! Following the job (polling, MFA, expiry) is [`crate::job`]'s, shared with the connections
//! view; this module says what the job's progress means for the flow.

mod connecting;
mod effects;
mod handoff_step;
#[cfg(test)]
mod tests;

pub use effects::{FlowEffect, Focus, Screen};

use crate::accounts::AccountRow;
use crate::basiq::Job;
use crate::directory::InstitutionSummary;
use crate::errors::{ErrorKind, Recovery, UserError};
use crate::handoff::{Handoff, HandoffEffect, HandoffEvent};
use crate::institution::is_selectable;
use crate::job::{self, JobFollow, MfaStep};
use crate::validation::FormCheck;

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

/// The bank being connected and the login id typed for it (never a password).
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The chosen institution (captions refreshed from `/institutions/{id}` when possible).
    pub institution: InstitutionSummary,
    /// Login id, kept only to pre-fill the form again.
    pub login_id: Option<String>,
}

/// The credential form.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// The institution and the login id to pre-fill.
    pub attempt: Attempt,
    /// Per-field messages from the last submit attempt.
    pub check: FormCheck,
    /// True while `POST /users/{id}/connections` is in flight.
    pub submitting: bool,
    /// Why the person is back here (e.g. the bank refused the details).
    pub notice: Option<UserError>,
}

/// A bank connected.
#[derive(Debug, Clone, PartialEq)]
pub struct Connected {
    /// The institution.
    pub institution: InstitutionSummary,
    /// The finished job.
    pub job_id: String,
    /// The new connection, when the job named it.
    pub connection_id: Option<String>,
    /// The accounts' rows once loaded (see [`crate::accounts::rows_for_connection`]).
    pub accounts: Option<Vec<AccountRow>>,
    /// Why the accounts could not be loaded.
    pub accounts_error: Option<UserError>,
}

/// A failure screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The institution, when one was chosen.
    pub institution: Option<InstitutionSummary>,
    /// What went wrong.
    pub error: UserError,
    /// The way out offered.
    pub recovery: Recovery,
    /// Login id to pre-fill if the person goes back to the form.
    pub login_id: Option<String>,
    /// Where "Retry" leads.
    pub resume: Resume,
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
    EnteringCredentials(Form),
    /// The job is running; when `job.mfa` is set the bank asks a security question or for a
    /// one-time code.
    Connecting {
        /// The institution and login id.
        attempt: Attempt,
        /// The job followed.
        job: JobFollow,
    },
    /// Connected.
    Succeeded(Connected),
    /// A failure screen.
    Failed(Failure),
    /// API 3.0: the hand-off to Basiq's Consent UI and back.
    Handoff(Handoff),
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
        /// When the poll was sent.
        requested_at_ms: u64,
        /// Now.
        now_ms: u64,
    },
    /// The MFA answers are being posted.
    MfaSubmitted {
        /// Now.
        now_ms: u64,
    },
    /// Basiq accepted the MFA answers for checking (202).
    MfaSent,
    /// A request of the current step failed (after the app's one silent token renewal).
    RequestFailed(UserError),
    /// The token could not be renewed, or expired again right after renewal.
    TokenExpired,
    /// The connected accounts arrived, as result-screen rows.
    AccountsLoaded(Vec<AccountRow>),
    /// "Try again" after the accounts could not be loaded.
    ReloadAccounts,
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
    /// "See your connected banks" after a hand-off: back to the start screen (its connections
    /// view), without closing the widget (an embedded host hears no `exit`).
    Home,
    /// "Cancel" while connecting.
    Cancel,
    /// "Continue in background" once the credentials are verified.
    ContinueInBackground,
    /// Something about the hand-off to Basiq's Consent UI (API 3.0).
    Handoff(HandoffEvent),
}

/// The message shown when the bank refuses an MFA answer.
pub const MFA_REFUSED: &str = job::MFA_REFUSED;

impl FlowState {
    /// The institution this screen is about.
    pub fn institution(&self) -> Option<&InstitutionSummary> {
        match self {
            Self::Idle | Self::Picking { .. } => None,
            Self::EnteringCredentials(Form { attempt, .. }) | Self::Connecting { attempt, .. } => {
                Some(&attempt.institution)
            }
            Self::Succeeded(c) => Some(&c.institution),
            Self::Failed(f) => f.institution.as_ref(),
            Self::Handoff(h) => h.institution(),
        }
    }

    /// The job followed, while one runs.
    pub fn job(&self) -> Option<&JobFollow> {
        match self {
            Self::Connecting { job, .. } => Some(job),
            _ => None,
        }
    }

    /// The open MFA challenge, while the bank asks.
    pub fn mfa(&self) -> Option<&MfaStep> {
        self.job().and_then(|j| j.mfa.as_ref())
    }

    /// The job to poll now, if any (not while an MFA answer is being posted).
    pub fn job_to_poll(&self) -> Option<&str> {
        self.job().and_then(JobFollow::job_to_poll)
    }

    /// Milliseconds since the connection started, while one is running.
    pub fn elapsed_ms(&self, now_ms: u64) -> Option<u64> {
        self.job().map(|j| j.elapsed_ms(now_ms))
    }

    /// Milliseconds left to answer the MFA challenge, when it states an expiry.
    pub fn mfa_time_left_ms(&self, now_ms: u64) -> Option<u64> {
        self.mfa().and_then(|m| m.time_left_ms(now_ms))
    }

    /// The login id the credential form should pre-fill.
    pub fn login_prefill(&self) -> Option<&str> {
        match self {
            Self::EnteringCredentials(Form { attempt, .. }) | Self::Connecting { attempt, .. } => {
                attempt.login_id.as_deref()
            }
            Self::Failed(f) => f.login_id.as_deref(),
            _ => None,
        }
    }
}

fn form(attempt: Attempt, notice: Option<UserError>) -> FlowState {
    FlowState::EnteringCredentials(Form {
        attempt,
        check: FormCheck::default(),
        submitting: false,
        notice,
    })
}

/// The credential form of a bank just chosen in the picker.
fn chosen(institution: InstitutionSummary) -> FlowState {
    form(
        Attempt {
            institution,
            login_id: None,
        },
        None,
    )
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
        (Recovery::BackToForm { keep_login }, Some(institution)) => form(
            Attempt {
                institution,
                login_id: login_id.filter(|_| keep_login),
            },
            Some(error),
        ),
        (recovery, institution) => FlowState::Failed(Failure {
            institution,
            error,
            recovery,
            login_id,
            resume,
        }),
    }
}

/// A failure of the attempt: the form or a failure screen.
fn attempt_failed(attempt: Attempt, error: UserError, resume: Resume) -> FlowState {
    fail(Some(attempt.institution), error, attempt.login_id, resume)
}

fn expired() -> UserError {
    UserError::new(ErrorKind::SessionExpired)
}

/// What "Retry" on a failure screen leads to.
fn retry(f: Failure) -> FlowState {
    match (f.resume, f.institution) {
        (Resume::Picker, _) | (_, None) => picking(),
        (Resume::Form, Some(institution)) => form(
            Attempt {
                institution,
                login_id: f.login_id,
            },
            None,
        ),
        (
            Resume::Job {
                job_id,
                started_at_ms,
            },
            Some(institution),
        ) => FlowState::Connecting {
            attempt: Attempt {
                institution,
                login_id: f.login_id,
            },
            job: JobFollow::new(job_id, started_at_ms),
        },
    }
}

/// "Back" on a failure screen: to the form (with the reason when that is the way out).
fn back_from_failure(f: Failure, institution: InstitutionSummary) -> FlowState {
    let keep = !matches!(f.recovery, Recovery::BackToForm { keep_login: false });
    let notice = matches!(f.recovery, Recovery::BackToForm { .. }).then_some(f.error);
    form(
        Attempt {
            institution,
            login_id: f.login_id.filter(|_| keep),
        },
        notice,
    )
}

/// The flow's transition function: pure, total, never panics. Events that make no sense in
/// the current state leave it unchanged. The effects are what entering the new screen asks for
/// (see [`FlowEffect`]).
pub fn next(state: FlowState, event: FlowEvent) -> (FlowState, Vec<FlowEffect>) {
    match next_unless_handoff(state, event) {
        Ok(done) => done,
        Err((state, event)) => handoff_step::handoff_step(state, event),
    }
}

/// [`next`] for every event but a hand-off event, which comes back untouched (`Err`) for the
/// caller to run through [`next`] where the hand-off's machine is at hand (the app keeps it
/// out of its first view's code).
#[allow(clippy::result_large_err)]
pub fn next_unless_handoff(
    state: FlowState,
    event: FlowEvent,
) -> Result<(FlowState, Vec<FlowEffect>), (FlowState, FlowEvent)> {
    if matches!(event, FlowEvent::Handoff(_)) {
        return Err((state, event));
    }
    let before = Screen::of(&state);
    let reload = matches!(
        (&state, &event),
        (FlowState::Succeeded(_), FlowEvent::ReloadAccounts)
    );
    let was_handoff = matches!(state, FlowState::Handoff(_));
    let after = transition(state, event);
    let mut effects = effects::entering(&before, &after);
    if reload {
        effects.push(FlowEffect::LoadAccounts);
    }
    // Leaving the hand-off (closed, another bank): its popup goes with it.
    if was_handoff && !matches!(after, FlowState::Handoff(_)) {
        effects.push(FlowEffect::Handoff(HandoffEffect::ClosePopup));
    }
    Ok((after, effects))
}

/// [`next`] for the events the first view itself must carry out at once — "+" on the start
/// screen opens the picker (whose "Loading…" then shows while its code downloads), "×" closes
/// what is open (outside a hand-off) — and every other event back untouched (`Err`) for the caller to run through [`next`] where the rest of
/// the machine is at hand (the app keeps it out of its first view's code).
#[allow(clippy::result_large_err)]
pub fn next_on_first_view(
    state: FlowState,
    event: FlowEvent,
) -> Result<(FlowState, Vec<FlowEffect>), (FlowState, FlowEvent)> {
    match (state, event) {
        (FlowState::Idle, FlowEvent::Open) => {
            let after = picking();
            let effects = effects::entering(&Screen::Idle, &after);
            Ok((after, effects))
        }
        // "×" closes whatever is open, even when the picker's module never arrived (a hand-off
        // also closes its popup: that stays with the rest of the machine).
        (state, FlowEvent::Close) if !matches!(state, FlowState::Handoff(_)) => {
            let effects = effects::entering(&Screen::of(&state), &FlowState::Idle);
            Ok((FlowState::Idle, effects))
        }
        other => Err(other),
    }
}

/// [`next`] for the events of the picker (searching, choosing a bank, going back, the
/// picker's failures) and those of [`next_on_first_view`]; every other event back untouched
/// (`Err`) for the caller to run through [`next`] where the rest of the machine is at hand (the
/// app keeps it, with the job's and the form's transitions, out of the picker's code).
#[allow(clippy::result_large_err)]
pub fn next_in_picker(
    state: FlowState,
    event: FlowEvent,
) -> Result<(FlowState, Vec<FlowEffect>), (FlowState, FlowEvent)> {
    use FlowEvent as E;
    use FlowState as S;

    let (state, event) = match next_on_first_view(state, event) {
        Ok(done) => return Ok(done),
        Err(back) => back,
    };
    let before = Screen::of(&state);
    let after = match (state, event) {
        (S::Picking { .. }, E::Search(query)) => S::Picking { query },
        (S::Idle | S::Picking { .. }, E::Select(institution)) if is_selectable(&institution) => {
            chosen(institution)
        }
        // A bank that cannot be chosen changes nothing.
        (state @ S::Picking { .. }, E::Select(_)) => state,
        (S::Picking { .. }, E::Back) => S::Idle,
        (S::Picking { .. }, E::RequestFailed(error)) => fail(None, error, None, Resume::Picker),
        (S::Picking { .. }, E::TokenExpired) => fail(None, expired(), None, Resume::Picker),
        other => return Err(other),
    };
    let effects = effects::entering(&before, &after);
    Ok((after, effects))
}

/// [`next`] for the credential form's events (fresh captions, submitting, the answer to the
/// submit, going back); every other (state, event) back untouched (`Err`) for the caller to run
/// through [`next`] where the rest of the machine is at hand (the app keeps the job's, the
/// accounts' and the failure screens' transitions out of the form's code).
#[allow(clippy::result_large_err)]
pub fn next_in_form(
    state: FlowState,
    event: FlowEvent,
) -> Result<(FlowState, Vec<FlowEffect>), (FlowState, FlowEvent)> {
    let FlowState::EnteringCredentials(f) = state else {
        return Err((state, event));
    };
    let before = Screen::Form(f.attempt.institution.id.clone());
    match in_form(f, event) {
        Ok(after) => {
            let effects = effects::entering(&before, &after);
            Ok((after, effects))
        }
        Err((f, event)) => Err((FlowState::EnteringCredentials(f), event)),
    }
}

/// The credential form's transitions; an event it has none for comes back with the form.
#[allow(clippy::result_large_err)]
fn in_form(f: Form, event: FlowEvent) -> Result<FlowState, (Form, FlowEvent)> {
    use FlowEvent as E;
    use FlowState as S;

    Ok(match event {
        E::InstitutionDetails(fresh) => {
            let mut f = f;
            if fresh.id == f.attempt.institution.id {
                f.attempt.institution = fresh;
            }
            S::EnteringCredentials(f)
        }
        E::Submit { login_id, check } if !f.submitting => {
            let ok = check.can_submit();
            S::EnteringCredentials(Form {
                attempt: Attempt {
                    login_id: Some(login_id),
                    ..f.attempt
                },
                check,
                submitting: ok,
                notice: if ok { None } else { f.notice },
            })
        }
        E::ConnectionCreated { job_id, now_ms } if f.submitting => S::Connecting {
            attempt: f.attempt,
            job: JobFollow::new(job_id, now_ms),
        },
        E::RequestFailed(error) if f.submitting => attempt_failed(f.attempt, error, Resume::Form),
        E::TokenExpired if f.submitting => attempt_failed(f.attempt, expired(), Resume::Form),
        E::Back if !f.submitting => picking(),
        event => return Err((f, event)),
    })
}

/// The new state, one arm per (state, event) that changes something.
fn transition(state: FlowState, event: FlowEvent) -> FlowState {
    use FlowEvent as E;
    use FlowState as S;

    match (state, event) {
        (_, E::Close) => S::Idle,
        (S::Handoff(Handoff::Connected { .. } | Handoff::Ended { .. }), E::Home) => S::Idle,

        // ---- opening and picking
        (S::Idle | S::Succeeded(_) | S::Failed(_), E::Open) => picking(),
        (S::Picking { .. }, E::Search(query)) => S::Picking { query },
        (S::Idle | S::Picking { .. }, E::Select(institution)) if is_selectable(&institution) => {
            chosen(institution)
        }
        (S::Picking { .. }, E::Back) => S::Idle,
        (S::Picking { .. }, E::RequestFailed(error)) => fail(None, error, None, Resume::Picker),
        (S::Picking { .. }, E::TokenExpired) => fail(None, expired(), None, Resume::Picker),

        // ---- the credential form
        (S::EnteringCredentials(f), event) => match in_form(f, event) {
            Ok(after) => after,
            Err((f, _)) => S::EnteringCredentials(f),
        },

        // ---- connecting (and answering MFA): the job decides
        (S::Connecting { attempt, job }, event) => connecting::connecting(attempt, job, event),

        // ---- the hand-off: back to the picker from its first step or its end
        (S::Handoff(Handoff::Confirming { .. }), E::Back) => picking(),
        (
            S::Handoff(Handoff::Connected { .. } | Handoff::Ended { .. }),
            E::Open | E::PickAnother,
        ) => picking(),

        // ---- success
        (S::Succeeded(c), E::AccountsLoaded(accounts)) => S::Succeeded(Connected {
            accounts: Some(accounts),
            accounts_error: None,
            ..c
        }),
        (S::Succeeded(c), E::RequestFailed(error)) => S::Succeeded(Connected {
            accounts_error: Some(error),
            ..c
        }),
        (S::Succeeded(c), E::ReloadAccounts) => S::Succeeded(Connected {
            accounts_error: None,
            ..c
        }),
        (S::Succeeded(_), E::PickAnother | E::Back) => picking(),

        // ---- failure screens
        (S::Failed(f), E::Retry) => retry(f),
        (S::Failed(mut f), E::Back) if f.institution.is_some() => match f.institution.take() {
            Some(institution) => back_from_failure(f, institution),
            None => picking(),
        },
        (S::Failed(_), E::Back | E::PickAnother) => picking(),

        // ---- anything else changes nothing
        (state, _) => state,
    }
}
