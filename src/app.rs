//! The one container: owns the widget's state and does its I/O through `api.rs`.

use leptos::prelude::*;

use crate::api;
use crate::components::{InstitutionList, PlusButton};

/// The widget.
#[component]
pub fn App() -> impl IntoView {
    let open = RwSignal::new(false);
    let directory = LocalResource::new(move || {
        let open = open.get();
        async move {
            if open {
                Some(api::fetch_institutions().await)
            } else {
                None
            }
        }
    });

    let body = move || {
        if !open.get() {
            return view! { <PlusButton on_click=move |_| open.set(true) /> }.into_any();
        }
        match directory.get() {
            None | Some(None) => {
                view! { <p class="status" role="status">"Loading banks…"</p> }.into_any()
            }
            Some(Some(Err(e))) => view! {
                <div class="error" role="alert">
                    <p>{e.to_string()}</p>
                    <button type="button" on:click=move |_| directory.refetch()>"Try again"</button>
                </div>
            }
            .into_any(),
            Some(Some(Ok(dir))) => view! {
                <h2 id="picker-title">"Choose your bank"</h2>
                <InstitutionList institutions=dir.institutions labelled_by="picker-title" />
            }
            .into_any(),
        }
    };

    view! {
        <main class="widget">
            <header class="widget-header">
                <h1>"Connect your bank"</h1>
            </header>
            <section class="widget-body">{body}</section>
        </main>
    }
}
