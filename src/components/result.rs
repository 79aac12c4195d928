//! The end of the flow: the connected bank's accounts, or a failure screen per error kind with
//! its way out.

use bank_connect_core::accounts::AccountRow;
use bank_connect_core::errors::{ErrorKind, Recovery, UserError};
use leptos::prelude::*;

use super::{Notice, STEP_HEADING_ID, StepHeading};

/// Success: the accounts of the new connection.
#[component]
pub fn ConnectedAccounts(
    /// The bank's name.
    #[prop(into)]
    institution_name: String,
    /// The rows, once loaded.
    #[prop(into)]
    rows: Signal<Option<Vec<AccountRow>>>,
    /// Why the accounts could not be loaded.
    #[prop(into)]
    error: Signal<Option<UserError>>,
    /// "Try again" for the accounts.
    #[prop(into)]
    on_reload: Callback<()>,
    /// "Connect another bank".
    #[prop(into)]
    on_another: Callback<()>,
) -> impl IntoView {
    let list = move || {
        if let Some(e) = error.get() {
            return view! {
                <Notice
                    title="We couldn't load your accounts"
                    message=e.message()
                    on_retry=on_reload
                />
            }
            .into_any();
        }
        match rows.get() {
            None => {
                view! { <p class="bc-live" role="status">"Loading your accounts…"</p> }.into_any()
            }
            Some(rows) if rows.is_empty() => view! {
                <p class="bc-live" role="status">
                    "Your bank is still sending your accounts. They will appear here soon."
                </p>
            }
            .into_any(),
            Some(rows) => account_list(rows, "Accounts".into()),
        }
    };
    view! {
        <section class="bc-result" aria-labelledby=STEP_HEADING_ID>
            <StepHeading>
                {format!("{institution_name} is connected")}
            </StepHeading>
            {list}
            <div class="bc-actions">
                <button type="button" class="bc-button bc-primary" on:click=move |_| on_another.run(())>
                    "Connect another bank"
                </button>
            </div>
        </section>
    }
}

/// A way out offered on a failure screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    /// "Try again".
    Retry,
    /// "Back to the login form".
    BackToForm,
    /// "Choose another bank".
    PickAnother,
    /// "Close".
    Close,
}

impl FailureAction {
    /// The button text.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Retry => "Try again",
            Self::BackToForm => "Back to the login form",
            Self::PickAnother => "Choose another bank",
            Self::Close => "Close",
        }
    }
}

/// The buttons for a recovery, the main one first.
pub fn actions_for(
    error: &UserError,
    recovery: Recovery,
    has_institution: bool,
) -> Vec<FailureAction> {
    use FailureAction as A;
    let mut actions = match recovery {
        Recovery::BackToForm { .. } => vec![A::BackToForm, A::PickAnother],
        Recovery::PickAnotherBank => vec![A::PickAnother],
        Recovery::RetryLater { .. } => vec![A::PickAnother, A::Retry],
        Recovery::ContactBank => vec![A::BackToForm, A::PickAnother],
        // The session-ended screen offers "Start again" itself.
        Recovery::ContactSupport | Recovery::StartAgain => vec![A::Close],
        Recovery::Retry | Recovery::ReauthenticateOnce => vec![A::Retry, A::PickAnother],
    };
    if !has_institution {
        actions.retain(|a| *a != A::BackToForm);
        if actions.is_empty() || error.kind == ErrorKind::SessionExpired {
            actions = vec![A::Retry];
        }
    }
    actions
}

/// A failure screen: what happened, what to do, and the ways out.
#[component]
pub fn FailureScreen(
    /// What went wrong.
    error: UserError,
    /// The way out.
    recovery: Recovery,
    /// The bank's name, when one was chosen.
    institution_name: Option<String>,
    /// A button was pressed.
    #[prop(into)]
    on_action: Callback<FailureAction>,
) -> impl IntoView {
    let actions = actions_for(&error, recovery, institution_name.is_some());
    let advice = match recovery {
        Recovery::ContactBank => Some(match &institution_name {
            Some(n) => format!("Once it's sorted with {n}, come back and connect again."),
            None => "Once it's sorted with your bank, come back and connect again.".to_string(),
        }),
        Recovery::RetryLater {
            after_secs: Some(s),
        } => Some(format!("Try again in about {s} s.")),
        _ => None,
    };
    let reference = error
        .correlation_id
        .clone()
        .map(|id| format!("Reference for support: {id}"));
    let buttons = actions
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let class = if i == 0 {
                "bc-button bc-primary"
            } else {
                "bc-button"
            };
            view! {
                <button type="button" class=class on:click=move |_| on_action.run(a)>
                    {a.label()}
                </button>
            }
        })
        .collect_view();
    let (title, message) = (error.title(), error.message());
    view! {
        <section class="bc-failure" aria-labelledby=STEP_HEADING_ID>
            <StepHeading>{title}</StepHeading>
            <p class="bc-failure-message" role="alert">{message}</p>
            {advice.map(|a| view! { <p>{a}</p> })}
            {reference.map(|r| view! { <p class="bc-reference">{r}</p> })}
            <div class="bc-actions">{buttons}</div>
        </section>
    }
}

/// "N accounts connected" and the list of them, labelled `label`.
pub fn account_list(rows: Vec<AccountRow>, label: String) -> AnyView {
    let count = rows.len();
    let items = rows
        .into_iter()
        .map(|r| {
            let available = r.available.clone();
            view! {
                <li class="bc-account">
                    <div class="bc-account-main">
                        <span class="bc-account-name">{r.name}</span>
                        <span class="bc-account-meta">{format!("{} · {}", r.kind, r.number)}</span>
                    </div>
                    <div class="bc-account-money">
                        <span class="bc-account-balance" class:bc-negative=r.negative>
                            <span class="bc-sr-only">"Balance "</span>
                            {r.balance}
                        </span>
                        {available
                            .map(|a| {
                                view! {
                                    <span class="bc-account-available">
                                        {format!("{a} available")}
                                    </span>
                                }
                            })}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="bc-live" role="status">
            {if count == 1 {
                "1 account connected".to_string()
            } else {
                format!("{count} accounts connected")
            }}
        </p>
        <ul class="bc-accounts" aria-label=label>{items}</ul>
    }
    .into_any()
}
