//! The connections view's components in headless Chromium, found by role and accessible name:
//! the connection card, an account with its transactions toggle, the transaction list and the
//! confirmation dialog.
#![cfg(target_arch = "wasm32")]

use bank_connect::components::{
    AccountItem, CardLifecycle, ConfirmDialog, ConnectionCard, ConnectionProgress, CredentialForm,
    DIALOG_CANCEL_ID, RefreshOffer, TransactionList,
};
use bank_connect_core::accounts::AccountRow;
use bank_connect_core::api_types::ConnectionView;
use bank_connect_core::connections::TransactionRow;
use bank_connect_core::job::JobView;
use bank_connect_core::validation::FormCheck;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn connection(status: &str, last_used: Option<&str>) -> ConnectionView {
    ConnectionView {
        id: "c1".into(),
        status: status.into(),
        institution_id: "AU00000".into(),
        institution_name: "Hooli Bank".into(),
        institution_logo: None,
        last_used: last_used.map(Into::into),
        created_date: None,
        mfa_enabled: false,
        ..ConnectionView::default()
    }
}

const NOW: &str = "2026-11-25T12:00:00Z";

fn now_ms() -> u64 {
    bank_connect_core::connections::parse_timestamp_ms(NOW).unwrap()
}

#[wasm_bindgen_test]
async fn card_shows_status_last_refresh_and_offers_refresh() {
    let root = container();
    let conn = RwSignal::new(connection("active", Some("2026-11-25T09:00:00Z")));
    let offer = RwSignal::new(RefreshOffer::Offered);
    let error = RwSignal::new(None::<String>);
    let refreshes = RwSignal::new(0);
    let _m = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <ul>
                <ConnectionCard
                    connection=conn
                    now_ms=Signal::derive(now_ms)
                    offer=offer
                    error=error
                    on_refresh=move |_| refreshes.update(|n| *n += 1)
                    on_update=|_| {}
                    on_remove=|_| {}
                >
                    <p>"accounts"</p>
                </ConnectionCard>
            </ul>
        }
    });
    leptos::task::tick().await;
    let item = one(&root, "listitem", "").unchecked_into::<Element>();
    let heading = one(&root, "heading", "Hooli Bank");
    assert_eq!(
        item.get_attribute("aria-labelledby").as_deref(),
        Some(heading.id().as_str()),
        "the card is named by its heading"
    );
    assert!(text_of(&root).contains("Connected"));
    let fresh = root.query_selector(".bc-conn-fresh").unwrap().unwrap();
    assert_eq!(text_of(&fresh), "Last refreshed 3 hours ago");
    let time = fresh.query_selector("time").unwrap().unwrap();
    assert_eq!(
        time.get_attribute("datetime").as_deref(),
        Some("2026-11-25T09:00:00Z")
    );
    one(&root, "button", "Refresh Hooli Bank").click();
    assert_eq!(refreshes.get_untracked(), 1);

    // Within the minimum interval: no refresh button, the wait instead.
    offer.set(RefreshOffer::Wait(240));
    leptos::task::tick().await;
    assert!(by_role(&root, "button", "Refresh Hooli Bank").is_empty());
    assert!(text_of(&root).contains("You can refresh again in 4 minutes."));

    // A failed refresh: the error beside the kept data.
    offer.set(RefreshOffer::Offered);
    error.set(Some("Your bank isn't available right now.".into()));
    leptos::task::tick().await;
    let alert = one(&root, "alert", "");
    assert_eq!(text_of(&alert), "Your bank isn't available right now.");
    assert!(text_of(&root).contains("accounts"), "children stay");
}

