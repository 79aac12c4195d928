//! The hand-off to Basiq's Consent UI (API 3.0) as a pure state machine:
//! [`next`]`(state, event) -> (state, effects)`.
//!
//! "Continue to {bank}" ([`Handoff::Confirming`]) → the start request ([`Handoff::Starting`]) →
//! the page navigates away ([`Handoff::Leaving`], page mode) or the person works in a popup
//! ([`Handoff::Waiting`], popup mode) → back: the relay's answer ([`Handoff::Returning`]) →
//! every job of the visit followed ([`Handoff::Following`], one [`crate::job`] machine per job)
//! → the banks connected ([`Handoff::Connected`]) or an [`Ending`] with its way out.
//!
//! Time is a parameter. The state holds the hand-off's nonce (its id at our relay) and, in
//! popup mode, the Consent UI URL to show the window again; never a credential.

mod machine;
mod outcome;
#[cfg(test)]
mod tests;

pub use machine::next;
pub use outcome::{BankAccounts, Ending, bank_accounts};

use serde::{Deserialize, Serialize};

use crate::basiq::Job;
use crate::directory::InstitutionSummary;
use crate::errors::UserError;
use crate::job::JobFollow;

/// How the Consent UI is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchMode {
    /// The whole page navigates there and comes back (the widget is the page).
    Page,
    /// A popup window (the widget is in a host's frame, which the Consent UI may not be).
    Popup,
}

impl LaunchMode {
    /// The `mode` of `POST /api/consent/start`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Popup => "popup",
        }
    }
}

/// A Consent UI `action` the widget asks for (absent: the server chooses create or connect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentAction {
    /// View the consent, remove banks from it, revoke it.
    Manage,
    /// Renew open-banking access that is about to end.
    Reauthorise,
    /// Extend the consent by its configured duration.
    Extend,
}

impl ConsentAction {
    /// From Basiq's spelling.
    pub fn parse(action: &str) -> Option<Self> {
        match action {
            "manage" => Some(Self::Manage),
            "reauthorise" => Some(Self::Reauthorise),
            "extend" => Some(Self::Extend),
            _ => None,
        }
    }

    /// Basiq's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manage => "manage",
            Self::Reauthorise => "reauthorise",
            Self::Extend => "extend",
        }
    }
}

/// What the visit to the Consent UI is for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Target {
    /// The bank chosen in our picker (Basiq then skips its own list).
    pub institution: Option<InstitutionSummary>,
    /// The action, when not a plain connect.
    pub action: Option<ConsentAction>,
    /// The connection to renew or update.
    pub connection_id: Option<String>,
}

impl Target {
    /// Connecting this bank.
    pub fn connect(institution: InstitutionSummary) -> Self {
        Self {
            institution: Some(institution),
            ..Self::default()
        }
    }

    /// The body of `POST /api/consent/start`.
    pub fn start_body(&self, mode: LaunchMode) -> serde_json::Value {
        let mut body = serde_json::json!({ "mode": mode.as_str() });
        if let Some(i) = &self.institution {
            body["institution_id"] = i.id.clone().into();
        }
        if let Some(a) = self.action {
            body["action"] = a.as_str().into();
        }
        if let Some(c) = &self.connection_id {
            body["connection_id"] = c.clone().into();
        }
        body
    }
}

/// `POST /api/consent/start` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentStarted {
    /// The Consent UI with its one-use token (the one token ever put in a URL).
    pub url: String,
    /// The hand-off's id at the relay.
    pub nonce: String,
    /// Seconds the hand-off may take.
    pub expires_in: u64,
}

impl ConsentStarted {
    /// The answer from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it.
    pub fn from_object(o: &impl crate::fields::JsonObject) -> Option<Self> {
        Some(Self {
            url: o.string("url").required()?,
            nonce: o.string("nonce").required()?,
            expires_in: o.whole("expires_in").required()?,
        })
    }
}

/// `GET /api/consent/result` answer (200): the jobs of the visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentResult {
    /// The latest job, when there was one.
    #[serde(default)]
    pub job_id: Option<String>,
    /// Every job of the visit, in order.
    #[serde(default)]
    pub job_ids: Vec<String>,
}

impl ConsentResult {
    /// The answer from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it.
    pub fn from_object(o: &impl crate::fields::JsonObject) -> Option<Self> {
        Some(Self {
            job_id: o.string("job_id").optional()?,
            job_ids: o.strings("job_ids").or_default(Vec::new())?,
        })
    }
}

