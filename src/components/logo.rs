//! An institution's square logo, with its initials when there is none or the image fails.

use bank_connect_core::InstitutionSummary;
use leptos::prelude::*;

/// The logo (decorative: the name is always shown beside it). A fixed 40×40 box, fetched only
/// when its row scrolls into view and decoded off the frame that shows the list.
#[component]
pub fn InstitutionLogo(
    /// Whose logo.
    institution: InstitutionSummary,
) -> impl IntoView {
    let failed = RwSignal::new(false);
    let initials = institution.initials();
    let logo = institution.logo.clone();
    move || match (&logo, failed.get()) {
        (Some(src), false) => view! {
            <img
                class="bc-logo"
                src=src.clone()
                alt=""
                width="40"
                height="40"
                loading="lazy"
                decoding="async"
                on:error=move |_| failed.set(true)
            />
        }
        .into_any(),
        _ => view! {
            <span class="bc-logo bc-logo-initials" aria-hidden="true">
                {initials.clone()}
            </span>
        }
        .into_any(),
    }
}

/// The empty box a logo will fill (same size, so nothing moves when it comes).
pub fn logo_pending() -> impl IntoView {
    view! { <span class="bc-logo bc-logo-pending" aria-hidden="true"></span> }
}
