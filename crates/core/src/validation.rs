//! Credential and MFA form checks: which inputs an institution needs, required-field messages
//! ("Enter your password"), and leading/trailing-space warnings.
//!
//! Everything here borrows what the person typed and keeps none of it: the results carry only
//! captions and messages, so they may be stored in the flow state.

use crate::basiq::MfaChallenge;
use crate::directory::InstitutionSummary;
use crate::fields::{ObjectText, push_string};

/// One input of the credential form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `loginIdCaption`.
    LoginId,
    /// `secondaryLoginIdCaption`.
    SecondaryLoginId,
    /// `passwordCaption`.
    Password,
    /// `securityCodeCaption`.
    SecurityCode,
}

impl Field {
    /// A stable DOM id for the input (messages use `<id>-msg` for `aria-describedby`).
    pub fn input_id(&self) -> &'static str {
        match self {
            Self::LoginId => "bc-login-id",
            Self::SecondaryLoginId => "bc-secondary-login-id",
            Self::Password => "bc-password",
            Self::SecurityCode => "bc-security-code",
        }
    }

    /// The key of this value in Basiq's `POST /users/{id}/connections` body.
    pub fn basiq_key(&self) -> &'static str {
        match self {
            Self::LoginId => "loginId",
            Self::SecondaryLoginId => "secondaryLoginId",
            Self::Password => "password",
            Self::SecurityCode => "securityCode",
        }
    }

    /// True for inputs rendered as `type="password"` (with show/hide).
    pub fn is_secret(&self) -> bool {
        matches!(self, Self::Password | Self::SecurityCode)
    }

    /// The `autocomplete` attribute for the input.
    pub fn autocomplete(&self) -> &'static str {
        match self {
            Self::LoginId | Self::SecondaryLoginId => "username",
            Self::Password => "current-password",
            Self::SecurityCode => "one-time-code",
        }
    }
}

/// One input the form shows: which field and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// The field.
    pub field: Field,
    /// The institution's caption, used as the label.
    pub caption: String,
}

/// The inputs an institution needs, in display order: login id, secondary login id (if any),
/// password, security code (if any). Blank optional captions are left out.
pub fn form_fields(institution: &InstitutionSummary) -> Vec<FieldSpec> {
    let caption = |c: &str, fallback: &str| {
        let c = c.trim();
        if c.is_empty() { fallback } else { c }.to_string()
    };
    let mut fields = vec![FieldSpec {
        field: Field::LoginId,
        caption: caption(&institution.login_id_caption, "Login ID"),
    }];
    fn optional(c: &Option<String>) -> Option<&str> {
        c.as_deref().map(str::trim).filter(|c| !c.is_empty())
    }
    if let Some(c) = optional(&institution.secondary_login_id_caption) {
        fields.push(FieldSpec {
            field: Field::SecondaryLoginId,
            caption: c.to_string(),
        });
    }
    fields.push(FieldSpec {
        field: Field::Password,
        caption: caption(&institution.password_caption, "Password"),
    });
    if let Some(c) = optional(&institution.security_code_caption) {
        fields.push(FieldSpec {
            field: Field::SecurityCode,
            caption: c.to_string(),
        });
    }
    fields
}

/// What the person typed, borrowed for the duration of a check; fields the form does not show
/// are ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CredentialInput<'a> {
    /// Login id.
    pub login_id: &'a str,
    /// Secondary login id.
    pub secondary_login_id: &'a str,
    /// Password.
    pub password: &'a str,
    /// Security code.
    pub security_code: &'a str,
}

impl<'a> CredentialInput<'a> {
    /// The value typed into `field`.
    pub fn value(&self, field: Field) -> &'a str {
        match field {
            Field::LoginId => self.login_id,
            Field::SecondaryLoginId => self.secondary_login_id,
            Field::Password => self.password,
            Field::SecurityCode => self.security_code,
        }
    }
}

/// Whether a message blocks submitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Must be fixed before submitting.
    Error,
    /// Worth a look; does not block.
    Warning,
}

/// A message attached to one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMessage {
    /// The input it belongs to.
    pub field: Field,
    /// Error or warning.
    pub severity: Severity,
    /// The text to show.
    pub text: String,
}

