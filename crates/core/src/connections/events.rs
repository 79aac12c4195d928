//! What can happen to the connections view, and what it asks the container to do.

use crate::InstitutionSummary;
use crate::api_types::{AccountView, ConnectionView, ConsentView, TransactionPage};
use crate::basiq::Job;
use crate::errors::UserError;
use crate::validation::FormCheck;

use super::ActionError;
use super::screen::UpdateOpening;

/// Everything that can happen to the view.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionsEvent {
    /// Open the full view.
    Show,
    /// "Hide connected banks".
    Hide,
    /// The public settings arrived.
    ConfigLoaded {
        /// Minimum seconds between refreshes.
        min_refresh_interval_secs: u64,
    },
    /// Load (or reload) the list; what is shown stays until the answer.
    Reload,
    /// The connections arrived.
    ListLoaded(Vec<ConnectionView>),
    /// The connections could not be loaded.
    ListFailed(ActionError),
    /// The accounts arrived.
    AccountsLoaded(Vec<AccountView>),
    /// The list and accounts were reloaded after a job of this connection ended.
    ReloadedAfterJob(String),
    /// "Refresh" on a card (`watch`: follow it in full).
    Refresh {
        /// The connection.
        id: String,
        /// Show its progress (not only the compact line).
        watch: bool,
        /// Now.
        now_ms: u64,
    },
    /// "Refresh all".
    RefreshAll {
        /// Now.
        now_ms: u64,
    },
    /// The server started the refresh job.
    RefreshStarted {
        /// The connection.
        id: String,
        /// Its job.
        job_id: String,
    },
    /// The server refused the refresh.
    RefreshRefused {
        /// The connection.
        id: String,
        /// Why.
        error: ActionError,
        /// Now.
        now_ms: u64,
    },
    /// A poll of a card's job answered.
    JobPolled {
        /// The connection.
        id: String,
        /// The job.
        job: Job,
        /// When the poll was sent.
        requested_at_ms: u64,
        /// Now.
        now_ms: u64,
    },
    /// Polling a card's job failed for good.
    PollFailed {
        /// The connection.
        id: String,
        /// What to show.
        message: String,
    },
    /// An MFA answer is being posted.
    MfaSubmitted {
        /// The connection.
        id: String,
        /// Now.
        now_ms: u64,
    },
    /// Basiq accepted the answer for checking (202).
    MfaSent {
        /// The connection.
        id: String,
    },
    /// The answer could not be posted.
    MfaNotSent {
        /// The connection.
        id: String,
        /// What to show.
        message: String,
    },
    /// "Show progress" / "Answer your bank" on a compact card.
    Watch(String),
    /// "Continue in background".
    Background,
    /// "Cancel" on a card's job: stop following it.
    StopFollowing(String),
    /// "Update credentials" on a card (or the bank refused an update), with the institution
    /// the container found for it.
    OpenUpdate {
        /// The connection.
        id: String,
        /// The form's institution, login id and notice.
        open: UpdateOpening,
    },
    /// Fresh captions for the update form.
    UpdateDetails {
        /// The connection.
        id: String,
        /// From `GET /institutions/{id}`.
        institution: InstitutionSummary,
    },
    /// The update form was submitted.
    SubmitUpdate {
        /// The login id typed.
        login_id: String,
        /// The form check.
        check: FormCheck,
    },
    /// Basiq started the update job.
    UpdateStarted {
        /// The connection.
        id: String,
        /// Its job.
        job_id: String,
        /// Now.
        now_ms: u64,
    },
    /// The update could not be posted.
    UpdateFailed(UserError),
    /// "Cancel" on the update form.
    CancelUpdate,
    /// "Remove" on a card: ask first.
    AskRemove(String),
    /// "Cancel" in the dialog.
    CancelRemove,
    /// "Remove" in the dialog.
    ConfirmRemove(String),
    /// The server removed the connection.
    Removed(String),
    /// The server could not remove it.
    RemoveFailed {
        /// The connection.
        id: String,
        /// What to show.
        message: String,
    },
    /// Basiq 3.0: the user's consents arrived.
    ConsentsLoaded(Vec<ConsentView>),
    /// "Revoke consent…": ask first.
    AskRevoke,
    /// "Cancel" in the revoke dialog.
    CancelRevoke,
    /// "Revoke consent" in the dialog.
    ConfirmRevoke,
    /// The server revoked the consent (Basiq deleted its connections).
    Revoked(String),
    /// The server could not revoke it.
    RevokeFailed(String),
    /// An account's "Transactions" toggle.
    ToggleTransactions {
        /// The connection.
        connection_id: String,
        /// The account.
        account_id: String,
    },
    /// "Load more" (or "Try again") under an account's transactions.
    MoreTransactions {
        /// The connection.
        connection_id: String,
        /// The account.
        account_id: String,
    },
    /// A page of transactions answered.
    PageLoaded {
        /// The account.
        account_id: String,
        /// True when it was a further page (appended), false for the first (replacing).
        more: bool,
        /// The page, or what to show.
        page: Result<TransactionPage, String>,
    },
}

/// Where the focus goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionsFocus {
    /// The view's heading.
    Heading,
    /// The start screen's "Your connected banks" button.
    Entry,
    /// The step heading of a card's progress, MFA or update form.
    StepHeading,
    /// A card's heading, when the focus was in its job area (or nowhere).
    CardHeadingFromJobArea(String),
    /// A card's "Remove" button.
    RemoveButton(String),
    /// The "Revoke consent…" button.
    RevokeButton,
}

/// Something the container must do.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionsEffect {
    /// Load the connections and accounts (then reload them while any is unfinished).
    LoadList,
    /// Reload them after this connection's job ended, then report
    /// [`ConnectionsEvent::ReloadedAfterJob`].
    ReloadAfterJob(String),
    /// Ask the server to refresh this connection.
    StartRefresh(String),
    /// Poll this card's job until the card stops following it.
    PollJob {
        /// The connection.
        id: String,
        /// The job.
        job_id: String,
    },
    /// Post the MFA answer the container holds.
    PostMfa {
        /// The connection.
        id: String,
        /// The job.
        job_id: String,
    },
    /// Fetch fresh captions for the update form.
    FetchInstitution {
        /// The connection.
        id: String,
        /// Its institution.
        institution_id: String,
    },
    /// Open the update form for this connection: find its institution (cached directory, else
    /// [`super::fallback_institution`]) and report [`ConnectionsEvent::OpenUpdate`].
    OfferUpdate {
        /// The connection.
        id: String,
        /// The login id to pre-fill.
        login_prefill: Option<String>,
        /// Why the person is asked again.
        notice: Option<UserError>,
    },
    /// Post the new credentials the container holds.
    PostUpdate(String),
    /// Remove this connection.
    Remove(String),
    /// Revoke this consent (`DELETE /api/consents/{id}`).
    RevokeConsent(String),
    /// Load a page of an account's transactions.
    LoadPage {
        /// The connection.
        connection_id: String,
        /// The account.
        account_id: String,
        /// The page's cursor (`None`: the first page).
        cursor: Option<String>,
    },
    /// Move the focus.
    Focus(ConnectionsFocus),
}
