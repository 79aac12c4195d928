//! One connected bank in the connections view: logo, name, status ("Needs your password" when
//! the bank refused the stored one), "Last refreshed 3 hours ago", its refresh / update /
//! remove actions, the error of the last action beside it, and (as children) the job progress
//! and its accounts. Also one account row with its balances and a transactions toggle, and the
//! line saying when the consent ends (with "Extend consent" once it warns).

use bank_connect_core::accounts::AccountRow;
use bank_connect_core::api_types::ConnectionView;
use bank_connect_core::connections::lifecycle::{AccessEnd, CardActions};
use bank_connect_core::connections::{self, ConnectionStatus};
use leptos::prelude::*;

use super::InstitutionLogo;

/// Whether the card offers "Refresh".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOffer {
    /// "Refresh" is offered.
    Offered,
    /// Not yet: seconds left of the bank's minimum interval (or a 429's wait).
    Wait(u64),
    /// A refresh or update is running.
    Running,
    /// Not possible (the connection needs the password, or is not active).
    NotPossible,
}

/// Basiq 3.0: what a card shows of the consent lifecycle (worked out in core's
/// `connections::lifecycle`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardLifecycle {
    /// "Open Banking" or "Web".
    pub method: Option<&'static str>,
    /// The status badge's words.
    pub status: &'static str,
    /// Open banking: when access ends.
    pub access: Option<AccessEnd>,
    /// The actions offered.
    pub actions: CardActions,
}

/// The id of the card's heading.
pub fn card_heading_id(connection_id: &str) -> String {
    format!("bc-conn-{connection_id}")
}

/// The id of the card's "Remove" button (focus goes back to it when the dialog is cancelled).
pub fn remove_button_id(connection_id: &str) -> String {
    format!("bc-remove-{connection_id}")
}

/// One connection.
#[component]
pub fn ConnectionCard(
    /// The connection as last loaded.
    #[prop(into)]
    connection: Signal<ConnectionView>,
    /// Now, in Unix milliseconds (for "3 hours ago").
    #[prop(into)]
    now_ms: Signal<u64>,
    /// Whether a refresh is offered.
    #[prop(into)]
    offer: Signal<RefreshOffer>,
    /// The last action's failure, shown beside the (kept) data.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// "Refresh".
    #[prop(into)]
    on_refresh: Callback<()>,
    /// "Update password".
    #[prop(into)]
    on_update: Callback<()>,
    /// "Remove".
    #[prop(into)]
    on_remove: Callback<()>,
    /// Basiq 3.0: method, access end, the actions offered (`None`: 2.1's card).
    #[prop(default = None)]
    lifecycle: Option<Signal<CardLifecycle>>,
    /// Basiq 3.0: "Renew" (open banking) — or "Reconnect" (web) — at Basiq's Consent UI.
    #[prop(default = None)]
    on_renew: Option<Callback<()>>,
    /// Progress of a running job, then the accounts.
    children: Children,
) -> impl IntoView {
    let id = connection.with_untracked(|c| c.id.clone());
    let heading_id = card_heading_id(&id);
    let labelled_by = heading_id.clone();
    let status = move || connection.with(|c| ConnectionStatus::parse(&c.status));
    let name = move || connection.with(|c| c.institution_name.clone());
    let refreshed = move || {
        let last = connection.with(|c| c.last_used.clone());
        match last.as_deref().and_then(connections::parse_timestamp_ms) {
            Some(t) => view! {
                "Last refreshed "
                <time datetime=last.clone().unwrap_or_default()>
                    {connections::relative_time(t, now_ms.get())}
                </time>
            }
            .into_any(),
            None => "Not refreshed yet".into_any(),
        }
    };
    let v3 = lifecycle.is_some();
    let life = move || lifecycle.map(|l| l.get());
    let badge = move || life().map(|l| l.status).unwrap_or_else(|| status().label());
    let method = move || life().and_then(|l| l.method);
    let access = move || life().and_then(|l| l.access);
    let actions = move || life().map(|l| l.actions);
    let show_update = move || actions().is_none_or(|a| a.update_password);
    let renew_label = move || {
        actions().and_then(|a| {
            if a.renew {
                Some("Renew")
            } else if a.reconnect {
                Some("Reconnect")
            } else {
                None
            }
        })
    };
    let needs_password = move || !v3 && status() == ConnectionStatus::NeedsPassword;
    let update_class = move || {
        if needs_password() {
            "bc-button bc-primary"
        } else {
            "bc-button"
        }
    };
    view! {
        <li class="bc-conn" aria-labelledby=labelled_by>
            <div class="bc-conn-head">
                {move || {
                    view! {
                        <InstitutionLogo institution=connection.with(connections::fallback_institution) />
                    }
                }}
                <div class="bc-conn-title">
                    <h3 id=heading_id class="bc-conn-name" tabindex="-1">{name}</h3>
                    <p class="bc-conn-fresh">
                        {move || method().map(|m| view! { <span class="bc-conn-method">{m}</span> " · " })}
                        {refreshed}
                    </p>
                </div>
                <span class=move || status().class()>{badge}</span>
            </div>
            {move || {
                access()
                    .map(|a| {
                        let class = if a.warns() {
                            "bc-conn-access bc-conn-expiring"
                        } else {
                            "bc-conn-access"
                        };
                        view! {
                            <p class=class>
                                <time datetime=a.datetime.clone()>{a.text()}</time>
                            </p>
                        }
                    })
            }}
            <Show when=needs_password>
                <p class="bc-conn-hint">
                    {move || format!("{} no longer accepts the saved password. Enter your current one to keep your data up to date.", name())}
                </p>
            </Show>
            <Show when=move || actions().is_some_and(|a| a.reconnect)>
                <p class="bc-conn-hint">
                    {move || format!("{} no longer accepts the saved login. Reconnect at Basiq to keep your data up to date.", name())}
                </p>
            </Show>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <div class="bc-notice bc-conn-error" role="alert">
                                <p>{e}</p>
                            </div>
                        }
                    })
            }}
            <div class="bc-actions bc-conn-actions">
                {move || match offer.get() {
                    RefreshOffer::Offered => view! {
                        <button type="button" class="bc-button" on:click=move |_| on_refresh.run(())>
                            "Refresh"
                            <span class="bc-sr-only">{format!(" {}", name())}</span>
                        </button>
                    }
                    .into_any(),
                    RefreshOffer::Wait(secs) => view! {
                        <p class="bc-conn-wait">{connections::wait_text(secs)}</p>
                    }
                    .into_any(),
                    RefreshOffer::Running | RefreshOffer::NotPossible => ().into_any(),
                }}
                {move || {
                    renew_label()
                        .zip(on_renew)
                        .map(|(label, renew)| {
                            view! {
                                <button
                                    type="button"
                                    class="bc-button bc-primary"
                                    on:click=move |_| renew.run(())
                                >
                                    {label}
                                    <span class="bc-sr-only">{format!(" {}", name())}</span>
                                </button>
                            }
                        })
                }}
                <Show when=move || show_update() && offer.get() != RefreshOffer::Running>
                    <button type="button" class=update_class on:click=move |_| on_update.run(())>
                        "Update password"
                        <span class="bc-sr-only">{move || format!(" for {}", name())}</span>
                    </button>
                </Show>
                <button
                    type="button"
                    id=remove_button_id(&id)
                    class="bc-button"
                    on:click=move |_| on_remove.run(())
                >
                    "Remove"
                    <span class="bc-sr-only">{move || format!(" {}", name())}</span>
                </button>
            </div>
            {children()}
        </li>
    }
}

