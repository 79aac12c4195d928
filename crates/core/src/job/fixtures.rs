//! Basiq jobs for tests: running, done, asking for MFA, failed.

use serde_json::{Value, json};

use crate::basiq::Job;

/// A job `job-1` with these steps.
pub fn job(steps: Value) -> Job {
    with_id("job-1", steps)
}

/// A job with this id and these steps.
pub fn with_id(id: &str, steps: Value) -> Job {
    serde_json::from_value(json!({
        "type": "job",
        "id": id,
        "steps": steps,
        "links": {"self": format!("https://x/jobs/{id}")}
    }))
    .unwrap()
}

/// One step.
pub fn step(title: &str, status: &str, result: Value) -> Value {
    json!({"title": title, "status": status, "result": result})
}

/// An MFA challenge result.
pub fn mfa_result(method: &str, inputs: &[&str]) -> Value {
    json!({"type": "mfa", "method": method, "description": "Answer please",
           "input": inputs, "expiryMs": 120000, "links": {"response": "https://x/jobs/job-1/mfa"}})
}

/// A link result.
pub fn link(url: &str) -> Value {
    json!({"type": "link", "url": url})
}

/// A failure result.
pub fn failure(code: &str, title: &str, detail: &str) -> Value {
    json!({"code": code, "title": title, "detail": detail})
}

/// Verifying the credentials.
pub fn running() -> Job {
    job(json!([
        step("verify-credentials", "in-progress", json!(null)),
        step("retrieve-accounts", "pending", json!(null)),
        step("retrieve-transactions", "pending", json!(null)),
    ]))
}

/// Every step done; names connection `conn-9`.
pub fn done() -> Job {
    job(json!([
        step(
            "retrieve-transactions",
            "success",
            link("/users/u/transactions")
        ),
        step(
            "verify-credentials",
            "success",
            link("/users/u/connections/conn-9")
        ),
        step("retrieve-accounts", "success", link("/users/u/accounts")),
    ]))
}

/// The `mfa-challenge` step in this status (`in-progress`: asking "What's your first company?").
pub fn mfa_job(status: &str) -> Job {
    job(json!([
        step(
            "verify-credentials",
            "success",
            link("/users/u/connections/conn-9")
        ),
        step(
            "mfa-challenge",
            status,
            if status == "in-progress" {
                mfa_result("security-questions", &["What's your first company?"])
            } else {
                json!(null)
            }
        ),
        step("retrieve-accounts", "pending", json!(null)),
        step("retrieve-transactions", "pending", json!(null)),
    ]))
}

/// `verify-credentials` failed with this code.
pub fn failed_job(code: &str, title: &str, detail: &str) -> Job {
    job(json!([
        step("verify-credentials", "failed", failure(code, title, detail)),
        step("retrieve-accounts", "pending", json!(null)),
        step("retrieve-transactions", "pending", json!(null)),
    ]))
}
