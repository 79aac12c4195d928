//! `/users/{user}/connections…`: create (2.x), list, get, update credentials (2.x), delete,
//! refresh.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::extract::{Query, S, json_body, json_status, store, str_field};
use crate::auth::{AnyToken, ServerToken};
use crate::error::{ApiError, ApiResult};
use crate::filter;
use crate::institutions;
use crate::state::Sim;
use crate::store::{self, ConnStatus, Credentials};
use crate::wire::{self, job_ref};

/// Adds the routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route(
        "/users/{user}/connections",
        get(list_connections).post(create_connection),
    )
    .route("/users/{user}/connections/refresh", post(refresh_all))
    .route(
        "/users/{user}/connections/{conn}",
        get(get_connection)
            .post(update_connection)
            .delete(delete_connection),
    )
    .route(
        "/users/{user}/connections/{conn}/refresh",
        post(refresh_one),
    )
    .route("/users/{user}/connections/{conn}/purge", post(purge))
}

fn route_not_for_version() -> ApiError {
    ApiError::not_found("Route not found for this API version.")
}

async fn create_connection(
    token: AnyToken,
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    token.for_user(&user)?;
    if token.v3() {
        return Err(route_not_for_version());
    }
    let (mut st, ctx) = store(&sim)?;
    st.user(&user)?;
    let m = json_body(&headers, &body, "connection")?;
    let login = str_field(&m, "loginId", "Login ID")?;
    let password = str_field(&m, "password", "Password")?;
    let inst_id = match m.get("institution") {
        Some(Value::Object(i)) => str_field(i, "id", "Institution ID")?,
        None | Some(Value::Null) => None,
        Some(_) => {
            return Err(ApiError::not_valid("Institution ID value is not valid")
                .with_source(json!({"parameter": "id", "pointer": "connection/institution/id"})));
        }
    };
    let Some(login) = login else {
        return Err(ApiError::not_supplied("Login ID parameter is required.")
            .with_source(json!({"parameter": "loginId", "pointer": "connection/loginId"})));
    };
    let Some(password) = password else {
        return Err(ApiError::not_supplied("Password parameter is required.")
            .with_source(json!({"parameter": "password", "pointer": "connection/password"})));
    };
    let Some(inst_id) = inst_id else {
        return Err(
            ApiError::not_supplied("Institution ID parameter is required.")
                .with_source(json!({"parameter": "id", "pointer": "connection/institution/id"})),
        );
    };
    institutions::find(ctx.dir, &inst_id).map_err(|_| {
        ApiError::not_valid("Requested institution does not exist.")
            .with_source(json!({"parameter": "id", "pointer": "connection/institution/id"}))
    })?;
    let creds = Credentials {
        login_id: Some(login.clone()),
        password,
        security_code: str_field(&m, "securityCode", "Security code")?,
        secondary_login_id: str_field(&m, "secondaryLoginId", "Secondary login ID")?,
    };
    let conn_id = match st.find_connection(&user, &inst_id, &login) {
        Some(existing) => {
            if let Some(job) = st.running_job(&existing) {
                return Ok(json_status(StatusCode::OK, job_ref(ctx.base, &job)));
            }
            st.set_credentials(&existing, &creds);
            existing
        }
        None => st.create_connection(&ctx, &user, &inst_id, &creds),
    };
    let job = st
        .start_job(&ctx, &conn_id)
        .ok_or_else(|| ApiError::internal("Cannot start job."))?;
    Ok(json_status(StatusCode::ACCEPTED, job_ref(ctx.base, &job)))
}

async fn list_connections(
    token: ServerToken,
    State(sim): S,
    Path(user): Path<String>,
    q: Query,
) -> ApiResult<Response> {
    let (st, ctx) = store(&sim)?;
    st.user(&user)?;
    let conds = filter::parse(q.filter(), store::CONNECTION_FIELDS)?;
    let data = st
        .connections_of(&user, &conds)?
        .into_iter()
        .map(|c| wire::connection(c, ctx.base, None, token.v3()))
        .collect();
    Ok(json_status(
        StatusCode::OK,
        wire::list(data, format!("{}/users/{user}/connections", ctx.base)),
    ))
}

