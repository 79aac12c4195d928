//! Connectors (3.0): one row per institution and method. Every institution has its `web`
//! row; Hooli (AU00000) also has an `open-banking` row, Hooli OB, the mock data holder.

use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::filter::{self, Cond};
use crate::institutions::{Institution, find};
use crate::store::Method;

/// The institution that also has an open-banking connector: Hooli OB, the mock data holder.
pub const OPEN_BANKING_ID: &str = "AU00000";

/// Fields the connectors filter accepts.
pub const CONNECTOR_FIELDS: &[&str] = &[
    "connector.id",
    "connector.method",
    "connector.status",
    "connector.stage",
    "connector.scopes",
    "connector.institution.country",
    "connector.institution.tier",
    "connector.institution.type",
    "connector.authorization.type",
];

/// One connector: an institution and a method.
pub type Connector<'a> = (&'a Institution, Method);

/// Every connector: one `web` row per institution, and Hooli OB's `open-banking` row first.
pub fn connectors(dir: &[Institution]) -> Vec<Connector<'_>> {
    let ob = dir
        .iter()
        .filter(|i| i.id == OPEN_BANKING_ID)
        .map(|i| (i, Method::OpenBanking));
    ob.chain(dir.iter().map(|i| (i, Method::Web))).collect()
}

/// What a connector grants access to.
pub const CONNECTOR_SCOPES: &[&str] = &[
    "account.basic",
    "account.detail",
    "transaction.detail",
    "customer.person.basic",
    "customer.person.detail",
];

fn connector_matches((i, m): Connector<'_>, c: &Cond) -> bool {
    match c.field.as_str() {
        "connector.id" => c.matches(&i.id),
        "connector.method" => c.matches(m.as_str()),
        "connector.status" => c.matches(&i.status),
        "connector.stage" => c.matches(&i.stage),
        "connector.scopes" => match c.op {
            filter::Op::Ne => !CONNECTOR_SCOPES
                .iter()
                .any(|s| c.values.iter().any(|v| v == s)),
            _ => CONNECTOR_SCOPES
                .iter()
                .any(|s| c.values.iter().any(|v| v == s)),
        },
        "connector.institution.country" => c.matches(&i.country),
        "connector.institution.tier" => c.matches(&i.tier),
        "connector.institution.type" => c.matches(&i.institution_type),
        "connector.authorization.type" => c.matches(connector_authorization(i, m)),
        _ => false,
    }
}

/// A connector's `authorization.type` (open banking: `user`, the person authorises).
pub fn connector_authorization(i: &Institution, m: Method) -> &str {
    match m {
        Method::Web => &i.authorization,
        Method::OpenBanking => "user",
    }
}

/// Filters the connectors (`filter=` query value; `openbanking` is read as `open-banking`).
pub fn list_connectors<'a>(
    dir: &'a [Institution],
    filter: Option<&str>,
) -> ApiResult<Vec<Connector<'a>>> {
    let mut conds = filter::parse(filter.unwrap_or(""), CONNECTOR_FIELDS)?;
    for c in conds.iter_mut().filter(|c| c.field == "connector.method") {
        for v in c.values.iter_mut() {
            if let Some(m) = Method::parse(v) {
                *v = m.as_str().to_string();
            }
        }
    }
    Ok(connectors(dir)
        .into_iter()
        .filter(|row| conds.iter().all(|c| connector_matches(*row, c)))
        .collect())
}

/// One connector by id and method, with Basiq's 400/404 errors.
pub fn find_connector<'a>(
    dir: &'a [Institution],
    id: &str,
    method: &str,
) -> ApiResult<Connector<'a>> {
    let inst = find(dir, id).map_err(|e| {
        if e.status.as_u16() == 404 {
            ApiError::not_found("Requested connector does not exist.")
        } else {
            e
        }
    })?;
    let m = Method::parse(method).ok_or_else(|| {
        ApiError::not_valid("Connector method value is not valid")
            .with_source(json!({"parameter": "method", "pointer": "path/method"}))
    })?;
    connectors(dir)
        .into_iter()
        .find(|(i, mm)| i.id == inst.id && *mm == m)
        .ok_or_else(|| ApiError::not_found("Requested connector does not exist."))
}
