//! The institution directory: sandbox banks plus 300+ real-looking AU/NZ institutions, the
//! `filter=` matching over it, and the generated SVG logos.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::directory_data::{AU, Entry, NZ};
use crate::error::{ApiError, ApiResult};
use crate::filter::{self, Cond};

/// One institution of the directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Institution {
    /// Id like `AU00000`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// `institutionType`.
    pub institution_type: String,
    /// `Australia` or `New Zealand`.
    pub country: String,
    /// `serviceName`.
    pub service_name: String,
    /// `serviceType`.
    pub service_type: String,
    /// `"1"`..`"4"`.
    pub tier: String,
    /// `user`, `user-mfa`, `user-mfa-intermittent`.
    pub authorization: String,
    /// `live`, `beta`, `alpha`.
    pub stage: String,
    /// `operational`, `under-maintenance`, …
    pub status: String,
    /// Login id caption.
    pub login_id_caption: String,
    /// Password caption.
    pub password_caption: String,
    /// Optional security code caption.
    pub security_code_caption: Option<String>,
    /// Optional secondary login id caption.
    pub secondary_login_id_caption: Option<String>,
    /// Whether the institution has a forgotten-password page (served by the simulator at
    /// `/forgotten-password/{id}`).
    pub forgotten_password: bool,
    /// `[verifyCredentials, retrieveAccounts, retrieveTransactions, retrieveMeta]` in ms.
    pub stats_ms: [u64; 4],
    /// Primary brand colour (`#rrggbb`).
    pub color: String,
}

/// Fields the institutions filter accepts.
pub const FILTER_FIELDS: &[&str] = &[
    "institution.id",
    "institution.country",
    "institution.tier",
    "institution.serviceType",
    "institution.institutionType",
    "institution.authorization",
    "institution.stage",
    "institution.status",
    "institution.name",
    "institution.shortName",
    // Used by Basiq's own control; every simulated institution is an active web connector.
    "institution.connectorStatus",
    "institution.openBankingSource",
];

impl Institution {
    fn field(&self, f: &str) -> Option<&str> {
        Some(match f {
            "institution.id" => &self.id,
            "institution.country" => &self.country,
            "institution.tier" => &self.tier,
            "institution.serviceType" => &self.service_type,
            "institution.institutionType" => &self.institution_type,
            "institution.authorization" => &self.authorization,
            "institution.stage" => &self.stage,
            "institution.status" => &self.status,
            "institution.name" => &self.name,
            "institution.shortName" => &self.short_name,
            "institution.connectorStatus" => "active",
            "institution.openBankingSource" => "web",
            _ => return None,
        })
    }

    /// Whether all conditions hold.
    pub fn matches(&self, conds: &[Cond]) -> bool {
        conds
            .iter()
            .all(|c| self.field(&c.field).is_some_and(|v| c.matches(v)))
    }

    /// Whether the bank asks for MFA at all.
    pub fn mfa(&self) -> bool {
        self.authorization.starts_with("user-mfa")
    }
}

fn sandbox(
    id: &str,
    name: &str,
    short: &str,
    service_type: &str,
    auth: &str,
    color: &str,
) -> Institution {
    Institution {
        id: id.into(),
        name: name.into(),
        short_name: short.into(),
        institution_type: "Test Bank".into(),
        country: "Australia".into(),
        service_name: "Personal Online Banking".into(),
        service_type: service_type.into(),
        tier: "4".into(),
        authorization: auth.into(),
        stage: "live".into(),
        status: "operational".into(),
        login_id_caption: "Login".into(),
        password_caption: "Password".into(),
        security_code_caption: None,
        secondary_login_id_caption: None,
        forgotten_password: false,
        stats_ms: [8154, 3820, 7127, 12487],
        color: color.into(),
    }
}

fn service(letter: char) -> (&'static str, &'static str, &'static str) {
    // (serviceType, serviceName, name suffix)
    match letter {
        'B' => ("Business Banking", "Business Online Banking", " Business"),
        'C' => ("Card Access", "Card Services", " Cards"),
        'S' => ("Superannuation", "Member Online", ""),
        'G' => ("Government Services", "Online Services", ""),
        _ => ("Personal Banking", "Personal Online Banking", ""),
    }
}

