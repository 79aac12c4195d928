//! Shapes of the server's own `/api/*` answers (decoded by the app, produced by the server).

use serde::{Deserialize, Serialize};

use crate::fields::{JsonObject, ObjectText};

/// `POST /api/token` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenGrantBody {
    /// CLIENT_ACCESS token for direct Basiq calls (kept in memory only).
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The Basiq user the token is bound to.
    pub user_id: String,
}

impl TokenGrantBody {
    /// The grant from `POST /api/token`'s object as the browser parsed it; `None` where the
    /// serde derive would refuse it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            access_token: o.string("access_token").required()?,
            expires_in: o.whole("expires_in").required()?,
            user_id: o.string("user_id").required()?,
        })
    }
}

/// `POST /api/token` body, as the widget sends it: empty fields are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenRequestBody {
    /// The host's single-use link token (embedded, first request only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_token: Option<String>,
    /// Basiq refused the token we had: mint a new one instead of the server's cached copy.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fresh: bool,
    /// The person chose "Start again" after their session ended: a new visitor is fine.
    #[serde(default, skip_serializing_if = "is_false")]
    pub new_session: bool,
    /// The widget runs in a host's frame: never a user the host does not know of.
    #[serde(default, skip_serializing_if = "is_false")]
    pub embedded: bool,
}

impl TokenRequestBody {
    /// The body as JSON text, or `None` when every field is empty (no body is sent).
    pub fn to_json(&self) -> Option<String> {
        if *self == Self::default() {
            return None;
        }
        let mut o = ObjectText::new();
        o.some_string("link_token", self.link_token.as_deref());
        for (key, set) in [
            ("fresh", self.fresh),
            ("new_session", self.new_session),
            ("embedded", self.embedded),
        ] {
            if set {
                o.boolean(key, true);
            }
        }
        Some(o.finish())
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `POST /api/link-tokens` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkTokenBody {
    /// Single-use token to hand to the widget.
    pub link_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// An error answer of the server: what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// Machine code, e.g. `no-session`.
    pub code: String,
    /// A sentence for the person.
    pub message: String,
}

impl ApiErrorBody {
    /// The error from its object as the browser parsed it; `None` where the serde derive would
    /// refuse it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            code: o.string("code").required()?,
            message: o.string("message").required()?,
        })
    }
}

/// A connection as the connections view shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    /// Connection id.
    pub id: String,
    /// `pending`, `active`, `invalid`.
    pub status: String,
    /// Institution id.
    pub institution_id: String,
    /// Institution name (from the directory; the id when unknown).
    pub institution_name: String,
    /// Institution logo URL.
    #[serde(default)]
    pub institution_logo: Option<String>,
    /// When data was last fetched from the bank (RFC 3339).
    #[serde(default)]
    pub last_used: Option<String>,
    /// When the connection was made (RFC 3339).
    #[serde(default)]
    pub created_date: Option<String>,
    /// Whether the bank asks for MFA on every refresh.
    #[serde(default)]
    pub mfa_enabled: bool,
    /// Basiq 3.0: `open-banking` or `web` (absent with 2.1; the server's 3.0 view documents
    /// it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub method: Option<String>,
    /// Basiq 3.0, open banking: when access ends (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub expiry_date: Option<String>,
}

impl ConnectionView {
    /// The connection from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            id: o.string("id").required()?,
            status: o.string("status").required()?,
            institution_id: o.string("institutionId").required()?,
            institution_name: o.string("institutionName").required()?,
            institution_logo: o.string("institutionLogo").optional()?,
            last_used: o.string("lastUsed").optional()?,
            created_date: o.string("createdDate").optional()?,
            mfa_enabled: o.boolean("mfaEnabled").or_default(false)?,
            method: o.string("method").optional()?,
            expiry_date: o.string("expiryDate").optional()?,
        })
    }
}

/// A consent (Basiq 3.0) as the connections view shows it (`GET /api/consents`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    /// Consent id.
    pub id: String,
    /// `active`, `revoked` or `expired`.
    #[serde(default)]
    pub status: String,
    /// When it ends (RFC 3339).
    #[serde(default)]
    pub expiry_date: Option<String>,
}

impl ConsentView {
    /// The consent from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            id: o.string("id").required()?,
            status: o.string("status").or_default(String::new())?,
            expiry_date: o.string("expiryDate").optional()?,
        })
    }
}

