//! Contract tests against Basiq's own reference data in `../shared/basiq-reference/` (every
//! test here is named `contract_*`, so the test command can skip them when it is absent).

#[path = "../common/mod.rs"]
mod common;

mod recorded;
mod schema;
mod schema_v3;
