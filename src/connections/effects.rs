//! The connections view's events and effects: [`ConnectionsState::dispatch`] runs core's
//! `next` and carries out what it names (requests to our server and to Basiq, polling, focus).
//! Secrets (an MFA answer, new credentials) never enter the state: the caller hands them to
//! [`ConnectionsState::dispatch_with_secret`], which posts them if core asks for it.

use bank_connect_core::InstitutionSummary;
use bank_connect_core::browser_session::SessionEvent;
use bank_connect_core::connections::state::{self as machine, UpdateOpening};
use bank_connect_core::connections::{
    self as logic, ActionError, ConnectionsEffect as Effect, ConnectionsEvent as Event,
    ConnectionsFocus,
};
use bank_connect_core::errors::{ErrorKind, UserError};
use bank_connect_core::forget::{self, ForgetEffect, ForgetEvent};
use bank_connect_core::handoff::{ConsentAction, Target};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{ConnectionsState, ENTRY_ID, FORGET_ID, HEADING_ID, PAGE_SIZE, REVOKE_ID, focus_soon};
use crate::api;
use crate::app::CallError;
use crate::browser::{self, now_ms};
use crate::components::{PLUS_BUTTON_ID, card_heading_id, remove_button_id};

fn call_error(e: CallError) -> ActionError {
    match e {
        CallError::Expired => {
            ActionError::from_user_error(&UserError::new(ErrorKind::SessionExpired))
        }
        CallError::Failed(e) => ActionError::from_user_error(&e),
    }
}

/// True when focus sits in a card's job area (progress or MFA) or nowhere in particular: a
/// job that ends may then move it to the card's heading without taking it from elsewhere.
fn focus_in_job_area() -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    match doc.active_element() {
        None => true,
        Some(a) => {
            a.closest(".bc-conn-job").ok().flatten().is_some()
                || doc.body().is_some_and(|b| {
                    let b: &web_sys::Node = b.as_ref();
                    b.is_same_node(Some(a.as_ref()))
                })
        }
    }
}

impl ConnectionsState {
    /// Feeds an event to core and carries out the effects it names.
    pub(super) fn dispatch(&self, event: Event) {
        self.dispatch_with_secret(event, None);
    }

    /// As [`Self::dispatch`], with the request body (MFA answer or credentials) to post if core
    /// asks for it; dropped otherwise.
    pub(super) fn dispatch_with_secret(&self, event: Event, secret: Option<String>) {
        let mut effects = Vec::new();
        self.screen.update(|s| {
            let current = std::mem::take(s);
            (*s, effects) = machine::next(current, event);
        });
        let mut secret = secret;
        for effect in effects {
            self.run(effect, &mut secret);
        }
    }

    fn run(&self, effect: Effect, secret: &mut Option<String>) {
        match effect {
            Effect::LoadList => {
                self.load();
                self.load_consents();
            }
            Effect::ReloadAfterJob(id) => self.reload_after_job(id),
            Effect::StartRefresh(id) => self.start_refresh(id),
            Effect::PollJob { id, job_id } => self.poll(id, job_id),
            Effect::PostMfa { id, job_id } => {
                if let Some(body) = secret.take() {
                    self.post_mfa(id, job_id, body);
                }
            }
            Effect::FetchInstitution { id, institution_id } => {
                self.fetch_institution(id, institution_id)
            }
            Effect::OfferUpdate {
                id,
                login_prefill,
                notice,
            } => self.open_update(id, login_prefill, notice),
            Effect::PostUpdate(id) => {
                if let Some(body) = secret.take() {
                    self.post_update(id, body);
                }
            }
            Effect::Remove(id) => self.remove(id),
            Effect::RevokeConsent(id) => self.revoke_consent(id),
            Effect::LoadPage {
                connection_id,
                account_id,
                cursor,
            } => self.load_page(connection_id, account_id, cursor),
            Effect::Focus(target) => match target {
                ConnectionsFocus::Heading => focus_soon(HEADING_ID.into()),
                ConnectionsFocus::Entry => focus_soon(ENTRY_ID.into()),
                ConnectionsFocus::StepHeading => {
                    focus_soon(crate::components::STEP_HEADING_ID.into())
                }
                ConnectionsFocus::RemoveButton(id) => focus_soon(remove_button_id(&id)),
                ConnectionsFocus::RevokeButton => focus_soon(REVOKE_ID.into()),
                ConnectionsFocus::CardHeadingFromJobArea(id) => {
                    if focus_in_job_area() {
                        focus_soon(card_heading_id(&id));
                    }
                }
            },
        }
    }

