//! The compact institution directory: what the server serves at `/api/institutions` and the app
//! caches — only the fields the picker and the credential form need.

use serde::{Deserialize, Serialize};

use crate::basiq::Institution;
use crate::fields::{JsonObject, ObjectText, each, push_array};

/// Schema version of [`InstitutionDirectory`]; bump when a field changes meaning.
pub const DIRECTORY_SCHEMA_VERSION: u32 = 1;

/// The list the server serves and the app caches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstitutionDirectory {
    /// [`DIRECTORY_SCHEMA_VERSION`] at the time of writing.
    pub version: u32,
    /// Institutions, sorted by tier then name.
    pub institutions: Vec<InstitutionSummary>,
}

/// One institution in compact form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InstitutionSummary {
    /// `AU00000`-style id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// `Personal Banking`, `Business Banking`…
    pub service_type: String,
    /// `Australia` or `New Zealand`.
    pub country: String,
    /// `"1"`…`"4"`.
    pub tier: String,
    /// `operational`, `under-maintenance`…
    pub status: String,
    /// `user`, `user-mfa`, `user-mfa-intermittent`…
    pub authorization: String,
    /// Label of the login id input.
    pub login_id_caption: String,
    /// Label of the password input.
    pub password_caption: String,
    /// Label of the security code input, if the bank has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_code_caption: Option<String>,
    /// Label of the secondary login id input, if the bank has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_login_id_caption: Option<String>,
    /// The bank's password-reset page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forgotten_password_url: Option<String>,
    /// Square logo URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// Average duration of a whole connection job, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_duration_ms: Option<u64>,
}

impl InstitutionSummary {
    /// A personal-banking institution in Australia, tier 1, operational, asking for a login and
    /// a password, with nothing else known: the base of generated directories (`synthetic`) and
    /// of test fixtures, which change what they need.
    pub fn basic(id: &str, name: &str, short_name: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            short_name: short_name.into(),
            service_type: "Personal Banking".into(),
            country: "Australia".into(),
            tier: "1".into(),
            status: "operational".into(),
            authorization: "user".into(),
            login_id_caption: "Login".into(),
            password_caption: "Password".into(),
            security_code_caption: None,
            secondary_login_id_caption: None,
            forgotten_password_url: None,
            logo: None,
            average_duration_ms: None,
        }
    }

    /// Projects a full Basiq institution to the compact form.
    pub fn from_institution(i: &Institution) -> Self {
        Self {
            id: i.id.clone(),
            name: i.name.clone(),
            short_name: i.short_name.clone(),
            service_type: i.service_type.clone(),
            country: i.country.clone(),
            tier: i.tier.clone(),
            status: i.status.clone(),
            authorization: i.authorization.clone(),
            login_id_caption: i
                .login_id_caption
                .clone()
                .unwrap_or_else(|| "Login ID".into()),
            password_caption: i
                .password_caption
                .clone()
                .unwrap_or_else(|| "Password".into()),
            security_code_caption: i.security_code_caption.clone(),
            secondary_login_id_caption: i.secondary_login_id_caption.clone(),
            forgotten_password_url: i.forgotten_password_url.clone(),
            logo: i.logo.as_ref().and_then(|l| l.links.square.clone()),
            average_duration_ms: i
                .stats
                .as_ref()
                .and_then(|s| s.average_duration_ms.as_ref())
                .and_then(|d| d.total)
                // Shown in whole seconds, rounded up (`institution::usual_seconds`): the
                // milliseconds would cost the directory ~0.4 kB on the wire for nothing.
                .map(|ms| ms.div_ceil(1000).saturating_mul(1000)),
        }
    }

    /// An institution from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            id: o.string("id").required()?,
            name: o.string("name").required()?,
            short_name: o.string("shortName").required()?,
            service_type: o.string("serviceType").required()?,
            country: o.string("country").required()?,
            tier: o.string("tier").required()?,
            status: o.string("status").required()?,
            authorization: o.string("authorization").required()?,
            login_id_caption: o.string("loginIdCaption").required()?,
            password_caption: o.string("passwordCaption").required()?,
            security_code_caption: o.string("securityCodeCaption").optional()?,
            secondary_login_id_caption: o.string("secondaryLoginIdCaption").optional()?,
            forgotten_password_url: o.string("forgottenPasswordUrl").optional()?,
            logo: o.string("logo").optional()?,
            average_duration_ms: o.whole("averageDurationMs").optional()?,
        })
    }

    /// The institution as JSON text, as serde writes it (absent optional fields left out).
    pub fn to_json(&self) -> String {
        let mut o = ObjectText::new();
        o.string("id", &self.id)
            .string("name", &self.name)
            .string("shortName", &self.short_name)
            .string("serviceType", &self.service_type)
            .string("country", &self.country)
            .string("tier", &self.tier)
            .string("status", &self.status)
            .string("authorization", &self.authorization)
            .string("loginIdCaption", &self.login_id_caption)
            .string("passwordCaption", &self.password_caption)
            .some_string("securityCodeCaption", self.security_code_caption.as_deref())
            .some_string(
                "secondaryLoginIdCaption",
                self.secondary_login_id_caption.as_deref(),
            )
            .some_string(
                "forgottenPasswordUrl",
                self.forgotten_password_url.as_deref(),
            )
            .some_string("logo", self.logo.as_deref());
        if let Some(ms) = self.average_duration_ms {
            o.whole("averageDurationMs", ms);
        }
        o.finish()
    }

    /// Up to two initials of the short name, for when the logo does not load.
    pub fn initials(&self) -> String {
        let source = if self.short_name.trim().is_empty() {
            &self.name
        } else {
            &self.short_name
        };
        source
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
            .take(2)
            .map(crate::case::upper)
            .collect()
    }
}