#[wasm_bindgen_test]
async fn invalid_connection_needs_the_password_and_cannot_be_refreshed() {
    let root = container();
    let updates = RwSignal::new(0);
    let removes = RwSignal::new(0);
    let _m = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <ul>
                <ConnectionCard
                    connection=Signal::derive(|| connection("invalid", None))
                    now_ms=Signal::derive(now_ms)
                    offer=Signal::derive(|| RefreshOffer::NotPossible)
                    error=Signal::derive(|| None::<String>)
                    on_refresh=|_| {}
                    on_update=move |_| updates.update(|n| *n += 1)
                    on_remove=move |_| removes.update(|n| *n += 1)
                >
                    <span class="none"></span>
                </ConnectionCard>
            </ul>
        }
    });
    leptos::task::tick().await;
    let badge = root.query_selector(".bc-badge").unwrap().unwrap();
    assert_eq!(text_of(&badge), "Needs your password");
    assert!(text_of(&root).contains("Not refreshed yet"));
    assert!(
        all(&root, "button")
            .iter()
            .all(|b| !text_of(b).starts_with("Refresh"))
    );
    let update = one(&root, "button", "Update password for Hooli Bank");
    assert!(
        update.class_name().contains("bc-primary"),
        "the way out stands out"
    );
    update.click();
    one(&root, "button", "Remove Hooli Bank").click();
    assert_eq!((updates.get_untracked(), removes.get_untracked()), (1, 1));
}

#[wasm_bindgen_test]
async fn account_toggle_controls_its_transactions() {
    let root = container();
    let expanded = RwSignal::new(false);
    let row = AccountRow {
        id: "a1".into(),
        name: "Savings".into(),
        number: "•••• 1234".into(),
        kind: "Savings account".into(),
        balance: "$1,234.50".into(),
        negative: false,
        available: Some("$1,200.00".into()),
    };
    let _m = leptos::mount::mount_to(root.clone(), move || {
        let row = row.clone();
        view! {
            <ul>
                <AccountItem
                    row=Signal::derive(move || row.clone())
                    expanded=expanded
                    on_toggle=move |_| expanded.update(|e| *e = !*e)
                >
                    <p class="txns">"the transactions"</p>
                </AccountItem>
            </ul>
        }
    });
    leptos::task::tick().await;
    assert!(text_of(&root).contains("$1,234.50"));
    assert!(text_of(&root).contains("$1,200.00 available"));
    let toggle = one(&root, "button", "Show transactions of Savings");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    let region = toggle.get_attribute("aria-controls").unwrap();
    assert!(
        root.query_selector(&format!("#{region}"))
            .unwrap()
            .is_some()
    );
    assert!(root.query_selector(".txns").unwrap().is_none());
    toggle.click();
    leptos::task::tick().await;
    let toggle = one(&root, "button", "Hide transactions of Savings");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    assert!(root.query_selector(".txns").unwrap().is_some());
}

fn txn(i: usize, pending: bool) -> TransactionRow {
    TransactionRow {
        id: format!("t{i}"),
        date: "24 Nov 2026".into(),
        description: format!("Coffee {i}"),
        amount: "-$4.50".into(),
        debit: true,
        pending,
    }
}

