//! Institutions.

use serde_json::{Value, json};

use crate::connectors::{CONNECTOR_SCOPES, Connector, connector_authorization};
use crate::institutions::Institution;
use crate::store::Method;

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

/// Basiq's connector representation (3.0): an institution reached by one method.
pub fn connector(i: &Institution, m: Method, base: &str) -> Value {
    let [v, a, t, mm] = i.stats_ms;
    let ob = m == Method::OpenBanking;
    let (name, short) = if ob {
        (
            format!("{} OB", i.short_name),
            format!("{} OB", i.short_name),
        )
    } else {
        (i.name.clone(), i.short_name.clone())
    };
    let mut meta =
        json!({"login_id_caption": i.login_id_caption, "password_caption": i.password_caption});
    if let Some(c) = &i.security_code_caption {
        meta["security_code_caption"] = json!(c);
    }
    if let Some(c) = &i.secondary_login_id_caption {
        meta["secondary_login_id_caption"] = json!(c);
    }
    if i.forgotten_password {
        meta["forgotten_password_url"] = json!(forgotten_password_url(i, base));
    }
    let mut inst = json!({"type": i.institution_type, "name": name, "shortName": short, "tier": i.tier,
        "country": i.country, "logo": logo(i, base)});
    if ob {
        inst["cdrFAQ"] = json!(format!("{base}/consent/holder/faq"));
        inst["cdrEmail"] = json!("openbanking@hooli.example");
        inst["cdrPolicy"] = json!(format!("{base}/consent/holder/policy"));
        inst["cdrProviderNumber"] = json!("DHBNK000000");
        inst["abn"] = json!("87087650000");
        inst["acn"] = json!("087650000");
    }
    let authorization = if ob {
        json!({"type": connector_authorization(i, m)})
    } else {
        json!({"type": connector_authorization(i, m), "meta": meta})
    };
    json!({"type": "connector", "id": i.id, "method": m.as_str(), "stage": i.stage, "status": i.status,
        "institution": inst, "scopes": CONNECTOR_SCOPES, "authorization": authorization,
        "stats": {"averageDurationMs": {"verifyCredentials": v, "retrieveAccounts": a,
            "retrieveTransactions": t, "retrieveMeta": mm, "total": v + a + t + mm}},
        "links": {"self": format!("{base}/connectors/{}/{}", i.id, m.as_str())}})
}

/// `GET /connectors` (and `/public/connectors`).
pub fn connectors(rows: &[Connector<'_>], base: &str, self_path: &str) -> Value {
    let data: Vec<Value> = rows.iter().map(|(i, m)| connector(i, *m, base)).collect();
    json!({"type": "list", "totalCount": data.len(), "data": data,
        "links": {"self": format!("{base}{self_path}")}})
}
