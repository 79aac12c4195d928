//! 3.0 consents.

use serde_json::{Value, json};

use crate::store::{Consent, ts};

/// A scope the consent asks for: `(scope, entity, required, name, description, attributes)`.
pub type ScopeInfo = (
    &'static str,
    &'static str,
    bool,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// The scopes every consent asks for (Basiq's wording; `account.basic` is mandatory, the
/// customer details are the one optional scope).
pub const SCOPES: &[ScopeInfo] = &[
    (
        "account.basic",
        "account",
        true,
        "Account name, type and balance",
        "This allows access to a list of your accounts and their current balance.",
        &["Name of account", "Type of account", "Account balance"],
    ),
    (
        "account.detail",
        "account",
        true,
        "Account balance and details",
        "This allows access to detailed information of your accounts.",
        &[
            "Name of account",
            "Type of account",
            "Account balance",
            "Account number",
            "Interest rates",
            "Fees",
        ],
    ),
    (
        "transaction.detail",
        "transaction",
        true,
        "Transaction details",
        "This allows access to transaction data for your accounts.",
        &[
            "Incoming and outgoing transactions",
            "Amounts",
            "Dates",
            "Descriptions of transactions",
        ],
    ),
    (
        "customer.person.detail",
        "connection",
        false,
        "Name, occupation, contact details",
        "This allows access to personally identifiable information.",
        &[
            "Name",
            "Occupation",
            "Phone",
            "Email address",
            "Mail address",
        ],
    ),
];

/// The purpose every consent states.
pub const PURPOSE: (&str, &str) = (
    "Share your financial data",
    "We need to connect to your bank to collect some information about your finances",
);

/// Days of history the first retrieval covers.
pub const INITIAL_RETRIEVAL_DAYS: u32 = 365;

/// Basiq's consent representation.
pub fn consent(c: &Consent, base: &str) -> Value {
    let permissions: Vec<Value> = SCOPES
        .iter()
        .map(|(scope, entity, required, name, description, attrs)| {
            let consented = !c.declined_scopes.iter().any(|d| d == scope);
            json!({"scope": scope, "required": required, "consented": consented, "entity": entity,
                "information": {"name": name, "description": description, "attributeList": attrs},
                "purpose": {"title": name, "description": description}})
        })
        .collect();
    let mut v = json!({"type": "consent", "id": c.id, "created": ts(c.created), "updated": ts(c.updated),
        "expiryDate": ts(c.expiry.date), "origin": "user", "status": c.status.as_str(),
        "purpose": {"primary": {"title": PURPOSE.0, "description": PURPOSE.1}, "other": null},
        "data": {"retainData": false, "initialRetrievalDays": INITIAL_RETRIEVAL_DAYS, "organisation": null,
            "permissions": permissions},
        "links": {"self": format!("{base}/users/{}/consents/{}", c.user_id, c.id)}});
    if let Some(r) = c.revoked {
        v["revoked"] = json!(ts(r));
    }
    v
}

/// `GET /users/{u}/consents`.
pub fn consents(list: &[&Consent], user_id: &str, base: &str) -> Value {
    let data: Vec<Value> = list.iter().map(|c| consent(c, base)).collect();
    json!({"type": "list", "size": data.len(), "data": data,
        "links": {"self": format!("{base}/users/{user_id}/consents")}})
}
