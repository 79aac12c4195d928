//! Users, connections, jobs, accounts and transactions routes.

use std::sync::{Arc, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::auth::{self, Access, Claims};
use crate::error::{ApiError, ApiResult};
use crate::filter;
use crate::institutions;
use crate::routes::{json_status, query_get, query_pairs};
use crate::state::Sim;
use crate::store::{self, ConnStatus, Credentials, Ctx, Store};

type S = State<Arc<Sim>>;

/// Adds the data routes.
pub fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route("/users", post(create_user))
        .route(
            "/users/{user}",
            get(get_user).post(update_user).delete(delete_user),
        )
        .route(
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
        .route("/users/{user}/jobs", get(user_jobs))
        .route("/jobs/{job}", get(get_job))
        .route("/jobs/{job}/mfa", post(post_mfa))
        .route("/users/{user}/accounts", get(list_accounts))
        .route("/users/{user}/accounts/{account}", get(get_account))
        .route("/users/{user}/transactions", get(list_transactions))
        .route("/users/{user}/transactions/{txn}", get(get_transaction))
}

/// Locks the store and advances jobs to now.
fn store<'a>(sim: &'a Sim) -> ApiResult<(MutexGuard<'a, Store>, Ctx<'a>)> {
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
fn json_body(headers: &HeaderMap, body: &[u8], what: &str) -> ApiResult<Map<String, Value>> {
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
fn str_field(m: &Map<String, Value>, key: &str, label: &str) -> ApiResult<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::not_valid(format!("{label} value is not valid"))
            .with_source(json!({"parameter": key, "pointer": format!("body/{key}")}))),
    }
}

fn job_ref(base: &str, id: &str) -> Value {
    json!({"type": "job", "id": id, "links": {"self": format!("{base}/jobs/{id}")}})
}

fn valid_email(e: &str) -> bool {
    let mut parts = e.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(d), None) => {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !e.contains(' ')
        }
        _ => false,
    }
}

