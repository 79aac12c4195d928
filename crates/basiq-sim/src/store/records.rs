//! The records the simulator keeps: users, connections, accounts, transactions.

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
}

/// Connection status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnStatus {
    /// Credentials not verified yet.
    Pending,
    /// Working.
    Active,
    /// Needs new credentials.
    Invalid,
}

impl ConnStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnStatus::Pending => "pending",
            ConnStatus::Active => "active",
            ConnStatus::Invalid => "invalid",
        }
    }
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
