//! How a visit to the Consent UI ends when nothing was connected ([`Ending`]), and the accounts
//! of the banks it connected ([`bank_accounts`]).

use crate::accounts::{AccountRow, rows_for_connection};
use crate::api_types::{AccountView, ConnectionView};
use crate::errors::{ErrorKind, UserError};

use super::ConnectedBank;

/// A visit that connected nothing, each with its own screen and a way out.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// The bank refused (or the person declined) access: `authorization-failed`.
    Declined,
    /// The person came back without connecting a bank.
    Cancelled,
    /// The bank cannot be reached right now.
    InstitutionUnavailable,
    /// The visit took longer than its token and state live.
    TookTooLong,
    /// Basiq's secure page could not be reached.
    SiteUnreachable,
    /// Popup mode: the Basiq window was closed before the person finished.
    WindowClosed,
    /// Back from "Manage consent" (no job: nothing to follow).
    ConsentManaged,
    /// Popup mode: our return page refused what Basiq sent back (its `handoff-failed`
    /// message, with the refusal's code).
    ReturnRefused(String),
    /// Anything else.
    Failed(UserError),
}

impl Ending {
    /// The ending a failed job of the visit means.
    pub fn from_job_failure(error: UserError) -> Self {
        match error.kind {
            ErrorKind::AuthorizationFailed => Self::Declined,
            ErrorKind::InstitutionUnavailable
            | ErrorKind::Maintenance
            | ErrorKind::ServiceUnavailable => Self::InstitutionUnavailable,
            ErrorKind::JobTimedOut => Self::TookTooLong,
            _ => Self::Failed(error),
        }
    }

    /// The screen's heading.
    pub fn title(&self) -> String {
        match self {
            Self::Declined => "Access wasn't granted".into(),
            Self::Cancelled => "Nothing was connected".into(),
            Self::InstitutionUnavailable => "Your bank isn't available right now".into(),
            Self::TookTooLong => "That took too long".into(),
            Self::SiteUnreachable => "Basiq's secure page can't be reached".into(),
            Self::WindowClosed => "The Basiq window was closed".into(),
            Self::ConsentManaged => "You're back from Basiq".into(),
            Self::ReturnRefused(_) => "Basiq's answer wasn't accepted".into(),
            Self::Failed(e) => e.title().into(),
        }
    }

    /// What happened and what to do, in plain words.
    pub fn sentence(&self) -> String {
        match self {
            Self::Declined => "Your bank says access was not granted, so nothing was shared. \
                You can try again and approve access at your bank."
                .into(),
            Self::Cancelled => "You came back from Basiq without connecting a bank. \
                Nothing was shared."
                .into(),
            Self::InstitutionUnavailable => "Basiq couldn't reach your bank. \
                Try again in a few minutes, or choose another bank."
                .into(),
            Self::TookTooLong => "The secure link to Basiq expired before you finished. \
                Start again to get a new one."
                .into(),
            Self::SiteUnreachable => "We couldn't open Basiq's secure page. \
                Check your connection and try again."
                .into(),
            Self::WindowClosed => "The window closed before you finished at Basiq, \
                so nothing was connected."
                .into(),
            Self::ConsentManaged => "Any changes you made to your consent at Basiq are saved. \
                Your connected banks show what is shared now."
                .into(),
            Self::ReturnRefused(_) => "The Basiq window came back with an answer we couldn't \
                check, so nothing was connected. Try again to start a fresh visit."
                .into(),
            Self::Failed(e) => e.message(),
        }
    }

    /// A stable snake_case name (host `ERROR` events).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Declined => "authorization_failed",
            Self::Cancelled => "handoff_cancelled",
            Self::InstitutionUnavailable => "institution_unavailable",
            Self::TookTooLong => "handoff_expired",
            Self::SiteUnreachable => "consent_site_unreachable",
            Self::WindowClosed => "handoff_window_closed",
            Self::ConsentManaged => "consent_managed",
            Self::ReturnRefused(_) => "handoff_refused",
            Self::Failed(e) => crate::embed::error_kind_name(&e.kind),
        }
    }

    /// Whether "Try again" makes sense (not when our server ended the session).
    pub fn can_retry(&self) -> bool {
        match self {
            Self::ConsentManaged => false,
            Self::Failed(e) => !matches!(e.kind, ErrorKind::SessionEnded | ErrorKind::LinkExpired),
            _ => true,
        }
    }
}

/// One connected bank and its accounts, as the result screen lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccounts {
    /// The institution.
    pub institution_id: String,
    /// Its name (the id when unknown).
    pub institution_name: String,
    /// The connection.
    pub connection_id: Option<String>,
    /// The job that connected it.
    pub job_id: String,
    /// Its accounts.
    pub rows: Vec<AccountRow>,
}

/// The accounts of each connected bank, in the visit's order: the bank's name from the
/// connections list, its accounts by connection (or by institution when the job named no
/// connection).
pub fn bank_accounts(
    banks: &[ConnectedBank],
    connections: &[ConnectionView],
    accounts: &[AccountView],
) -> Vec<BankAccounts> {
    banks
        .iter()
        .map(|b| {
            let conn = b
                .connection_id
                .as_deref()
                .and_then(|id| connections.iter().find(|c| c.id == id));
            let institution_id = b
                .institution_id
                .clone()
                .or_else(|| conn.map(|c| c.institution_id.clone()))
                .unwrap_or_default();
            let institution_name = conn
                .map(|c| c.institution_name.clone())
                .or_else(|| {
                    connections
                        .iter()
                        .find(|c| c.institution_id == institution_id && !institution_id.is_empty())
                        .map(|c| c.institution_name.clone())
                })
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| institution_id.clone());
            BankAccounts {
                rows: rows_for_connection(accounts, b.connection_id.as_deref(), &institution_id),
                institution_id,
                institution_name,
                connection_id: b.connection_id.clone(),
                job_id: b.job_id.clone(),
            }
        })
        .collect()
}
