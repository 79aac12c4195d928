//! The filter fields each list endpoint accepts.

/// Filter fields of `/users/{id}/accounts`.
pub const ACCOUNT_FIELDS: &[&str] = &[
    "account.id",
    "id",
    "connection.id",
    "institution.id",
    "account.class.type",
    "account.status",
];
/// Filter fields of `/users/{id}/transactions`.
pub const TXN_FIELDS: &[&str] = &[
    "account.id",
    "connection.id",
    "institution.id",
    "transaction.id",
    "transaction.status",
    "transaction.direction",
    "transaction.class",
    "transaction.postDate",
];
/// Filter fields of `/users/{id}/connections`.
pub const CONNECTION_FIELDS: &[&str] = &[
    "id",
    "connection.id",
    "status",
    "connection.status",
    "institution.id",
];
/// Filter fields of `/users/{id}/jobs`.
pub const JOB_FIELDS: &[&str] = &["connection.id", "institution.id", "job.id", "id"];