#[wasm_bindgen_test]
async fn transaction_list_loads_more_while_there_is_more() {
    let root = container();
    let rows = RwSignal::new(vec![txn(1, true), txn(2, false)]);
    let has_more = RwSignal::new(true);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let more = RwSignal::new(0);
    let _m = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <TransactionList
                account_name="Savings"
                rows=rows
                note=Signal::derive(|| "Last fetched from the bank 3 hours ago. Refresh for the latest.".to_string())
                loading=loading
                has_more=has_more
                error=error
                on_more=move |_| more.update(|n| *n += 1)
            />
        }
    });
    leptos::task::tick().await;
    let list = one(&root, "list", "Transactions");
    let items = all(&list, "li");
    assert_eq!(items.len(), 2);
    assert!(text_of(&items[0]).contains("Pending"), "pending marker");
    assert!(!text_of(&items[1]).contains("Pending"));
    assert!(text_of(&items[0]).contains("-$4.50"));
    assert!(text_of(&root).contains("Last fetched from the bank 3 hours ago"));
    let section = root.query_selector("section").unwrap().unwrap();
    assert_eq!(
        section.get_attribute("aria-label").as_deref(),
        Some("Transactions of Savings")
    );
    one(&root, "button", "Load more").click();
    assert_eq!(more.get_untracked(), 1);

    loading.set(true);
    leptos::task::tick().await;
    assert!(
        by_role(&root, "button", "Load more").is_empty(),
        "no double load"
    );
    assert_eq!(text_of(&one(&root, "status", "")), "Loading transactions…");

    loading.set(false);
    rows.update(|r| r.extend((3..6).map(|i| txn(i, false))));
    has_more.set(false);
    leptos::task::tick().await;
    assert_eq!(all(&root, "li").len(), 5);
    assert!(
        by_role(&root, "button", "Load more").is_empty(),
        "last page"
    );

    error.set(Some("We couldn't reach the server.".into()));
    leptos::task::tick().await;
    assert_eq!(
        text_of(&one(&root, "alert", "")),
        "We couldn't reach the server."
    );
    one(&root, "button", "Try again").click();
    assert_eq!(more.get_untracked(), 2);
    assert_eq!(all(&root, "li").len(), 5, "rows stay after an error");
}

#[wasm_bindgen_test]
async fn confirm_dialog_traps_focus_and_escape_cancels() {
    let root = container();
    let cancelled = RwSignal::new(0);
    let confirmed = RwSignal::new(0);
    let _m = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <button id="outside">"Outside"</button>
            <ConfirmDialog
                title="Remove Hooli Bank?"
                message="It will no longer be updated here."
                confirm_label="Remove"
                on_confirm=move |_| confirmed.update(|n| *n += 1)
                on_cancel=move |_| cancelled.update(|n| *n += 1)
            />
        }
    });
    leptos::task::tick().await;
    let dialog = one(&root, "dialog", "");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let title_id = dialog.get_attribute("aria-labelledby").unwrap();
    let title = document().get_element_by_id(&title_id).unwrap();
    assert_eq!(text_of(&title), "Remove Hooli Bank?");
    let desc_id = dialog.get_attribute("aria-describedby").unwrap();
    assert_eq!(
        text_of(&document().get_element_by_id(&desc_id).unwrap()),
        "It will no longer be updated here."
    );
    assert_eq!(active_id(), DIALOG_CANCEL_ID, "focus starts on Cancel");

    // Tab from the last button wraps to the first, Shift+Tab from the first to the last.
    let remove = one(&root, "button", "Remove");
    remove.focus().unwrap();
    key_with_shift(&remove, "Tab", false);
    assert_eq!(active_id(), DIALOG_CANCEL_ID);
    let cancel = document().get_element_by_id(DIALOG_CANCEL_ID).unwrap();
    key_with_shift(&cancel, "Tab", true);
    assert!(
        document()
            .active_element()
            .is_some_and(|a| text_of(&a) == "Remove")
    );

    key_with_shift(&dialog, "Escape", false);
    assert_eq!(cancelled.get_untracked(), 1, "Escape cancels");
    one(&root, "button", "Remove").click();
    assert_eq!(confirmed.get_untracked(), 1);
    assert_eq!(cancelled.get_untracked(), 1, "clicks inside do not cancel");
}