/// An account as the connections view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    /// Account id.
    pub id: String,
    /// Connection id.
    pub connection_id: String,
    /// Institution id.
    pub institution_id: String,
    /// Account name.
    pub name: String,
    /// Account number with all but the last 4 characters masked.
    pub masked_number: String,
    /// Balance as a decimal string.
    pub balance: String,
    /// Available funds as a decimal string.
    #[serde(default)]
    pub available_funds: Option<String>,
    /// ISO currency.
    pub currency: String,
    /// `transaction`, `savings`, `credit-card`…
    pub class: String,
    /// When the bank data was fetched (RFC 3339).
    #[serde(default)]
    pub last_updated: Option<String>,
}

impl AccountView {
    /// The account from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            id: o.string("id").required()?,
            connection_id: o.string("connectionId").required()?,
            institution_id: o.string("institutionId").required()?,
            name: o.string("name").required()?,
            masked_number: o.string("maskedNumber").required()?,
            balance: o.string("balance").required()?,
            available_funds: o.string("availableFunds").optional()?,
            currency: o.string("currency").required()?,
            class: o.string("class").required()?,
            last_updated: o.string("lastUpdated").optional()?,
        })
    }
}

/// A transaction row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TransactionView {
    /// Transaction id.
    pub id: String,
    /// Account id.
    pub account_id: String,
    /// Post date (or transaction date) as `YYYY-MM-DD`, absent while pending without a date.
    #[serde(default)]
    pub date: Option<String>,
    /// Bank's description.
    pub description: String,
    /// Signed decimal string.
    pub amount: String,
    /// True while pending.
    pub pending: bool,
}

impl TransactionView {
    /// The row from its object as the browser parsed it; `None` where the serde derive would
    /// refuse it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            id: o.string("id").required()?,
            account_id: o.string("accountId").required()?,
            date: o.string("date").optional()?,
            description: o.string("description").required()?,
            amount: o.string("amount").required()?,
            pending: o.boolean("pending").required()?,
        })
    }
}

/// A page of transactions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TransactionPage {
    /// Rows, newest first.
    pub transactions: Vec<TransactionView>,
    /// Opaque cursor for the next page; absent on the last.
    #[serde(default)]
    pub next: Option<String>,
}

impl TransactionPage {
    /// The page from its object as the browser parsed it; `None` where the serde derive would
    /// refuse it.
    pub fn from_object<O: JsonObject>(o: &O) -> Option<Self> {
        Some(Self {
            transactions: crate::fields::each(
                &o.objects("transactions").required()?,
                TransactionView::from_object,
            )?,
            next: o.string("next").optional()?,
        })
    }
}

/// `POST /api/connections/{id}/refresh` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshStarted {
    /// The Basiq job to follow.
    pub job_id: String,
}

