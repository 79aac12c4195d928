//! Institutions.

use serde_json::{Value, json};

use crate::institutions::Institution;

/// Basiq's institution representation.
pub fn institution(i: &Institution, base: &str) -> Value {
    let mfa_feature: Vec<&str> = if i.mfa() { vec!["web"] } else { vec![] };
    let [v, a, t, m] = i.stats_ms;
    let mut o = json!({
        "type": "institution",
        "id": i.id,
        "name": i.name,
        "shortName": i.short_name,
        "institutionType": i.institution_type,
        "country": i.country,
        "serviceName": i.service_name,
        "serviceType": i.service_type,
        "loginIdCaption": i.login_id_caption,
        "passwordCaption": i.password_caption,
        "tier": i.tier,
        "authorization": i.authorization,
        "stage": i.stage,
        "status": i.status,
        "features": {
            "login": ["web"],
            "mfaChallenge": mfa_feature,
            "accounts": {"accountNo": ["web"], "name": ["web"], "currency": ["web"], "balance": ["web"],
                "availableFunds": ["web"], "lastUpdated": ["web"], "accountHolder": ["web"], "meta": ["web"]},
            "transactions": {"status": ["web"], "description": ["web"], "date": ["web"], "amount": ["web"],
                "balance": ["web"], "class": ["web"]},
            "profile": {"fullName": ["web"], "firstName": ["web"], "lastName": ["web"], "middleName": [],
                "phoneNumbers": ["web"], "emailAddresses": ["web"], "physicalAddresses": []}
        },
        "stats": {"averageDurationMs": {"verifyCredentials": v, "retrieveAccounts": a,
            "retrieveTransactions": t, "retrieveMeta": m, "total": v + a + t + m}},
        "logo": logo(i, base),
        "links": {"self": format!("{base}/institutions/{}", i.id)}
    });
    if let Some(c) = &i.security_code_caption {
        o["securityCodeCaption"] = json!(c);
    }
    if let Some(c) = &i.secondary_login_id_caption {
        o["secondaryLoginIdCaption"] = json!(c);
    }
    if i.forgotten_password {
        o["forgottenPasswordUrl"] = json!(forgotten_password_url(i, base));
    }
    o
}

fn logo(i: &Institution, base: &str) -> Value {
    json!({"type": "image", "colors": {"primary": i.color},
        "links": {"square": format!("{base}/logos/{}.svg", i.id),
                  "full": format!("{base}/logos/{}-full.svg", i.id)}})
}

fn forgotten_password_url(i: &Institution, base: &str) -> String {
    format!("{base}/forgotten-password/{}", i.id)
}

/// `GET /institutions` (and `/public/institutions`).
pub fn institutions(items: &[&Institution], base: &str, self_path: &str) -> Value {
    let data: Vec<Value> = items.iter().map(|i| institution(i, base)).collect();
    json!({"type": "list", "totalCount": data.len(), "data": data,
        "links": {"self": format!("{base}{self_path}")}})
}