async fn get_connection(
    token: AnyToken,
    State(sim): S,
    Path((user, conn)): Path<(String, String)>,
) -> ApiResult<Response> {
    token.for_user(&user)?;
    let (st, ctx) = store(&sim)?;
    let c = st.connection(&user, &conn)?;
    Ok(json_status(
        StatusCode::OK,
        wire::connection(c, ctx.base, Some(&st.accounts_of_connection(c)), token.v3()),
    ))
}

async fn update_connection(
    token: AnyToken,
    State(sim): S,
    headers: HeaderMap,
    Path((user, conn)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    token.for_user(&user)?;
    if token.v3() {
        return Err(route_not_for_version());
    }
    let (mut st, ctx) = store(&sim)?;
    st.connection(&user, &conn)?;
    let m = json_body(&headers, &body, "connection")?;
    let password = str_field(&m, "password", "Password")?;
    let login = str_field(&m, "loginId", "Login ID")?;
    let Some(password) = password else {
        return Err(ApiError::not_supplied("Password parameter is required.")
            .with_source(json!({"parameter": "password", "pointer": "connection/password"})));
    };
    let creds = Credentials {
        login_id: login,
        password,
        security_code: str_field(&m, "securityCode", "Security code")?,
        secondary_login_id: str_field(&m, "secondaryLoginId", "Secondary login ID")?,
    };
    if let Some(job) = st.running_job(&conn) {
        return Ok(json_status(StatusCode::OK, job_ref(ctx.base, &job)));
    }
    st.set_credentials(&conn, &creds);
    let job = st
        .start_job(&ctx, &conn)
        .ok_or_else(|| ApiError::internal("Cannot start job."))?;
    Ok(json_status(StatusCode::ACCEPTED, job_ref(ctx.base, &job)))
}

async fn delete_connection(
    _: ServerToken,
    State(sim): S,
    Path((user, conn)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (mut st, _) = store(&sim)?;
    st.delete_connection(&user, &conn)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn invalid_connection_error() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid-credentials",
        "Cannot login to target institution, check credentials.",
        "Cannot login to target institution using supplied credentials. Please check credentials and try again.",
    )
}

fn not_authorised_error() -> ApiError {
    ApiError::not_valid("Connection has not been authorised at the institution yet.")
        .with_source(json!({"parameter": "connectionId", "pointer": "path/connectionId"}))
}

/// Refresh-all refreshes the connections that have finished connecting and still work.
fn refreshable(status: Option<ConnStatus>) -> bool {
    matches!(status, Some(ConnStatus::Active | ConnStatus::Pending))
}

/// `POST …/{c}/purge` (3.0): the connection's data is deleted, the connection stays.
async fn purge(
    token: ServerToken,
    State(sim): S,
    Path((user, conn)): Path<(String, String)>,
) -> ApiResult<Response> {
    if !token.v3() {
        return Err(super::extract::no_route());
    }
    let (mut st, _) = store(&sim)?;
    st.purge(&user, &conn)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn refresh_one(
    _: ServerToken,
    State(sim): S,
    Path((user, conn)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (mut st, ctx) = store(&sim)?;
    st.connection(&user, &conn)?;
    if let Some(job) = st.running_job(&conn) {
        return Ok(json_status(StatusCode::OK, job_ref(ctx.base, &job)));
    }
    match st.connection_status(&conn) {
        Some(ConnStatus::Invalid) => return Err(invalid_connection_error()),
        Some(ConnStatus::PreInit) => return Err(not_authorised_error()),
        _ => {}
    }
    let job = st
        .start_job(&ctx, &conn)
        .ok_or_else(|| ApiError::internal("Cannot start job."))?;
    Ok(json_status(StatusCode::ACCEPTED, job_ref(ctx.base, &job)))
}

async fn refresh_all(
    _: ServerToken,
    State(sim): S,
    Path(user): Path<String>,
) -> ApiResult<Response> {
    let (mut st, ctx) = store(&sim)?;
    let mut data = Vec::new();
    for conn in st.connection_ids(&user)? {
        if let Some(job) = st.running_job(&conn) {
            data.push(job_ref(ctx.base, &job));
        } else if refreshable(st.connection_status(&conn))
            && let Some(job) = st.start_job(&ctx, &conn)
        {
            data.push(job_ref(ctx.base, &job));
        }
    }
    Ok(json_status(
        StatusCode::ACCEPTED,
        json!({"type": "list", "data": data}),
    ))
}
