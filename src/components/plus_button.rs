//! The "+ Connect a bank" button that opens the flow.

use leptos::prelude::*;

/// A real `<button>` that opens the connect flow.
#[component]
pub fn PlusButton(
    /// Called on activation (click, Enter, Space).
    #[prop(into)]
    on_click: Callback<()>,
) -> impl IntoView {
    view! {
        <button id="bc-plus" type="button" class="bc-button bc-primary bc-plus" on:click=move |_| on_click.run(())>
            "+ Connect a bank"
        </button>
    }
}
