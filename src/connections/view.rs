//! The connected-banks view: the toolbar, the list of cards, the update form, the remove
//! dialog and "Forget this browser".

use bank_connect_core::api_types::ConnectionView;
use bank_connect_core::connections::{self as logic, ConnectionsEvent as Event};
use bank_connect_core::forget::{self, ForgetEvent};
use leptos::prelude::*;

use super::card::connection_item;
use super::{ConnectionsState, FORGET_ID, HEADING_ID, REVOKE_ID};
use crate::components::{ConfirmDialog, ConsentEnd, CredentialForm, Notice};

pub(super) fn connections_view(state: ConnectionsState) -> impl IntoView {
    let st = state;
    let screen = st.screen;
    st.load_consents();
    let consent_ui = move || screen.with(|s| s.consent_ui);
    let has_consent = move || screen.with(|s| s.active_consent().is_some());
    let now = st.now();
    let ids = move || {
        screen.with(|s| {
            s.connections
                .as_ref()
                .map(|l| l.iter().map(|c| c.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    // When the consent ends (3.0), and from seven days before "Extend consent".
    let consent_end = move || {
        let now = now.get();
        screen.with(|s| {
            s.active_consent()
                .filter(|_| s.consent_ui)
                .and_then(|c| logic::lifecycle::consent_end(c, now))
        })
    };
    let can_refresh_all = move || {
        let now = now.get();
        screen.with(|s| !s.refresh_all_targets(now).is_empty())
    };
    let list = move || {
        view! {
            <div class="bc-actions bc-conn-toolbar">
                <Show when=can_refresh_all>
                    <button
                        type="button"
                        class="bc-button bc-primary"
                        on:click=move |_| {
                            st.dispatch(Event::RefreshAll {
                                now_ms: crate::browser::now_ms(),
                            })
                        }
                    >
                        "Refresh all"
                    </button>
                </Show>
                <Show when=move || consent_ui() && has_consent()>
                    <button type="button" class="bc-button" on:click=move |_| st.manage_consent()>
                        "Manage consent"
                    </button>
                </Show>
                <button type="button" class="bc-button" on:click=move |_| st.dispatch(Event::Hide)>
                    "Hide connected banks"
                </button>
            </div>
            {move || {
                consent_end()
                    .map(|end| view! { <ConsentEnd end on_extend=move |()| st.extend_consent() /> })
            }}
            <Show
                when=move || !ids().is_empty()
                fallback=|| view! { <p class="bc-live">"No banks are connected."</p> }
            >
                <ul class="bc-conn-list" aria-label="Connected banks">
                    <For each=ids key=|id| id.clone() let:id>
                        {connection_item(st, id)}
                    </For>
                </ul>
            </Show>
        }
    };
    let updating = move || screen.with(|s| s.updating.is_some());
    // A memo: other updates of the screen (a list reload) do not rebuild the open dialog.
    let confirm_remove = Memo::new(move |_| screen.with(|s| s.confirm_remove.clone()));
    let dialog = move || {
        confirm_remove.get().map(|id| {
            let name = screen.with_untracked(|s| s.name_of(&id));
            view! {
                <ConfirmDialog
                    title=format!("Remove {name}?")
                    message=format!(
                        "{name} and its accounts will no longer be shown or updated here. You can connect it again at any time.",
                    )
                    confirm_label="Remove"
                    on_confirm=move |_| st.dispatch(Event::ConfirmRemove(id.clone()))
                    on_cancel=move |_| st.dispatch(Event::CancelRemove)
                />
            }
        })
    };
    view! {
        <section class="bc-connections" aria-labelledby=HEADING_ID>
            <h2 id=HEADING_ID class="bc-step-heading" tabindex="-1">
                "Your connected banks"
            </h2>
            <p class="bc-live" role="status">
                {move || screen.with(|s| s.note.clone()).unwrap_or_default()}
            </p>
            {move || {
                screen
                    .with(|s| s.load_error.clone())
                    .map(|e| {
                        view! {
                            <Notice
                                title="We couldn't update this list"
                                message=e
                                on_retry=move |_| st.dispatch(Event::Reload)
                            />
                        }
                    })
            }}
            <Show when=updating fallback=list>
                {update_form(st)}
            </Show>
            <Show when=move || consent_ui() && has_consent()>
                <button
                    type="button"
                    id=REVOKE_ID
                    class="bc-button bc-link bc-revoke"
                    on:click=move |_| st.dispatch(Event::AskRevoke)
                >
                    "Revoke consent…"
                </button>
            </Show>
            <button
                type="button"
                id=FORGET_ID
                class="bc-button bc-link bc-forget"
                on:click=move |_| st.forget_event(ForgetEvent::Ask)
            >
                "Forget this browser…"
            </button>
            {dialog}
            {revoke_dialog(st)}
            {forget_dialog(st)}
        </section>
    }
}

/// "Revoke your consent?", naming every connection it removes, while it is open.
fn revoke_dialog(st: ConnectionsState) -> impl IntoView {
    let screen = st.screen;
    // A memo: other updates of the screen (a list reload) do not rebuild the open dialog.
    let open = Memo::new(move |_| screen.with(|s| s.confirm_revoke));
    move || {
        open.get().then(|| {
            let (title, message) = screen.with_untracked(|s| {
                logic::lifecycle::revoke_dialog(s.connections.as_deref().unwrap_or_default())
            });
            let sending = move || screen.with(|s| s.revoking);
            let error = move || screen.with(|s| s.revoke_error.clone());
            view! {
                <ConfirmDialog
                    title=title
                    message=message
                    confirm_label="Revoke consent"
                    on_confirm=move |_| st.dispatch(Event::ConfirmRevoke)
                    on_cancel=move |_| st.dispatch(Event::CancelRevoke)
                >
                    <p class="bc-live" role="status">
                        {move || sending().then_some("Revoking…")}
                    </p>
                    {move || {
                        error()
                            .map(|e| view! { <Notice title="Your consent wasn't revoked" message=e /> })
                    }}
                </ConfirmDialog>
            }
        })
    }
}

/// "Forget this browser?" with the choice to also delete the data, while it is open.
fn forget_dialog(st: ConnectionsState) -> impl IntoView {
    let dialog = st.forget;
    // A memo: ticking the box or sending updates the dialog without rebuilding it.
    let open = Memo::new(move |_| dialog.with(Option::is_some));
    let delete_data = move || dialog.with(|d| d.as_ref().is_some_and(|d| d.delete_data));
    let sending = move || dialog.with(|d| d.as_ref().is_some_and(|d| d.sending));
    let error = move || dialog.with(|d| d.as_ref().and_then(|d| d.error.clone()));
    move || {
        open.get().then(|| {
            view! {
                <ConfirmDialog
                    title=forget::TITLE
                    message=forget::MESSAGE
                    confirm_label=forget::CONFIRM_LABEL
                    on_confirm=move |_| st.forget_event(ForgetEvent::Confirm)
                    on_cancel=move |_| st.forget_event(ForgetEvent::Cancel)
                >
                    <label class="bc-check">
                        <input
                            type="checkbox"
                            id="bc-forget-delete"
                            prop:checked=delete_data
                            disabled=sending
                            on:change=move |ev| {
                                st.forget_event(ForgetEvent::SetDeleteData(event_target_checked(&ev)))
                            }
                        />
                        {forget::DELETE_LABEL}
                    </label>
                    <p class="bc-live" role="status">
                        {move || sending().then_some("Forgetting…")}
                    </p>
                    {move || {
                        error().map(|e| view! { <Notice title=e.title() message=e.message() /> })
                    }}
                </ConfirmDialog>
            }
        })
    }
}

/// The credential-update form of the connection being updated.
fn update_form(st: ConnectionsState) -> impl IntoView {
    let screen = st.screen;
    let institution = Memo::new(move |_| {
        screen
            .with(|s| s.updating.as_ref().map(|u| u.institution.clone()))
            .unwrap_or_else(|| {
                logic::fallback_institution(&ConnectionView {
                    id: String::new(),
                    status: String::new(),
                    institution_id: String::new(),
                    institution_name: String::new(),
                    institution_logo: None,
                    last_used: None,
                    created_date: None,
                    mfa_enabled: false,
                    ..ConnectionView::default()
                })
            })
    });
    let check = Memo::new(move |_| {
        screen
            .with(|s| s.updating.as_ref().map(|u| u.check.clone()))
            .unwrap_or_default()
    });
    let submitting =
        Memo::new(move |_| screen.with(|s| s.updating.as_ref().is_some_and(|u| u.submitting)));
    let notice =
        Memo::new(move |_| screen.with(|s| s.updating.as_ref().and_then(|u| u.notice.clone())));
    view! {
        <p class="bc-conn-hint">
            "Enter the details you use at your bank now. Your accounts stay connected."
        </p>
        <CredentialForm
            institution=institution
            login_prefill=screen
                .with_untracked(|s| s.updating.as_ref().and_then(|u| u.login_prefill.clone()))
                .unwrap_or_default()
            check=check
            submitting=submitting
            notice=notice
            back_label="Cancel"
            submit_labels=("Update", "Checking…")
            on_submit=move |submit: crate::components::CredentialSubmit| {
                let event = Event::SubmitUpdate {
                    login_id: submit.login_id,
                    check: submit.check,
                };
                st.dispatch_with_secret(event, submit.body)
            }
            on_back=move |_| st.dispatch(Event::CancelUpdate)
        />
    }
}
