//! What an operator scrapes: the Prometheus recorder (installed once per process and shared by
//! every server in it), the names and labels of what is recorded, and the `/metrics` route
//! served on its own listener (`METRICS_BIND`), never on the public one.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// Requests answered, by route template, method and status.
pub const HTTP_REQUESTS: &str = "bank_connect_http_requests_total";
/// Request latency in seconds, by route template and method.
pub const HTTP_LATENCY: &str = "bank_connect_http_request_duration_seconds";
/// Calls to Basiq, by method, endpoint template and outcome (`ok`, `4xx`, `5xx`, `transport`).
pub const UPSTREAM_CALLS: &str = "bank_connect_upstream_calls_total";
/// Upstream call latency in seconds, by endpoint template.
pub const UPSTREAM_LATENCY: &str = "bank_connect_upstream_call_duration_seconds";
/// `/token` calls asked of the cap, by use (`server`, `client`) and decision.
pub const TOKEN_CAP: &str = "bank_connect_token_cap_total";
/// Token cache lookups, by kind (`server`, `client`) and result (`hit`, `miss`).
pub const TOKEN_CACHE: &str = "bank_connect_token_cache_total";
/// Seconds since the institution directory was fetched (absent before the first fetch).
pub const DIRECTORY_AGE: &str = "bank_connect_directory_cache_age_seconds";
/// Finished Basiq jobs seen by `/api/jobs/{id}`, by outcome (`success` or the failed step's code).
pub const JOB_OUTCOMES: &str = "bank_connect_job_outcomes_total";

/// The process's recorder, installed on first use; `None` when another one was installed first.
pub fn handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)
                .ok()?
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "metrics are off: no recorder"))
                .ok()
        })
        .clone()
}

/// One answered request. `route` is the matched template (never the raw path).
pub fn http_request(route: &str, method: &str, status: u16, elapsed: Duration) {
    let (route, method) = (route.to_owned(), method.to_owned());
    counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method.clone(), "status" => status.to_string())
        .increment(1);
    histogram!(HTTP_LATENCY, "route" => route, "method" => method).record(elapsed.as_secs_f64());
}

/// One call to Basiq at `path` (ids and the query are templated away).
pub fn upstream_call(method: &str, path: &str, outcome: &'static str, elapsed: Duration) {
    let endpoint = endpoint_template(path);
    counter!(UPSTREAM_CALLS, "method" => method.to_owned(), "endpoint" => endpoint.clone(), "outcome" => outcome)
        .increment(1);
    histogram!(UPSTREAM_LATENCY, "endpoint" => endpoint).record(elapsed.as_secs_f64());
}

/// The outcome label of an upstream answer with `status`.
pub fn outcome_of(status: u16) -> &'static str {
    match status {
        200..=399 => "ok",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// A `/token` call the cap allowed or refused.
pub fn token_cap(use_: &'static str, allowed: bool) {
    let decision = if allowed { "allowed" } else { "refused" };
    counter!(TOKEN_CAP, "use" => use_, "decision" => decision).increment(1);
}

/// A token cache lookup.
pub fn token_cache(kind: &'static str, hit: bool) {
    let result = if hit { "hit" } else { "miss" };
    counter!(TOKEN_CACHE, "kind" => kind, "result" => result).increment(1);
}

/// A Basiq job as `/api/jobs/{id}` returned it: counted once it has finished.
pub fn job_seen(job: &serde_json::Value) {
    let Some(steps) = job["steps"].as_array().filter(|s| !s.is_empty()) else {
        return;
    };
    let failed = steps.iter().find(|s| s["status"] == "failed");
    let outcome = match failed {
        Some(step) => step["result"]["code"]
            .as_str()
            .filter(|c| {
                c.len() <= 64
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .unwrap_or("unknown")
            .to_owned(),
        None if steps.iter().all(|s| s["status"] == "success") => "success".to_owned(),
        None => return,
    };
    counter!(JOB_OUTCOMES, "outcome" => outcome).increment(1);
}

/// `/users/abc/connections/def/refresh` → `/users/{id}/connections/{id}/refresh`: Basiq's paths
/// alternate collection and id; the query is dropped.
pub fn endpoint_template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    let mut out = String::new();
    for (i, segment) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        out.push('/');
        let word = matches!(segment, "refresh" | "webhooks");
        out.push_str(if i % 2 == 1 && !word { "{id}" } else { segment });
    }
    if out.is_empty() { "/".into() } else { out }
}

/// The metrics listener's routes: `GET /metrics` only.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(state)
}

async fn render(State(state): State<Arc<AppState>>) -> Response {
    let Some(handle) = handle() else {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "metrics are off",
        )
            .into_response();
    };
    if let Some(age) = state.directory.age() {
        gauge!(DIRECTORY_AGE).set(age.as_secs_f64());
    }
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_templated() {
        for (path, template) in [
            ("/token", "/token"),
            ("/institutions", "/institutions"),
            (
                "/users/u1/connections/c2/refresh",
                "/users/{id}/connections/{id}/refresh",
            ),
            (
                "/users/u1/connections/refresh",
                "/users/{id}/connections/refresh",
            ),
            (
                "/users/u1/transactions?limit=3&filter=x",
                "/users/{id}/transactions",
            ),
            ("/jobs/j9", "/jobs/{id}"),
            ("/notifications/webhooks", "/notifications/webhooks"),
        ] {
            assert_eq!(endpoint_template(path), template);
        }
    }
}