const LOGIN_CAPTIONS: &[&str] = &[
    "Customer ID",
    "Client Number",
    "Username",
    "Member Number",
    "Access ID",
    "Customer Registration Number",
    "User ID",
    "Login ID",
];

fn build_entries(
    rng: &mut ChaCha8Rng,
    list: &[Entry],
    prefix: &str,
    country: &str,
    out: &mut Vec<Institution>,
) {
    let mut n = 100u32;
    for e in list {
        for letter in e.services.chars() {
            let (service_type, service_name, suffix) = service(letter);
            let many = e.services.len() > 1;
            let (name, short) = if many && letter != 'P' {
                (
                    format!("{}{}", e.name, suffix),
                    format!("{}{}", e.short, suffix),
                )
            } else {
                (e.name.to_string(), e.short.to_string())
            };
            let id = format!("{prefix}{n:05}");
            n += 1;
            let login = if letter == 'S' {
                "Member Number"
            } else if letter == 'G' {
                "Username or email"
            } else {
                LOGIN_CAPTIONS[rng.random_range(0..LOGIN_CAPTIONS.len())]
            };
            let password = if rng.random_bool(0.2) {
                "Password or PIN"
            } else {
                "Password"
            };
            let security_code = (letter == 'B' || rng.random_bool(0.08)).then(|| {
                if letter == 'B' {
                    "Security Token Code"
                } else {
                    "Security Number"
                }
                .to_string()
            });
            let secondary = (letter == 'B' && rng.random_bool(0.6)).then(|| "User ID".to_string());
            let forgot = rng.random_bool(0.6);
            let authorization = {
                let r: f64 = rng.random();
                if letter == 'G' || r < 0.15 {
                    "user-mfa"
                } else if r < 0.32 {
                    "user-mfa-intermittent"
                } else {
                    "user"
                }
            };
            let stage = {
                let r: f64 = rng.random();
                if r < 0.04 {
                    "alpha"
                } else if r < 0.14 {
                    "beta"
                } else {
                    "live"
                }
            };
            let scale = 1.0 + f64::from(e.tier) * 0.15;
            let stats_ms = [
                (rng.random_range(2500..9000) as f64 * scale) as u64,
                (rng.random_range(1500..6000) as f64 * scale) as u64,
                (rng.random_range(2000..12000) as f64 * scale) as u64,
                (rng.random_range(4000..15000) as f64 * scale) as u64,
            ];
            let color = format!("#{:06x}", rng.random_range(0x101010u32..0xe0e0e0));
            out.push(Institution {
                id,
                name,
                short_name: short,
                institution_type: e.kind.into(),
                country: country.into(),
                service_name: service_name.into(),
                service_type: service_type.into(),
                tier: e.tier.to_string(),
                authorization: authorization.into(),
                stage: stage.into(),
                status: "operational".into(),
                login_id_caption: login.into(),
                password_caption: password.into(),
                security_code_caption: security_code,
                secondary_login_id_caption: secondary,
                forgotten_password: forgot,
                stats_ms,
                color,
            });
        }
    }
}

/// The whole directory for a seed, plus `extra` synthetic institutions (ids `AU50000`…).
pub fn build_directory(seed: u64, extra: usize) -> Vec<Institution> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1157_1700_d1ec_7041);
    let mut out = vec![
        sandbox(
            "AU00000",
            "Hooli Bank",
            "Hooli",
            "Personal Banking",
            "user",
            "#1b6ac9",
        ),
        sandbox(
            "AU00002",
            "Pied Piper Bank",
            "Pied Piper",
            "Personal Banking",
            "user-mfa",
            "#2e8b57",
        ),
        sandbox(
            "AU00003",
            "Nucleus Bank",
            "Nucleus",
            "Personal Banking",
            "user-mfa-intermittent",
            "#7b3fa0",
        ),
        sandbox(
            "AU00004",
            "HooliGov Bank",
            "HooliGov",
            "Government Services",
            "user",
            "#444444",
        ),
    ];
    let mut real = Vec::new();
    build_entries(&mut rng, AU, "AU", "Australia", &mut real);
    build_entries(&mut rng, NZ, "NZ", "New Zealand", &mut real);
    // Statuses: a fixed number of each non-operational state, at seeded places.
    let mut idx: Vec<usize> = (0..real.len()).collect();
    idx.shuffle(&mut rng);
    let plan = [
        ("major-outage", 3),
        ("under-maintenance", 5),
        ("partial-outage", 3),
        ("degraded-performance", 9),
    ];
    let mut k = 0;
    for (status, count) in plan {
        for _ in 0..count {
            if let Some(&i) = idx.get(k) {
                real[i].status = status.into();
            }
            k += 1;
        }
    }
    out.extend(real);
    for i in 0..extra.min(49_999) {
        let mut inst = sandbox(
            &format!("AU{:05}", 50_000 + i),
            &format!("Synthetic Credit Union {:05}", i + 1),
            &format!("Synthetic {:05}", i + 1),
            "Personal Banking",
            "user",
            "#5a6b7c",
        );
        inst.institution_type = "Credit Union".into();
        inst.tier = ((i % 4) + 1).to_string();
        inst.login_id_caption = "Member Number".into();
        out.push(inst);
    }
    out
}

