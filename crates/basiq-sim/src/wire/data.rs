//! Users, connections, jobs, accounts and transactions.

use serde_json::{Value, json};

use crate::personas::{MfaKind, PERSONAS, money};
use crate::store::{Account, Connection, Failure, Job, StepResult, Txn, User, ts};

/// Basiq's short user representation (POST answers).
pub fn user_short(u: &User, base: &str) -> Value {
    json!({"type": "user", "id": u.id, "email": u.email.clone().unwrap_or_default(),
        "mobile": u.mobile.clone().unwrap_or_default(),
        "links": {"self": format!("{base}/users/{}", u.id)}})
}

/// Basiq's full user representation (`GET /users/{id}`).
pub fn user(u: &User, base: &str) -> Value {
    let name = [u.first_name.as_deref(), u.last_name.as_deref()]
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let uu = format!("{base}/users/{}", u.id);
    let accounts: Vec<Value> = u
        .accounts
        .iter()
        .map(|a| json!({"type": "account", "id": a.id, "links": {"self": format!("{uu}/accounts/{}", a.id)}}))
        .collect();
    let conns: Vec<Value> = u
        .connections
        .iter()
        .map(|c| json!({"type": "connection", "id": c, "links": {"self": format!("{uu}/connections/{c}")}}))
        .collect();
    let mut v = json!({"type": "user", "id": u.id, "email": u.email.clone().unwrap_or_default(),
        "mobile": u.mobile.clone().unwrap_or_default(), "name": name,
        "accounts": {"type": "list", "count": accounts.len(), "data": accounts},
        "connections": {"type": "list", "count": conns.len(), "data": conns},
        "links": {"self": uu, "accounts": format!("{uu}/accounts"), "connections": format!("{uu}/connections"),
            "transactions": format!("{uu}/transactions"), "auth_link": null}});
    if let Some(f) = &u.first_name {
        v["firstName"] = json!(f);
    }
    if let Some(l) = &u.last_name {
        v["lastName"] = json!(l);
    }
    v
}

/// Basiq's connection representation: the list item, or (with `detail`, the connection's
/// accounts) the single GET with profile and accounts. 3.0 adds `method` and `expiryDate`
/// (empty for web connections).
pub fn connection(c: &Connection, base: &str, detail: Option<&[&Account]>, v3: bool) -> Value {
    let uu = format!("{base}/users/{}", c.user_id);
    let f = format!("filter=institution.id.eq('{}')", c.institution_id);
    let mut v = json!({"type": "connection", "id": c.id, "status": c.status.as_str(),
        "createdDate": ts(c.created), "mfaEnabled": c.mfa_enabled,
        "institution": {"type": "institution", "id": c.institution_id,
            "links": {"self": format!("{base}/institutions/{}", c.institution_id)}},
        "links": {"self": format!("{uu}/connections/{}", c.id),
            "accounts": format!("{uu}/accounts?{f}"), "transactions": format!("{uu}/transactions?{f}"),
            "institution": format!("{base}/institutions/{}", c.institution_id)}});
    if let Some(l) = c.last_used {
        v["lastUsed"] = json!(ts(l));
    }
    if v3 {
        v["method"] = json!(c.method.as_str());
        v["expiryDate"] = json!(c.expiry.map(|e| ts(e.date)).unwrap_or_default());
    }
    if let Some(accounts) = detail {
        v["links"]["user"] = json!(uu);
        if let Some(p) = c.persona {
            v["profile"] = profile(p);
        }
        let accounts: Vec<Value> = accounts
            .iter()
            .map(|a| {
                json!({"type": "account", "id": a.id, "accountNo": a.no, "name": a.name, "currency": "AUD",
                    "class": {"type": a.class, "product": a.product}, "balance": money(a.balance),
                    "availableFunds": money(a.available), "lastUpdated": a.last_updated, "status": "available",
                    "links": {"self": format!("{uu}/accounts/{}", a.id),
                        "transactions": format!("{uu}/transactions?filter=account.id.eq('{}')", a.id)}})
            })
            .collect();
        v["accounts"] = json!({"type": "list", "data": accounts});
    }
    v
}

fn profile(persona: usize) -> Value {
    let p = &PERSONAS[persona];
    let (line1, city, state, postcode) = p.address;
    json!({"fullName": p.full_name, "firstName": p.first, "lastName": p.last,
        "middleName": "", "phoneNumbers": [p.phone], "emailAddresses": [p.email],
        "physicalAddresses": [{"addressLine1": line1, "addressLine2": null, "addressLine3": null,
            "postcode": postcode, "city": city, "state": state, "country": "Australia", "countryCode": "AU",
            "formattedAddress": format!("{line1}, {city} {state} {postcode}, Australia")}]})
}

