//! Basiq API 2.1 wire types, as the client side decodes them.
//!
//! Decoding is deliberately tolerant where Basiq is loose (optional fields, `null`s, extra keys)
//! and strict where the app relies on a value. Every response recorded against Basiq's sandbox
//! (see `../shared/basiq-reference/recorded/`) decodes with these types; a test enforces it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /token` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds (3600 at Basiq).
    pub expires_in: u64,
}

/// Basiq's error envelope: `{"type":"list","correlationId":…,"data":[{"type":"error",…}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    /// Always `list`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Basiq's request id, for support.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// One or more errors.
    pub data: Vec<ErrorItem>,
}

/// One error of an [`ErrorEnvelope`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    /// Always `error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Machine code, e.g. `access-denied`.
    pub code: String,
    /// Short human title.
    pub title: String,
    /// Longer text; absent on some errors.
    #[serde(default)]
    pub detail: Option<String>,
    /// `{pointer, parameter}`, `{}` or `null`.
    #[serde(default)]
    pub source: Option<Value>,
}

impl ErrorEnvelope {
    /// The envelope from its object as the browser parsed it; `None` where the serde derive
    /// would refuse it. An error's `source` (any value) is not read: it is `None`.
    pub fn from_object<O: crate::fields::JsonObject>(o: &O) -> Option<Self> {
        Some(Self {
            kind: o.string("type").required()?,
            correlation_id: o.string("correlationId").optional()?,
            data: crate::fields::each(&o.objects("data").required()?, |e| {
                Some(ErrorItem {
                    kind: e.string("type").required()?,
                    code: e.string("code").required()?,
                    title: e.string("title").required()?,
                    detail: e.string("detail").optional()?,
                    source: None,
                })
            })?,
        })
    }

    /// The first error's code, if any.
    pub fn code(&self) -> Option<&str> {
        self.data.first().map(|e| e.code.as_str())
    }

    /// True when this is Basiq's "Token has expired" answer.
    pub fn is_token_expired(&self) -> bool {
        self.data
            .iter()
            .any(|e| e.code == "access-denied" && e.detail.as_deref() == Some("Token has expired"))
    }
}

/// A Basiq list: `{"type":"list","data":[…],"links":{…}}` with the count fields some lists carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    /// Always `list`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The items.
    pub data: Vec<T>,
    /// `self` and, for paged lists, `next`.
    #[serde(default)]
    pub links: Option<ListLinks>,
    /// Institutions: total number of items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// Jobs and transactions: total size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Transactions and embedded lists: items in this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// Links of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListLinks {
    /// This page.
    #[serde(rename = "self", default)]
    pub self_: Option<String>,
    /// The next page, absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A reference to another resource: `{"type":"institution","id":"AU00000","links":{"self":…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    /// Resource type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Resource id.
    pub id: String,
    /// `self` link.
    #[serde(default)]
    pub links: Option<Value>,
}

/// An institution (bank, credit union, super fund…), v2.1 shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Institution {
    /// Always `institution`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `AU00000`-style id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// `Bank`, `Credit Union`, `Test Bank`…
    pub institution_type: String,
    /// `Australia` or `New Zealand`.
    pub country: String,
    /// e.g. `Personal Online Banking`.
    #[serde(default)]
    pub service_name: Option<String>,
    /// `Personal Banking`, `Business Banking`…
    pub service_type: String,
    /// `"1"`…`"4"`.
    pub tier: String,
    /// `user`, `user-mfa`, `user-mfa-intermittent`, `token`, `other`.
    pub authorization: String,
    /// `live`, `beta`, `alpha`.
    pub stage: String,
    /// `operational`, `under-maintenance`, `degraded-performance`, `partial-outage`, `major-outage`.
    pub status: String,
    /// Label of the login id input.
    #[serde(default)]
    pub login_id_caption: Option<String>,
    /// Label of the password input.
    #[serde(default)]
    pub password_caption: Option<String>,
    /// Label of the security code input, when the bank needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_code_caption: Option<String>,
    /// Label of the secondary login id input, when the bank needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_login_id_caption: Option<String>,
    /// Label of the user token input (token authorization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_token_caption: Option<String>,
    /// The bank's own password-reset page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forgotten_password_url: Option<String>,
    /// Data sources per feature; kept opaque.
    #[serde(default)]
    pub features: Option<Value>,
    /// Average job step durations.
    #[serde(default)]
    pub stats: Option<InstitutionStats>,
    /// Logo links.
    #[serde(default)]
    pub logo: Option<Logo>,
    /// `self` link.
    #[serde(default)]
    pub links: Option<Value>,
}

