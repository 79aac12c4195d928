//! The compact institution directory: what the server serves at `/api/institutions` and the app
//! caches — only the fields the picker and the credential form need.

use serde::{Deserialize, Serialize};

use crate::basiq::Institution;

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
                .and_then(|d| d.total),
        }
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
        assert_eq!(dir.institutions[1].average_duration_ms, Some(31588));
        assert_eq!(
            dir.institutions[1].logo.as_deref(),
            Some("https://d388vpyfrt4zrj.cloudfront.net/AU00000.svg")
        );
    }
}