/// Within this long after the popup was sent to the Consent UI, a window that reads as closed
/// was most likely cut off by the consent site's `Cross-Origin-Opener-Policy` (the opener then
/// sees it as closed), not closed by the person: keep waiting for the relay.
pub const SEVER_GRACE_MS: u64 = 4_000;

/// What the widget knows of its popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupWindow {
    /// Open; sent to the Consent UI at `since_ms`.
    Open {
        /// When its location was set.
        since_ms: u64,
    },
    /// The handle no longer reaches it (cut off by the consent site, or closed): only the relay
    /// can tell how the visit ends.
    Unreachable,
}

/// One job of the visit and how far it is.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSlot {
    /// The job.
    pub job_id: String,
    /// The bank it connects, once a poll named it.
    pub institution_id: Option<String>,
    /// Its progress.
    pub progress: SlotProgress,
}

/// Where one job of the visit is.
// Short-lived values in one signal; variant sizes depend on serde_json's features.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum SlotProgress {
    /// Running.
    Going(JobFollow),
    /// Every step done.
    Done {
        /// The connection it made.
        connection_id: Option<String>,
    },
    /// A step failed.
    Failed(UserError),
}

impl JobSlot {
    /// True once the job ended either way.
    pub fn finished(&self) -> bool {
        !matches!(self.progress, SlotProgress::Going(_))
    }
}

/// A bank the visit connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedBank {
    /// The job that connected it.
    pub job_id: String,
    /// The connection.
    pub connection_id: Option<String>,
    /// The institution, when the job named it.
    pub institution_id: Option<String>,
}

/// The hand-off's screens.
#[derive(Debug, Clone, PartialEq)]
pub enum Handoff {
    /// "Continue to {bank}": what will happen, and the button. `blocked`: the browser refused
    /// the popup last time (the button retries on a fresh click).
    Confirming {
        /// What the visit is for.
        target: Target,
        /// Page or popup.
        mode: LaunchMode,
        /// The last popup was blocked.
        blocked: bool,
    },
    /// `POST /api/consent/start` is in flight (popup mode: a blank window is already open).
    Starting {
        /// What the visit is for.
        target: Target,
        /// Page or popup.
        mode: LaunchMode,
    },
    /// Page mode: the page is navigating to the Consent UI.
    Leaving {
        /// What the visit is for.
        target: Target,
    },
    /// Popup mode: "Finish in the Basiq window".
    Waiting {
        /// What the visit is for.
        target: Target,
        /// The hand-off's id at the relay.
        nonce: String,
        /// The Consent UI (to show the window again when its handle is lost).
        url: String,
        /// When the hand-off's token and state expire.
        expires_at_ms: u64,
        /// The popup.
        window: PopupWindow,
    },
    /// Back from Basiq: asking the relay which jobs the visit made.
    Returning {
        /// The hand-off's id at the relay.
        nonce: String,
        /// The action the visit was for, when known ("Manage consent" makes no job).
        purpose: Option<ConsentAction>,
    },
    /// Following every job of the visit.
    Following {
        /// One per job id, in the visit's order.
        jobs: Vec<JobSlot>,
        /// When following started.
        started_at_ms: u64,
    },
    /// At least one bank connected.
    Connected {
        /// The banks connected.
        banks: Vec<ConnectedBank>,
        /// Jobs of the visit that failed (another bank in the same visit).
        failed: Vec<UserError>,
        /// The banks' accounts, once loaded.
        accounts: Option<Vec<BankAccounts>>,
        /// Why they could not be loaded.
        accounts_error: Option<UserError>,
    },
    /// How the visit ended, when nothing was connected.
    Ended {
        /// What happened.
        ending: Ending,
        /// What to try again (absent: back to the picker).
        target: Option<Target>,
        /// Page or popup, for trying again.
        mode: LaunchMode,
    },
}

