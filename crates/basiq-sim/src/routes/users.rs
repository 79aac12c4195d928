//! `/users` and `/users/{user}`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};

use super::extract::{S, json_body, json_status, store, str_field};
use crate::auth::{AnyToken, ServerToken};
use crate::error::{ApiError, ApiResult};
use crate::state::Sim;
use crate::wire;

/// Adds the routes.
pub(super) fn add(r: Router<Arc<Sim>>) -> Router<Arc<Sim>> {
    r.route("/users", post(create_user)).route(
        "/users/{user}",
        axum::routing::get(get_user)
            .post(update_user)
            .delete(delete_user),
    )
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

async fn create_user(
    _: ServerToken,
    State(sim): S,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
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
        wire::user_short(u, ctx.base),
    ))
}

async fn get_user(token: AnyToken, State(sim): S, Path(user): Path<String>) -> ApiResult<Response> {
    token.for_user(&user)?;
    let (st, ctx) = store(&sim)?;
    let u = st.user(&user)?;
    Ok(json_status(StatusCode::OK, wire::user(u, ctx.base)))
}

async fn update_user(
    _: ServerToken,
    State(sim): S,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
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
    Ok(json_status(StatusCode::OK, wire::user_short(u, ctx.base)))
}

async fn delete_user(
    _: ServerToken,
    State(sim): S,
    Path(user): Path<String>,
) -> ApiResult<Response> {
    let (mut st, _) = store(&sim)?;
    st.delete_user(&user)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
