//! Basiq 3.0 calls: a fresh user-bound CLIENT token for one Consent UI hand-off, jobs,
//! consents, refresh-all, connections with their method and expiry, connectors.

use std::collections::BTreeMap;

use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

use bank_connect_core::basiq::{Connection, Institution, List};

use super::BasiqClient;
use super::budget::TokenUse;
use super::wire::seg;
use crate::error::ServerError;

/// A 3.0 connection: the fields every version has, plus `method` and `expiryDate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionV3 {
    /// What 2.1 has too.
    #[serde(flatten)]
    pub base: Connection,
    /// `web` or `open-banking` (`openbanking` read as `open-banking`).
    #[serde(default)]
    pub method: Option<String>,
    /// Open banking: when the sharing arrangement ends (empty for web).
    #[serde(default)]
    pub expiry_date: Option<String>,
}

/// Institutions and their connection methods, from `/connectors` (one row per institution ×
/// method): per institution its web row's record when it has one (captions for the form),
/// else its first row's, and every method it offers.
#[derive(Debug, Clone, Default)]
pub struct ConnectorDirectory {
    /// One record per institution, in the 2.1 shape.
    pub institutions: Vec<Institution>,
    /// Institution id → its methods, sorted.
    pub methods: BTreeMap<String, Vec<String>>,
}

/// A connector row as an institution record: `None` when a required field is missing.
fn institution_of(row: &Value) -> Option<Institution> {
    let inst = &row["institution"];
    let meta = &row["authorization"]["meta"];
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let record = json!({
        "type": "institution",
        "id": text(&row["id"])?,
        "name": text(&inst["name"])?,
        "shortName": text(&inst["shortName"]).or_else(|| text(&inst["name"]))?,
        "institutionType": text(&inst["type"]).unwrap_or_default(),
        "country": text(&inst["country"]).unwrap_or_default(),
        "serviceType": text(&inst["serviceType"]).unwrap_or_else(|| "Personal Banking".into()),
        "tier": text(&inst["tier"]).unwrap_or_else(|| "4".into()),
        "authorization": text(&row["authorization"]["type"]).unwrap_or_else(|| "user".into()),
        "stage": text(&row["stage"]).unwrap_or_default(),
        "status": text(&row["status"]).unwrap_or_default(),
        "loginIdCaption": text(&meta["login_id_caption"]),
        "passwordCaption": text(&meta["password_caption"]),
        "securityCodeCaption": text(&meta["security_code_caption"]),
        "secondaryLoginIdCaption": text(&meta["secondary_login_id_caption"]),
        "forgottenPasswordUrl": text(&meta["forgotten_password_url"]),
        "logo": inst.get("logo").cloned().unwrap_or(Value::Null),
    });
    serde_json::from_value(record).ok()
}

/// Groups connector rows by institution (see [`ConnectorDirectory`]).
pub fn connector_directory(rows: &[Value]) -> ConnectorDirectory {
    let mut dir = ConnectorDirectory::default();
    let mut web: BTreeMap<String, bool> = BTreeMap::new();
    for row in rows {
        let Some(institution) = institution_of(row) else {
            continue;
        };
        let method = canonical_method(row["method"].as_str().unwrap_or_default());
        let methods = dir.methods.entry(institution.id.clone()).or_default();
        if !method.is_empty() && !methods.contains(&method) {
            methods.push(method.clone());
            methods.sort();
        }
        let is_web = method == "web";
        match dir.institutions.iter().position(|i| i.id == institution.id) {
            None => {
                web.insert(institution.id.clone(), is_web);
                dir.institutions.push(institution);
            }
            Some(at) if is_web && !web[&institution.id] => {
                web.insert(institution.id.clone(), true);
                dir.institutions[at] = institution;
            }
            Some(_) => {}
        }
    }
    dir
}

/// `open-banking` for Basiq's two spellings; other methods as given.
pub fn canonical_method(method: &str) -> String {
    match method {
        "openbanking" | "open-banking" => "open-banking".to_owned(),
        other => other.to_owned(),
    }
}

