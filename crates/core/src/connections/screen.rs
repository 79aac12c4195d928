//! The connections view's state: the connections and accounts, each card's job, error and
//! refresh wait, each account's transaction pages, the update form and the remove dialog.

use std::collections::BTreeMap;

use super::events::{ConnectionsEffect, ConnectionsFocus};
use super::lifecycle::{active_consent, card_actions, shown};
use super::{ActionError, ConnectionStatus, refresh_all_targets, refresh_wait_secs};
use crate::InstitutionSummary;
use crate::api_types::{AccountView, ConnectionView, ConsentView, TransactionView};
use crate::errors::UserError;
use crate::job::{JobFollow, MfaStep};
use crate::validation::FormCheck;

/// What a card's job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Fetching the latest data (`POST …/refresh`).
    Refresh,
    /// Checking new credentials (`POST …/connections/{id}`).
    Update,
}

/// A card's running job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    /// Refresh or update.
    pub kind: JobKind,
    /// When it started.
    pub started_at_ms: u64,
    /// The job, once Basiq named it.
    pub job: Option<JobFollow>,
}

impl Running {
    /// The challenge on screen (not once the answer is with the bank).
    pub fn asking(&self) -> Option<&MfaStep> {
        self.job
            .as_ref()
            .and_then(|j| j.mfa.as_ref())
            .filter(|m| !m.checking())
    }
}

/// One connection's card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    /// The job running for it.
    pub running: Option<Running>,
    /// The login id of the update being checked, in memory only (pre-fills the form again).
    pub update_login: Option<String>,
    /// The last failure, shown beside the old data.
    pub error: Option<String>,
    /// When this page last started a refresh of it.
    pub last_started_ms: Option<u64>,
    /// The refresh before the one now starting (restored when the server refuses it).
    pub previous_start_ms: Option<u64>,
    /// No refresh before this (a 429's `Retry-After`).
    pub blocked_until_ms: Option<u64>,
}

/// One account's transaction list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transactions {
    /// The rows loaded so far.
    pub rows: Vec<TransactionView>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// True while a page loads.
    pub loading: bool,
    /// True once a page arrived.
    pub loaded: bool,
    /// Why the last page failed.
    pub error: Option<String>,
    /// True while the list is open.
    pub expanded: bool,
}

/// The credential-update form.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateForm {
    /// The connection.
    pub connection_id: String,
    /// The login id typed last, put back after the bank refused the details (not a secret).
    pub login_prefill: Option<String>,
    /// Its institution (captions).
    pub institution: InstitutionSummary,
    /// The last check.
    pub check: FormCheck,
    /// True while the update is posted.
    pub submitting: bool,
    /// Why the person is here again.
    pub notice: Option<UserError>,
}

/// What the update form opens with.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateOpening {
    /// From the cached directory, else [`super::fallback_institution`].
    pub institution: InstitutionSummary,
    /// The login id to pre-fill.
    pub login_prefill: Option<String>,
    /// Why the person is here (the bank refused the details).
    pub notice: Option<UserError>,
}

/// The whole view.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionsScreen {
    /// True while the full view is open (else only its entry button shows).
    pub open: bool,
    /// The connections, once loaded.
    pub connections: Option<Vec<ConnectionView>>,
    /// Their accounts.
    pub accounts: Vec<AccountView>,
    /// Why the list could not be updated.
    pub load_error: Option<String>,
    /// The server's minimum time between refreshes of one connection.
    pub min_interval_secs: u64,
    /// The cards' own state, by connection id.
    pub cards: BTreeMap<String, Card>,
    /// Transaction lists, by account id.
    pub transactions: BTreeMap<String, Transactions>,
    /// The connection whose job the person follows in full (progress or MFA).
    pub watching: Option<String>,
    /// The credential-update form, while open.
    pub updating: Option<UpdateForm>,
    /// The connection the remove dialog asks about.
    pub confirm_remove: Option<String>,
    /// The live region's last sentence.
    pub note: Option<String>,
    /// Basiq 3.0: banks are connected in the Consent UI (the view offers Renew, Manage
    /// consent and Revoke consent instead of the credential form).
    pub consent_ui: bool,
    /// Basiq 3.0: the user's consents.
    pub consents: Vec<ConsentView>,
    /// The "Revoke consent" dialog is open (`revoking`: its request is on its way).
    pub confirm_revoke: bool,
    /// The revocation is on its way.
    pub revoking: bool,
    /// Why the last revocation failed.
    pub revoke_error: Option<String>,
}