/// The result of checking a credential form; holds no credential.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormCheck {
    /// Messages in field order, errors before warnings within a field.
    pub messages: Vec<FieldMessage>,
}

impl FormCheck {
    /// True when there is no error (warnings allowed).
    pub fn can_submit(&self) -> bool {
        !self.messages.iter().any(|m| m.severity == Severity::Error)
    }

    /// The messages for one input.
    pub fn for_field(&self, field: Field) -> impl Iterator<Item = &FieldMessage> {
        self.messages.iter().filter(move |m| m.field == field)
    }

    /// The first field with an error (to move focus to).
    pub fn first_error(&self) -> Option<Field> {
        self.messages
            .iter()
            .find(|m| m.severity == Severity::Error)
            .map(|m| m.field)
    }
}

/// The caption as it reads inside a sentence: "Password" → "password", "Customer ID" →
/// "customer ID", but "NetBank client number" and "PIN" keep their capitals.
pub fn caption_in_sentence(caption: &str) -> String {
    let caption = caption.trim().trim_end_matches([':', '*']).trim();
    let first_word = caption.split_whitespace().next().unwrap_or("");
    let keeps_capitals = first_word.chars().skip(1).any(char::is_uppercase);
    if keeps_capitals {
        return caption.to_string();
    }
    let mut chars = caption.chars();
    match chars.next() {
        Some(c) => std::iter::once(crate::case::lower(c))
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}

/// Checks the credential form: every shown input is required ("Enter your password"); a value
/// that starts or ends with a space gets a warning.
pub fn check_credentials(fields: &[FieldSpec], input: &CredentialInput<'_>) -> FormCheck {
    let mut messages = Vec::new();
    for spec in fields {
        let value = input.value(spec.field);
        let name = caption_in_sentence(&spec.caption);
        if value.trim().is_empty() {
            messages.push(FieldMessage {
                field: spec.field,
                severity: Severity::Error,
                text: format!("Enter your {name}"),
            });
        } else if value.trim() != value {
            messages.push(FieldMessage {
                field: spec.field,
                severity: Severity::Warning,
                text: format!("Your {name} starts or ends with a space. Check that it should."),
            });
        }
    }
    FormCheck { messages }
}

/// The JSON body of `POST /users/{id}/connections` for this input, built at the moment of
/// sending. Send it straight away and drop it: never store or log it.
pub fn connection_request_body(
    institution_id: &str,
    fields: &[FieldSpec],
    input: &CredentialInput<'_>,
) -> String {
    let mut institution = ObjectText::new();
    institution.string("id", institution_id);
    let institution = institution.finish();
    // Keys in order, once each (a field shown twice is sent once), as serde_json's map writes.
    let mut entries: Vec<(&str, String)> = fields
        .iter()
        .map(|spec| {
            let mut text = String::new();
            push_string(&mut text, input.value(spec.field));
            (spec.field.basiq_key(), text)
        })
        .collect();
    entries.push(("institution", institution));
    // A stable insertion sort of the (at most six) keys: the standard library's stable sort
    // is kilobytes of wasm in the credential form's module for it.
    for i in 1..entries.len() {
        let mut j = i;
        while j > 0 && entries[j - 1].0 > entries[j].0 {
            entries.swap(j - 1, j);
            j -= 1;
        }
    }
    entries.dedup_by(|later, kept| later.0 == kept.0);
    let mut body = ObjectText::new();
    for (key, value) in &entries {
        body.raw(key, value);
    }
    body.finish()
}

/// A message about one MFA answer input (by its position in the challenge's `input`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaMessage {
    /// Index of the input.
    pub index: usize,
    /// The text to show.
    pub text: String,
}

/// True when the challenge asks for a one-time code rather than answers to questions.
pub fn is_code_challenge(challenge: &MfaChallenge) -> bool {
    challenge.method != "security-questions"
}

/// Checks MFA answers: one non-blank answer per challenge input.
pub fn check_mfa_answers(challenge: &MfaChallenge, answers: &[&str]) -> Vec<MfaMessage> {
    let text = if is_code_challenge(challenge) {
        "Enter the code"
    } else {
        "Enter your answer"
    };
    (0..challenge.input.len())
        .filter(|&i| answers.get(i).is_none_or(|a| a.trim().is_empty()))
        .map(|index| MfaMessage {
            index,
            text: text.to_string(),
        })
        .collect()
}

