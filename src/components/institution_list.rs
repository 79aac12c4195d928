//! A list of institutions: logo (initials when the image fails), name, service type, status.

use bank_connect_core::InstitutionSummary;
use leptos::prelude::*;

/// The institutions, in the order given.
#[component]
pub fn InstitutionList(
    /// What to show.
    institutions: Vec<InstitutionSummary>,
    /// Id of the heading that names the list.
    #[prop(into)]
    labelled_by: String,
) -> impl IntoView {
    let count = institutions.len();
    let items = institutions
        .into_iter()
        .map(|i| {
            let badge = status_badge(&i.status);
            view! {
                <li class="institution">
                    <InstitutionLogo institution=i.clone() />
                    <span class="institution-text">
                        <span class="institution-name">{i.name.clone()}</span>
                        <span class="institution-meta">{i.service_type.clone()}</span>
                    </span>
                    {badge.map(|(class, text)| view! { <span class=format!("badge {class}")>{text}</span> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="count" aria-live="polite">{format!("{count} banks")}</p>
        <ul class="institutions" aria-labelledby=labelled_by>{items}</ul>
    }
}

/// Badge class and text for a non-operational status.
fn status_badge(status: &str) -> Option<(&'static str, &'static str)> {
    match status {
        "operational" => None,
        "degraded-performance" => Some(("warn", "Slow")),
        "partial-outage" => Some(("warn", "Partial outage")),
        "under-maintenance" => Some(("warn", "Maintenance")),
        "major-outage" => Some(("down", "Unavailable")),
        _ => Some(("warn", "Status unknown")),
    }
}

/// The institution's square logo; its initials when there is none or it fails to load.
#[component]
pub fn InstitutionLogo(
    /// Whose logo.
    institution: InstitutionSummary,
) -> impl IntoView {
    let failed = RwSignal::new(false);
    let initials = institution.initials();
    let logo = institution.logo.clone();
    move || {
        match (&logo, failed.get()) {
        (Some(src), false) => view! {
            <img class="logo" src=src.clone() alt="" width="40" height="40" loading="lazy" on:error=move |_| failed.set(true) />
        }
        .into_any(),
        _ => view! { <span class="logo logo-initials" aria-hidden="true">{initials.clone()}</span> }.into_any(),
    }
    }
}
