//! The connections view's container: the person's connected banks with status, last refresh
//! and accounts; refresh (one or all) followed in the connect flow's progress component, MFA on
//! refresh, transactions with "load more", credential update for a connection whose password
//! the bank refused, and removal behind a confirmation dialog.
//!
//! Its state is core's [`ConnectionsScreen`] in one signal, created once by the app so it
//! survives screen changes; events go through core's `next`, and the effects it names are
//! carried out in [`effects`]. This file is the part the start screen needs (the entry button
//! and the first load); the view itself and its I/O come with the `connections` module.

mod card;
mod effects;
mod view;

use bank_connect_core::browser_session::SessionEvent;
use bank_connect_core::connections::{ActionError, ConnectionStatus, ConnectionsScreen};
use bank_connect_core::forget::ForgetDialog;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::Ctx;
use crate::browser;
use crate::split::{ChunkError, call_split, lazy_view, preload, retrying};

/// The view's heading id (focus moves there when it opens).
pub const HEADING_ID: &str = "bc-connections-heading";
/// The start screen's "Your connected banks" button id.
pub const ENTRY_ID: &str = "bc-conn-open";
/// The "Forget this browser" button's id (focus returns there when its dialog is cancelled).
pub const FORGET_ID: &str = "bc-forget";
/// The "Revoke consent…" button's id (focus returns there when its dialog is cancelled).
pub const REVOKE_ID: &str = "bc-revoke";
/// Transactions per page.
pub const PAGE_SIZE: u32 = 10;

/// The connections view's state: created once by the app, shared by its screens.
#[derive(Clone, Copy)]
pub struct ConnectionsState {
    app: Ctx,
    screen: RwSignal<ConnectionsScreen>,
    /// True while a loop reloads the list because a connection is still unfinished.
    watching_pending: StoredValue<bool>,
    /// The "Forget this browser" dialog, while it is open (core's `forget`).
    forget: RwSignal<Option<ForgetDialog>>,
}

fn focus_soon(id: String) {
    spawn_local(async move {
        browser::sleep(60).await;
        // The view's module may still be on its way.
        browser::focus_when_shown(id);
    });
}

impl ConnectionsState {
    /// Fresh state; time comes from the app's clock.
    pub(crate) fn new(app: Ctx) -> Self {
        Self {
            app,
            screen: RwSignal::new(ConnectionsScreen::default()),
            watching_pending: StoredValue::new(false),
            forget: RwSignal::new(None),
        }
    }

    fn now(&self) -> RwSignal<u64> {
        self.app.now()
    }

    /// Opens the full view (e.g. right after a bank was connected).
    pub fn show(&self) {
        // Core's `show` names only this focus move.
        self.screen.update(|s| {
            s.show();
        });
        focus_soon(HEADING_ID.to_string());
    }

    /// Loads (or reloads) connections and accounts; what is shown stays until the answer.
    fn load(&self) {
        let st = *self;
        spawn_local(async move {
            if let Ok(c) = st.app.config().await {
                st.screen.update(|s| {
                    s.min_interval_secs = c.min_refresh_interval_secs;
                    s.consent_ui = c.consent_ui();
                });
            }
            // Embedded: after the host's link token was exchanged, so the list is its user's.
            st.app.embedded_session_ready().await;
            st.fetch_list(true).await;
            st.follow_pending();
        });
    }

    /// Forgets what the view showed (the session it belonged to has ended).
    pub(crate) fn clear(&self) {
        self.screen.set(ConnectionsScreen::default());
    }

    /// Fetches the connections and their accounts into the state.
    async fn fetch_list(&self, report_failure: bool) {
        match api::list_connections().await {
            Ok(list) => self.screen.update(|s| s.list_loaded(list)),
            Err(e) => {
                // A session the server no longer accepts gets its own screen.
                self.app
                    .session_event(SessionEvent::RequestFailed(e.clone()));
                if report_failure {
                    self.screen
                        .update(|s| s.list_failed(ActionError::from_server_error(&e)));
                }
            }
        }
        if let Ok(list) = api::fetch_accounts().await {
            self.screen.update(|s| s.accounts_loaded(list));
        }
    }

    /// While a connection is unfinished (e.g. continued in the background), reloads the list
    /// and the accounts every few seconds (for at most two minutes) so they appear in place.
    fn follow_pending(&self) {
        let unfinished = self
            .screen
            .with_untracked(ConnectionsScreen::any_unfinished);
        if !unfinished || self.watching_pending.get_value() {
            return;
        }
        self.watching_pending.set_value(true);
        let st = *self;
        spawn_local(async move {
            for _ in 0..40 {
                browser::sleep(3_000).await;
                if let Ok(list) = api::list_connections().await {
                    st.screen.update(|s| s.list_loaded(list));
                }
                if let Ok(list) = api::fetch_accounts().await {
                    st.screen.update(|s| s.accounts_loaded(list));
                }
                if !st.screen.with_untracked(ConnectionsScreen::any_unfinished) {
                    break;
                }
            }
            st.watching_pending.set_value(false);
        });
    }
}

/// The connections view on the widget's start screen: a button to open it once a bank is
/// connected, then the banks themselves.
pub(crate) fn connections_home(state: ConnectionsState) -> impl IntoView {
    let st = state;
    spawn_local(async move {
        let _ = call_split!(load_in_picker_module(st));
    });
    if st.app.take_open_connections() {
        st.show();
    }
    let count = move || {
        st.screen
            .with(|s| s.connections.as_ref().map_or(0, Vec::len))
    };
    let attention = move || {
        st.screen.with(|s| {
            s.connections
                .as_ref()
                .map(|l| {
                    l.iter()
                        .filter(|c| {
                            ConnectionStatus::parse(&c.status) == ConnectionStatus::NeedsPassword
                        })
                        .map(|c| format!("{} needs your password.", c.institution_name))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        })
    };
    let entry = move || {
        (count() > 0).then(|| {
            // The view's module, now that there is something to show in it.
            preload!(preload_connections);
            view! {
                <Show when=move || !attention().is_empty()>
                    <p class="bc-conn-attention">{attention}</p>
                </Show>
                <button
                    type="button"
                    id=ENTRY_ID
                    class="bc-button bc-conn-open"
                    on:click=move |_| st.show()
                >
                    {move || match count() {
                        1 => "Your connected bank (1)".to_string(),
                        n => format!("Your connected banks ({n})"),
                    }}
                </button>
            }
        })
    };
    view! {
        <Show when=move || st.screen.with(|s| s.open) fallback=entry>
            {lazy_view(move || async move { call_split!(connections_screen(st)) })}
        </Show>
    }
}

/// From the picker's module (the page fetches it at once): [`ConnectionsState::load`] from the
/// `settled` module once the directory is settled and painted, so the list's code and its
/// requests never share the link with what the picker needs. A failed download is retried.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(picker, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn load_in_picker_module(state: ConnectionsState) -> Result<(), ChunkError> {
    state.app.after_directory(move || {
        spawn_local(retrying(move || async move {
            call_split!(load_in_settled_module(state))
        }));
    });
    Ok(())
}

/// [`ConnectionsState::load`] (split point `settled`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(settled, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn load_in_settled_module(state: ConnectionsState) -> Result<(), ChunkError> {
    state.load();
    Ok(())
}

/// The connected-banks view (split point `connections`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        connections,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_connections)
    )
)]
fn connections_screen(state: ConnectionsState) -> Result<AnyView, ChunkError> {
    Ok(view::connections_view(state).into_any())
}