/// `stats` of an institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstitutionStats {
    /// Average durations in milliseconds.
    #[serde(default)]
    pub average_duration_ms: Option<AverageDurations>,
}

/// Average job step durations in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AverageDurations {
    /// verify-credentials.
    #[serde(default)]
    pub verify_credentials: Option<u64>,
    /// retrieve-accounts.
    #[serde(default)]
    pub retrieve_accounts: Option<u64>,
    /// retrieve-transactions.
    #[serde(default)]
    pub retrieve_transactions: Option<u64>,
    /// retrieve-meta.
    #[serde(default)]
    pub retrieve_meta: Option<u64>,
    /// The whole job.
    #[serde(default)]
    pub total: Option<u64>,
}

/// An institution's logo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logo {
    /// Always `image`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `square` and `full` image URLs.
    pub links: LogoLinks,
    /// `{"primary": "#hex" | null}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colors: Option<Value>,
}

/// Logo image URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoLinks {
    /// Square logo.
    #[serde(default)]
    pub square: Option<String>,
    /// Full-width logo.
    #[serde(default)]
    pub full: Option<String>,
}

/// A job (connection, refresh, update), or the short job reference that a POST answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Always `job`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Job id.
    pub id: String,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub created: Option<String>,
    /// Last update time (RFC 3339).
    #[serde(default)]
    pub updated: Option<String>,
    /// Steps; empty in the short reference.
    #[serde(default)]
    pub steps: Vec<JobStep>,
    /// Institution reference (job lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<ResourceRef>,
    /// `self` and `source` (the connection).
    #[serde(default)]
    pub links: Option<JobLinks>,
}

/// Links of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLinks {
    /// The job.
    #[serde(rename = "self", default)]
    pub self_: Option<String>,
    /// The connection the job works on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One step of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStep {
    /// `verify-credentials`, `mfa-challenge`, `retrieve-accounts`, `retrieve-transactions`…
    pub title: String,
    /// Where the step is.
    pub status: StepStatus,
    /// `null` until the step produces something.
    #[serde(default)]
    pub result: Option<StepResult>,
}

/// Status of a job step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Not started.
    Pending,
    /// Running (or waiting for an MFA answer).
    InProgress,
    /// Done.
    Success,
    /// Failed; the result says why.
    Failed,
    /// Skipped (seen on `mfa-challenge` in Basiq's own UI code).
    Skipped,
    /// Any value this version does not know.
    #[serde(other)]
    Unknown,
}

/// What a step produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StepResult {
    /// An MFA challenge waiting for an answer.
    Mfa(MfaChallenge),
    /// A link to the produced resource.
    Link(StepLink),
    /// Why the step failed.
    Failure(StepFailure),
    /// Older documentation shows a one-element array of links.
    Many(Vec<StepResult>),
}

/// `{"type":"link","url":"/users/…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLink {
    /// Always `link`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Relative URL of the resource.
    pub url: String,
}

/// An MFA challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaChallenge {
    /// Always `mfa`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `token` or `security-questions`.
    pub method: String,
    /// Text to show.
    #[serde(default)]
    pub description: Option<String>,
    /// One prompt per answer expected.
    pub input: Vec<String>,
    /// How long the challenge stays open.
    #[serde(default)]
    pub expiry_ms: Option<u64>,
    /// `response`: where to POST the answer.
    #[serde(default)]
    pub links: Option<Value>,
}

/// `{"code","title","detail"}` of a failed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepFailure {
    /// e.g. `invalid-credentials`.
    pub code: String,
    /// Short text.
    #[serde(default)]
    pub title: Option<String>,
    /// Longer text (Swagger calls it `details`; every real response says `detail`).
    #[serde(default, alias = "details")]
    pub detail: Option<String>,
}

/// A connection between a user and an institution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Always `connection`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Connection id.
    pub id: String,
    /// `pending`, `active`, `invalid`.
    pub status: String,
    /// When it was created.
    #[serde(default)]
    pub created_date: Option<String>,
    /// When Basiq last fetched data with it.
    #[serde(default)]
    pub last_used: Option<String>,
    /// 2.1: whether the bank asks for MFA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_enabled: Option<bool>,
    /// The institution.
    pub institution: ResourceRef,
    /// Account holder profile (single connection only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Value>,
    /// Embedded accounts (single connection only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<List<Account>>,
    /// Links.
    #[serde(default)]
    pub links: Option<Value>,
}

