//! The widget's container: owns the flow state (core's state machine), the in-memory client
//! session, the institution directory and its cache, and does all I/O through `api`.
//! Components only render what they are given and report events.
//!
//! - this file: [`App`], the shared [`Ctx`], and [`Ctx::dispatch`], which runs core's `next`
//!   and carries out the effects it names;
//! - `session.rs`: `/api/config` (once), the client token and its renewal, Basiq calls with it;
//! - `picker.rs`: the directory (cache first, revalidated) and the picker screen;
//! - `poll.rs`: the one poll loop for a Basiq job (the flow's and the connections view's);
//! - `steps.rs`: the credential form and submitting it;
//! - `job.rs`: the steps after the form (progress, MFA, accounts, failure, session ended) and
//!   their I/O;
//! - `handoff.rs`: Basiq 3.0's hand-off to the Consent UI and back, and `popup.rs`, its window.

mod handoff;
mod job;
mod picker;
mod poll;
mod popup;
mod session;
mod steps;

pub(crate) use session::CallError;

use std::sync::Arc;

use bank_connect_core::browser_session::{self, SessionEvent, SessionStatus};
use bank_connect_core::errors::UserError;
use bank_connect_core::flow::{self, FlowEffect, FlowEvent, FlowState, Focus, Screen};
use bank_connect_core::handoff::{Handoff, HandoffEvent, LaunchMode};
use bank_connect_core::{InstitutionSummary, PublicConfig};
use leptos::prelude::*;
use leptos::task::spawn_local;

use self::handoff::{handoff_dispatch, handoff_effect, handoff_screen};
use self::job::{job_dispatch, job_effect, job_screen, session_effect};
#[cfg(feature = "split")]
use self::picker::preload_picker;
use self::picker::{picker_dispatch, picker_screen, prepare_picker, start_up};
use self::session::{ConfigWaiters, Session, TokenFlight};
use self::steps::{flow_effect, flow_screen};
use crate::browser::{self, now_ms};
use crate::components::{PLUS_BUTTON_ID, PlusButton, STEP_HEADING_ID};
use crate::connections::ConnectionsState;
use crate::split::{call_split, lazy_view, preload};

pub use picker::DIRECTORY_TTL_MS;

/// One transition of (part of) the flow's machine: the new state and its effects, or the event
/// handed back untouched for the rest of the machine (core's `next_on_first_view`,
/// `next_unless_handoff`).
type FlowStep =
    fn(FlowState, FlowEvent) -> Result<(FlowState, Vec<FlowEffect>), (FlowState, FlowEvent)>;

/// Everything the container shares with its tasks; `Copy`, so closures capture it freely.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    flow: RwSignal<FlowState>,
    session: RwSignal<Option<Session>>,
    config: RwSignal<Option<PublicConfig>>,
    directory: RwSignal<Option<Arc<Vec<InstitutionSummary>>>>,
    directory_error: RwSignal<Option<UserError>>,
    /// A `GET /api/institutions` is on its way (a second caller waits for it, never sends one).
    directory_loading: StoredValue<bool>,
    background_note: RwSignal<Option<String>>,
    now: RwSignal<u64>,
    poll_generation: StoredValue<u64>,
    config_waiters: StoredValue<ConfigWaiters, LocalStorage>,
    /// The `POST /api/token` on its way, shared by every caller.
    token_flight: StoredValue<Option<TokenFlight>, LocalStorage>,
    /// Whether our server still accepts this browser's session (core's `browser_session`).
    session_status: RwSignal<SessionStatus>,
    /// The start screen opens the connections view (a hand-off's "See your connected banks").
    open_connections: StoredValue<bool>,
    /// The start-up work (settings, embedding, directory) has begun (`picker.rs`).
    started: StoredValue<bool>,
}

impl Ctx {
    /// Runs core's session transition and carries out the effects it names.
    pub(crate) fn session_event(&self, event: SessionEvent) {
        let mut effects = Vec::new();
        self.session_status.update(|s| {
            let current = std::mem::take(s);
            (*s, effects) = browser_session::next(current, event);
        });
        // Carried out from the `job` module, beside the session-ended screen.
        for effect in effects {
            let ctx = *self;
            spawn_local(async move {
                let _ = call_split!(session_effect(ctx, effect));
            });
        }
    }

    /// Back to the start screen with the connections view open (embedded, the widget stays
    /// open).
    pub(crate) fn see_connections(&self) {
        self.open_connections.set_value(true);
        self.dispatch(FlowEvent::Home);
    }

