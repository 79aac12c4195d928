//! The client session: `/api/config` fetched once, the CLIENT token (in memory only, never Web
//! Storage or cookies) and its renewal, and Basiq calls made with it.

use bank_connect_core::PublicConfig;
use bank_connect_core::errors::UserError;
use bank_connect_core::flow::{FlowEvent, FlowState};
use bank_connect_core::token::TokenClock;
use futures::channel::oneshot;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::api::{self, Basiq};
use crate::browser::{self, now_ms};

/// Callers waiting for `GET /api/config` while it is on its way (`None`: none on its way).
pub(super) type ConfigWaiters = Option<Vec<oneshot::Sender<()>>>;

/// The CLIENT token and its user, in memory only (never Web Storage or cookies).
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) token: String,
    pub(crate) user_id: String,
    clock: TokenClock,
}

/// Why a Basiq call failed after the one silent token renewal.
pub(crate) enum CallError {
    /// The token expired again right after renewal (or could not be renewed).
    Expired,
    /// Anything else.
    Failed(UserError),
}

impl CallError {
    pub(super) fn into_event(self) -> FlowEvent {
        match self {
            Self::Expired => FlowEvent::TokenExpired,
            Self::Failed(e) => FlowEvent::RequestFailed(e),
        }
    }
}

impl Ctx {
    /// The app's one clock (a tick a second), for elapsed times and countdowns.
    pub(crate) fn now(&self) -> RwSignal<u64> {
        self.now
    }

    /// The public settings: `/api/config` is fetched once (callers that come while it is on its
    /// way wait for it; after a failure the next caller tries again).
    pub(crate) async fn config(&self) -> Result<PublicConfig, UserError> {
        if let Some(c) = self.config.get_untracked() {
            return Ok(c);
        }
        let waiting = self.config_waiters.try_update_value(|w| {
            w.as_mut().map(|w| {
                let (tx, rx) = oneshot::channel();
                w.push(tx);
                rx
            })
        });
        if let Some(Some(rx)) = waiting {
            let _ = rx.await;
            if let Some(c) = self.config.get_untracked() {
                return Ok(c);
            }
        }
        self.config_waiters
            .update_value(|w| *w = Some(w.take().unwrap_or_default()));
        let answer = api::fetch_config().await;
        if let Ok(c) = &answer {
            self.config.set(Some(c.clone()));
        }
        for tx in self
            .config_waiters
            .try_update_value(Option::take)
            .flatten()
            .unwrap_or_default()
        {
            let _ = tx.send(());
        }
        answer
    }

    async fn basiq_url(&self) -> Result<String, UserError> {
        Ok(self.config().await?.basiq_url)
    }

    /// The current session, renewed when due (or when `force`).
    pub(super) async fn session(&self, force: bool) -> Result<Session, UserError> {
        if !force
            && let Some(s) = self.session.get_untracked()
            && !s.clock.needs_renewal(now_ms())
        {
            return Ok(s);
        }
        let issued_at_ms = now_ms();
        // Embedded: the host's single-use link token, once (it waits for the host's `init`).
        let link_token = crate::embed::link_token().await;
        let grant = api::fetch_token(link_token, force).await?;
        let s = Session {
            token: grant.access_token,
            user_id: grant.user_id,
            clock: TokenClock {
                issued_at_ms,
                expires_in_secs: grant.expires_in,
            },
        };
        self.session.set(Some(s.clone()));
        self.schedule_renewal(&s);
        Ok(s)
    }

    /// Renews the token shortly before it expires, while the flow is open.
    fn schedule_renewal(&self, s: &Session) {
        let ctx = *self;
        let token = s.token.clone();
        let wait = s.clock.renew_in_ms(now_ms());
        spawn_local(async move {
            browser::sleep(wait).await;
            let still_current = ctx
                .session
                .with_untracked(|c| c.as_ref().is_some_and(|c| c.token == token));
            let open = ctx.flow.with_untracked(|f| !matches!(f, FlowState::Idle));
            if still_current && open {
                let _ = ctx.session(true).await;
            }
        });
    }

    /// Calls Basiq with a client for the session's user; a 401 or 403 "Token has expired"
    /// renews the token once and retries.
    pub(crate) async fn with_token<T, F, Fut>(&self, call: F) -> Result<T, CallError>
    where
        F: Fn(Basiq) -> Fut,
        Fut: Future<Output = Result<T, UserError>>,
    {
        let base = self.basiq_url().await.map_err(CallError::Failed)?;
        let client = |s: Session| Basiq::new(&base, s.token, s.user_id);
        let s = self.session(false).await.map_err(CallError::Failed)?;
        match call(client(s)).await {
            Err(e) if e.needs_new_token() => {
                let s = self.session(true).await.map_err(|e| {
                    if e.needs_new_token() {
                        CallError::Expired
                    } else {
                        CallError::Failed(e)
                    }
                })?;
                match call(client(s)).await {
                    Err(e) if e.needs_new_token() => Err(CallError::Expired),
                    other => other.map_err(CallError::Failed),
                }
            }
            other => other.map_err(CallError::Failed),
        }
    }
}
