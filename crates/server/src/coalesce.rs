//! Concurrent identical reads of one user share one upstream call: a request waits for the
//! call in flight and takes its answer only when that call started after the request arrived,
//! so nothing older than the request is ever served.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::error::ServerError;
use crate::sync::lock;

type Slot<T> = Arc<tokio::sync::Mutex<Option<(Instant, Arc<T>)>>>;

/// Per-key single-flight with a freshness rule (see the module docs).
pub struct Coalesced<T> {
    slots: Mutex<HashMap<String, Slot<T>>>,
}

impl<T> Default for Coalesced<T> {
    fn default() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> Coalesced<T> {
    /// The answer for `key`: a call started after now by someone else, or `fetch`'s own.
    pub async fn get<F, Fut>(&self, key: &str, fetch: F) -> Result<Arc<T>, ServerError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ServerError>>,
    {
        let arrived = Instant::now();
        let slot = {
            let mut slots = lock(&self.slots);
            if slots.len() > 10_000 {
                slots.retain(|_, s| Arc::strong_count(s) > 1);
            }
            slots.entry(key.to_owned()).or_default().clone()
        };
        let mut answer = slot.lock().await;
        if let Some((started, value)) = answer.as_ref()
            && *started >= arrived
        {
            return Ok(value.clone());
        }
        let started = Instant::now();
        let value = Arc::new(fetch().await?);
        *answer = Some((started, value.clone()));
        Ok(value)
    }
}