    /// Reloads after a job ended, then the first page of that connection's open transaction
    /// lists.
    fn reload_after_job(&self, id: String) {
        let st = *self;
        spawn_local(async move {
            st.fetch_list(false).await;
            st.dispatch(Event::ReloadedAfterJob(id));
        });
    }

    fn start_refresh(&self, id: String) {
        let st = *self;
        spawn_local(async move {
            let event = match api::start_refresh(&id).await {
                Ok(job_id) => Event::RefreshStarted { id, job_id },
                Err(e) => Event::RefreshRefused {
                    id,
                    error: ActionError::from_server_error(&e),
                    now_ms: now_ms(),
                },
            };
            st.dispatch(event);
        });
    }

    /// Polls the job until it ends, the person stops following it, or another job replaces it.
    fn poll(&self, id: String, job_id: String) {
        let st = *self;
        let (answered, failed) = (id.clone(), id.clone());
        self.app.poll_job(
            job_id,
            move || st.screen.with_untracked(|s| s.job(&id).cloned()),
            move |job, requested_at_ms| {
                st.dispatch(Event::JobPolled {
                    id: answered.clone(),
                    job,
                    requested_at_ms,
                    now_ms: now_ms(),
                })
            },
            move |e| {
                st.dispatch(Event::PollFailed {
                    id: failed.clone(),
                    message: call_error(e).message,
                })
            },
        );
    }

    fn post_mfa(&self, id: String, job_id: String, body: String) {
        let st = *self;
        spawn_local(async move {
            let result = st
                .app
                .with_token(|basiq| {
                    let (body, job_id) = (body.clone(), job_id.clone());
                    async move { basiq.answer_mfa(&job_id, &body).await }
                })
                .await;
            drop(body);
            st.dispatch(match result {
                Ok(()) => Event::MfaSent { id },
                Err(e) => Event::MfaNotSent {
                    id,
                    message: call_error(e).message,
                },
            });
        });
    }

    /// Opens the credential form for `id` with its institution from the cached directory
    /// (else the connection's own details).
    pub(super) fn open_update(
        &self,
        id: String,
        login_prefill: Option<String>,
        notice: Option<UserError>,
    ) {
        let Some(conn) = self.screen.with_untracked(|s| s.connection(&id).cloned()) else {
            return;
        };
        let cached = browser::read_cache(now_ms(), u64::MAX)
            .into_entry()
            .and_then(|e| {
                e.directory
                    .institutions
                    .into_iter()
                    .find(|i| i.id == conn.institution_id)
            });
        let institution = cached.unwrap_or_else(|| logic::fallback_institution(&conn));
        self.dispatch(Event::OpenUpdate {
            id,
            open: UpdateOpening {
                institution,
                login_prefill,
                notice,
            },
        });
    }

    /// Fresh captions from Basiq (the cached or fallback ones stay on failure).
    fn fetch_institution(&self, id: String, institution_id: String) {
        let st = *self;
        spawn_local(async move {
            let answer = st
                .app
                .with_token(|basiq| {
                    let inst_id = institution_id.clone();
                    async move { basiq.institution(&inst_id).await }
                })
                .await;
            if let Ok(i) = answer {
                st.dispatch(Event::UpdateDetails {
                    id,
                    institution: InstitutionSummary::from_institution(&i),
                });
            }
        });
    }

    fn post_update(&self, id: String, body: String) {
        let st = *self;
        spawn_local(async move {
            let result = st
                .app
                .with_token(|basiq| {
                    let (body, id) = (body.clone(), id.clone());
                    async move { basiq.update_connection(&id, &body).await }
                })
                .await;
            drop(body);
            st.dispatch(match result {
                Ok(job) => Event::UpdateStarted {
                    id,
                    job_id: job.id,
                    now_ms: now_ms(),
                },
                Err(CallError::Expired) => {
                    Event::UpdateFailed(UserError::new(ErrorKind::SessionExpired))
                }
                Err(CallError::Failed(e)) => Event::UpdateFailed(e),
            });
        });
    }