/// Basiq's account representation.
pub fn account(user_id: &str, a: &Account, base: &str) -> Value {
    let uu = format!("{base}/users/{user_id}");
    json!({"type": "account", "id": a.id, "accountNo": a.no, "name": a.name, "currency": "AUD",
        "class": {"type": a.class, "product": a.product}, "balance": money(a.balance),
        "availableFunds": money(a.available), "lastUpdated": a.last_updated,
        "transactionIntervals": [{"from": a.from.to_string(), "to": a.to.to_string()}],
        "institution": a.institution_id, "accountHolder": a.holder, "connection": a.connection_id,
        "status": "available",
        "links": {"self": format!("{uu}/accounts/{}", a.id),
            "transactions": format!("{uu}/transactions?filter=account.id.eq('{}')", a.id),
            "connection": null, "institution": format!("{base}/institutions/{}", a.institution_id)}})
}

/// Basiq's transaction representation.
pub fn transaction(user_id: &str, t: &Txn, base: &str) -> Value {
    let uu = format!("{base}/users/{user_id}");
    let day = format!("{}T00:00:00Z", t.date);
    let (post, tdate) = if t.pending {
        (Value::Null, json!(day))
    } else {
        (json!(day), json!(""))
    };
    json!({"type": "transaction", "id": t.id, "status": if t.pending { "pending" } else { "posted" },
        "description": t.description, "amount": money(t.cents), "account": t.account_id,
        "balance": money(t.balance), "direction": if t.cents < 0 { "debit" } else { "credit" },
        "class": t.class,
        "subClass": t.sub.as_ref().map(|(c, s)| json!({"code": c, "title": s})),
        "enrich": {"category": null, "location": null, "merchant": null},
        "institution": t.institution_id, "connection": t.connection_id,
        "transactionDate": tdate, "postDate": post,
        "links": {"self": format!("{uu}/transactions/{}", t.id), "account": format!("{uu}/accounts/{}", t.account_id),
            "institution": format!("{base}/institutions/{}", t.institution_id), "connection": null}})
}

/// A page of transactions with its size and, when there is more, the `next` link.
pub fn transactions_page(
    user_id: &str,
    page: &[Txn],
    size: usize,
    cursor: Option<String>,
    base: &str,
) -> Value {
    let data: Vec<Value> = page.iter().map(|t| transaction(user_id, t, base)).collect();
    let uu = format!("{base}/users/{user_id}/transactions");
    let mut links = json!({"self": uu});
    if let Some(c) = cursor {
        links["next"] = json!(format!("{uu}?next={c}"));
    }
    json!({"type": "list", "count": data.len(), "size": size, "data": data, "links": links})
}

/// Basiq's job representation (`with_institution`: as an item of `GET /users/{id}/jobs`;
/// 3.0 adds `jobType`).
pub fn job(j: &Job, base: &str, with_institution: bool, v3: bool) -> Value {
    let steps: Vec<Value> = j
        .steps
        .iter()
        .filter(|s| s.visible)
        .map(|s| {
            let result = s.result.as_ref().map(|r| step_result(r, j, base));
            json!({"title": s.title, "status": s.status.as_str(), "result": result})
        })
        .collect();
    let mut v = json!({"type": "job", "id": j.id, "created": ts(j.created), "updated": ts(j.updated),
        "steps": steps,
        "links": {"self": format!("{base}/jobs/{}", j.id),
            "source": format!("{base}/users/{}/connections/{}", j.user_id, j.connection_id)}});
    if v3 {
        v["jobType"] = json!("connection");
    }
    if with_institution {
        v["institution"] = json!({"type": "institution", "id": j.institution_id,
            "links": {"self": format!("{base}/institutions/{}", j.institution_id)}});
    }
    v
}

fn step_result(r: &StepResult, j: &Job, base: &str) -> Value {
    match r {
        StepResult::Link(url) => json!({"type": "link", "url": url}),
        StepResult::Failed(f) => failure(*f),
        StepResult::Challenge(kind) => challenge(*kind, j, base),
    }
}

fn failure(f: Failure) -> Value {
    json!({"code": f.0, "title": f.1, "detail": f.2})
}

/// The wording of an MFA challenge: `(method, description, questions)`.
pub fn challenge_text(kind: MfaKind) -> (&'static str, &'static str, &'static [&'static str]) {
    match kind {
        MfaKind::Token => (
            "token",
            "A SMS code has been sent to your device, please enter valid number.",
            &["OTP Password"],
        ),
        MfaKind::OneQuestion => (
            "security-questions",
            "To continue with the process, please answer the following security questions.",
            &["What's your first company?"],
        ),
        MfaKind::TwoQuestions => (
            "security-questions",
            "To continue with the process, please answer the following security questions.",
            &[
                "What's your favourite company?",
                "What's the ID of this institution?",
            ],
        ),
    }
}

fn challenge(kind: MfaKind, j: &Job, base: &str) -> Value {
    let (method, description, input) = challenge_text(kind);
    json!({"type": "mfa", "method": method, "description": description, "input": input,
        "expiryMs": j.mfa_expiry_ms,
        "links": {"response": format!("{base}/jobs/{}/mfa", j.id)}})
}