/// The 3.0 directory's sources: `/connectors` (every institution and its methods) merged with
/// `/institutions` (service types, and any institution the connectors omit); either alone when
/// the other fails, an error only when both do.
pub async fn institutions_v3(
    basiq: &BasiqClient,
) -> (
    Result<Vec<Institution>, ServerError>,
    BTreeMap<String, Vec<String>>,
) {
    let (connectors, institutions) = tokio::join!(basiq.connectors(), basiq.institutions());
    match (connectors, institutions) {
        (Ok(c), Ok(mut all)) => {
            for i in c.institutions {
                if !all.iter().any(|a| a.id == i.id) {
                    all.push(i);
                }
            }
            (Ok(all), c.methods)
        }
        (Ok(c), Err(e)) => {
            tracing::warn!(error = %e, "/institutions failed; the directory comes from /connectors alone");
            (Ok(c.institutions), c.methods)
        }
        (Err(e), institutions) => {
            tracing::warn!(error = %e, "/connectors failed; the directory comes from /institutions");
            (institutions, BTreeMap::new())
        }
    }
}

impl BasiqClient {
    /// A CLIENT_ACCESS token bound to `user`, fetched now for one hand-off and never cached
    /// (so the token in a Consent UI URL is not the one the widget holds).
    pub async fn fresh_client_token(&self, user: &str) -> Result<SecretString, ServerError> {
        let token = self
            .fetch_token(
                TokenUse::Client,
                &[("scope", "CLIENT_ACCESS"), ("userId", user)],
            )
            .await?;
        Ok(token.value)
    }

    /// A job, read with the SERVER token (Basiq's JSON as it is).
    pub async fn job(&self, id: &str) -> Result<Value, ServerError> {
        self.call(Method::GET, &format!("/jobs/{}", seg(id)), None)
            .await
    }

    /// The user's consents (Basiq's JSON list).
    pub async fn consents(&self, user: &str) -> Result<Vec<Value>, ServerError> {
        let list: Value = self
            .call(Method::GET, &format!("/users/{}/consents", seg(user)), None)
            .await?;
        Ok(list["data"].as_array().cloned().unwrap_or_default())
    }

    /// Revokes a consent (Basiq deletes its connections with it).
    pub async fn delete_consent(&self, user: &str, id: &str) -> Result<(), ServerError> {
        self.call::<Value>(
            Method::DELETE,
            &format!("/users/{}/consents/{}", seg(user), seg(id)),
            None,
        )
        .await
        .map(|_| ())
    }

    /// Refreshes every connection of the user: the job ids Basiq started.
    pub async fn refresh_all(&self, user: &str) -> Result<Vec<String>, ServerError> {
        let list: Value = self
            .call(
                Method::POST,
                &format!("/users/{}/connections/refresh", seg(user)),
                None,
            )
            .await?;
        Ok(list["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|j| j["id"].as_str().map(str::to_owned))
            .collect())
    }

    /// The user's connections with their 3.0 fields.
    pub async fn connections_v3(&self, user: &str) -> Result<Vec<ConnectionV3>, ServerError> {
        Ok(self
            .call::<List<ConnectionV3>>(
                Method::GET,
                &format!("/users/{}/connections", seg(user)),
                None,
            )
            .await?
            .data)
    }

    /// Every connector Basiq lists, grouped by institution.
    pub async fn connectors(&self) -> Result<ConnectorDirectory, ServerError> {
        let list = self
            .call::<List<Value>>(Method::GET, "/connectors", None)
            .await?;
        Ok(connector_directory(&list.data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, method: &str, name: &str) -> Value {
        json!({"type": "connector", "id": id, "method": method, "stage": "live", "status": "operational",
            "authorization": {"type": "user", "meta": {"login_id_caption": format!("{name} id"), "password_caption": "Password"}},
            "institution": {"name": name, "shortName": name, "type": "Bank", "country": "Australia", "tier": "1"}})
    }

    #[test]
    fn one_institution_per_id_with_every_method_and_the_web_rows_captions() {
        let dir = connector_directory(&[
            row("AU00000", "openbanking", "Hooli OB"),
            row("AU00000", "web", "Hooli"),
            row("AU00001", "open-banking", "Bank B"),
            json!({"id": "AU9", "method": "web"}),
        ]);
        let ids: Vec<&str> = dir.institutions.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            ["AU00000", "AU00001"],
            "a row without an institution is skipped"
        );
        assert_eq!(dir.institutions[0].name, "Hooli");
        assert_eq!(
            dir.institutions[0].login_id_caption.as_deref(),
            Some("Hooli id")
        );
        assert_eq!(dir.methods["AU00000"], ["open-banking", "web"]);
        assert_eq!(dir.methods["AU00001"], ["open-banking"]);
        assert!(!dir.methods.contains_key("AU9"));
    }
}
