//! Live connection progress: each job step pending / running / done / failed, a progress bar,
//! "usually takes ~N s", a polite live region, "Continue in background" once the credentials
//! are verified, and Cancel.

use bank_connect_core::job::{JobView, StepState};
use leptos::prelude::*;

use super::{STEP_HEADING_ID, StepHeading};

fn state_text(state: StepState) -> &'static str {
    match state {
        StepState::Pending => "Waiting",
        StepState::Running => "In progress",
        StepState::Done => "Done",
        StepState::Failed => "Failed",
        StepState::Skipped => "Skipped",
    }
}

fn state_class(state: StepState) -> &'static str {
    match state {
        StepState::Pending => "bc-step bc-step-pending",
        StepState::Running => "bc-step bc-step-running",
        StepState::Done => "bc-step bc-step-done",
        StepState::Failed => "bc-step bc-step-failed",
        StepState::Skipped => "bc-step bc-step-skipped",
    }
}

fn state_icon(state: StepState) -> &'static str {
    match state {
        StepState::Pending => "○",
        StepState::Running => "◐",
        StepState::Done => "✓",
        StepState::Failed => "✕",
        StepState::Skipped => "–",
    }
}

/// The progress view.
#[component]
pub fn ConnectionProgress(
    /// The bank's name.
    #[prop(into)]
    institution_name: String,
    /// The job's steps as last polled.
    #[prop(into)]
    view: Signal<JobView>,
    /// The institution's usual duration in seconds, when known.
    usual_secs: Option<u64>,
    /// Seconds since the connection started.
    #[prop(into)]
    elapsed_secs: Signal<u64>,
    /// "Cancel".
    #[prop(into)]
    on_cancel: Callback<()>,
    /// "Continue in background".
    #[prop(into)]
    on_background: Callback<()>,
    /// The heading (default "Connecting to {bank}"; e.g. "Refreshing {bank}").
    #[prop(optional, into)]
    heading: Option<String>,
) -> impl IntoView {
    let percent = move || view.with(|v| (v.fraction_done() * 100.0).round() as u32);
    let live = move || {
        view.with(|v| {
            v.current_label()
                .map(|l| format!("{l}…"))
                .unwrap_or_else(|| "Finishing…".to_string())
        })
    };
    let steps = move || {
        view.get()
            .steps
            .into_iter()
            .map(|s| {
                view! {
                    <li class=state_class(s.state)>
                        <span class="bc-step-icon" aria-hidden="true">{state_icon(s.state)}</span>
                        <span class="bc-step-label">{s.label}</span>
                        <span class="bc-step-state">{state_text(s.state)}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let verified = move || view.with(JobView::credentials_verified);
    let timing = move || {
        let elapsed = elapsed_secs.get();
        match usual_secs {
            Some(n) => format!("This usually takes about {n} s. {elapsed} s so far."),
            None => format!("{elapsed} s so far."),
        }
    };

    view! {
        <section class="bc-progress-view" aria-labelledby=STEP_HEADING_ID>
            <StepHeading>
                {heading.unwrap_or_else(|| format!("Connecting to {institution_name}"))}
            </StepHeading>
            <p class="bc-live" role="status" aria-live="polite">{live}</p>
            <progress
                class="bc-progress"
                max="100"
                value=move || percent().to_string()
                aria-label="Connection progress"
            >
                {move || format!("{}%", percent())}
            </progress>
            <ol class="bc-steps" aria-label="Steps">{steps}</ol>
            <p class="bc-timing">{timing}</p>
            <div class="bc-actions">
                <button type="button" class="bc-button" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
                <Show when=verified>
                    <button
                        type="button"
                        class="bc-button bc-primary"
                        on:click=move |_| on_background.run(())
                    >
                        "Continue in background"
                    </button>
                </Show>
            </div>
        </section>
    }
}
