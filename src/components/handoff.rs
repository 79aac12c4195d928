//! The screens of the hand-off to Basiq's Consent UI (API 3.0): "Continue to {bank}", "Finish
//! in the Basiq window", the progress of the visit's jobs, the connected banks, and how a visit
//! ended.

use bank_connect_core::errors::UserError;
use bank_connect_core::handoff::{BankAccounts, Ending};
use leptos::prelude::*;

use super::result::account_list;
use super::{Notice, STEP_HEADING_ID, StepHeading};

/// "Continue to {bank}": what will happen, and the button that goes there.
#[component]
pub fn ContinueStep(
    /// The bank's name, when one was chosen here.
    bank_name: Option<String>,
    /// Popup mode (the widget is in a frame).
    popup: bool,
    /// The browser blocked the last popup.
    #[prop(into)]
    blocked: Signal<bool>,
    /// The button: opens Basiq's page (popup mode: the window opens in this click).
    #[prop(into)]
    on_continue: Callback<()>,
    /// "Back" to the bank list.
    #[prop(into)]
    on_back: Callback<()>,
) -> impl IntoView {
    let bank = bank_name.clone().unwrap_or_else(|| "your bank".into());
    let heading = match &bank_name {
        Some(b) => format!("Continue to {b}"),
        None => "Continue to Basiq".into(),
    };
    let opens = if popup {
        "Basiq's secure page opens in a new window."
    } else {
        "This page takes you to Basiq's secure page."
    };
    view! {
        <section class="bc-handoff" aria-labelledby=STEP_HEADING_ID>
            <StepHeading>{heading}</StepHeading>
            <p>"Basiq, our open-banking partner, connects your bank. What happens next:"</p>
            <ol class="bc-handoff-steps">
                <li>{opens}</li>
                <li>{format!("You choose what to share and give your consent at {bank}.")}</li>
                <li>"Then you come back here, and we show your accounts."</li>
            </ol>
            <p class="bc-note">"We never see your bank login: you give it to your bank only."</p>
            <Show when=move || blocked.get()>
                <div class="bc-notice" role="alert">
                    <p class="bc-notice-title">"Your browser blocked the Basiq window"</p>
                    <p>"Allow pop-ups for this site, or press the button again."</p>
                </div>
            </Show>
            <div class="bc-actions">
                <button
                    type="button"
                    class="bc-button bc-primary"
                    on:click=move |_| on_continue.run(())
                >
                    {move || if blocked.get() { "Try again" } else { "Continue to Basiq" }}
                </button>
                <button type="button" class="bc-button" on:click=move |_| on_back.run(())>
                    "Back"
                </button>
            </div>
        </section>
    }
}

/// Popup mode: the person works in the Basiq window.
#[component]
pub fn WaitingForPopup(
    /// "Show the window again".
    #[prop(into)]
    on_show: Callback<()>,
    /// "Cancel".
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <section class="bc-handoff" aria-labelledby=STEP_HEADING_ID>
            <StepHeading>"Finish in the Basiq window"</StepHeading>
            <p>
                "Basiq's secure page is open in another window. Finish there: this page carries on by itself when you're done."
            </p>
            <p class="bc-live" role="status">"Waiting for you to finish at Basiq…"</p>
            <div class="bc-actions">
                <button
                    type="button"
                    class="bc-button bc-primary"
                    on:click=move |_| on_show.run(())
                >
                    "Show the window again"
                </button>
                <button type="button" class="bc-button" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
            </div>
        </section>
    }
}

/// A job of the visit as the progress screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLine {
    /// The bank, or "Bank N" until a poll names it.
    pub bank: String,
    /// Where it is, in words.
    pub state: String,
}

