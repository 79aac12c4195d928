//! The "+ Connect a bank" button that opens the flow.

use leptos::prelude::*;

/// The button's id (focus returns there when the flow closes).
pub const PLUS_BUTTON_ID: &str = "bc-plus";

/// A real `<button>` that opens the connect flow.
#[component]
pub fn PlusButton(
    /// Called on activation (click, Enter, Space).
    #[prop(into)]
    on_click: Callback<()>,
) -> impl IntoView {
    view! {
        <button id=PLUS_BUTTON_ID type="button" class="bc-button bc-primary bc-plus" on:click=move |_| on_click.run(())>
            "+ Connect a bank"
        </button>
    }
}
