//! An accessible confirmation dialog: `role="dialog"` with `aria-modal`, labelled by its
//! heading and described by its message; focus starts on "Cancel", Tab and Shift+Tab stay
//! inside, Escape cancels.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// The dialog's heading id.
pub const DIALOG_TITLE_ID: &str = "bc-dialog-title";
/// The dialog's message id.
pub const DIALOG_MESSAGE_ID: &str = "bc-dialog-message";
/// The "Cancel" button's id (focused when the dialog opens).
pub const DIALOG_CANCEL_ID: &str = "bc-dialog-cancel";

const FOCUSABLE: &str = "button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])";

fn focusables(root: &web_sys::Element) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// The dialog (render it only while it is open).
#[component]
pub fn ConfirmDialog(
    /// Heading: the question.
    #[prop(into)]
    title: String,
    /// What confirming does.
    #[prop(into)]
    message: String,
    /// The confirm button's text ("Remove").
    #[prop(into)]
    confirm_label: String,
    /// Confirmed.
    #[prop(into)]
    on_confirm: Callback<()>,
    /// Cancelled (button, Escape or a click on the backdrop).
    #[prop(into)]
    on_cancel: Callback<()>,
    /// More between the message and the buttons (an option, the reason a try failed).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let first = el
                .query_selector(&format!("#{DIALOG_CANCEL_ID}"))
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            if let Some(b) = first {
                let _ = b.focus();
            }
        }
    });
    let on_key = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            on_cancel.run(());
        }
        "Tab" => {
            let Some(el) = dialog.get_untracked() else {
                return;
            };
            let items = focusables(&el);
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                ev.prevent_default();
                return;
            };
            let active = document().active_element();
            let is = |h: &HtmlElement| {
                active
                    .as_ref()
                    .is_some_and(|a| a.is_same_node(Some(h.unchecked_ref())))
            };
            let inside = active
                .as_ref()
                .is_some_and(|a| el.contains(Some(a.unchecked_ref())));
            if ev.shift_key() && (is(first) || !inside) {
                ev.prevent_default();
                let _ = last.focus();
            } else if !ev.shift_key() && (is(last) || !inside) {
                ev.prevent_default();
                let _ = first.focus();
            }
        }
        _ => {}
    };
    view! {
        <div class="bc-dialog-backdrop" on:click=move |_| on_cancel.run(())>
            <div
                class="bc-dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=DIALOG_TITLE_ID
                aria-describedby=DIALOG_MESSAGE_ID
                node_ref=dialog
                on:keydown=on_key
                on:click=|ev| ev.stop_propagation()
            >
                <h2 id=DIALOG_TITLE_ID class="bc-dialog-title">{title}</h2>
                <p id=DIALOG_MESSAGE_ID>{message}</p>
                {children.map(|c| c())}
                <div class="bc-actions">
                    <button
                        type="button"
                        id=DIALOG_CANCEL_ID
                        class="bc-button"
                        on:click=move |_| on_cancel.run(())
                    >
                        "Cancel"
                    </button>
                    <button
                        type="button"
                        class="bc-button bc-danger"
                        on:click=move |_| on_confirm.run(())
                    >
                        {confirm_label}
                    </button>
                </div>
            </div>
        </div>
    }
}