    /// True once after [`Self::see_connections`]: the start screen opens the view.
    pub(crate) fn take_open_connections(&self) -> bool {
        let open = self.open_connections.get_value();
        self.open_connections.set_value(false);
        open
    }

    /// Says `note` on the start screen (a polite live region) until the flow opens again.
    pub(crate) fn say(&self, note: &str) {
        self.background_note.set(Some(note.to_string()));
    }

    fn dispatch(&self, event: FlowEvent) {
        // A hand-off event runs in the hand-off's module (its machine is not first-view code).
        if let Some(event) = self.step_and_run(event, flow::next_unless_handoff) {
            let ctx = *self;
            spawn_local(async move {
                let _ = call_split!(handoff_dispatch(ctx, event));
            });
        }
    }

    /// An event from the picker's own code: the picker's transitions (core's `next_in_picker`)
    /// at once, here; any other event through the whole machine, in the module that holds it
    /// (the hand-off's for a hand-off, the job's otherwise), so the picker's module carries
    /// none of the form's and the job's transitions.
    fn dispatch_in_picker(&self, event: FlowEvent) {
        let Some(event) = self.step_and_run(event, flow::next_in_picker) else {
            return;
        };
        let ctx = *self;
        let handoff = matches!(event, FlowEvent::Handoff(_))
            || self
                .flow
                .with_untracked(|f| matches!(f, FlowState::Handoff(_)));
        spawn_local(async move {
            let _ = if handoff {
                call_split!(handoff_dispatch(ctx, event))
            } else {
                call_split!(job_dispatch(ctx, event))
            };
        });
    }

    /// An event from the form's own code: the form's transitions (core's `next_in_form`) at
    /// once, here; any other event through the whole machine in the job's module, so the form's
    /// module carries none of the job's transitions.
    fn dispatch_in_form(&self, event: FlowEvent) {
        if let Some(event) = self.step_and_run(event, flow::next_in_form) {
            let ctx = *self;
            spawn_local(async move {
                let _ = call_split!(job_dispatch(ctx, event));
            });
        }
    }

    /// An event from the first view's own code ("+", "×", the clock): "+" on the start screen
    /// opens the picker here at once (its "Loading…" shows while the picker's module
    /// downloads); anything else runs through the flow's machine in the picker's module (the
    /// page fetches it with the first view), a hand-off event in the hand-off's.
    fn dispatch_here(&self, event: FlowEvent) {
        let ctx = *self;
        match self.step_and_run(event, flow::next_on_first_view) {
            Some(event @ FlowEvent::Handoff(_)) => spawn_local(async move {
                let _ = call_split!(handoff_dispatch(ctx, event));
            }),
            Some(event) => spawn_local(async move {
                let _ = call_split!(picker_dispatch(ctx, event));
            }),
            None => {}
        }
    }

    /// One transition with `next` and its effects carried out; the event `next` handed back
    /// untouched, for a machine in another module.
    // The state travels by value through one transition (as core's `next` takes it).
    #[allow(clippy::result_large_err)]
    fn step_and_run(&self, event: FlowEvent, next: FlowStep) -> Option<FlowEvent> {
        let mut deferred = None;
        let effects = self.step(event, |state, event| {
            next(state, event).map_err(|(state, event)| {
                deferred = Some(event);
                state
            })
        });
        for effect in effects {
            self.run(effect);
        }
        deferred
    }

    /// Runs one transition with `next` (which may hand the state back untouched), telling the
    /// host when embedded; the effects to carry out.
    #[allow(clippy::result_large_err)]
    pub(crate) fn step(
        &self,
        event: FlowEvent,
        next: impl FnOnce(FlowState, FlowEvent) -> Result<(FlowState, Vec<FlowEffect>), FlowState>,
    ) -> Vec<FlowEffect> {
        let mut effects = Vec::new();
        self.flow.update(|s| {
            let current = std::mem::replace(s, FlowState::Idle);
            let embedded = crate::embed::active();
            let before = embedded.then(|| (current.clone(), event.clone()));
            match next(current, event) {
                Ok((after, fx)) => {
                    *s = after;
                    effects = fx;
                    if let Some((before, observed)) = before {
                        // The host hears about the transition (core decides what it hears).
                        crate::embed::observe(before, observed, s.clone());
                    }
                }
                Err(unchanged) => *s = unchanged,
            }
        });
        effects
    }