impl RefreshStarted {
    /// The answer from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it.
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        Some(Self {
            job_id: o.string("job_id").required()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn a_token_grant_reads_from_its_fields_as_serde_reads_it() {
        let grant = json!({"access_token": "eyJ.x.y", "expires_in": 3600, "user_id": "u-1"});
        let mut cases = vec![
            grant.clone(),
            json!({"extra": 1, "access_token": "a", "expires_in": 0, "user_id": ""}),
        ];
        for (key, value) in [
            ("access_token", Value::Null),
            ("access_token", json!(1)),
            ("expires_in", json!("3600")),
            ("expires_in", json!(-5)),
            ("expires_in", json!(2.5)),
            ("user_id", json!(["u"])),
        ] {
            let mut bad = grant.clone();
            bad[key] = value;
            cases.push(bad);
        }
        let mut missing = grant.clone();
        missing.as_object_mut().unwrap().remove("user_id");
        cases.push(missing);
        for v in cases {
            let serde = serde_json::from_value::<TokenGrantBody>(v.clone()).ok();
            let fields = TokenGrantBody::from_object(v.as_object().unwrap());
            assert_eq!(fields, serde, "{v}");
        }
        assert!(TokenGrantBody::from_object(grant.as_object().unwrap()).is_some());
    }

    /// Each field of `base` removed, or set to each of a few values of every JSON type: the
    /// object reader `read` decides as the serde derive of `T` does.
    fn reads_as_serde<T>(base: Value, read: impl Fn(&serde_json::Map<String, Value>) -> Option<T>)
    where
        T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let values = [
            json!(null),
            json!("s"),
            json!(""),
            json!(7),
            json!(-7),
            json!(1.5),
            json!(true),
            json!(false),
            json!([]),
            json!({}),
        ];
        let keys: Vec<String> = base.as_object().unwrap().keys().cloned().collect();
        let mut cases = vec![base.clone()];
        for key in keys.iter().map(String::as_str).chain(["unknown"]) {
            let mut gone = base.clone();
            gone.as_object_mut().unwrap().remove(key);
            cases.push(gone);
            for value in &values {
                let mut changed = base.clone();
                changed[key] = value.clone();
                cases.push(changed);
            }
        }
        for v in cases {
            let serde = serde_json::from_value::<T>(v.clone()).ok();
            assert_eq!(read(v.as_object().unwrap()), serde, "{v}");
        }
        assert!(read(base.as_object().unwrap()).is_some());
    }

    #[test]
    fn connections_accounts_and_errors_read_from_their_fields_as_serde_reads_them() {
        reads_as_serde(
            json!({"id": "c", "status": "active", "institutionId": "AU0", "institutionName": "Hooli",
                "institutionLogo": "l", "lastUsed": "t", "createdDate": "t", "mfaEnabled": true,
                "method": "web", "expiryDate": "t"}),
            ConnectionView::from_object,
        );
        reads_as_serde(
            json!({"id": "a", "connectionId": "c", "institutionId": "AU0", "name": "Everyday",
                "maskedNumber": "xx12", "balance": "1.00", "availableFunds": "1.00",
                "currency": "AUD", "class": "transaction", "lastUpdated": "t"}),
            AccountView::from_object,
        );
        reads_as_serde(
            json!({"code": "no-session", "message": "Start again."}),
            ApiErrorBody::from_object,
        );
        reads_as_serde(
            json!({"id": "c1", "status": "active", "expiryDate": "t"}),
            ConsentView::from_object,
        );
        reads_as_serde(
            json!({"id": "t1", "accountId": "a1", "date": "2026-01-01", "description": "Coffee",
                "amount": "-4.50", "pending": false}),
            TransactionView::from_object,
        );
        reads_as_serde(json!({"job_id": "j1"}), RefreshStarted::from_object);
        reads_as_serde(
            json!({"url": "https://consent.example/?token=t", "nonce": "n", "expires_in": 900}),
            crate::handoff::ConsentStarted::from_object,
        );
        reads_as_serde(
            json!({"job_id": "j2", "job_ids": ["j1", "j2"]}),
            crate::handoff::ConsentResult::from_object,
        );
        let row = json!({"id": "t1", "accountId": "a1", "description": "Coffee",
            "amount": "-4.50", "pending": true});
        reads_as_serde(
            json!({"transactions": [row.clone(), row.clone()], "next": "cursor"}),
            TransactionPage::from_object,
        );
        for page in [
            json!({"transactions": [row.clone(), 1]}),
            json!({"transactions": [row.clone(), {}]}),
            json!({"transactions": {}}),
            json!({"next": null}),
            json!({"transactions": []}),
        ] {
            assert_eq!(
                TransactionPage::from_object(page.as_object().unwrap()),
                serde_json::from_value::<TransactionPage>(page.clone()).ok(),
                "{page}"
            );
        }
    }

    #[test]
    fn a_token_request_sends_only_what_is_set() {
        assert_eq!(TokenRequestBody::default().to_json(), None);
        let embedded_first = TokenRequestBody {
            link_token: Some("lt".into()),
            embedded: true,
            ..Default::default()
        };
        assert_eq!(
            embedded_first.to_json().as_deref(),
            Some(r#"{"link_token":"lt","embedded":true}"#)
        );
        let start_again = TokenRequestBody {
            new_session: true,
            ..Default::default()
        };
        assert_eq!(
            start_again.to_json().as_deref(),
            Some(r#"{"new_session":true}"#)
        );
        let renewal = TokenRequestBody {
            fresh: true,
            embedded: true,
            ..Default::default()
        };
        assert_eq!(
            renewal.to_json().as_deref(),
            Some(r#"{"fresh":true,"embedded":true}"#)
        );
    }
}