fn valid_mobile(m: &str) -> bool {
    let digits = m.strip_prefix('+').unwrap_or(m);
    (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

fn user_fields(m: &Map<String, Value>) -> ApiResult<[Option<String>; 4]> {
    let email = str_field(m, "email", "Email")
        .map_err(|_| ApiError::not_valid("Provided email is in bad format."))?;
    let mobile = str_field(m, "mobile", "Mobile")
        .map_err(|_| ApiError::not_valid("Provided mobile is in bad format."))?;
    if let Some(e) = &email
        && !valid_email(e)
    {
        return Err(ApiError::not_valid("Provided email is in bad format.")
            .with_source(json!({"parameter": "email", "pointer": "body/email"})));
    }
    if let Some(x) = &mobile
        && !valid_mobile(x)
    {
        return Err(ApiError::not_valid("Provided mobile is in bad format.")
            .with_source(json!({"parameter": "mobile", "pointer": "body/mobile"})));
    }
    let first = str_field(m, "firstName", "First name")?;
    let last = str_field(m, "lastName", "Last name")?;
    Ok([email, mobile, first, last])
}

async fn create_user(State(sim): S, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let m = json_body(&headers, &body, "user")?;
    let [email, mobile, first, last] = user_fields(&m)?;
    if email.is_none() && mobile.is_none() {
        return Err(
            ApiError::not_supplied("One of 'email' or 'mobile' is required.")
                .with_source(json!({})),
        );
    }
    let (mut st, ctx) = store(&sim)?;
    let id = st.create_user(email, mobile, first, last);
    let u = st.user(&id)?;
    Ok(json_status(
        StatusCode::CREATED,
        st.user_short_json(u, ctx.base),
    ))
}

fn client_check(claims: &Claims, user: &str) -> ApiResult<()> {
    auth::check_user(claims, user)
}

async fn get_user(
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> ApiResult<Response> {
    let claims = auth::authorize(&sim, &headers, Access::Any)?;
    client_check(&claims, &user)?;
    let (st, ctx) = store(&sim)?;
    let u = st.user(&user)?;
    Ok(json_status(StatusCode::OK, st.user_json(u, ctx.base)))
}

async fn update_user(
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (mut st, ctx) = store(&sim)?;
    st.user(&user)?;
    let m = json_body(&headers, &body, "user")?;
    let [email, mobile, first, last] = user_fields(&m)?;
    let u = st.user_mut(&user)?;
    if email.is_some() {
        u.email = email;
    }
    if mobile.is_some() {
        u.mobile = mobile;
    }
    if first.is_some() {
        u.first_name = first;
    }
    if last.is_some() {
        u.last_name = last;
    }
    let u = st.user(&user)?;
    Ok(json_status(StatusCode::OK, st.user_short_json(u, ctx.base)))
}

async fn delete_user(
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (mut st, _) = store(&sim)?;
    st.delete_user(&user)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn route_not_for_version() -> ApiError {
    ApiError::not_found("Route not found for this API version.")
}

async fn create_connection(
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let claims = auth::authorize(&sim, &headers, Access::Any)?;
    client_check(&claims, &user)?;
    if claims.version == "3.0" {
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
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (st, ctx) = store(&sim)?;
    st.user(&user)?;
    let pairs = query_pairs(&q);
    let conds = filter::parse(
        &query_get(&pairs, "filter").unwrap_or_default(),
        store::CONNECTION_FIELDS,
    )?;
    let data = st.connections_json(&user, &conds, ctx.base)?;
    Ok(json_status(
        StatusCode::OK,
        json!({"type": "list", "data": data,
            "links": {"self": format!("{}/users/{user}/connections", ctx.base)}}),
    ))
}

async fn get_connection(
    State(sim): S,
    headers: HeaderMap,
    Path((user, conn)): Path<(String, String)>,
) -> ApiResult<Response> {
    let claims = auth::authorize(&sim, &headers, Access::Any)?;
    client_check(&claims, &user)?;
    let (st, ctx) = store(&sim)?;
    let c = st.connection(&user, &conn)?;
    Ok(json_status(
        StatusCode::OK,
        st.connection_json(c, ctx.base, true),
    ))
}

async fn update_connection(
    State(sim): S,
    headers: HeaderMap,
    Path((user, conn)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let claims = auth::authorize(&sim, &headers, Access::Any)?;
    client_check(&claims, &user)?;
    if claims.version == "3.0" {
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
    State(sim): S,
    headers: HeaderMap,
    Path((user, conn)): Path<(String, String)>,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
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

async fn refresh_one(
    State(sim): S,
    headers: HeaderMap,
    Path((user, conn)): Path<(String, String)>,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (mut st, ctx) = store(&sim)?;
    st.connection(&user, &conn)?;
    if let Some(job) = st.running_job(&conn) {
        return Ok(json_status(StatusCode::OK, job_ref(ctx.base, &job)));
    }
    if st.connection_status(&conn) == Some(ConnStatus::Invalid) {
        return Err(invalid_connection_error());
    }
    let job = st
        .start_job(&ctx, &conn)
        .ok_or_else(|| ApiError::internal("Cannot start job."))?;
    Ok(json_status(StatusCode::ACCEPTED, job_ref(ctx.base, &job)))
}

async fn refresh_all(
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (mut st, ctx) = store(&sim)?;
    let mut data = Vec::new();
    for conn in st.connection_ids(&user)? {
        if let Some(job) = st.running_job(&conn) {
            data.push(job_ref(ctx.base, &job));
        } else if st.connection_status(&conn) != Some(ConnStatus::Invalid)
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

async fn get_job(
    State(sim): S,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> ApiResult<Response> {
    let claims = auth::authorize(&sim, &headers, Access::Any)?;
    let (st, ctx) = store(&sim)?;
    let j = st.job(&job)?;
    client_check(&claims, &j.user_id)?;
    Ok(json_status(StatusCode::OK, st.job_json(j, ctx.base, false)))
}

async fn post_mfa(
    State(sim): S,
    headers: HeaderMap,
    Path(job): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let claims = auth::authorize(&sim, &headers, Access::Client)?;
    let (mut st, ctx) = store(&sim)?;
    let owner = st.job(&job)?.user_id.clone();
    client_check(&claims, &owner)?;
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
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (st, ctx) = store(&sim)?;
    let pairs = query_pairs(&q);
    let conds = filter::parse(
        &query_get(&pairs, "filter").unwrap_or_default(),
        store::JOB_FIELDS,
    )?;
    let jobs = st.user_jobs(&user, &conds)?;
    let data: Vec<Value> = jobs
        .iter()
        .map(|j| st.job_json(j, ctx.base, true))
        .collect();
    Ok(json_status(
        StatusCode::OK,
        json!({"type": "list", "size": data.len(), "data": data,
            "links": {"self": format!("{}/users/{user}/jobs", ctx.base)}}),
    ))
}

async fn list_accounts(
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (st, ctx) = store(&sim)?;
    st.user(&user)?;
    let pairs = query_pairs(&q);
    let data = st.accounts_json(
        &user,
        &query_get(&pairs, "filter").unwrap_or_default(),
        ctx.base,
    )?;
    Ok(json_status(
        StatusCode::OK,
        json!({"type": "list", "data": data, "links": {"self": format!("{}/users/{user}/accounts", ctx.base)}}),
    ))
}

async fn get_account(
    State(sim): S,
    headers: HeaderMap,
    Path((user, account)): Path<(String, String)>,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (st, ctx) = store(&sim)?;
    Ok(json_status(
        StatusCode::OK,
        st.account(&user, &account, ctx.base)?,
    ))
}

/// Maximum (and default) page size of transactions.
pub const MAX_LIMIT: usize = 500;

async fn list_transactions(
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (mut st, ctx) = store(&sim)?;
    st.user(&user)?;
    let pairs = query_pairs(&q);
    let limit = match query_get(&pairs, "limit") {
        None => MAX_LIMIT,
        Some(l) => match l.trim().parse::<usize>() {
            Ok(n) if n > MAX_LIMIT => {
                return Err(ApiError::not_valid("Maximum limit allowed is 500")
                    .with_source(json!({"parameter": "limit"})));
            }
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(ApiError::not_valid("Limit value is not valid")
                    .with_source(json!({"parameter": "limit"})));
            }
        },
    };
    let filter = query_get(&pairs, "filter").unwrap_or_default();
    let next = query_get(&pairs, "next");
    let (page, size, cursor) =
        st.transactions_page(&user, &filter, limit, next.as_deref(), ctx.base)?;
    let uu = format!("{}/users/{user}/transactions", ctx.base);
    let mut links = json!({"self": uu});
    if let Some(c) = cursor {
        links["next"] = json!(format!("{uu}?next={c}"));
    }
    Ok(json_status(
        StatusCode::OK,
        json!({"type": "list", "count": page.len(), "size": size, "data": page, "links": links}),
    ))
}

async fn get_transaction(
    State(sim): S,
    headers: HeaderMap,
    Path((user, txn)): Path<(String, String)>,
) -> ApiResult<Response> {
    auth::authorize(&sim, &headers, Access::Server)?;
    let (st, ctx) = store(&sim)?;
    Ok(json_status(
        StatusCode::OK,
        st.transaction(&user, &txn, ctx.base)?,
    ))
}