    fn remove(&self, id: String) {
        let st = *self;
        spawn_local(async move {
            st.dispatch(match api::remove_connection(&id).await {
                Ok(()) => Event::Removed(id),
                Err(e) => Event::RemoveFailed {
                    id,
                    message: ActionError::from_server_error(&e).message,
                },
            });
        });
    }

    /// Basiq 3.0: the user's consents ("Manage consent", "Revoke consent").
    pub(super) fn load_consents(&self) {
        let st = *self;
        spawn_local(async move {
            // After the list's own load set the mode (and, embedded, exchanged the link token).
            if let Ok(c) = st.app.config().await
                && c.consent_ui()
                && let Ok(list) = api::list_consents().await
            {
                st.dispatch(Event::ConsentsLoaded(list));
            }
        });
    }

    fn revoke_consent(&self, id: String) {
        let st = *self;
        spawn_local(async move {
            st.dispatch(match api::revoke_consent(&id).await {
                Ok(()) => Event::Revoked(id),
                Err(e) => Event::RevokeFailed(ActionError::from_server_error(&e).message),
            });
        });
    }

    /// "Renew" (open banking: `action=reauthorise`) or "Reconnect" (web) on a card: a visit
    /// to the Consent UI for that connection, through the same hand-off as connecting.
    pub(super) fn renew(&self, id: String) {
        let Some(conn) = self.screen.with_untracked(|s| s.connection(&id).cloned()) else {
            return;
        };
        let open_banking = logic::lifecycle::ConnectionMethod::parse(conn.method.as_deref())
            == logic::lifecycle::ConnectionMethod::OpenBanking;
        self.app.begin_handoff(Target {
            institution: None,
            action: open_banking.then_some(ConsentAction::Reauthorise),
            connection_id: Some(id),
        });
    }

    /// "Manage consent": Basiq's page for the consent (`action=manage`).
    pub(super) fn manage_consent(&self) {
        self.app.begin_handoff(Target {
            action: Some(ConsentAction::Manage),
            ..Target::default()
        });
    }

    /// "Extend consent": Basiq's page that extends the consent (`action=extend`).
    pub(super) fn extend_consent(&self) {
        self.app.begin_handoff(Target {
            action: Some(ConsentAction::Extend),
            ..Target::default()
        });
    }

    fn load_page(&self, connection_id: String, account_id: String, cursor: Option<String>) {
        let st = *self;
        spawn_local(async move {
            let more = cursor.is_some();
            let page =
                api::list_transactions(&connection_id, &account_id, PAGE_SIZE, cursor.as_deref())
                    .await
                    .map_err(|e| ActionError::from_server_error(&e).message);
            st.dispatch(Event::PageLoaded {
                account_id,
                more,
                page,
            });
        });
    }
}

impl ConnectionsState {
    /// Feeds a "Forget this browser" event to core and carries out what it names.
    pub(super) fn forget_event(&self, event: ForgetEvent) {
        let mut effects = Vec::new();
        self.forget.update(|d| {
            (*d, effects) = forget::next(d.take(), event);
        });
        for effect in effects {
            match effect {
                ForgetEffect::Send { delete_data } => {
                    let st = *self;
                    spawn_local(async move {
                        st.forget_event(match api::forget_session(delete_data).await {
                            Ok(()) => ForgetEvent::Done,
                            Err(e) => ForgetEvent::Failed(e),
                        });
                    });
                }
                ForgetEffect::Forgotten { note } => {
                    // The old session's tokens go; the start screen loads as a fresh visitor's.
                    self.app.session_event(SessionEvent::Forgotten);
                    self.clear();
                    self.app.say(note);
                    self.load();
                    focus_soon(PLUS_BUTTON_ID.to_string());
                }
                ForgetEffect::SessionEnded(e) => {
                    self.app.session_event(SessionEvent::RequestFailed(e));
                }
                ForgetEffect::FocusOpener => focus_soon(FORGET_ID.to_string()),
            }
        }
    }
}