    /// Carries out what a transition asked for; the I/O of the later steps runs from their
    /// module.
    fn run(&self, effect: FlowEffect) {
        match effect {
            FlowEffect::Focus(target) => browser::focus_when_shown(
                match target {
                    Focus::StepHeading => STEP_HEADING_ID,
                    Focus::Password => "bc-password",
                    Focus::PlusButton => PLUS_BUTTON_ID,
                }
                .to_string(),
            ),
            FlowEffect::Handoff(effect) => {
                // The popup's calls run now, inside the click that may have caused them.
                if !popup::run(&effect) {
                    let ctx = *self;
                    spawn_local(async move {
                        let _ = call_split!(handoff_effect(ctx, effect));
                    });
                }
            }
            FlowEffect::PreparePicker => {
                // The directory and the token, from the picker's module (it is needed now).
                let ctx = *self;
                spawn_local(async move {
                    let _ = call_split!(prepare_picker(ctx));
                });
            }
            // The form's captions from its module, the job's poll and accounts from the job's (a
            // poll lost to a failed download starts with the job's screen, `job.rs`).
            effect => {
                let ctx = *self;
                spawn_local(async move {
                    let _ = if matches!(effect, FlowEffect::FetchInstitution(_)) {
                        call_split!(flow_effect(ctx, effect))
                    } else {
                        call_split!(job_effect(ctx, effect))
                    };
                });
            }
        }
    }
}

impl Ctx {
    /// True when banks are connected in Basiq's Consent UI (3.0).
    fn consent_ui(&self) -> bool {
        self.config
            .with_untracked(|c| c.as_ref().is_some_and(PublicConfig::consent_ui))
    }

    /// A bank chosen in the picker: its credential form (2.1), or "Continue to {bank}" (3.0;
    /// in a frame the Consent UI opens in a popup, as a page it is navigated to).
    pub(crate) fn select(&self, institution: InstitutionSummary) {
        if !self.consent_ui() {
            return self.dispatch_in_picker(FlowEvent::Select(institution));
        }
        let mode = if browser::framed() {
            LaunchMode::Popup
        } else {
            LaunchMode::Page
        };
        self.dispatch_in_picker(FlowEvent::Handoff(HandoffEvent::Choose {
            institution,
            mode,
        }));
    }

    /// Back from Basiq's Consent UI in page mode (`?handoff=`): the nonce leaves the address
    /// bar at once, and the relay is asked how the visit ended.
    fn came_back_from_basiq(&self) {
        if let Some(nonce) = browser::take_query_param("handoff") {
            let purpose = browser::take_handoff_purpose()
                .as_deref()
                .and_then(bank_connect_core::handoff::ConsentAction::parse);
            self.dispatch_here(FlowEvent::Handoff(HandoffEvent::CameBack {
                nonce,
                purpose,
            }));
        }
    }

    /// The directory's name for an institution id.
    pub(crate) fn institution_name(&self, id: &str) -> Option<String> {
        self.directory.with_untracked(|d| {
            d.as_ref()
                .and_then(|d| d.iter().find(|i| i.id == id).map(|i| i.name.clone()))
        })
    }

    /// Once a second while the person is at Basiq: the hand-off's clock, and whether its
    /// window still reads as open.
    fn handoff_tick(&self, now_ms: u64) {
        let (waiting, starting_popup) = self.flow.with_untracked(|f| match f {
            FlowState::Handoff(Handoff::Waiting { .. }) => (true, false),
            FlowState::Handoff(Handoff::Starting { mode, .. }) => {
                (false, *mode == LaunchMode::Popup)
            }
            _ => (false, false),
        });
        if waiting {
            self.dispatch_here(FlowEvent::Handoff(HandoffEvent::Tick { now_ms }));
        }
        let reachable = self.flow.with_untracked(|f| {
            matches!(
                f,
                FlowState::Handoff(Handoff::Waiting {
                    window: bank_connect_core::handoff::PopupWindow::Open { .. },
                    ..
                })
            )
        });
        if (reachable || starting_popup) && popup::gone() {
            self.dispatch_here(FlowEvent::Handoff(HandoffEvent::PopupGone { now_ms }));
        }
    }
}

/// The picker, from its module (it fetches the next steps' module once it is on screen and
/// idle).
fn picking_view(ctx: Ctx) -> AnyView {
    lazy_view(move || async move { call_split!(picker_screen(ctx)) }).into_any()
}

/// The hand-off's current screen, from its module.
fn handoff_view(ctx: Ctx) -> AnyView {
    let state = ctx.flow.with_untracked(|f| match f {
        FlowState::Handoff(h) => Some(h.clone()),
        _ => None,
    });
    match state {
        Some(h) => lazy_view(move || {
            let h = h.clone();
            async move { call_split!(handoff_screen(ctx, h)) }
        })
        .into_any(),
        None => ().into_any(),
    }
}

