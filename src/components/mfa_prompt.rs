//! The bank's security check: one labelled input per challenge prompt, worded for a one-time
//! code or for security questions, with the time left. Answers live only in the inputs; the
//! submit builds Basiq's body (core), clears the inputs and hands the body on.

use bank_connect_core::basiq::MfaChallenge;
use bank_connect_core::validation::{self, MfaMessage};
use leptos::prelude::*;

use super::StepHeading;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

/// The DOM id of the `index`-th answer input.
pub fn answer_id(index: usize) -> String {
    format!("bc-mfa-{index}")
}

fn answer_input(index: usize) -> Option<HtmlInputElement> {
    document()
        .get_element_by_id(&answer_id(index))
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
}

/// Empties the first `count` answer inputs.
fn clear_answers(count: usize) {
    for e in (0..count).filter_map(answer_input) {
        e.set_value("");
    }
}

/// "1:05" for 65 seconds.
pub fn clock(secs: u64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The MFA form.
#[component]
pub fn MfaPrompt(
    /// The bank's name.
    #[prop(into)]
    institution_name: String,
    /// The challenge.
    #[prop(into)]
    challenge: Signal<MfaChallenge>,
    /// A message above the inputs (e.g. a refused answer).
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Seconds left to answer, when the challenge states an expiry.
    #[prop(into)]
    seconds_left: Signal<Option<u64>>,
    /// True while the answer is being sent or checked.
    #[prop(into)]
    busy: Signal<bool>,
    /// The answers' request body, to send straight away.
    #[prop(into)]
    on_submit: Callback<String>,
    /// "Cancel".
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let messages = RwSignal::new(Vec::<MfaMessage>::new());
    let is_code = Memo::new(move |_| challenge.with(validation::is_code_challenge));
    // The inputs follow the prompts, not every update of the challenge around them.
    let prompts = Memo::new(move |_| challenge.with(|c| c.input.clone()));
    // A different question: what was typed for the old one goes.
    Effect::new(move |first: Option<()>| {
        let count = prompts.with(Vec::len);
        if first.is_some() {
            clear_answers(count);
            messages.set(Vec::new());
        }
    });
    let heading = move || {
        if is_code.get() {
            "Enter the code from your bank".to_string()
        } else if challenge.with(|c| c.input.len() > 1) {
            "Answer your bank's security questions".to_string()
        } else {
            "Answer your bank's security question".to_string()
        }
    };
    let description = move || {
        challenge.with(|c| {
            c.description.clone().unwrap_or_else(|| {
                if validation::is_code_challenge(c) {
                    format!("{institution_name} sent you a one-time code.")
                } else {
                    format!("{institution_name} asks you to confirm it's you.")
                }
            })
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let count = challenge.with_untracked(|c| c.input.len());
        let answers: Vec<String> = (0..count)
            .map(|i| answer_input(i).map(|e| e.value()).unwrap_or_default())
            .collect();
        let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
        let problems = challenge.with_untracked(|c| validation::check_mfa_answers(c, &refs));
        if let Some(first) = problems.first().and_then(|m| answer_input(m.index)) {
            let _ = first.focus();
            messages.set(problems);
            return;
        }
        messages.set(Vec::new());
        let body = validation::mfa_request_body(&refs);
        clear_answers(count);
        on_submit.run(body);
    };

    let inputs = move || {
        let code = is_code.get();
        prompts
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, prompt)| answer_view(i, prompt, code, messages))
            .collect_view()
    };

    view! {
        <form class="bc-form" novalidate=true on:submit=submit>
            <StepHeading>{heading}</StepHeading>
            <p>{description}</p>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="bc-notice" role="alert">
                                {e}
                            </p>
                        }
                    })
            }}
            {inputs}
            <p class="bc-timing" aria-live="off">
                {move || {
                    seconds_left
                        .get()
                        .map(|s| format!("Time left to answer: {}", clock(s)))
                }}
            </p>
            <div class="bc-actions">
                <button type="button" class="bc-button" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
                <button type="submit" class="bc-button bc-primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Checking…" } else { "Continue" }}
                </button>
            </div>
        </form>
    }
}

/// One answer's labelled input and its message.
fn answer_view(
    i: usize,
    prompt: String,
    code: bool,
    messages: RwSignal<Vec<MfaMessage>>,
) -> impl IntoView {
    let id = answer_id(i);
    let msg_id = format!("{id}-msg");
    let message =
        move || messages.with(|m| m.iter().find(|m| m.index == i).map(|m| m.text.clone()));
    let described = {
        let msg_id = msg_id.clone();
        move || message().map(|_| msg_id.clone())
    };
    view! {
        <div class="bc-field">
            <label class="bc-label" for=id.clone()>{prompt}</label>
            <input
                id=id
                class="bc-input"
                type="text"
                autocomplete=if code { "one-time-code" } else { "off" }
                inputmode=code.then_some("numeric")
                spellcheck="false"
                required=true
                aria-required="true"
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=described
            />
            {move || {
                message()
                    .map(|text| {
                        view! {
                            <p id=msg_id.clone() class="bc-hint bc-hint-error">
                                {text}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