/// One account with its balances, and its transactions (children) when expanded.
#[component]
pub fn AccountItem(
    /// The account as last loaded.
    #[prop(into)]
    row: Signal<AccountRow>,
    /// Whether its transactions are shown.
    #[prop(into)]
    expanded: Signal<bool>,
    /// "Transactions" toggle.
    #[prop(into)]
    on_toggle: Callback<()>,
    /// The transactions.
    children: ChildrenFn,
) -> impl IntoView {
    let region = format!("bc-txns-{}", row.with_untracked(|r| r.id.clone()));
    let balance_class = move || {
        if row.with(|r| r.negative) {
            "bc-account-balance bc-negative"
        } else {
            "bc-account-balance"
        }
    };
    view! {
        <li class="bc-account bc-conn-account">
            <div class="bc-account-row">
                <div class="bc-account-main">
                    <span class="bc-account-name">{move || row.with(|r| r.name.clone())}</span>
                    <span class="bc-account-meta">
                        {move || row.with(|r| format!("{} · {}", r.kind, r.number))}
                    </span>
                </div>
                <div class="bc-account-money">
                    <span class=balance_class>{move || row.with(|r| r.balance.clone())}</span>
                    {move || {
                        row.with(|r| r.available.clone())
                            .map(|a| {
                                view! { <span class="bc-account-available">{format!("{a} available")}</span> }
                            })
                    }}
                </div>
            </div>
            <button
                type="button"
                class="bc-button bc-link"
                aria-expanded=move || if expanded.get() { "true" } else { "false" }
                aria-controls=region.clone()
                on:click=move |_| on_toggle.run(())
            >
                {move || if expanded.get() { "Hide transactions" } else { "Show transactions" }}
                <span class="bc-sr-only">{move || format!(" of {}", row.with(|r| r.name.clone()))}</span>
            </button>
            <div id=region class="bc-account-txns">
                <Show when=move || expanded.get()>{children()}</Show>
            </div>
        </li>
    }
}

/// When the consent to share data ends; from seven days before (or once ended) a warning and
/// "Extend consent".
#[component]
pub fn ConsentEnd(
    /// When the active consent ends.
    end: AccessEnd,
    /// "Extend consent".
    #[prop(into)]
    on_extend: Callback<()>,
) -> impl IntoView {
    let warns = end.warns();
    let class = if warns {
        "bc-consent-end bc-conn-expiring"
    } else {
        "bc-consent-end bc-conn-access"
    };
    view! {
        <div class=class>
            <p>
                <time datetime=end.datetime.clone()>{end.consent_text()}</time>
            </p>
            {warns
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="bc-button bc-primary"
                            on:click=move |_| on_extend.run(())
                        >
                            "Extend consent"
                        </button>
                    }
                })}
        </div>
    }
}
