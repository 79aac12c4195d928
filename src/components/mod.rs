//! Presentational components: data in, events out, no network or storage I/O.

mod confirm_dialog;
mod connection_progress;
mod connections_list;
mod credential_form;
mod handoff;
mod institution_picker;
mod logo;
mod mfa_prompt;
mod notice;
mod plus_button;
mod result;
mod session_ended;
mod transactions;

pub use confirm_dialog::{ConfirmDialog, DIALOG_CANCEL_ID, DIALOG_MESSAGE_ID, DIALOG_TITLE_ID};
pub use connection_progress::ConnectionProgress;
pub use connections_list::{
    AccountItem, CardLifecycle, ConnectionCard, ConsentEnd, RefreshOffer, card_heading_id,
    remove_button_id,
};
pub use credential_form::{CredentialForm, CredentialSubmit, message_id};
pub use handoff::{
    BanksConnected, ContinueStep, HandoffEnded, HandoffProgress, JobLine, WaitingForPopup,
};
pub use institution_picker::{
    InstitutionPicker, LISTBOX_ID, MAX_SHOWN, ROWS_PER_PASS, SEARCH_FAILED, SEARCH_ID, SEARCHING,
    option_id, rows_in_first_pass,
};
pub use logo::{InstitutionLogo, logo_pending};
pub use mfa_prompt::{MfaPrompt, answer_id, clock};
pub use notice::{Notice, STEP_HEADING_ID, StepHeading};
pub use plus_button::{PLUS_BUTTON_ID, PlusButton};
pub use result::{ConnectedAccounts, FailureAction, FailureScreen, actions_for};
pub use session_ended::SessionEnded;
pub use transactions::TransactionList;
