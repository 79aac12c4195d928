//! An account's most recent transactions (date, description, signed amount with currency,
//! pending marker), "Load more" while the bank has more, and when the data was last fetched.

use bank_connect_core::connections::TransactionRow;
use leptos::prelude::*;

/// The list.
#[component]
pub fn TransactionList(
    /// The account's name (names the region).
    #[prop(into)]
    account_name: String,
    /// Rows shown so far, newest first.
    #[prop(into)]
    rows: Signal<Vec<TransactionRow>>,
    /// "Last fetched from the bank 3 hours ago…".
    #[prop(into)]
    note: Signal<String>,
    /// True while a page is loading.
    #[prop(into)]
    loading: Signal<bool>,
    /// True while there is a further page.
    #[prop(into)]
    has_more: Signal<bool>,
    /// Why the last page could not be loaded (the rows shown stay).
    #[prop(into)]
    error: Signal<Option<String>>,
    /// "Load more" (or "Try again" after an error).
    #[prop(into)]
    on_more: Callback<()>,
) -> impl IntoView {
    let items = move || {
        rows.get()
            .into_iter()
            .map(|r| {
                let amount_class = if r.debit {
                    "bc-txn-amount bc-negative"
                } else {
                    "bc-txn-amount"
                };
                view! {
                    <li class="bc-txn">
                        <span class="bc-txn-date">{r.date}</span>
                        <span class="bc-txn-desc">
                            {r.description}
                            {r.pending.then(|| view! { <span class="bc-badge bc-badge-info">"Pending"</span> })}
                        </span>
                        <span class=amount_class>{r.amount}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let empty = move || rows.with(Vec::is_empty) && !loading.get() && error.with(Option::is_none);
    view! {
        <section class="bc-txns" aria-label=format!("Transactions of {account_name}")>
            <p class="bc-txns-note">{note}</p>
            <Show when=empty>
                <p class="bc-live">"No transactions yet."</p>
            </Show>
            <Show when=move || !rows.with(Vec::is_empty)>
                <ul class="bc-txn-list" aria-label="Transactions">{items}</ul>
            </Show>
            <p class="bc-live" role="status">
                {move || if loading.get() { "Loading transactions…" } else { "" }}
            </p>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <div class="bc-notice" role="alert">
                                <p>{e}</p>
                            </div>
                        }
                    })
            }}
            <Show when=move || (has_more.get() || error.with(Option::is_some)) && !loading.get()>
                <button type="button" class="bc-button bc-more" on:click=move |_| on_more.run(())>
                    {move || if error.with(Option::is_some) { "Try again" } else { "Load more" }}
                </button>
            </Show>
        </section>
    }
}