/// The JSON body of `POST /jobs/{id}/mfa`: `{"mfa-response": [...]}`, answers trimmed. Send it
/// straight away and drop it.
pub fn mfa_request_body(answers: &[&str]) -> String {
    let answers: Vec<&str> = answers.iter().map(|a| a.trim()).collect();
    let mut body = ObjectText::new();
    body.raw(
        "mfa-response",
        &crate::fields::array_text(&answers, |a| {
            let mut text = String::new();
            push_string(&mut text, a);
            text
        }),
    );
    body.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        #[test]
        fn request_bodies_are_what_serde_json_writes(
            login in any::<String>(),
            password in any::<String>(),
            code in any::<String>(),
            second in any::<String>(),
            id in any::<String>(),
            answers in proptest::collection::vec(any::<String>(), 0..3),
        ) {
            let mut i = inst();
            i.security_code_caption = Some("Code".into());
            i.secondary_login_id_caption = Some("Member".into());
            let specs = form_fields(&i);
            let input = CredentialInput {
                login_id: &login,
                password: &password,
                security_code: &code,
                secondary_login_id: &second,
            };
            let mut serde = serde_json::Map::new();
            for spec in &specs {
                serde.insert(spec.field.basiq_key().into(), json!(input.value(spec.field)));
            }
            serde.insert("institution".into(), json!({ "id": id }));
            let body = connection_request_body(&id, &specs, &input);
            prop_assert_eq!(
                serde_json::from_str::<serde_json::Value>(&body).unwrap(),
                serde_json::Value::Object(serde)
            );
            let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
            let trimmed: Vec<&str> = refs.iter().map(|a| a.trim()).collect();
            prop_assert_eq!(
                mfa_request_body(&refs),
                json!({ "mfa-response": trimmed }).to_string()
            );
        }
    }

    fn inst() -> InstitutionSummary {
        InstitutionSummary {
            tier: "4".into(),
            login_id_caption: "Customer ID".into(),
            ..InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")
        }
    }

    fn challenge(method: &str, n: usize) -> MfaChallenge {
        MfaChallenge {
            kind: "mfa".into(),
            method: method.into(),
            description: None,
            input: (0..n).map(|i| format!("Q{i}")).collect(),
            expiry_ms: Some(120_000),
            links: None,
        }
    }

    #[test]
    fn fields_follow_the_captions_present() {
        let mut i = inst();
        let f: Vec<Field> = form_fields(&i).iter().map(|s| s.field).collect();
        assert_eq!(f, [Field::LoginId, Field::Password]);
        i.security_code_caption = Some("Security number".into());
        i.secondary_login_id_caption = Some("Member number".into());
        let specs = form_fields(&i);
        let f: Vec<Field> = specs.iter().map(|s| s.field).collect();
        assert_eq!(
            f,
            [
                Field::LoginId,
                Field::SecondaryLoginId,
                Field::Password,
                Field::SecurityCode
            ]
        );
        assert_eq!(specs[3].caption, "Security number");
        i.security_code_caption = Some("  ".into());
        i.login_id_caption = String::new();
        let specs = form_fields(&i);
        assert_eq!(specs.len(), 3);
        assert_eq!(specs[0].caption, "Login ID");
    }

    #[test]
    fn missing_values_get_enter_your_caption() {
        let specs = form_fields(&inst());
        let check = check_credentials(&specs, &CredentialInput::default());
        assert!(!check.can_submit());
        let texts: Vec<&str> = check.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["Enter your customer ID", "Enter your password"]);
        assert_eq!(check.first_error(), Some(Field::LoginId));
        let check = check_credentials(
            &specs,
            &CredentialInput {
                login_id: "gavinBelson",
                password: "   ",
                ..Default::default()
            },
        );
        assert_eq!(check.first_error(), Some(Field::Password));
        assert_eq!(check.for_field(Field::LoginId).count(), 0);
    }

    #[test]
    fn spaces_around_values_warn_without_blocking() {
        let specs = form_fields(&inst());
        let check = check_credentials(
            &specs,
            &CredentialInput {
                login_id: " gavinBelson",
                password: "hooli2016 ",
                ..Default::default()
            },
        );
        assert!(check.can_submit());
        assert_eq!(check.messages.len(), 2);
        assert!(
            check
                .messages
                .iter()
                .all(|m| m.severity == Severity::Warning)
        );
        assert!(
            check.messages[1]
                .text
                .contains("password starts or ends with a space")
        );
        assert!(
            check_credentials(
                &specs,
                &CredentialInput {
                    login_id: "a",
                    password: "b",
                    ..Default::default()
                }
            )
            .messages
            .is_empty()
        );
    }

    #[test]
    fn captions_read_well_in_sentences() {
        assert_eq!(caption_in_sentence("Password"), "password");
        assert_eq!(caption_in_sentence("Customer ID:"), "customer ID");
        assert_eq!(
            caption_in_sentence("NetBank client number"),
            "NetBank client number"
        );
        assert_eq!(caption_in_sentence("PIN"), "PIN");
        assert_eq!(caption_in_sentence(""), "");
    }

    #[test]
    fn request_bodies_hold_only_the_shown_fields() {
        let mut i = inst();
        i.security_code_caption = Some("Code".into());
        let specs = form_fields(&i);
        let body = connection_request_body(
            "AU00000",
            &specs,
            &CredentialInput {
                login_id: "gavinBelson",
                password: "hooli2016",
                security_code: "42",
                secondary_login_id: "ignored",
            },
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v,
            json!({"loginId": "gavinBelson", "password": "hooli2016", "securityCode": "42",
                   "institution": {"id": "AU00000"}})
        );
        assert_eq!(
            mfa_request_body(&[" Hooli "]),
            r#"{"mfa-response":["Hooli"]}"#
        );
    }

    #[test]
    fn mfa_answers_are_required_per_input() {
        let two = challenge("security-questions", 2);
        assert!(!is_code_challenge(&two));
        let m = check_mfa_answers(&two, &["Basiq"]);
        assert_eq!(
            m,
            [MfaMessage {
                index: 1,
                text: "Enter your answer".into()
            }]
        );
        assert!(check_mfa_answers(&two, &["Basiq", "AU00002"]).is_empty());
        let code = challenge("token", 1);
        assert_eq!(check_mfa_answers(&code, &[" "])[0].text, "Enter the code");
    }

    proptest! {
        #[test]
        fn messages_never_contain_what_was_typed(login in "[a-zA-Z0-9]{6,12}", password in "[a-zA-Z0-9]{6,12}") {
            let specs = form_fields(&inst());
            let input = CredentialInput { login_id: &format!(" {login}"), password: &format!("{password} "), ..Default::default() };
            let check = check_credentials(&specs, &input);
            prop_assert!(check.can_submit());
            let debug = format!("{check:?}");
            prop_assert!(!debug.contains(&login));
            prop_assert!(!debug.contains(&password));
        }

        #[test]
        fn blank_values_always_block(spaces in " {0,5}") {
            let specs = form_fields(&inst());
            let input = CredentialInput { login_id: "x", password: &spaces, ..Default::default() };
            let check = check_credentials(&specs, &input);
            prop_assert_eq!(check.first_error(), Some(Field::Password));
        }
    }

    #[test]
    fn request_body_keys_come_sorted_once_each_whatever_the_fields_order() {
        let mut i = inst();
        i.security_code_caption = Some("Code".into());
        i.secondary_login_id_caption = Some("Member".into());
        let specs = form_fields(&i);
        let input = CredentialInput {
            login_id: "l",
            password: "p",
            security_code: "c",
            secondary_login_id: "s",
        };
        let body = connection_request_body("AU1", &specs, &input);
        assert_eq!(
            body,
            r#"{"institution":{"id":"AU1"},"loginId":"l","password":"p","secondaryLoginId":"s","securityCode":"c"}"#
        );
        // Reversed, with fields given twice: the same body.
        let mut shuffled: Vec<FieldSpec> = specs.iter().rev().cloned().collect();
        shuffled.push(specs[1].clone());
        shuffled.insert(0, specs[2].clone());
        assert_eq!(connection_request_body("AU1", &shuffled, &input), body);
        assert_eq!(
            connection_request_body("AU1", &specs[..1], &input),
            r#"{"institution":{"id":"AU1"},"loginId":"l"}"#
        );
    }
}