/// Opening Basiq's page, checking the return, and following every job of the visit.
#[component]
pub fn HandoffProgress(
    /// The heading.
    #[prop(into)]
    heading: String,
    /// One line per job (empty while the return is checked).
    #[prop(into)]
    jobs: Signal<Vec<JobLine>>,
) -> impl IntoView {
    let lines = move || {
        jobs.get()
            .into_iter()
            .map(|j| {
                view! {
                    <li class="bc-step">
                        <span class="bc-step-label">{j.bank}</span>
                        <span class="bc-step-state">{j.state}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let status = move || {
        let jobs = jobs.get();
        let done = jobs.iter().filter(|j| j.state == "Done").count();
        match jobs.len() {
            0 => "Please wait…".to_string(),
            n => format!("{done} of {n} banks done"),
        }
    };
    view! {
        <section class="bc-progress" aria-labelledby=STEP_HEADING_ID>
            <StepHeading>{heading}</StepHeading>
            <p class="bc-live" role="status">{status}</p>
            <ul class="bc-steps" aria-label="Banks">{lines}</ul>
        </section>
    }
}

/// The banks the visit connected, each with its accounts.
#[component]
pub fn BanksConnected(
    /// How many banks were connected.
    count: usize,
    /// The banks and their accounts, once loaded.
    #[prop(into)]
    banks: Signal<Option<Vec<BankAccounts>>>,
    /// Why the accounts could not be loaded.
    #[prop(into)]
    error: Signal<Option<UserError>>,
    /// Jobs of the visit that failed.
    failed: usize,
    /// "Try again" for the accounts.
    #[prop(into)]
    on_reload: Callback<()>,
    /// "Connect another bank".
    #[prop(into)]
    on_another: Callback<()>,
    /// "See your connected banks".
    #[prop(default = None)]
    on_banks: Option<Callback<()>>,
) -> impl IntoView {
    let heading = move || match banks.get() {
        Some(b) if b.len() == 1 => format!("{} is connected", b[0].institution_name),
        _ if count == 1 => "Your bank is connected".to_string(),
        _ => format!("{count} banks are connected"),
    };
    let list = move || {
        if let Some(e) = error.get() {
            return view! {
                <Notice title="We couldn't load your accounts" message=e.message() on_retry=on_reload />
            }
            .into_any();
        }
        match banks.get() {
            None => {
                view! { <p class="bc-live" role="status">"Loading your accounts…"</p> }.into_any()
            }
            Some(banks) => banks
                .into_iter()
                .map(|b| {
                    let label = format!("Accounts at {}", b.institution_name);
                    view! {
                        <section class="bc-bank">
                            <h3 class="bc-bank-name">{b.institution_name.clone()}</h3>
                            {account_list(b.rows, label)}
                        </section>
                    }
                })
                .collect_view()
                .into_any(),
        }
    };
    view! {
        <section class="bc-result" aria-labelledby=STEP_HEADING_ID>
            <StepHeading>{heading}</StepHeading>
            {(failed > 0)
                .then(|| {
                    view! {
                        <p class="bc-note">
                            {format!("{failed} other bank(s) in this visit could not be connected.")}
                        </p>
                    }
                })}
            {list}
            <div class="bc-actions">
                <button type="button" class="bc-button bc-primary" on:click=move |_| on_another.run(())>
                    "Connect another bank"
                </button>
                {banks_button(on_banks, false)}
            </div>
        </section>
    }
}

/// How a visit ended when nothing was connected: what happened and the ways out.
#[component]
pub fn HandoffEnded(
    /// What happened.
    ending: Ending,
    /// "Try again" (absent when it makes no sense).
    on_retry: Option<Callback<()>>,
    /// "Choose another bank".
    #[prop(into)]
    on_pick: Callback<()>,
    /// "See your connected banks".
    #[prop(default = None)]
    on_banks: Option<Callback<()>>,
) -> impl IntoView {
    let (title, sentence) = (ending.title(), ending.sentence());
    // Back from managing the consent, the banks are where the person goes next.
    let banks_first = ending == Ending::ConsentManaged;
    view! {
        <section class="bc-failure" aria-labelledby=STEP_HEADING_ID>
            <StepHeading>{title}</StepHeading>
            <p class="bc-failure-message" role="alert">{sentence}</p>
            <div class="bc-actions">
                {on_retry
                    .map(|retry| {
                        view! {
                            <button
                                type="button"
                                class="bc-button bc-primary"
                                on:click=move |_| retry.run(())
                            >
                                "Try again"
                            </button>
                        }
                    })}
                {banks_first.then(|| banks_button(on_banks, true))}
                <button type="button" class="bc-button" on:click=move |_| on_pick.run(())>
                    "Choose another bank"
                </button>
                {(!banks_first).then(|| banks_button(on_banks, false))}
            </div>
        </section>
    }
}

/// "See your connected banks", when the container offers it.
fn banks_button(on_banks: Option<Callback<()>>, primary: bool) -> impl IntoView {
    let class = if primary {
        "bc-button bc-primary"
    } else {
        "bc-button"
    };
    on_banks.map(|banks| {
        view! {
            <button type="button" class=class on:click=move |_| banks.run(())>
                "See your connected banks"
            </button>
        }
    })
}
