//! One connection's card: status, refresh offer, its job (compact line, progress or MFA), its
//! accounts and their transactions.

use bank_connect_core::accounts::{self, AccountRow};
use bank_connect_core::api_types::ConnectionView;
use bank_connect_core::connections::lifecycle;
use bank_connect_core::connections::state::{JobKind, Running};
use bank_connect_core::connections::{self as logic, ConnectionStatus, ConnectionsEvent as Event};
use bank_connect_core::job::JobView;
use leptos::prelude::*;

use super::ConnectionsState;
use crate::browser::now_ms;
use crate::components::{
    AccountItem, CardLifecycle, ConnectionCard, ConnectionProgress, MfaPrompt, RefreshOffer,
    TransactionList,
};

/// Which job area a card shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum JobArea {
    None,
    Compact,
    Progress,
    Mfa,
}

pub(super) fn connection_item(state: ConnectionsState, id: String) -> AnyView {
    let st = state;
    let screen = st.screen;
    let now = st.now();
    let Some(initial) = screen.with_untracked(|s| s.connection(&id).cloned()) else {
        return ().into_any();
    };
    let cid = StoredValue::new(id);
    let connection = Memo::new(move |prev: Option<&ConnectionView>| {
        screen
            .with(|s| s.connection(&cid.get_value()).cloned())
            .or_else(|| prev.cloned())
            .unwrap_or_else(|| initial.clone())
    });
    let running = move || screen.with(|s| s.running(&cid.get_value()).cloned());
    // Basiq 3.0: method, access end and the actions, from core.
    let consent_ui = screen.with_untracked(|s| s.consent_ui);
    let life = Memo::new(move |_| {
        let now = now.get();
        connection.with(|c| CardLifecycle {
            method: lifecycle::ConnectionMethod::parse(c.method.as_deref()).label(),
            status: lifecycle::status_label(c, true),
            access: lifecycle::access_end(c, now),
            actions: lifecycle::card_actions(c, true, now),
        })
    });
    let offer = Memo::new(move |_| {
        let id = cid.get_value();
        let status = connection.with(|c| ConnectionStatus::parse(&c.status));
        let may_refresh = status.can_refresh() && (!consent_ui || life.with(|l| l.actions.refresh));
        if screen.with(|s| s.running(&id).is_some()) {
            RefreshOffer::Running
        } else if !may_refresh {
            RefreshOffer::NotPossible
        } else {
            match screen.with(|s| s.wait_of(&id, now.get())) {
                Some(s) => RefreshOffer::Wait(s),
                None => RefreshOffer::Offered,
            }
        }
    });
    let error = Memo::new(move |_| {
        screen.with(|s| s.cards.get(&cid.get_value()).and_then(|c| c.error.clone()))
    });
    let area = Memo::new(move |_| {
        let id = cid.get_value();
        screen.with(|s| {
            let watched = s.watching.as_deref() == Some(id.as_str());
            match s.running(&id) {
                None => JobArea::None,
                Some(_) if !watched => JobArea::Compact,
                Some(r) if r.asking().is_some() => JobArea::Mfa,
                Some(_) => JobArea::Progress,
            }
        })
    });
    let name = move || connection.with(|c| c.institution_name.clone());

    // Built only when the area changes: what the builders read is theirs to track, else each
    // poll and clock tick would rebuild the area (and empty an answer being typed).
    let job_area = move || {
        let area = area.get();
        untrack(move || match area {
            JobArea::None => ().into_any(),
            JobArea::Compact => compact_job(st, cid, running, name).into_any(),
            JobArea::Progress => job_progress(st, cid, running, name).into_any(),
            JobArea::Mfa => job_mfa(st, cid, running, name),
        })
    };

    let account_ids = Memo::new(move |_| {
        let id = cid.get_value();
        screen.with(|s| {
            s.accounts
                .iter()
                .filter(|a| a.connection_id == id)
                .map(|a| a.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let account_item = move |aid: String| account_item(st, cid, connection, aid);

    view! {
        <ConnectionCard
            connection=connection
            now_ms=now
            offer=offer
            error=error
            on_refresh=move |_| {
                st.dispatch(Event::Refresh {
                    id: cid.get_value(),
                    watch: true,
                    now_ms: now_ms(),
                })
            }
            on_update=move |_| st.open_update(cid.get_value(), None, None)
            on_remove=move |_| st.dispatch(Event::AskRemove(cid.get_value()))
            lifecycle=consent_ui.then_some(Signal::from(life))
            on_renew=Some(Callback::new(move |_| st.renew(cid.get_value())))
        >
            {job_area}
            <Show
                when=move || !account_ids.with(Vec::is_empty)
                fallback=|| view! { <p class="bc-live">"No accounts from this bank yet."</p> }
            >
                <ul class="bc-accounts" aria-label=move || format!("Accounts at {}", name())>
                    <For each=move || account_ids.get() key=|a| a.clone() children=account_item />
                </ul>
            </Show>
        </ConnectionCard>
    }
    .into_any()
}

/// The one-line status of a job the person does not follow in full.
fn compact_job(
    st: ConnectionsState,
    cid: StoredValue<String>,
    running: impl Fn() -> Option<Running> + Copy + Send + Sync + 'static,
    name: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let status = move || {
        running()
            .map(|r| {
                if r.asking().is_some() {
                    format!("{} needs you to confirm it's you.", name())
                } else {
                    let view = r.job.map(|j| j.view).unwrap_or_else(JobView::starting);
                    let step = view.current_label().unwrap_or("Finishing").to_string();
                    match r.kind {
                        JobKind::Refresh => format!("Refreshing: {step}…"),
                        JobKind::Update => format!("Checking your details: {step}…"),
                    }
                }
            })
            .unwrap_or_default()
    };
    let asks = move || running().is_some_and(|r| r.asking().is_some());
    view! {
        <div class="bc-conn-job">
            <p class="bc-live" role="status">{status}</p>
            <button
                type="button"
                class="bc-button"
                on:click=move |_| st.dispatch(Event::Watch(cid.get_value()))
            >
                {move || if asks() { "Answer your bank" } else { "Show progress" }}
            </button>
        </div>
    }
}

/// The job's steps, as the connect flow shows them.
fn job_progress(
    st: ConnectionsState,
    cid: StoredValue<String>,
    running: impl Fn() -> Option<Running> + Copy + Send + Sync + 'static,
    name: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let now = st.now();
    let view_signal = Memo::new(move |_| {
        running()
            .and_then(|r| r.job)
            .map(|j| j.view)
            .unwrap_or_else(JobView::starting)
    });
    let elapsed = Memo::new(move |_| {
        let started = running().map(|r| r.started_at_ms).unwrap_or_else(now_ms);
        now.get().saturating_sub(started) / 1000
    });
    view! {
        <div class="bc-conn-job">
            <ConnectionProgress
                institution_name=name()
                heading=match running().map(|r| r.kind) {
                    Some(JobKind::Update) => format!("Checking your details with {}", name()),
                    _ => format!("Refreshing {}", name()),
                }
                view=view_signal
                usual_secs=None
                elapsed_secs=elapsed
                on_cancel=move |_| st.dispatch(Event::StopFollowing(cid.get_value()))
                on_background=move |_| st.dispatch(Event::Background)
            />
        </div>
    }
}

/// The bank's question, while it waits for the person.
fn job_mfa(
    st: ConnectionsState,
    cid: StoredValue<String>,
    running: impl Fn() -> Option<Running> + Copy + Send + Sync + 'static,
    name: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> AnyView {
    let now = st.now();
    let mfa = move || running().and_then(|r| r.asking().cloned());
    let Some(first) = mfa().map(|m| m.challenge) else {
        return ().into_any();
    };
    let challenge = Memo::new(move |_| mfa().map(|m| m.challenge).unwrap_or_else(|| first.clone()));
    let error = Memo::new(move |_| mfa().and_then(|m| m.error));
    let busy = Memo::new(move |_| mfa().is_some_and(|m| m.sending()));
    let seconds_left = Memo::new(move |_| {
        let now = now.get();
        mfa().and_then(|m| m.seconds_left(now))
    });
    view! {
        <div class="bc-conn-job">
            <MfaPrompt
                institution_name=name()
                challenge=challenge
                error=error
                seconds_left=seconds_left
                busy=busy
                on_submit=move |body| {
                    let event = Event::MfaSubmitted {
                        id: cid.get_value(),
                        now_ms: now_ms(),
                    };
                    st.dispatch_with_secret(event, Some(body))
                }
                on_cancel=move |_| st.dispatch(Event::StopFollowing(cid.get_value()))
            />
        </div>
    }
    .into_any()
}

/// One account with its transactions.
fn account_item(
    st: ConnectionsState,
    cid: StoredValue<String>,
    connection: Memo<ConnectionView>,
    aid: String,
) -> impl IntoView {
    let screen = st.screen;
    let now = st.now();
    let aid_value = StoredValue::new(aid.clone());
    let initial_row = AccountRow {
        id: aid,
        name: String::new(),
        number: String::new(),
        kind: String::new(),
        balance: String::new(),
        negative: false,
        available: None,
    };
    let row = Memo::new(move |prev: Option<&AccountRow>| {
        let (id, inst) = (
            cid.get_value(),
            connection.with(|c| c.institution_id.clone()),
        );
        screen
            .with(|s| {
                accounts::rows_for_connection(&s.accounts, Some(&id), &inst)
                    .into_iter()
                    .find(|r| r.id == aid_value.get_value())
            })
            .or_else(|| prev.cloned())
            .unwrap_or_else(|| initial_row.clone())
    });
    let account = move || {
        screen.with(|s| {
            s.accounts
                .iter()
                .find(|a| a.id == aid_value.get_value())
                .map(|a| (a.currency.clone(), a.last_updated.clone()))
        })
    };
    let tx = move || {
        screen.with(|s| {
            s.transactions
                .get(&aid_value.get_value())
                .cloned()
                .unwrap_or_default()
        })
    };
    let expanded = Memo::new(move |_| tx().expanded);
    let rows = Memo::new(move |_| {
        let currency = account().map(|a| a.0).unwrap_or_else(|| "AUD".into());
        logic::transaction_rows(&tx().rows, &currency)
    });
    let note = Memo::new(move |_| {
        let updated = account().and_then(|a| a.1);
        let fallback = connection.with(|c| c.last_used.clone());
        logic::fetched_note(updated.or(fallback).as_deref(), now.get())
    });
    let loading = Memo::new(move |_| tx().loading);
    let has_more = Memo::new(move |_| tx().next.is_some());
    let tx_error = Memo::new(move |_| tx().error);
    let account_name = move || row.with(|r| r.name.clone());
    let ids = move || (cid.get_value(), aid_value.get_value());
    view! {
        <AccountItem
            row=row
            expanded=expanded
            on_toggle=move |_| {
                let (connection_id, account_id) = ids();
                st.dispatch(Event::ToggleTransactions {
                    connection_id,
                    account_id,
                })
            }
        >
            <TransactionList
                account_name=account_name()
                rows=rows
                note=note
                loading=loading
                has_more=has_more
                error=tx_error
                on_more=move |_| {
                    let (connection_id, account_id) = ids();
                    st.dispatch(Event::MoreTransactions {
                        connection_id,
                        account_id,
                    })
                }
            />
        </AccountItem>
    }
}
