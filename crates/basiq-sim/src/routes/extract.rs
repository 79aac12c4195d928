//! What every route module shares: the query extractor, JSON bodies with Basiq's 415/400
//! errors, the locked-and-ticked store, and JSON responses.

use std::convert::Infallible;
use std::sync::{Arc, MutexGuard};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::Sim;
use crate::store::{Ctx, Store};

/// JSON response with a status.
pub fn json_status(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

/// The query string as decoded pairs (never rejects).
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// First value of a parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All pairs in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The `filter` parameter, `""` when absent.
    pub fn filter(&self) -> &str {
        self.get("filter").unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Query(
            parts
                .uri
                .query()
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        ))
    }
}

/// Locks the store and advances jobs to now.
pub fn store(sim: &Sim) -> ApiResult<(MutexGuard<'_, Store>, Ctx<'_>)> {
    let ctx = Ctx {
        dir: &sim.directory,
        base: &sim.cfg.base_url,
        now: sim.clock.now(),
    };
    let mut st = sim
        .store
        .lock()
        .map_err(|_| ApiError::internal("Simulator state is poisoned."))?;
    st.tick(&ctx);
    Ok((st, ctx))
}

/// Parses a JSON object body with Basiq's 415/400 errors.
pub fn json_body(headers: &HeaderMap, body: &[u8], what: &str) -> ApiResult<Map<String, Value>> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        if !ct.to_ascii_lowercase().contains("json") {
            return Err(ApiError::unsupported_content_type(ct));
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::invalid_content(format!(
            "Posted {what} is not in valid format."
        ))),
    }
}

/// A string field: `Ok(None)` when absent/null/empty, 400 when not a string.
pub fn str_field(m: &Map<String, Value>, key: &str, label: &str) -> ApiResult<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::not_valid(format!("{label} value is not valid"))
            .with_source(json!({"parameter": key, "pointer": format!("body/{key}")}))),
    }
}

/// What a route answers to a version it does not exist in: the 404 of an unknown route.
pub fn no_route() -> ApiError {
    ApiError::not_found("Route not found.")
}

/// Shared state of every handler.
pub type S = axum::extract::State<Arc<Sim>>;
