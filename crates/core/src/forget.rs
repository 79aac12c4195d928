//! "Forget this browser" as a pure state machine: [`next`]`(dialog, event) -> (dialog, effects)`.
//!
//! The person opens a confirmation dialog, may tick "also delete my data", and confirms; only
//! then does the app ask the server to end the session (`DELETE /api/session`, with
//! `?delete_user=true` when ticked). Once it answered, the tokens and what the view showed go,
//! and the widget starts over as a fresh visitor.

use crate::browser_session::has_ended;
use crate::errors::UserError;

/// The dialog's heading.
pub const TITLE: &str = "Forget this browser?";
/// What forgetting does.
pub const MESSAGE: &str = "This browser will stop remembering the banks you connected here. \
    Tick the box to also delete them, with every account and transaction fetched from them.";
/// The "also delete" checkbox's label.
pub const DELETE_LABEL: &str =
    "Also delete my connected banks and their data (this cannot be undone)";
/// The confirm button's text.
pub const CONFIRM_LABEL: &str = "Forget this browser";

/// The open dialog.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ForgetDialog {
    /// "Also delete my data" is ticked.
    pub delete_data: bool,
    /// The request is on its way.
    pub sending: bool,
    /// Why the last attempt failed.
    pub error: Option<UserError>,
}

/// What the person or the server did.
#[derive(Debug, Clone, PartialEq)]
pub enum ForgetEvent {
    /// "Forget this browser…" was chosen: the dialog opens.
    Ask,
    /// The "also delete" box was ticked or cleared.
    SetDeleteData(bool),
    /// Cancel, Escape or a click outside the dialog.
    Cancel,
    /// The person confirmed.
    Confirm,
    /// The server forgot the session (and deleted the data, if asked).
    Done,
    /// The request failed.
    Failed(UserError),
}

/// What the app must do.
#[derive(Debug, Clone, PartialEq)]
pub enum ForgetEffect {
    /// `DELETE /api/session` (`?delete_user=true` when `delete_data`).
    Send {
        /// Also delete the Basiq user and its data.
        delete_data: bool,
    },
    /// Done: drop the session's tokens and what the view showed, say `note` on the start
    /// screen, and move the focus there.
    Forgotten {
        /// What happened, in words.
        note: &'static str,
    },
    /// The server no longer accepts the session: the session-ended screen takes over.
    SessionEnded(UserError),
    /// Cancelled: the focus goes back to the button that opened the dialog.
    FocusOpener,
}

/// The start screen's note after forgetting (the data kept at Basiq, or deleted).
pub fn note(deleted: bool) -> &'static str {
    if deleted {
        "Your connected banks and their data were deleted, and this browser no longer remembers you."
    } else {
        "This browser no longer remembers your connected banks."
    }
}

/// The next dialog state and the effects of `event`.
pub fn next(
    dialog: Option<ForgetDialog>,
    event: ForgetEvent,
) -> (Option<ForgetDialog>, Vec<ForgetEffect>) {
    use ForgetEffect as E;
    match (dialog, event) {
        (None, ForgetEvent::Ask) => (Some(ForgetDialog::default()), Vec::new()),
        (Some(d), ForgetEvent::SetDeleteData(on)) if !d.sending => (
            Some(ForgetDialog {
                delete_data: on,
                error: None,
                ..d
            }),
            Vec::new(),
        ),
        (Some(d), ForgetEvent::Cancel) if !d.sending => (None, vec![E::FocusOpener]),
        (Some(d), ForgetEvent::Confirm) if !d.sending => {
            let delete_data = d.delete_data;
            (
                Some(ForgetDialog {
                    sending: true,
                    error: None,
                    ..d
                }),
                vec![E::Send { delete_data }],
            )
        }
        (Some(d), ForgetEvent::Done) if d.sending => (
            None,
            vec![E::Forgotten {
                note: note(d.delete_data),
            }],
        ),
        (Some(d), ForgetEvent::Failed(e)) if d.sending => {
            if has_ended(&e) {
                (None, vec![E::SessionEnded(e)])
            } else {
                (
                    Some(ForgetDialog {
                        sending: false,
                        error: Some(e),
                        ..d
                    }),
                    Vec::new(),
                )
            }
        }
        // Anything else changes nothing: a second confirm while sending, late answers, a
        // cancel while the request is on its way (it cannot be called back).
        (dialog, _) => (dialog, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::ErrorKind;

    fn open() -> Option<ForgetDialog> {
        next(None, ForgetEvent::Ask).0
    }

    #[test]
    fn nothing_is_sent_before_the_person_confirms() {
        let (d, fx) = next(None, ForgetEvent::Ask);
        assert_eq!(d, Some(ForgetDialog::default()));
        assert!(fx.is_empty());
        let (d, fx) = next(d, ForgetEvent::SetDeleteData(true));
        assert!(d.as_ref().is_some_and(|d| d.delete_data));
        assert!(fx.is_empty());
        let (d, fx) = next(d, ForgetEvent::Cancel);
        assert_eq!((d, fx), (None, vec![ForgetEffect::FocusOpener]));
        // Events without an open dialog do nothing.
        for event in [
            ForgetEvent::Confirm,
            ForgetEvent::Done,
            ForgetEvent::SetDeleteData(true),
        ] {
            assert_eq!(next(None, event), (None, Vec::new()));
        }
    }

    #[test]
    fn confirming_sends_once_with_the_persons_choice() {
        let (d, fx) = next(open(), ForgetEvent::Confirm);
        assert_eq!(fx, vec![ForgetEffect::Send { delete_data: false }]);
        // A second click while it is on its way sends nothing more, and cannot cancel.
        let (d, fx) = next(d, ForgetEvent::Confirm);
        assert!(fx.is_empty());
        let (d, fx) = next(d, ForgetEvent::Cancel);
        assert!(fx.is_empty() && d.is_some());
        let (d, fx) = next(d, ForgetEvent::Done);
        assert_eq!(d, None);
        assert_eq!(fx, vec![ForgetEffect::Forgotten { note: note(false) }]);

        let (d, _) = next(open(), ForgetEvent::SetDeleteData(true));
        let (d, fx) = next(d, ForgetEvent::Confirm);
        assert_eq!(fx, vec![ForgetEffect::Send { delete_data: true }]);
        let (_, fx) = next(d, ForgetEvent::Done);
        assert_eq!(fx, vec![ForgetEffect::Forgotten { note: note(true) }]);
        assert_ne!(note(true), note(false));
    }

    #[test]
    fn a_failure_keeps_the_dialog_with_the_reason_and_an_ended_session_hands_over() {
        let (d, _) = next(open(), ForgetEvent::Confirm);
        let offline = UserError::new(ErrorKind::Network);
        let (d, fx) = next(d, ForgetEvent::Failed(offline.clone()));
        assert_eq!(
            d,
            Some(ForgetDialog {
                delete_data: false,
                sending: false,
                error: Some(offline)
            })
        );
        assert!(fx.is_empty());
        // The person may try again; the reason goes.
        let (d, fx) = next(d, ForgetEvent::Confirm);
        assert_eq!(fx, vec![ForgetEffect::Send { delete_data: false }]);
        assert!(d.as_ref().is_some_and(|d| d.error.is_none()));
        let ended = UserError::new(ErrorKind::SessionEnded);
        let (d, fx) = next(d, ForgetEvent::Failed(ended.clone()));
        assert_eq!((d, fx), (None, vec![ForgetEffect::SessionEnded(ended)]));
    }
}