/// The widget.
#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        flow: RwSignal::new(FlowState::Idle),
        session: RwSignal::new(None),
        config: RwSignal::new(None),
        directory: RwSignal::new(None),
        directory_error: RwSignal::new(None),
        directory_loading: StoredValue::new(false),
        background_note: RwSignal::new(None),
        now: RwSignal::new(now_ms()),
        poll_generation: StoredValue::new(0),
        config_waiters: StoredValue::new_local(None),
        token_flight: StoredValue::new_local(None),
        session_status: RwSignal::new(SessionStatus::Active),
        open_connections: StoredValue::new(false),
        started: StoredValue::new(false),
    };
    let flow = ctx.flow;
    let connections = ConnectionsState::new(ctx);
    // The picker's module, right after the first view: ready by the time "+" is pressed.
    preload!(preload_picker);

    // Config and directory straight away, from the picker's module (its decoding is not the
    // first view's code): the picker is ready the moment it opens.
    spawn_local(async move {
        let _ = call_split!(start_up(ctx));
    });
    ctx.came_back_from_basiq();

    // A one-second clock for elapsed time and the MFA countdown.
    let _ = set_interval_with_handle(
        move || {
            let now = now_ms();
            ctx.now.set(now);
            if flow.with_untracked(|f| f.mfa().is_some()) {
                ctx.dispatch_here(FlowEvent::Tick { now_ms: now });
            }
            ctx.handoff_tick(now);
        },
        std::time::Duration::from_secs(1),
    );

    let screen = Memo::new(move |_| flow.with(Screen::of));

    // A memo: the screen is rebuilt when the session ends or starts again, not while the
    // person's "Start again" is on its way.
    let ended = Memo::new(move |_| {
        ctx.session_status
            .with(|s| matches!(s, SessionStatus::Ended { .. }))
    });
    let body = move || {
        // Ended: the job module's session-ended screen (what the old session showed goes).
        let current = if ended.get() {
            connections.clear();
            Screen::Failed
        } else {
            screen.get()
        };
        // Rebuilt when the screen changes only, not by what the screens' builders read.
        untrack(move || match current {
            Screen::Idle => view! {
                {move || {
                    ctx.background_note
                        .get()
                        .map(|n| view! { <p class="bc-live" role="status">{n}</p> })
                }}
                {crate::connections::connections_home(connections)}
                <PlusButton on_click=move |_| {
                    ctx.background_note.set(None);
                    ctx.dispatch_here(FlowEvent::Open)
                } />
            }
            .into_any(),
            Screen::Picking => picking_view(ctx),
            Screen::Handoff(_) => handoff_view(ctx),
            // The form from its module; the job's steps, a failure and the session-ended screen
            // from the job's.
            screen @ (Screen::Form(_)
            | Screen::Progress(_)
            | Screen::Mfa(_)
            | Screen::Success(_)
            | Screen::Failed) => {
                let state = flow.get_untracked();
                let form = matches!(screen, Screen::Form(_));
                lazy_view(move || {
                    let state = state.clone();
                    async move {
                        if form {
                            call_split!(flow_screen(ctx, state))
                        } else {
                            call_split!(job_screen(ctx, connections, state))
                        }
                    }
                })
                .into_any()
            }
        })
    };

    // Ended in a host's frame, where only the host site can start a session again: "×"
    // closes the widget (the host hears `exit`).
    let embedded = crate::embed::mode().is_some();
    let open = move || {
        if ended.get() {
            embedded
        } else {
            !matches!(screen.get(), Screen::Idle)
        }
    };
    // The simulator's fake banks, said in words (not colour only).
    let sandbox = move || ctx.config.with(|c| c.as_ref().is_some_and(|c| c.sandbox));
    view! {
        <main class="bc-widget">
            <header class="bc-header">
                <h1 class="bc-title">"Connect your bank"</h1>
                {move || {
                    sandbox()
                        .then(|| {
                            view! { <span class="bc-badge bc-badge-warn bc-sandbox">"Sandbox"</span> }
                        })
                }}
                <Show when=open>
                    <button
                        type="button"
                        class="bc-button bc-close"
                        aria-label="Close"
                        on:click=move |_| ctx.dispatch_here(FlowEvent::Close)
                    >
                        "×"
                    </button>
                </Show>
            </header>
            <section class="bc-body">{body}</section>
        </main>
    }
}
