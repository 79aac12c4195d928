//! The browser's session with our server as a pure state machine: [`next`]`(status, event)
//! -> (status, effects)`.
//!
//! When the server no longer accepts the session (`401 session-expired`: timed out, revoked,
//! or its secret changed), the widget says so and waits: only the person's "Start again"
//! asks for a new session, and so a new Basiq user — never a request behind their back.

use crate::errors::{ErrorKind, UserError};

/// Whether the browser's session is usable.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SessionStatus {
    /// Working (or not yet known to have ended).
    #[default]
    Active,
    /// The server refused the session; the "session ended" screen is up.
    Ended {
        /// True while the new session the person asked for is being started.
        starting: bool,
        /// Why the last attempt to start again failed.
        error: Option<UserError>,
    },
}

/// What happened to the session.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// A request to our server (or for a token) failed with this error.
    RequestFailed(UserError),
    /// The person chose "Start again".
    StartAgain,
    /// The new session was started.
    Started,
    /// Starting the new session failed.
    StartFailed(UserError),
    /// The person had the server forget this browser (`DELETE /api/session`).
    Forgotten,
}

/// What the app must do for the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEffect {
    /// Drop the tokens from memory and close the connect flow: they belonged to the old
    /// session.
    DropSession,
    /// Ask for a new session (`POST /api/token` with `new_session`), the person having chosen it.
    StartNewSession,
    /// Load the (new) session's connections again.
    ReloadConnections,
    /// Move the focus to the screen's heading.
    FocusHeading,
}

/// True when `error` says the server no longer accepts the session.
pub fn has_ended(error: &UserError) -> bool {
    error.kind == ErrorKind::SessionEnded
}

/// The next status and the effects of `event`.
pub fn next(status: SessionStatus, event: SessionEvent) -> (SessionStatus, Vec<SessionEffect>) {
    use SessionEffect as E;
    match (status, event) {
        (SessionStatus::Active, SessionEvent::RequestFailed(e)) if has_ended(&e) => (
            SessionStatus::Ended {
                starting: false,
                error: None,
            },
            vec![E::DropSession, E::FocusHeading],
        ),
        (
            SessionStatus::Ended {
                starting: false, ..
            },
            SessionEvent::StartAgain,
        ) => (
            SessionStatus::Ended {
                starting: true,
                error: None,
            },
            vec![E::StartNewSession],
        ),
        (SessionStatus::Ended { starting: true, .. }, SessionEvent::Started) => (
            SessionStatus::Active,
            vec![E::ReloadConnections, E::FocusHeading],
        ),
        (SessionStatus::Ended { starting: true, .. }, SessionEvent::StartFailed(e)) => (
            SessionStatus::Ended {
                starting: false,
                error: Some(e),
            },
            vec![E::FocusHeading],
        ),
        // The person's own choice: the old session's tokens go; the next visit starts fresh.
        (SessionStatus::Active, SessionEvent::Forgotten) => {
            (SessionStatus::Active, vec![E::DropSession])
        }
        // Anything else changes nothing: other failures, late answers of the old session,
        // a second click while starting, "Start again" while the session works.
        (status, _) => (status, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended() -> UserError {
        UserError::new(ErrorKind::SessionEnded)
    }

    #[test]
    fn an_ended_session_waits_for_the_person() {
        let (s, fx) = next(SessionStatus::Active, SessionEvent::RequestFailed(ended()));
        assert_eq!(
            s,
            SessionStatus::Ended {
                starting: false,
                error: None
            }
        );
        assert_eq!(
            fx,
            vec![SessionEffect::DropSession, SessionEffect::FocusHeading]
        );
        assert!(
            !fx.contains(&SessionEffect::StartNewSession),
            "never a new user by itself"
        );
        // More failures of the old session change nothing and start nothing.
        let (s2, fx) = next(s.clone(), SessionEvent::RequestFailed(ended()));
        assert_eq!((s2, fx), (s, Vec::new()));
    }

    #[test]
    fn start_again_asks_once_and_comes_back_active() {
        let ended_status = SessionStatus::Ended {
            starting: false,
            error: None,
        };
        let (s, fx) = next(ended_status, SessionEvent::StartAgain);
        assert_eq!(fx, vec![SessionEffect::StartNewSession]);
        // A second click while it is on its way does not ask again.
        let (s, fx) = next(s, SessionEvent::StartAgain);
        assert!(fx.is_empty());
        let (s, fx) = next(s, SessionEvent::Started);
        assert_eq!(s, SessionStatus::Active);
        assert_eq!(
            fx,
            vec![
                SessionEffect::ReloadConnections,
                SessionEffect::FocusHeading
            ]
        );
    }

    #[test]
    fn a_failed_start_keeps_the_screen_with_the_reason() {
        let starting = SessionStatus::Ended {
            starting: true,
            error: None,
        };
        let offline = UserError::new(ErrorKind::Network);
        let (s, fx) = next(starting, SessionEvent::StartFailed(offline.clone()));
        assert_eq!(
            s,
            SessionStatus::Ended {
                starting: false,
                error: Some(offline)
            }
        );
        assert_eq!(fx, vec![SessionEffect::FocusHeading]);
        // And the person may try again.
        let (_, fx) = next(s, SessionEvent::StartAgain);
        assert_eq!(fx, vec![SessionEffect::StartNewSession]);
    }

    #[test]
    fn forgetting_drops_the_tokens_and_starts_nothing() {
        let (s, fx) = next(SessionStatus::Active, SessionEvent::Forgotten);
        assert_eq!(s, SessionStatus::Active);
        assert_eq!(fx, vec![SessionEffect::DropSession]);
        // While the session-ended screen is up there is nothing left to forget.
        let ended_status = SessionStatus::Ended {
            starting: false,
            error: None,
        };
        let (s, fx) = next(ended_status.clone(), SessionEvent::Forgotten);
        assert_eq!((s, fx), (ended_status, Vec::new()));
    }

    #[test]
    fn a_working_session_never_starts_a_new_one() {
        for event in [
            SessionEvent::StartAgain,
            SessionEvent::Started,
            SessionEvent::StartFailed(ended()),
            SessionEvent::RequestFailed(UserError::new(ErrorKind::SessionExpired)),
            SessionEvent::RequestFailed(UserError::new(ErrorKind::Network)),
        ] {
            let (s, fx) = next(SessionStatus::Active, event.clone());
            assert_eq!(s, SessionStatus::Active, "{event:?}");
            assert!(fx.is_empty(), "{event:?}: {fx:?}");
        }
    }
}
