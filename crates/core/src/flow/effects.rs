//! What a transition of the flow asks the app to do: the screen it enters and the I/O and
//! focus that entering it needs.

use super::FlowState;
use crate::handoff::{HandoffEffect, HandoffScreen};

/// Which screen is up; the app renders one view per screen and a change re-renders the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Only the plus button (and the connected banks).
    Idle,
    /// The institution picker.
    Picking,
    /// The credential form for this institution.
    Form(String),
    /// The progress of this job.
    Progress(String),
    /// The MFA challenge of this job.
    Mfa(String),
    /// The accounts connected by this job.
    Success(String),
    /// A failure screen.
    Failed,
    /// A screen of the hand-off to Basiq's Consent UI.
    Handoff(HandoffScreen),
}

impl Screen {
    /// The screen a state shows.
    pub fn of(state: &FlowState) -> Self {
        match state {
            FlowState::Idle => Self::Idle,
            FlowState::Picking { .. } => Self::Picking,
            FlowState::EnteringCredentials(f) => Self::Form(f.attempt.institution.id.clone()),
            FlowState::Connecting { job, .. } if job.mfa.is_some() => Self::Mfa(job.job_id.clone()),
            FlowState::Connecting { job, .. } => Self::Progress(job.job_id.clone()),
            FlowState::Succeeded(c) => Self::Success(c.job_id.clone()),
            FlowState::Failed(_) => Self::Failed,
            FlowState::Handoff(h) => Self::Handoff(h.screen()),
        }
    }
}

/// Where the keyboard focus goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The new step's heading.
    StepHeading,
    /// The password input (back at the form after a refusal).
    Password,
    /// The plus button (the widget closed).
    PlusButton,
}

/// Something the app must do for the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowEffect {
    /// What the hand-off to Basiq's Consent UI asks for.
    Handoff(HandoffEffect),
    /// The picker opened: load the directory unless it is there, and get a token early so the
    /// form's details arrive quickly.
    PreparePicker,
    /// Fetch fresh captions and status of this institution (`GET /institutions/{id}`).
    FetchInstitution(String),
    /// Poll this job until the flow stops following it.
    PollJob(String),
    /// Load the connected accounts.
    LoadAccounts,
    /// Move the focus.
    Focus(Focus),
}

/// The effects of going from the `before` screen to `after`: nothing while the screen stays.
pub(super) fn entering(before: &Screen, after: &FlowState) -> Vec<FlowEffect> {
    let now = Screen::of(after);
    if *before == now {
        return Vec::new();
    }
    let mut out = Vec::new();
    match &now {
        Screen::Picking => out.push(FlowEffect::PreparePicker),
        // Not on the way back from the job: the details fetched on the way in still hold.
        Screen::Form(id)
            if !matches!(
                before,
                Screen::Progress(_) | Screen::Mfa(_) | Screen::Failed
            ) =>
        {
            out.push(FlowEffect::FetchInstitution(id.clone()))
        }
        // The poll of an answered challenge's job goes on.
        Screen::Progress(job) if !matches!(before, Screen::Mfa(j) if j == job) => {
            out.push(FlowEffect::PollJob(job.clone()))
        }
        Screen::Success(_) => out.push(FlowEffect::LoadAccounts),
        _ => {}
    }
    let back_with_notice = matches!(after, FlowState::EnteringCredentials(f) if f.notice.is_some());
    out.push(FlowEffect::Focus(match now {
        Screen::Idle => Focus::PlusButton,
        Screen::Form(_) if back_with_notice => Focus::Password,
        _ => Focus::StepHeading,
    }));
    out
}