impl Default for ConnectionsScreen {
    fn default() -> Self {
        Self {
            open: false,
            connections: None,
            accounts: Vec::new(),
            load_error: None,
            min_interval_secs: 300,
            cards: BTreeMap::new(),
            transactions: BTreeMap::new(),
            watching: None,
            updating: None,
            confirm_remove: None,
            note: None,
            consent_ui: false,
            consents: Vec::new(),
            confirm_revoke: false,
            revoking: false,
            revoke_error: None,
        }
    }
}

impl ConnectionsScreen {
    /// A connection by id.
    pub fn connection(&self, id: &str) -> Option<&ConnectionView> {
        self.connections.as_ref()?.iter().find(|c| c.id == id)
    }

    /// The bank's name for messages ("This bank" when unknown).
    pub fn name_of(&self, id: &str) -> String {
        self.connection(id)
            .map(|c| c.institution_name.clone())
            .unwrap_or_else(|| "This bank".into())
    }

    /// A card's running job.
    pub fn running(&self, id: &str) -> Option<&Running> {
        self.cards.get(id)?.running.as_ref()
    }

    /// The job a card follows, when its id is known.
    pub fn job(&self, id: &str) -> Option<&JobFollow> {
        self.running(id)?.job.as_ref()
    }

    /// Seconds before `id` may be refreshed again, `None` when it may be now.
    pub fn wait_of(&self, id: &str, now_ms: u64) -> Option<u64> {
        let card = self.cards.get(id)?;
        refresh_wait_secs(
            card.last_started_ms,
            card.blocked_until_ms,
            self.min_interval_secs,
            now_ms,
        )
    }

    /// The connections "Refresh all" starts now (with 3.0, not those whose access ended).
    pub fn refresh_all_targets(&self, now_ms: u64) -> Vec<String> {
        let Some(list) = &self.connections else {
            return Vec::new();
        };
        let list: Vec<ConnectionView> = list
            .iter()
            .filter(|c| card_actions(c, self.consent_ui, now_ms).refresh)
            .cloned()
            .collect();
        refresh_all_targets(&list, |id| match self.running(id) {
            Some(_) => Some(1),
            None => self.wait_of(id, now_ms),
        })
        .into_iter()
        .map(str::to_string)
        .collect()
    }

    /// A connection is still `pending`, or active without accounts yet (its job goes on in
    /// the background).
    pub fn any_unfinished(&self) -> bool {
        self.connections.as_ref().is_some_and(|l| {
            l.iter().any(|c| match ConnectionStatus::parse(&c.status) {
                ConnectionStatus::Pending => true,
                ConnectionStatus::Active => !self.accounts.iter().any(|a| a.connection_id == c.id),
                _ => false,
            })
        })
    }

    /// Opens the full view (also applied by the start screen before the view's module is
    /// there, like the three list updates below).
    pub fn show(&mut self) -> Vec<ConnectionsEffect> {
        self.open = true;
        vec![ConnectionsEffect::Focus(ConnectionsFocus::Heading)]
    }

    /// The connections arrived (without those a cancelled visit to the Consent UI left
    /// half-made: they are reconciled quietly, never shown as connected).
    pub fn list_loaded(&mut self, list: Vec<ConnectionView>) {
        self.connections = Some(shown(list));
        self.load_error = None;
    }

    /// The consent "Manage consent" and "Revoke consent" are about.
    pub fn active_consent(&self) -> Option<&ConsentView> {
        active_consent(&self.consents)
    }

    /// The connections could not be loaded; no session means nothing connected yet.
    pub fn list_failed(&mut self, e: ActionError) {
        self.connections.get_or_insert_with(Vec::new);
        if !e.session_ended {
            self.load_error = Some(e.message);
        }
    }

    /// The accounts arrived.
    pub fn accounts_loaded(&mut self, list: Vec<AccountView>) {
        self.accounts = list;
    }
}