/// Filters the directory (`filter=` query value).
pub fn list<'a>(dir: &'a [Institution], filter: Option<&str>) -> ApiResult<Vec<&'a Institution>> {
    let conds = filter::parse(filter.unwrap_or(""), FILTER_FIELDS)?;
    Ok(dir.iter().filter(|i| i.matches(&conds)).collect())
}

/// Looks up one institution by id, with Basiq's 400/404 errors.
pub fn find<'a>(dir: &'a [Institution], id: &str) -> ApiResult<&'a Institution> {
    let ok = id.len() == 7
        && id.bytes().take(2).all(|b| b.is_ascii_uppercase())
        && id.bytes().skip(2).all(|b| b.is_ascii_digit());
    if !ok {
        return Err(ApiError::not_valid("Institution ID value is not valid")
            .with_source(json!({"parameter": "id", "pointer": "path/id"})));
    }
    dir.iter()
        .find(|i| i.id == id)
        .ok_or_else(|| ApiError::not_found("Requested institution does not exist."))
}

fn initials(short: &str) -> String {
    let words: Vec<&str> = short
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let s: String = if words.len() >= 2 {
        words
            .iter()
            .take(3)
            .filter_map(|w| w.chars().next())
            .collect()
    } else {
        short
            .chars()
            .filter(|c| c.is_alphanumeric())
            .take(3)
            .collect()
    };
    s.to_uppercase()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// The simulator's stand-in for a bank's forgotten-password page.
pub fn forgotten_password_html(inst: &Institution) -> String {
    let name = xml_escape(&inst.name);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}: forgotten password</title></head>\
         <body><h1>{name}</h1><p>This is the Basiq simulator's stand-in for the bank's forgotten-password page. \
         The sandbox logins are listed in the simulator's README.</p></body></html>"
    )
}

/// A generated SVG logo: square (initials) or full (initials and short name).
pub fn logo_svg(inst: &Institution, full: bool) -> String {
    let ini = xml_escape(&initials(&inst.short_name));
    let c = &inst.color;
    if full {
        let name = xml_escape(&inst.short_name);
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64" viewBox="0 0 240 64" role="img" aria-label="{name}"><rect x="0" y="0" width="64" height="64" rx="12" fill="{c}"/><text x="32" y="40" font-family="Helvetica,Arial,sans-serif" font-size="22" font-weight="700" fill="#ffffff" text-anchor="middle">{ini}</text><text x="76" y="40" font-family="Helvetica,Arial,sans-serif" font-size="20" font-weight="600" fill="{c}">{name}</text></svg>"##
        )
    } else {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64" role="img" aria-label="{ini}"><rect x="0" y="0" width="64" height="64" rx="12" fill="{c}"/><text x="32" y="40" font-family="Helvetica,Arial,sans-serif" font-size="22" font-weight="700" fill="#ffffff" text-anchor="middle">{ini}</text></svg>"##
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_is_large_and_has_every_status() {
        let d = build_directory(7, 0);
        assert!(d.len() >= 300, "{}", d.len());
        for s in [
            "operational",
            "under-maintenance",
            "degraded-performance",
            "major-outage",
        ] {
            assert!(d.iter().any(|i| i.status == s), "{s}");
        }
        let mut ids: Vec<&str> = d.iter().map(|i| i.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), d.len(), "ids are unique");
    }

    #[test]
    fn same_seed_same_directory() {
        assert_eq!(build_directory(3, 5), build_directory(3, 5));
        assert_ne!(build_directory(3, 0), build_directory(4, 0));
    }
}
