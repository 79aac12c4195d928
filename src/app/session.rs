//! The client session: `/api/config` fetched once, the CLIENT token (in memory only, never Web
//! Storage or cookies) and its renewal, and Basiq calls made with it.

use bank_connect_core::PublicConfig;
use bank_connect_core::api_types::{TokenGrantBody, TokenRequestBody};
use bank_connect_core::browser_session::{SessionEvent, SessionStatus};
use bank_connect_core::errors::{ErrorKind, UserError};
use bank_connect_core::flow::{FlowEvent, FlowState};
use bank_connect_core::token::TokenClock;
use futures::channel::oneshot;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::api::{self, Basiq};
use crate::browser::{self, now_ms};
use crate::split::ChunkError;

/// Callers waiting for `GET /api/config` while it is on its way (`None`: none on its way).
pub(super) type ConfigWaiters = Option<Vec<oneshot::Sender<()>>>;

/// The `POST /api/token` on its way, and the callers waiting for its answer.
pub(super) struct TokenFlight {
    /// It asked for a fresh token (a forced renewal).
    fresh: bool,
    waiters: Vec<oneshot::Sender<Result<Session, UserError>>>,
}

/// Ends the flight if its task goes away before the answer: the waiters then ask again.
struct FlightGuard(StoredValue<Option<TokenFlight>, LocalStorage>);

impl Drop for FlightGuard {
    fn drop(&mut self) {
        let _ = self.0.try_update_value(Option::take);
    }
}

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

/// Entering the picker, once its list is on screen (embedded, at once; split point `settled`, so
/// the token's code is not the picker's to download): the token early, so the form's details
/// arrive quickly.
/// Embedded, this exchanges the host's link token: a used or expired one gets its own screen
/// at once instead of surfacing later in the flow. (A failed download costs nothing: the form
/// asks for the token itself.)
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(settled, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn early_token(ctx: Ctx) -> Result<(), ChunkError> {
    if ctx.session.with_untracked(Option::is_none) {
        spawn_local(async move {
            if let Err(e) = ctx.session(false).await
                && e.kind == ErrorKind::LinkExpired
            {
                ctx.dispatch_in_picker(FlowEvent::RequestFailed(e));
            }
        });
    }
    Ok(())
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
    ///
    /// Single-flight: while a `POST /api/token` is on its way every caller waits for its
    /// answer instead of sending another (a forced renewal that finds an unforced request on
    /// its way waits for it, then asks for a fresh token itself). Embedded, the first request
    /// carries the host's link token, so nothing asks for a token before that exchange ends.
    pub(super) async fn session(&self, force: bool) -> Result<Session, UserError> {
        loop {
            if self
                .session_status
                .with_untracked(|s| !matches!(s, SessionStatus::Active))
            {
                // Only the person's "Start again" asks the server for a session now.
                return Err(UserError::new(ErrorKind::SessionEnded));
            }
            if !force
                && let Some(s) = self.session.get_untracked()
                && !s.clock.needs_renewal(now_ms())
            {
                return Ok(s);
            }
            let joined = self.token_flight.try_update_value(|f| {
                f.as_mut().map(|f| {
                    let (tx, rx) = oneshot::channel();
                    f.waiters.push(tx);
                    (f.fresh, rx)
                })
            });
            let Some(Some((fresh, rx))) = joined else {
                break;
            };
            match rx.await {
                Ok(answer) if fresh || !force => return answer,
                // Not fresh enough for a forced renewal, or its task went away: ask again.
                _ => continue,
            }
        }
        self.token_flight.set_value(Some(TokenFlight {
            fresh: force,
            waiters: Vec::new(),
        }));
        let _flight = FlightGuard(self.token_flight);
        let answer = self.request_session(force).await;
        let waiters = self
            .token_flight
            .try_update_value(Option::take)
            .flatten()
            .map(|f| f.waiters)
            .unwrap_or_default();
        for tx in waiters {
            let _ = tx.send(answer.clone());
        }
        answer
    }

    /// One `POST /api/token` (see [`Ctx::session`]).
    async fn request_session(&self, fresh: bool) -> Result<Session, UserError> {
        let issued_at_ms = now_ms();
        // Embedded: the host's single-use link token, once (it waits for the host's `init`).
        let link_token = crate::embed::link_token().await;
        let body = TokenRequestBody {
            link_token,
            fresh,
            new_session: false,
            embedded: crate::embed::mode().is_some(),
        };
        match api::fetch_token(&body).await {
            Ok(grant) => Ok(self.keep(grant, issued_at_ms)),
            Err(e) => {
                // A session the server no longer accepts ends here, until the person chooses.
                self.session_event(SessionEvent::RequestFailed(e.clone()));
                Err(e)
            }
        }
    }

    /// Embedded: waits until the host's link token was exchanged (or that failed), so what is
    /// loaded next belongs to the host's user. Standalone it returns at once (a visitor without
    /// a session stays one until they connect a bank).
    pub(crate) async fn embedded_session_ready(&self) {
        if crate::embed::mode().is_some() {
            let _ = self.session(false).await;
        }
    }

    /// Starts a new session (a new visitor) — only ever from the person's "Start again".
    pub(super) async fn start_new_session(&self) -> Result<(), UserError> {
        let issued_at_ms = now_ms();
        let body = TokenRequestBody {
            new_session: true,
            // Embedded, the server refuses: only the host site can start a session there.
            embedded: crate::embed::mode().is_some(),
            ..TokenRequestBody::default()
        };
        let grant = api::fetch_token(&body).await?;
        self.keep(grant, issued_at_ms);
        Ok(())
    }

    /// Keeps a granted token (in memory) and schedules its renewal.
    fn keep(&self, grant: TokenGrantBody, issued_at_ms: u64) -> Session {
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
        s
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