impl InstitutionDirectory {
    /// The directory from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it.
    pub fn from_object<O: JsonObject>(o: &O) -> Option<Self> {
        Some(Self {
            version: u32::try_from(o.whole("version").required()?).ok()?,
            institutions: each(
                &o.objects("institutions").required()?,
                InstitutionSummary::from_object,
            )?,
        })
    }

    /// A directory of `institutions` as JSON text, as serde writes [`InstitutionDirectory`].
    pub fn list_json(version: u32, institutions: &[InstitutionSummary]) -> String {
        let mut text = String::new();
        Self::push_list_json(&mut text, version, institutions);
        text
    }

    /// [`list_json`](Self::list_json) appended to `out`.
    pub fn push_list_json(out: &mut String, version: u32, institutions: &[InstitutionSummary]) {
        out.push_str("{\"version\":");
        out.push_str(&version.to_string());
        out.push_str(",\"institutions\":");
        push_array(out, institutions, InstitutionSummary::to_json);
        out.push('}');
    }

    /// Builds the directory from Basiq institutions: compact form, sorted by tier, then name.
    pub fn from_institutions<'a>(all: impl IntoIterator<Item = &'a Institution>) -> Self {
        let mut institutions: Vec<_> = all
            .into_iter()
            .map(InstitutionSummary::from_institution)
            .collect();
        institutions.sort_by(|a, b| a.tier.cmp(&b.tier).then_with(|| a.name.cmp(&b.name)));
        Self {
            version: DIRECTORY_SCHEMA_VERSION,
            institutions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn arb_summary() -> impl Strategy<Value = InstitutionSummary> {
        (
            (
                "\\PC{0,12}",
                "\\PC{0,12}",
                "\\PC{0,12}",
                "[\"\\\\\u{0}-\u{1f}a-z]{0,8}",
            ),
            (
                proptest::option::of("\\PC{0,12}"),
                proptest::option::of("\\PC{0,12}"),
                proptest::option::of("\\PC{0,12}"),
                proptest::option::of("\\PC{0,12}"),
                proptest::option::of(0u64..=crate::fields::MAX_WHOLE),
            ),
        )
            .prop_map(
                |((id, name, short, status), (code, second, url, logo, avg))| InstitutionSummary {
                    status,
                    security_code_caption: code,
                    secondary_login_id_caption: second,
                    forgotten_password_url: url,
                    logo,
                    average_duration_ms: avg,
                    ..InstitutionSummary::basic(&id, &name, &short)
                },
            )
    }

    /// What the object reader makes of `v`, and whether serde agrees.
    fn both(v: &Value) -> Option<InstitutionDirectory> {
        let serde = serde_json::from_value::<InstitutionDirectory>(v.clone()).ok();
        let fields = v.as_object().and_then(InstitutionDirectory::from_object);
        assert_eq!(fields, serde, "{v}");
        fields
    }

    proptest! {
        #[test]
        fn written_directories_are_what_serde_writes_and_read_back(
            institutions in proptest::collection::vec(arb_summary(), 0..4),
            version in any::<u32>(),
        ) {
            let dir = InstitutionDirectory { version, institutions };
            let text = InstitutionDirectory::list_json(dir.version, &dir.institutions);
            let written: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&written, &serde_json::to_value(&dir).unwrap());
            prop_assert_eq!(both(&written), Some(dir));
        }

        #[test]
        fn the_object_reader_refuses_what_serde_refuses(
            field in prop::sample::select(vec![
                "id", "name", "shortName", "serviceType", "country", "tier", "status",
                "authorization", "loginIdCaption", "passwordCaption", "securityCodeCaption",
                "secondaryLoginIdCaption", "forgottenPasswordUrl", "logo", "averageDurationMs",
                "unknown",
            ]),
            value in prop::sample::select(vec![
                json!(null), json!("s"), json!(""), json!(7), json!(-7), json!(1.5),
                json!(true), json!([]), json!(["s"]), json!({}),
            ]),
            remove in any::<bool>(),
        ) {
            let mut v = json!({"version": 1, "institutions": [
                serde_json::to_value(InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")).unwrap()
            ]});
            let i = v["institutions"][0].as_object_mut().unwrap();
            if remove {
                i.remove(field);
            } else {
                i.insert(field.into(), value);
            }
            both(&v);
        }
    }

    #[test]
    fn malformed_directories_are_refused() {
        let hooli = serde_json::to_value(InstitutionSummary::basic("AU0", "Hooli", "H")).unwrap();
        for v in [
            json!({}),
            json!({"version": 1}),
            json!({"institutions": []}),
            json!({"version": -1, "institutions": []}),
            json!({"version": 4_294_967_296u64, "institutions": []}),
            json!({"version": "1", "institutions": []}),
            json!({"version": 1, "institutions": {}}),
            json!({"version": 1, "institutions": [hooli, 1]}),
            json!({"version": 1, "institutions": [hooli, null]}),
            json!({"version": 1, "institutions": [[]]}),
        ] {
            assert_eq!(both(&v), None, "{v}");
        }
        assert!(both(&json!({"version": 1, "institutions": [hooli], "x": 1})).is_some());
    }

    #[test]
    fn recorded_and_generated_directories_read_as_serde_reads_them() {
        let hooli: Institution = serde_json::from_str(&crate::reference(
            "recorded/institutions/getInstitution.json",
        ))
        .unwrap();
        for dir in [
            InstitutionDirectory::from_institutions([&hooli]),
            InstitutionDirectory {
                version: DIRECTORY_SCHEMA_VERSION,
                institutions: crate::synthetic::directory(300),
            },
        ] {
            let v = serde_json::to_value(&dir).unwrap();
            assert_eq!(both(&v), Some(dir));
        }
    }

    fn summary(name: &str, short: &str) -> InstitutionSummary {
        InstitutionSummary::basic("AU00000", name, short)
    }

    #[test]
    fn initials_come_from_the_short_name_or_the_name() {
        assert_eq!(summary("Hooli Bank", "Hooli").initials(), "H");
        assert_eq!(
            summary("Commonwealth Bank of Australia", "").initials(),
            "CB"
        );
        assert_eq!(
            summary("Bank of Queensland", "bank of qld").initials(),
            "BO"
        );
        assert_eq!(summary("St.George Bank", "St.George").initials(), "S");
    }

    #[test]
    fn contract_projection_keeps_captions_and_sorts_by_tier_then_name() {
        let json = crate::reference("recorded/institutions/getInstitution.json");
        let hooli: Institution = serde_json::from_str(&json).unwrap();
        let mut big = hooli.clone();
        big.id = "AU00001".into();
        big.name = "Zeta Bank".into();
        big.tier = "1".into();
        big.security_code_caption = Some("Security number".into());
        let dir = InstitutionDirectory::from_institutions([&hooli, &big]);
        assert_eq!(dir.version, DIRECTORY_SCHEMA_VERSION);
        let ids: Vec<_> = dir.institutions.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["AU00001", "AU00000"]);
        assert_eq!(
            dir.institutions[0].security_code_caption.as_deref(),
            Some("Security number")
        );
        assert_eq!(dir.institutions[1].login_id_caption, "Login");
        // Basiq's 31,588 ms, to the second it is shown in.
        assert_eq!(dir.institutions[1].average_duration_ms, Some(32000));
        assert_eq!(
            crate::institution::usual_seconds(&dir.institutions[1]),
            Some(32)
        );
        assert_eq!(
            dir.institutions[1].logo.as_deref(),
            Some("https://d388vpyfrt4zrj.cloudfront.net/AU00000.svg")
        );
    }
}