/// Everything that can happen to a hand-off.
#[derive(Debug, Clone, PartialEq)]
pub enum HandoffEvent {
    /// A bank was chosen in the picker: the "Continue to {bank}" step (starts a hand-off).
    Choose {
        /// The bank.
        institution: InstitutionSummary,
        /// Page or popup.
        mode: LaunchMode,
    },
    /// A visit for this target straight away ("Renew", "Manage consent"; starts a hand-off).
    /// Popup mode: `window_opened` as for [`HandoffEvent::Continue`].
    Begin {
        /// What the visit is for.
        target: Target,
        /// Page or popup.
        mode: LaunchMode,
        /// Popup mode: the window opened.
        window_opened: bool,
    },
    /// The page came back from Basiq with this hand-off's nonce (`?handoff=`; starts a
    /// hand-off screen).
    CameBack {
        /// The nonce.
        nonce: String,
        /// The action the visit was for, when the page knows it.
        purpose: Option<ConsentAction>,
    },
    /// The person pressed "Continue to {bank}" (or "Try again"). Popup mode: `window_opened`
    /// says whether the browser let the app open the (blank) popup in that click.
    Continue {
        /// Popup mode: the window opened.
        window_opened: bool,
    },
    /// The start request answered.
    Started {
        /// The answer.
        started: ConsentStarted,
        /// Now.
        now_ms: u64,
    },
    /// The start request failed.
    StartFailed(UserError),
    /// The popup's handle reads as closed.
    PopupGone {
        /// Now.
        now_ms: u64,
    },
    /// Our return page, in the popup, posted that the person is back (the fast path; the
    /// relay still gives the jobs).
    PopupSaidBack {
        /// The nonce it names.
        nonce: String,
    },
    /// Our return page, in the popup, posted that it refused what Basiq sent back (a bad,
    /// expired or replayed state, or jobs that are not the user's): the relay will never
    /// answer.
    PopupSaidFailed {
        /// The refusal's code (`state-invalid`, `job-not-yours`…).
        code: String,
    },
    /// The relay answered with the visit's jobs.
    ResultArrived {
        /// The nonce asked about.
        nonce: String,
        /// The jobs.
        result: ConsentResult,
        /// Now.
        now_ms: u64,
    },
    /// The relay no longer knows the hand-off (expired, or not this session's).
    ResultGone,
    /// The relay could not be asked (after the poll loop's own retries).
    ResultFailed(UserError),
    /// A job of the visit was polled.
    JobPolled {
        /// The job.
        job: Job,
        /// When the poll was sent.
        requested_at_ms: u64,
        /// Now.
        now_ms: u64,
    },
    /// Polling a job failed for good.
    JobPollFailed {
        /// The job.
        job_id: String,
        /// Why.
        error: UserError,
    },
    /// The connected banks' accounts arrived (`ConnectionView`s and `AccountView`s).
    AccountsLoaded(Vec<BankAccounts>),
    /// They could not be loaded.
    AccountsFailed(UserError),
    /// "Try again" after the accounts failed.
    ReloadAccounts,
    /// "Show the window again".
    ShowWindow,
    /// "Cancel" while waiting for the popup (or on the "Continue" step).
    Cancel,
    /// "Try again" on an ending.
    Retry,
    /// Time passed.
    Tick {
        /// Now.
        now_ms: u64,
    },
}

/// What the app must do for the hand-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffEffect {
    /// `POST /api/consent/start` with this body.
    Start(serde_json::Value),
    /// Page mode: navigate the page to this URL.
    Navigate(String),
    /// Popup mode: send the open popup to this URL.
    SendPopup(String),
    /// Popup mode: open a new popup at this URL (a click's gesture; the old handle is lost).
    ReopenPopup(String),
    /// Bring the popup to the front.
    FocusPopup,
    /// Close the popup, if it is still reachable.
    ClosePopup,
    /// Ask the relay about this nonce until it answers (popup: while waiting).
    WatchResult(String),
    /// Ask the relay about this nonce now (the popup said the person is back).
    AskResultNow(String),
    /// Poll this job until the hand-off stops following it.
    PollJob(String),
    /// Load the accounts of the connected banks.
    LoadAccounts,
    /// Reload the connections quietly (a visit without a job may have left a half-made one).
    ReconcileConnections,
}

/// Which screen is up (a change moves the focus to the new step's heading).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffScreen {
    /// "Continue to {bank}".
    Confirming,
    /// Starting (and, in page mode, leaving).
    Starting,
    /// "Finish in the Basiq window".
    Waiting,
    /// Checking the return and following the jobs.
    Following,
    /// The banks connected.
    Connected,
    /// An ending.
    Ended,
}

