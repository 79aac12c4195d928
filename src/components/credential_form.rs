//! The credential form: one labelled input per caption the institution has, show/hide for
//! secrets, caps-lock and leading/trailing-space warnings, required-field messages linked with
//! `aria-describedby`. The values live only in the inputs: on submit the form builds Basiq's
//! request body (core), clears the secret inputs and hands the body on to be sent straight away.

use bank_connect_core::InstitutionSummary;
use bank_connect_core::errors::UserError;
use bank_connect_core::validation::{
    self, CredentialInput, Field, FieldMessage, FieldSpec, FormCheck, Severity,
};
use leptos::html;
use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::{InstitutionLogo, Notice, StepHeading};

/// What a submit produced. `body` (credentials in Basiq's JSON) is present only when the check
/// passed; send it at once and drop it.
#[derive(Clone)]
pub struct CredentialSubmit {
    /// The login id typed, to pre-fill the form if the bank refuses it.
    pub login_id: String,
    /// The form check (no credentials in it).
    pub check: FormCheck,
    /// The request body for `POST /users/{id}/connections`.
    pub body: Option<String>,
}

impl std::fmt::Debug for CredentialSubmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the body: it holds the password.
        f.debug_struct("CredentialSubmit")
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

/// The message element's id for an input (`aria-describedby`).
pub fn message_id(field: Field) -> String {
    format!("{}-msg", field.input_id())
}

/// The form's inputs, one reference per field (the values live only in them).
#[derive(Clone, Copy)]
struct Inputs {
    login_id: NodeRef<html::Input>,
    secondary_login_id: NodeRef<html::Input>,
    password: NodeRef<html::Input>,
    security_code: NodeRef<html::Input>,
}

impl Inputs {
    fn new() -> Self {
        Self {
            login_id: NodeRef::new(),
            secondary_login_id: NodeRef::new(),
            password: NodeRef::new(),
            security_code: NodeRef::new(),
        }
    }

    fn of(&self, field: Field) -> NodeRef<html::Input> {
        match field {
            Field::LoginId => self.login_id,
            Field::SecondaryLoginId => self.secondary_login_id,
            Field::Password => self.password,
            Field::SecurityCode => self.security_code,
        }
    }

    fn input(&self, field: Field) -> Option<HtmlInputElement> {
        self.of(field).get_untracked()
    }

    fn value(&self, field: Field) -> String {
        self.input(field).map(|i| i.value()).unwrap_or_default()
    }
}

/// Reads every input and checks it with core's rules.
fn check_now(inputs: Inputs, fields: &[FieldSpec]) -> FormCheck {
    let (login, secondary, password, code) = (
        inputs.value(Field::LoginId),
        inputs.value(Field::SecondaryLoginId),
        inputs.value(Field::Password),
        inputs.value(Field::SecurityCode),
    );
    validation::check_credentials(
        fields,
        &CredentialInput {
            login_id: &login,
            secondary_login_id: &secondary,
            password: &password,
            security_code: &code,
        },
    )
}

