//! Every JSON body the simulator sends, rendered from the store's records in Basiq's shapes
//! (the one place that knows field names; errors render in `error`). The simulator defines
//! these shapes itself and shares no serde types with any client.

use serde_json::{Value, json};

mod consents;
mod data;
mod directory;

pub use consents::*;
pub use data::*;
pub use directory::*;

/// `{"type":"job","id":…,"links":{"self":…}}`, the answer of every call that starts a job.
pub fn job_ref(base: &str, id: &str) -> Value {
    json!({"type": "job", "id": id, "links": {"self": format!("{base}/jobs/{id}")}})
}

/// A list envelope `{"type":"list","data":[…],"links":{"self":…}}`.
pub fn list(data: Vec<Value>, self_url: String) -> Value {
    json!({"type": "list", "data": data, "links": {"self": self_url}})
}