impl Handoff {
    /// The "Continue to {bank}" step for connecting this bank.
    pub fn confirm(institution: InstitutionSummary, mode: LaunchMode) -> Self {
        Self::Confirming {
            target: Target::connect(institution),
            mode,
            blocked: false,
        }
    }

    /// The screen this state shows.
    pub fn screen(&self) -> HandoffScreen {
        match self {
            Self::Confirming { .. } => HandoffScreen::Confirming,
            Self::Starting { .. } | Self::Leaving { .. } => HandoffScreen::Starting,
            Self::Waiting { .. } => HandoffScreen::Waiting,
            Self::Returning { .. } | Self::Following { .. } => HandoffScreen::Following,
            Self::Connected { .. } => HandoffScreen::Connected,
            Self::Ended { .. } => HandoffScreen::Ended,
        }
    }

    /// The bank the visit is for, when one was chosen here.
    pub fn institution(&self) -> Option<&InstitutionSummary> {
        match self {
            Self::Confirming { target, .. }
            | Self::Starting { target, .. }
            | Self::Leaving { target }
            | Self::Waiting { target, .. } => target.institution.as_ref(),
            Self::Ended { target, .. } => target.as_ref().and_then(|t| t.institution.as_ref()),
            _ => None,
        }
    }

    /// The job to poll now, when it is one of this visit's running jobs.
    pub fn follows(&self, job_id: &str) -> Option<&JobFollow> {
        match self {
            Self::Following { jobs, .. } => jobs.iter().find_map(|s| match &s.progress {
                SlotProgress::Going(f) if f.job_id == job_id => Some(f),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The nonce the relay is watched for, while one is.
    pub fn watched_nonce(&self) -> Option<&str> {
        match self {
            Self::Waiting { nonce, .. } | Self::Returning { nonce, .. } => Some(nonce),
            _ => None,
        }
    }
}

/// The `type` our return page posts to its opener when the person is back.
pub const RETURNED_MESSAGE: &str = "bank-connect:handoff-returned";
/// The `type` our return page posts when it refused what Basiq sent back.
pub const FAILED_MESSAGE: &str = "bank-connect:handoff-failed";

/// Our return page's word to the widget that opened the popup (the fast path; the relay is
/// the path that always works): only from `own_origin` exactly (the return page is ours), and
/// only `{type, nonce, code}` with the two known types, a nonce (returned) or a code (failed)
/// of the shapes the server issues. Anything else is `None` and ignored.
pub fn popup_message(
    origin: &str,
    own_origin: &str,
    data: &serde_json::Value,
) -> Option<HandoffEvent> {
    if origin.is_empty() || origin != own_origin {
        return None;
    }
    let object = data.as_object()?;
    if object
        .keys()
        .any(|k| !matches!(k.as_str(), "type" | "nonce" | "code"))
    {
        return None;
    }
    let field = |key: &str| match object.get(key) {
        None | Some(serde_json::Value::Null) => Some(""),
        Some(v) => v.as_str(),
    };
    let (kind, nonce, code) = (field("type")?, field("nonce")?, field("code")?);
    let token = |s: &str, max: usize| {
        !s.is_empty()
            && s.len() <= max
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    match kind {
        RETURNED_MESSAGE if token(nonce, 128) => Some(HandoffEvent::PopupSaidBack {
            nonce: nonce.to_owned(),
        }),
        FAILED_MESSAGE if token(code, 64) => Some(HandoffEvent::PopupSaidFailed {
            code: code.to_owned(),
        }),
        _ => None,
    }
}

/// The hand-off an entry event starts ([`HandoffEvent::Choose`], [`HandoffEvent::Begin`],
/// [`HandoffEvent::CameBack`]); `None` for any other event.
pub fn enter(event: HandoffEvent) -> Option<(Handoff, Vec<HandoffEffect>)> {
    match event {
        HandoffEvent::Choose { institution, mode } => {
            Some((Handoff::confirm(institution, mode), Vec::new()))
        }
        HandoffEvent::Begin {
            target,
            mode,
            window_opened,
        } => {
            let confirming = Handoff::Confirming {
                target,
                mode,
                blocked: false,
            };
            Some(next(confirming, HandoffEvent::Continue { window_opened }))
        }
        HandoffEvent::CameBack { nonce, purpose } => Some((
            Handoff::Returning {
                nonce: nonce.clone(),
                purpose,
            },
            vec![HandoffEffect::WatchResult(nonce)],
        )),
        _ => None,
    }
}
