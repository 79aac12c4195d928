//! The screen for a session our server no longer accepts: what happened, and "Start again".

use bank_connect_core::errors::{ErrorKind, UserError};
use leptos::prelude::*;

use super::{Notice, StepHeading};

/// "Your session has ended": says why in plain words and offers "Start again" (a new visitor);
/// `error` is why the last start failed, `starting` disables the button meanwhile. In a host's
/// frame only the host site can start a session, so it says to go back there instead.
#[component]
pub fn SessionEnded(
    /// True while the new session is being started.
    #[prop(into)]
    starting: Signal<bool>,
    /// Why starting again failed, if it did.
    #[prop(into)]
    error: Signal<Option<UserError>>,
    /// The person chose to start again.
    on_start_again: Callback<()>,
    /// Embedded in a host's page: no "Start again" here.
    #[prop(optional)]
    embedded: bool,
) -> impl IntoView {
    let kind = ErrorKind::SessionEnded;
    if embedded {
        return view! {
            <div class="bc-session-ended">
                <StepHeading>{kind.title()}</StepHeading>
                <p>
                    "For your security, this browser's session ended (it was unused for a while, \
                     was signed out, or the service was restarted)."
                </p>
                <p>"Close this window and start again from the site you came from."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="bc-session-ended">
            <StepHeading>{kind.title()}</StepHeading>
            <p>{kind.message()}</p>
            {move || {
                error
                    .get()
                    .map(|e| view! { <Notice title=e.title() message=e.message() /> })
            }}
            <div class="bc-actions">
                <button
                    type="button"
                    class="bc-button bc-primary"
                    disabled=move || starting.get()
                    on:click=move |_| on_start_again.run(())
                >
                    {move || if starting.get() { "Starting again…" } else { "Start again" }}
                </button>
            </div>
        </div>
    }
    .into_any()
}
