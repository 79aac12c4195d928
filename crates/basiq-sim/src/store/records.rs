//! The records the simulator keeps: users, connections, accounts, transactions.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

/// A Basiq user.
#[derive(Debug, Clone)]
pub struct User {
    /// Id.
    pub id: String,
    /// Email.
    pub email: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Connection ids in creation order.
    pub connections: Vec<String>,
    /// Job ids in creation order.
    pub jobs: Vec<String>,
    /// Accounts (kept after a connection is deleted).
    pub accounts: Vec<Account>,
    /// Transactions in Basiq's order.
    pub transactions: Vec<Txn>,
    /// Consent ids in creation order (3.0).
    pub consents: Vec<String>,
}

/// Connection status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnStatus {
    /// Credentials not verified yet.
    Pending,
    /// Working.
    Active,
    /// Needs new credentials (web) or a new authorisation (open banking).
    Invalid,
    /// Open banking: created, the person has not finished at the data holder.
    PreInit,
    /// Open banking: authorised at the data holder, first retrieval running.
    Init,
}

impl ConnStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnStatus::Pending => "pending",
            ConnStatus::Active => "active",
            ConnStatus::Invalid => "invalid",
            ConnStatus::PreInit => "pre-init",
            ConnStatus::Init => "init",
        }
    }
}

/// How a connection reaches the institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Credentials at the institution's web banking (2.x and 3.0).
    Web,
    /// CDR open banking through the data holder (3.0, Consent UI only).
    OpenBanking,
}

impl Method {
    /// Wire name (`open-banking`, the spelling of Basiq's filter grammar).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Web => "web",
            Method::OpenBanking => "open-banking",
        }
    }

    /// Reads `web`, `open-banking` or its alias `openbanking`.
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "web" => Some(Method::Web),
            "open-banking" | "openbanking" => Some(Method::OpenBanking),
            _ => None,
        }
    }
}

/// When something expires: on the simulated clock, and the date shown for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Simulated time since start at which it expires.
    pub at: Duration,
    /// The `expiryDate` shown.
    pub date: DateTime<Utc>,
}

/// Status of a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    /// In force.
    Active,
    /// Revoked (by the partner's DELETE, in the Consent UI, or at the bank).
    Revoked,
    /// Past its expiry date.
    Expired,
}

impl ConsentStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Active => "active",
            ConsentStatus::Revoked => "revoked",
            ConsentStatus::Expired => "expired",
        }
    }
}

/// A person's consent (3.0), given in the Consent UI.
#[derive(Debug, Clone)]
pub struct Consent {
    /// Id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Created.
    pub created: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
    /// Expiry.
    pub expiry: Expiry,
    /// Status.
    pub status: ConsentStatus,
    /// When it was revoked.
    pub revoked: Option<DateTime<Utc>>,
    /// Optional scopes the person left out.
    pub declined_scopes: Vec<String>,
}

/// A connection to an institution.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Institution id.
    pub institution_id: String,
    /// Login id.
    pub login_id: String,
    /// Password (never returned).
    pub password: String,
    /// Security code, when the institution asks for one (never returned).
    pub security_code: Option<String>,
    /// Secondary login id, when the institution asks for one (never returned).
    pub secondary_login_id: Option<String>,
    /// Status.
    pub status: ConnStatus,
    /// Created.
    pub created: DateTime<Utc>,
    /// Last successful login.
    pub last_used: Option<DateTime<Utc>>,
    /// Whether the last login met MFA.
    pub mfa_enabled: bool,
    /// Running job.
    pub active_job: Option<String>,
    /// Persona behind a verified login.
    pub persona: Option<usize>,
    /// Web or open banking.
    pub method: Method,
    /// Open banking: when the sharing arrangement ends.
    pub expiry: Option<Expiry>,
    /// The consent it was made under (3.0).
    pub consent_id: Option<String>,
    /// Open banking: the account numbers the person shared at the data holder.
    pub shared_accounts: Option<Vec<String>>,
    /// Open banking: the data holder declined the authorisation of the next job.
    pub declined: bool,
}

/// An account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Id.
    pub id: String,
    /// Connection id.
    pub connection_id: String,
    /// Institution id.
    pub institution_id: String,
    /// accountNo.
    pub no: String,
    /// Name.
    pub name: String,
    /// class.type.
    pub class: String,
    /// class.product.
    pub product: String,
    /// Balance (cents).
    pub balance: i64,
    /// Available funds (cents).
    pub available: i64,
    /// Account holder.
    pub holder: String,
    /// lastUpdated.
    pub last_updated: String,
    /// Transaction interval start.
    pub from: NaiveDate,
    /// Transaction interval end.
    pub to: NaiveDate,
}

/// A transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Txn {
    /// Id.
    pub id: String,
    /// Account id.
    pub account_id: String,
    /// Connection id.
    pub connection_id: String,
    /// Institution id.
    pub institution_id: String,
    /// Pending or posted.
    pub pending: bool,
    /// Description.
    pub description: String,
    /// Signed cents.
    pub cents: i64,
    /// Balance after (cents).
    pub balance: i64,
    /// Class.
    pub class: String,
    /// ANZSIC sub class.
    pub sub: Option<(String, String)>,
    /// Date.
    pub date: NaiveDate,
}

/// Credentials posted for a connection.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Login id (required on create, optional on update).
    pub login_id: Option<String>,
    /// Password.
    pub password: String,
    /// Security code.
    pub security_code: Option<String>,
    /// Secondary login id.
    pub secondary_login_id: Option<String>,
}
