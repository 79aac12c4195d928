//! The step heading every screen starts with, and the notice that says what went wrong.

use leptos::prelude::*;

/// The id of the current step's heading: focus moves there when a step begins.
pub const STEP_HEADING_ID: &str = "bc-step-heading";

/// A step's heading (`<h2>`, focusable from script so a new step can take the focus).
#[component]
pub fn StepHeading(children: Children) -> impl IntoView {
    view! {
        <h2 id=STEP_HEADING_ID class="bc-step-heading" tabindex="-1">
            {children()}
        </h2>
    }
}

/// An alert with a title, a sentence and, when `on_retry` is given, "Try again".
#[component]
pub fn Notice(
    /// What failed ("We couldn't load your accounts").
    #[prop(into)]
    title: String,
    /// Why, or what to do.
    #[prop(into)]
    message: String,
    /// "Try again".
    #[prop(optional, into)]
    on_retry: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <div class="bc-notice" role="alert">
            <p class="bc-notice-title">{title}</p>
            <p>{message}</p>
            {on_retry
                .map(|retry| {
                    view! {
                        <button type="button" class="bc-button" on:click=move |_| retry.run(())>
                            "Try again"
                        </button>
                    }
                })}
        </div>
    }
}