/// A bank account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Always `account`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Account id.
    pub id: String,
    /// Account number as the bank shows it.
    pub account_no: String,
    /// Account name.
    pub name: String,
    /// ISO currency, e.g. `AUD`.
    pub currency: String,
    /// Type and product.
    pub class: AccountClass,
    /// Balance as a decimal string; liabilities are negative.
    pub balance: String,
    /// Available funds as a decimal string.
    #[serde(default)]
    pub available_funds: Option<String>,
    /// When the bank data was fetched.
    #[serde(default)]
    pub last_updated: Option<String>,
    /// Periods covered by transactions.
    #[serde(default)]
    pub transaction_intervals: Vec<Value>,
    /// Institution id.
    #[serde(default)]
    pub institution: Option<String>,
    /// Holder name.
    #[serde(default)]
    pub account_holder: Option<String>,
    /// Connection id.
    #[serde(default)]
    pub connection: Option<String>,
    /// `available` or `unavailable`.
    #[serde(default)]
    pub status: Option<String>,
    /// Links.
    #[serde(default)]
    pub links: Option<Value>,
}

/// `class` of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountClass {
    /// `transaction`, `savings`, `credit-card`, `mortgage`…
    #[serde(rename = "type")]
    pub kind: String,
    /// The bank's product name.
    #[serde(default)]
    pub product: Option<String>,
}

/// A transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Always `transaction`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Transaction id (changes on every refresh while pending).
    pub id: String,
    /// `pending` or `posted`.
    pub status: String,
    /// Bank's description.
    pub description: String,
    /// Signed decimal string; negative for debits.
    pub amount: String,
    /// Account id.
    pub account: String,
    /// Running balance, when the bank gives it.
    #[serde(default)]
    pub balance: Option<String>,
    /// `debit` or `credit`.
    #[serde(default)]
    pub direction: Option<String>,
    /// e.g. `payment`, `interest`.
    #[serde(default)]
    pub class: Option<String>,
    /// `{code,title}` or null.
    #[serde(default)]
    pub sub_class: Option<Value>,
    /// Enrich data or null.
    #[serde(default)]
    pub enrich: Option<Value>,
    /// Institution id.
    #[serde(default)]
    pub institution: Option<String>,
    /// Connection id.
    #[serde(default)]
    pub connection: Option<String>,
    /// May be an empty string.
    #[serde(default)]
    pub transaction_date: Option<String>,
    /// Null while pending.
    #[serde(default)]
    pub post_date: Option<String>,
    /// Links.
    #[serde(default)]
    pub links: Option<Value>,
}

/// A Basiq user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Always `user`.
    #[serde(rename = "type")]
    pub kind: String,
    /// User id.
    pub id: String,
    /// Email, when given.
    #[serde(default)]
    pub email: Option<String>,
    /// Mobile, when given.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Name (v2 returns an empty string).
    #[serde(default)]
    pub name: Option<String>,
    /// Account references (GET only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<List<ResourceRef>>,
    /// Connection references (GET only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<List<ResourceRef>>,
    /// Links.
    #[serde(default)]
    pub links: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_result_variants_are_told_apart() {
        let link: StepResult =
            serde_json::from_str(r#"{"type":"link","url":"/users/u/connections/c"}"#).unwrap();
        assert!(matches!(link, StepResult::Link(ref l) if l.url == "/users/u/connections/c"));
        let mfa: StepResult = serde_json::from_str(
            r#"{"type":"mfa","method":"token","input":["OTP Password"],"expiryMs":120000,"links":{"response":"x"}}"#,
        )
        .unwrap();
        assert!(matches!(mfa, StepResult::Mfa(ref m) if m.input == ["OTP Password"]));
        let failed: StepResult = serde_json::from_str(
            r#"{"code":"invalid-credentials","title":"Cannot login","details":"d"}"#,
        )
        .unwrap();
        assert!(matches!(failed, StepResult::Failure(ref f) if f.detail.as_deref() == Some("d")));
    }

    #[test]
    fn unknown_step_status_does_not_fail_decoding() {
        let s: JobStep =
            serde_json::from_str(r#"{"title":"x","status":"brand-new","result":null}"#).unwrap();
        assert_eq!(s.status, StepStatus::Unknown);
    }

    #[test]
    fn token_expiry_is_recognised() {
        let env: ErrorEnvelope = serde_json::from_str(
            r#"{"type":"list","correlationId":"c","data":[{"type":"error","code":"access-denied","title":"Access denied.","detail":"Token has expired","source":null}]}"#,
        )
        .unwrap();
        assert!(env.is_token_expired());
        assert_eq!(env.code(), Some("access-denied"));
    }
}
