//! `/jobs/{job}`, `/jobs/{job}/mfa` and `/users/{user}/jobs`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::extract::{Query, S, json_body, json_status, store};
use crate::auth::{AnyToken, ClientToken, ServerToken};
use crate::error::{ApiError, ApiResult};
use crate::filter;
use crate::state::Sim;
use crate::store;
use crate::wire::{self, job_ref};

/// Adds the routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route("/users/{user}/jobs", get(user_jobs))
        .route("/jobs/{job}", get(get_job))
        .route("/jobs/{job}/mfa", post(post_mfa))
}

async fn get_job(token: AnyToken, State(sim): S, Path(job): Path<String>) -> ApiResult<Response> {
    let (st, ctx) = store(&sim)?;
    let j = st.job(&job)?;
    token.for_user(&j.user_id)?;
    Ok(json_status(
        StatusCode::OK,
        wire::job(j, ctx.base, false, token.v3()),
    ))
}

async fn post_mfa(
    token: ClientToken,
    State(sim): S,
    headers: HeaderMap,
    Path(job): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let (mut st, ctx) = store(&sim)?;
    let owner = st.job(&job)?.user_id.clone();
    token.for_user(&owner)?;
    let m = json_body(&headers, &body, "MFA response")?;
    let answers: Vec<String> = match m.get("mfa-response") {
        None | Some(Value::Null) => {
            return Err(
                ApiError::not_supplied("MFA response parameter is required.").with_source(
                    json!({"parameter": "mfa-response", "pointer": "body/mfa-response"}),
                ),
            );
        }
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Some(_) => {
            return Err(
                ApiError::not_valid("MFA response value is not valid").with_source(
                    json!({"parameter": "mfa-response", "pointer": "body/mfa-response"}),
                ),
            );
        }
    };
    st.answer_mfa(&ctx, &job, &answers)?;
    Ok(json_status(StatusCode::ACCEPTED, job_ref(ctx.base, &job)))
}

async fn user_jobs(
    token: ServerToken,
    State(sim): S,
    Path(user): Path<String>,
    q: Query,
) -> ApiResult<Response> {
    let (st, ctx) = store(&sim)?;
    let conds = filter::parse(q.filter(), store::JOB_FIELDS)?;
    let jobs = st.user_jobs(&user, &conds)?;
    let data: Vec<Value> = jobs
        .iter()
        .map(|j| wire::job(j, ctx.base, true, token.v3()))
        .collect();
    Ok(json_status(
        StatusCode::OK,
        json!({"type": "list", "size": data.len(), "data": data,
            "links": {"self": format!("{}/users/{user}/jobs", ctx.base)}}),
    ))
}
