//! Contract tests against Basiq's own reference data in `../shared/basiq-reference/` (every
//! test here is named `contract_*`, so the test command can skip them when it is absent).

#[path = "../common/mod.rs"]
mod common;

mod recorded;
mod schema;
mod schema_v3;

use std::sync::Mutex;

use serde_json::Value;

/// Validates `body` against the draft-4 schema `root`; notes `what` as checked, and as failed
/// with the errors (and the start of the body) when it does not match.
pub fn record(
    checked: &Mutex<Vec<String>>,
    failures: &Mutex<Vec<String>>,
    what: &str,
    root: &Value,
    body: &Value,
) {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(root)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        let mut short = body.to_string();
        short.truncate(600);
        failures.lock().expect("lock").push(format!(
            "{what}:\n  {}\n  body: {short}",
            errors.join("\n  ")
        ));
    }
    checked.lock().expect("lock").push(what.to_string());
}