/// The form.
#[component]
pub fn CredentialForm(
    /// The chosen institution (fresh details may replace it while the form is open).
    #[prop(into)]
    institution: Signal<InstitutionSummary>,
    /// Login id to pre-fill (after a refusal).
    #[prop(optional, into)]
    login_prefill: Option<String>,
    /// The check of the last submit (errors to show).
    #[prop(into)]
    check: Signal<FormCheck>,
    /// True while the credentials are being sent.
    #[prop(into)]
    submitting: Signal<bool>,
    /// Why the person is back at the form (e.g. the bank refused the details).
    #[prop(into)]
    notice: Signal<Option<UserError>>,
    /// The form was submitted.
    #[prop(into)]
    on_submit: Callback<CredentialSubmit>,
    /// "Choose another bank".
    #[prop(into)]
    on_back: Callback<()>,
    /// The back button's text (default "Choose another bank"; "Cancel" when updating).
    #[prop(optional, into)]
    back_label: Option<String>,
    /// The submit button's text and its text while sending (default "Connect", "Connecting…").
    #[prop(optional)]
    submit_labels: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let fields = Memo::new(move |_| institution.with(validation::form_fields));
    let ui = FieldsUi {
        inputs: Inputs::new(),
        fields,
        live: RwSignal::new(FormCheck::default()),
        check,
        caps_lock: RwSignal::new(false),
        revealed: RwSignal::new(false),
    };
    let (inputs, revealed) = (ui.inputs, ui.revealed);
    // On a submit, the flow's check becomes the live one.
    Effect::new(move |_| ui.live.set(check.get()));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if submitting.get_untracked() {
            return;
        }
        let institution_id = institution.with_untracked(|i| i.id.clone());
        on_submit.run(read_and_clear(
            inputs,
            revealed,
            &fields.get_untracked(),
            &institution_id,
        ));
    };

    let prefill = login_prefill.unwrap_or_default();

    let name = move || institution.with(|i| i.name.clone());
    // A link only when it is `https:` (never `javascript:`, `data:` or plain `http:`).
    let forgot = move || {
        institution.with(|i| {
            i.forgotten_password_url
                .as_deref()
                .and_then(bank_connect_core::links::https_link)
                .map(str::to_owned)
        })
    };

    view! {
        <form class="bc-form" novalidate=true on:submit=submit>
            <div class="bc-step-head">
                {move || view! { <InstitutionLogo institution=institution.get() /> }}
                <StepHeading>
                    {move || format!("Log in to {}", name())}
                </StepHeading>
            </div>
            {move || {
                notice
                    .get()
                    .map(|n| {
                        view! {
                            <Notice title=n.title() message=n.message() />
                        }
                    })
            }}
            <For
                each=move || fields.get()
                key=|spec| spec.field
                children=move |spec| field_view(ui, spec, prefill.clone())
            />
            {move || {
                forgot()
                    .map(forgot_link)
            }}
            <p class="bc-secure-note">
                {move || {
                    format!(
                        "Your details go straight to {}'s data provider, Basiq, over an encrypted connection. They are never stored.",
                        name(),
                    )
                }}
            </p>
            {form_actions(on_back, back_label, submitting, submit_labels)}
        </form>
    }
}

/// Reads and checks the inputs; when the check passes, builds Basiq's request body and clears
/// the secret inputs (they leave the page the moment they are sent), else focuses the first
/// field in error.
fn read_and_clear(
    inputs: Inputs,
    revealed: RwSignal<bool>,
    fields: &[FieldSpec],
    institution_id: &str,
) -> CredentialSubmit {
    let (login, secondary, password, code) = (
        inputs.value(Field::LoginId),
        inputs.value(Field::SecondaryLoginId),
        inputs.value(Field::Password),
        inputs.value(Field::SecurityCode),
    );
    let credentials = CredentialInput {
        login_id: &login,
        secondary_login_id: &secondary,
        password: &password,
        security_code: &code,
    };
    let check = validation::check_credentials(fields, &credentials);
    let body = check
        .can_submit()
        .then(|| validation::connection_request_body(institution_id, fields, &credentials));
    if body.is_some() {
        // The secrets leave the page's inputs the moment they are sent.
        for field in [Field::Password, Field::SecurityCode] {
            if let Some(i) = inputs.input(field) {
                i.set_value("");
            }
        }
        revealed.set(false);
    } else if let Some(first) = check.first_error().and_then(|f| inputs.input(f)) {
        let _ = first.focus();
    }
    CredentialSubmit {
        login_id: login.clone(),
        check,
        body,
    }
}

/// The bank's "forgot your password" link, opening in a new tab.
fn forgot_link(url: String) -> impl IntoView {
    view! {
        <p class="bc-forgot">
            <a href=url target="_blank" rel="noopener noreferrer">
                "Forgot your password?"
                <span class="bc-sr-only">" (opens in a new tab)"</span>
            </a>
        </p>
    }
}

/// The back and submit buttons.
fn form_actions(
    on_back: Callback<()>,
    back_label: Option<String>,
    submitting: Signal<bool>,
    submit_labels: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <div class="bc-actions">
            <button type="button" class="bc-button" on:click=move |_| on_back.run(())>
                {back_label.unwrap_or_else(|| "Choose another bank".to_string())}
            </button>
            <button type="submit" class="bc-button bc-primary" disabled=move || submitting.get()>
                {move || {
                    let (idle, busy) = submit_labels.unwrap_or(("Connect", "Connecting…"));
                    if submitting.get() { busy } else { idle }
                }}
            </button>
        </div>
    }
}