#[wasm_bindgen_test]
async fn credential_form_for_an_update_says_cancel_and_update() {
    let root = container();
    let backs = RwSignal::new(0);
    let conn = connection("invalid", None);
    let institution = bank_connect_core::connections::fallback_institution(&conn);
    let _m = leptos::mount::mount_to(root.clone(), move || {
        let institution = institution.clone();
        view! {
            <CredentialForm
                institution=Signal::derive(move || institution.clone())
                check=Signal::derive(FormCheck::default)
                submitting=Signal::derive(|| false)
                notice=Signal::derive(|| None)
                on_submit=|_| {}
                on_back=move |_| backs.update(|n| *n += 1)
                back_label="Cancel"
                submit_labels=("Update", "Checking…")
            />
        }
    });
    leptos::task::tick().await;
    one(&root, "heading", "Log in to Hooli Bank");
    assert!(by_role(&root, "button", "Choose another bank").is_empty());
    assert!(by_role(&root, "button", "Connect").is_empty());
    one(&root, "button", "Update");
    one(&root, "button", "Cancel").click();
    assert_eq!(backs.get_untracked(), 1);
}

#[wasm_bindgen_test]
async fn progress_for_a_refresh_is_headed_as_one() {
    let root = container();
    let _m = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <ConnectionProgress
                institution_name="Hooli Bank"
                view=Signal::derive(JobView::starting)
                usual_secs=None
                elapsed_secs=Signal::derive(|| 3)
                on_cancel=|_| {}
                on_background=|_| {}
                heading="Refreshing Hooli Bank"
            />
        }
    });
    leptos::task::tick().await;
    one(&root, "heading", "Refreshing Hooli Bank");
    assert!(by_role(&root, "heading", "Connecting to Hooli Bank").is_empty());
    one(&root, "button", "Cancel");
}

#[wasm_bindgen_test]
async fn a_3_0_card_says_its_method_and_access_end_and_offers_renew_not_a_password_form() {
    use bank_connect_core::connections::lifecycle;
    let root = container();
    let mut ob = connection("active", Some("2026-11-25T09:00:00Z"));
    ob.method = Some("open-banking".into());
    ob.expiry_date = Some("2026-11-28T12:00:00Z".into());
    let life_of = move |c: &ConnectionView| CardLifecycle {
        method: lifecycle::ConnectionMethod::parse(c.method.as_deref()).label(),
        status: lifecycle::status_label(c, true),
        access: lifecycle::access_end(c, now_ms()),
        actions: lifecycle::card_actions(c, true, now_ms()),
    };
    let life = RwSignal::new(life_of(&ob));
    let renews = RwSignal::new(0);
    let conn = ob.clone();
    let _m = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <ul>
                <ConnectionCard
                    connection=Signal::derive({
                        let c = conn.clone();
                        move || c.clone()
                    })
                    now_ms=Signal::derive(now_ms)
                    offer=Signal::derive(|| RefreshOffer::Offered)
                    error=Signal::derive(|| None::<String>)
                    on_refresh=|_| {}
                    on_update=|_| {}
                    on_remove=|_| {}
                    lifecycle=Some(Signal::from(life))
                    on_renew=Some(Callback::new(move |_| renews.update(|n| *n += 1)))
                >
                    <span class="none"></span>
                </ConnectionCard>
            </ul>
        }
    });
    leptos::task::tick().await;
    let fresh = root.query_selector(".bc-conn-fresh").unwrap().unwrap();
    assert_eq!(text_of(&fresh), "Open Banking · Last refreshed 3 hours ago");
    let warning = root.query_selector(".bc-conn-expiring").unwrap().unwrap();
    assert_eq!(
        text_of(&warning),
        "Access ends in 3 days (28 Nov 2026). Renew to keep your data up to date."
    );
    assert!(by_role(&root, "button", "Update password for Hooli Bank").is_empty());
    one(&root, "button", "Renew Hooli Bank").click();
    assert_eq!(renews.get_untracked(), 1);

    // Months left: the date only, no warning and no Renew.
    let mut far = ob.clone();
    far.expiry_date = Some("2027-06-01T00:00:00Z".into());
    life.set(life_of(&far));
    leptos::task::tick().await;
    assert!(root.query_selector(".bc-conn-expiring").unwrap().is_none());
    assert!(text_of(&root).contains("Access ends 1 Jun 2027"));
    assert!(by_role(&root, "button", "Renew Hooli Bank").is_empty());
}