/// What the inputs share: their references, the live check, Caps Lock and show/hide.
#[derive(Clone, Copy)]
struct FieldsUi {
    inputs: Inputs,
    fields: Memo<Vec<FieldSpec>>,
    /// Warnings (and errors of fields already submitted) as the person types.
    live: RwSignal<FormCheck>,
    /// The check of the last submit.
    check: Signal<FormCheck>,
    caps_lock: RwSignal<bool>,
    revealed: RwSignal<bool>,
}

impl FieldsUi {
    /// The messages shown under an input: warnings, and errors once the form was submitted.
    fn messages_for(&self, field: Field) -> Vec<FieldMessage> {
        let submitted_error = self
            .check
            .with(|c| c.for_field(field).any(|m| m.severity == Severity::Error));
        self.live.with(|l| {
            l.for_field(field)
                .filter(|m| m.severity == Severity::Warning || submitted_error)
                .cloned()
                .collect::<Vec<_>>()
        })
    }

    /// Checks every input again as the person types.
    fn recheck(&self) {
        let inputs = self.inputs;
        let c = self.fields.with_untracked(|f| check_now(inputs, f));
        self.live.set(c);
    }

    fn caps_lock_from(&self, ev: &web_sys::KeyboardEvent) {
        self.caps_lock.set(ev.get_modifier_state("CapsLock"));
    }
}

/// One labelled input with its show/hide button, Caps Lock hint and messages.
fn field_view(ui: FieldsUi, spec: FieldSpec, prefill: String) -> impl IntoView {
    let field = spec.field;
    let id = field.input_id();
    let msg_id = message_id(field);
    let secret = field.is_secret();
    let caps_id = format!("{id}-caps");
    let has_messages = move || !ui.messages_for(field).is_empty();
    let described_by = {
        let msg_id = msg_id.clone();
        let caps_id = caps_id.clone();
        move || {
            let mut ids = Vec::new();
            if has_messages() {
                ids.push(msg_id.clone());
            }
            if secret && ui.caps_lock.get() {
                ids.push(caps_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let invalid = move || {
        ui.messages_for(field)
            .iter()
            .any(|m| m.severity == Severity::Error)
            .then_some("true")
    };
    let input_type = move || {
        if secret && !ui.revealed.get() {
            "password"
        } else {
            "text"
        }
    };
    let initial = if field == Field::LoginId {
        prefill
    } else {
        String::new()
    };
    view! {
        <div class="bc-field">
            <label class="bc-label" for=id>{spec.caption.clone()}</label>
            <div class="bc-input-row">
                <input
                    node_ref=ui.inputs.of(field)
                    id=id
                    name=field.basiq_key()
                    class="bc-input"
                    type=input_type
                    autocomplete=field.autocomplete()
                    autocapitalize="off"
                    spellcheck="false"
                    required=true
                    aria-required="true"
                    aria-invalid=invalid
                    aria-describedby=described_by
                    value=initial
                    on:input=move |_| ui.recheck()
                    on:keydown=move |ev| ui.caps_lock_from(&ev)
                    on:keyup=move |ev| ui.caps_lock_from(&ev)
                />
                {(field == Field::Password)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="bc-button bc-reveal"
                                aria-controls=id
                                on:click=move |_| ui.revealed.update(|r| *r = !*r)
                            >
                                {move || if ui.revealed.get() { "Hide" } else { "Show" }}
                                <span class="bc-sr-only">" password"</span>
                            </button>
                        }
                    })}
            </div>
            <Show when=move || secret && ui.caps_lock.get()>
                <p id=caps_id.clone() class="bc-hint bc-hint-warn">"Caps Lock is on."</p>
            </Show>
            <Show when=has_messages>
                <ul id=msg_id.clone() class="bc-messages">
                    {move || {
                        ui.messages_for(field)
                            .into_iter()
                            .map(|m| {
                                let class = match m.severity {
                                    Severity::Error => "bc-hint bc-hint-error",
                                    Severity::Warning => "bc-hint bc-hint-warn",
                                };
                                view! { <li class=class>{m.text}</li> }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
        </div>
    }
}
