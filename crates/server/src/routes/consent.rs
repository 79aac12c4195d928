//! Basiq 3.0's Consent UI: `POST /api/consent/start` (the URL to hand off to), the return route
//! Basiq sends the person back to (`GET /consent/return`), the relay the waiting widget reads
//! (`GET /api/consent/result`), and the consents (`GET /api/consents`, `DELETE
//! /api/consents/{id}`).

use std::sync::{Arc, OnceLock};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::private;
use crate::basiq::urlencode;
use crate::error::ServerError;
use crate::extract::{ApiQuery, CurrentSession, JsonOrEmpty, SameOrigin, SessionUser, valid_id};
use crate::handoff::{HandoffMode, HandoffState, StateError, job_is_users, parse_job_ids};
use crate::openapi::{BodyErrors, OriginRefused, SessionRequired, UpstreamErrors};
use crate::session::{SessionState, now_unix};
use crate::state::AppState;
use bank_connect_core::api_types::ApiErrorBody;

/// Actions a caller may ask for explicitly (Basiq's list, without the retired `payment`).
const ACTIONS: [&str; 5] = ["connect", "manage", "extend", "update", "reauthorise"];

/// `POST /api/consent/start` body.
#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// Skip Basiq's own bank list.
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9-]{1,64}$(?!\n)")]
    institution_id: Option<String>,
    /// `connect`, `manage`, `extend`, `update`, `reauthorise`; absent: chosen from the consents.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^(connect|manage|extend|update|reauthorise)$(?!\n)")]
    action: Option<String>,
    /// Renew or update this connection.
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9-]{1,64}$(?!\n)")]
    connection_id: Option<String>,
    /// `page` (default) or `popup`.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^(page|popup)$(?!\n)")]
    mode: Option<String>,
}

/// `POST /api/consent/start` answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The Consent UI, with its one-use token: navigate (or open a popup) to it at once.
    url: String,
    /// This hand-off's id: `GET /api/consent/result?nonce=` answers once the person is back.
    nonce: String,
    /// Seconds the hand-off may take.
    expires_in: u64,
}

/// 404 unless the server runs in 3.0 (Consent UI) mode.
fn consent_mode(state: &AppState) -> Result<(), ServerError> {
    if state.consent.enabled {
        Ok(())
    } else {
        Err(ServerError::NotFound)
    }
}

/// `POST /api/consent/start`: the Consent UI URL for the session's user, with a fresh
/// user-bound CLIENT token minted for this hand-off only, `institutionId`, the `action`
/// (explicit, or `connect` when the user has an active consent and none otherwise), and a
/// signed single-use `state`.
#[utoipa::path(
    post,
    path = "/api/consent/start",
    tag = "consent",
    operation_id = "consent_start",
    request_body(content = Option<StartRequest>, content_type = "application/json", description = "Empty, or JSON with any of these"),
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The Consent UI URL to navigate (or open a popup) to at once", body = Started),
        (status = 404, description = "not-found: the server runs Basiq 2.1 (no Consent UI), or connection_id is not the user's", body = ApiErrorBody),
        SessionRequired, OriginRefused, BodyErrors, UpstreamErrors,
    ),
)]
pub async fn start(
    State(state): State<Arc<AppState>>,
    _: SameOrigin,
    SessionUser(user): SessionUser,
    JsonOrEmpty(request): JsonOrEmpty<StartRequest>,
) -> Result<Response, ServerError> {
    consent_mode(&state)?;
    let mode = match request.mode.as_deref() {
        None => HandoffMode::Page,
        Some(m) => HandoffMode::parse(m)
            .ok_or_else(|| ServerError::BadRequest("mode must be page or popup".into()))?,
    };
    let bad = |what: &str| ServerError::BadRequest(format!("{what} is not valid"));
    let institution = match request.institution_id.as_deref() {
        Some(i) => Some(valid_id(i).map_err(|_| bad("institution_id"))?),
        None => None,
    };
    let connection = match request.connection_id.as_deref() {
        Some(c) => Some(valid_id(c).map_err(|_| bad("connection_id"))?),
        None => None,
    };
    if let Some(c) = connection {
        // Someone else's connection id is a 404 here, never a Consent UI page.
        state.basiq.connection(&user, c).await?;
    }
    let action = match request.action.as_deref() {
        Some(a) if ACTIONS.contains(&a) => Some(a.to_owned()),
        Some(_) => return Err(bad("action")),
        None => {
            let consents = state.basiq.consents(&user).await?;
            consents
                .iter()
                .any(|c| c["status"] == "active")
                .then(|| "connect".to_owned())
        }
    };
    let now = now_unix();
    let (signed, nonce) = state
        .consent
        .handoffs
        .start(&user, mode, now)
        .await?
        .ok_or_else(|| ServerError::BadRequest("this session cannot hand off".into()))?;
    let token = state.basiq.fresh_client_token(&user).await?;
    let mut url = format!(
        "{}/home?token={}&state={}",
        state.consent.base,
        urlencode(token.expose_secret()),
        urlencode(&signed)
    );
    for (key, value) in [
        ("institutionId", institution),
        ("action", action.as_deref()),
        ("connectionId", connection),
    ] {
        if let Some(v) = value {
            url.push_str(&format!("&{key}={}", urlencode(v)));
        }
    }
    tracing::info!(user = %user, ?mode, action = action.as_deref().unwrap_or("create"), "handing off to the Consent UI");
    let mut response = Json(Started {
        url,
        nonce,
        expires_in: crate::handoff::HANDOFF_TTL_SECS,
    })
    .into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// What Basiq appends to the Redirect URL.
#[derive(Default, Deserialize)]
pub struct ReturnQuery {
    #[serde(default, rename = "jobId")]
    job_id: Option<String>,
    #[serde(default, rename = "jobIds")]
    job_ids: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

/// Why a return was refused, as the screen says it.
enum Refusal {
    State(StateError),
    /// A job id that is malformed or not the user's.
    ForeignJob,
    /// Basiq could not be asked about the jobs: nothing was used, reloading may work.
    Unchecked,
}

impl Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::State(e) => e.code(),
            Refusal::ForeignJob => "job-not-yours",
            Refusal::Unchecked => "jobs-unchecked",
        }
    }

    fn sentence(&self) -> &'static str {
        match self {
            Refusal::State(StateError::Missing) => {
                "This page was opened without the details Basiq sends back, so nothing was connected here."
            }
            Refusal::State(StateError::Invalid) => {
                "This return link was not issued by this service (it may have been altered), so it was ignored."
            }
            Refusal::State(StateError::Expired) => {
                "This return link has expired: the bank step took longer than 30 minutes."
            }
            Refusal::State(StateError::Replayed) => {
                "This return link was already used. Each visit to Basiq can be finished only once."
            }
            Refusal::State(StateError::OtherUser) => {
                "This return link belongs to another session, so it was ignored."
            }
            Refusal::ForeignJob => {
                "This return link names bank jobs that are not yours, so it was ignored."
            }
            Refusal::Unchecked => {
                "Basiq could not be reached to check this return. Reload this page in a moment."
            }
        }
    }
}

/// `GET /consent/return?jobId=&jobIds=&state=`: the Redirect URL set in Basiq's dashboard.
/// Verifies the state (signature, expiry, single use; in page mode the session's user), checks
/// every job id is the user's, then records the result under the state's nonce. Page mode:
/// 303 to `/?handoff=<nonce>`; popup mode: "You can close this window". Any refusal is a
/// clear screen and changes nothing.
pub async fn return_route(
    State(state): State<Arc<AppState>>,
    CurrentSession(session): CurrentSession,
    Query(q): Query<ReturnQuery>,
) -> Response {
    if !state.consent.enabled {
        return ServerError::NotFound.into_response();
    }
    match complete(&state, &session, &q).await {
        Ok((HandoffMode::Page, nonce)) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, format!("/?handoff={nonce}")),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response(),
        Ok((HandoffMode::Popup, nonce)) => page(
            StatusCode::OK,
            "You can close this window",
            "You're done at Basiq. You can close this window: the page you came from continues.",
            &format!(
                r#"<meta name="bc-handoff" data-type="bank-connect:handoff-returned" data-nonce="{nonce}" data-code="">"#
            ),
        ),
        Err(refusal) => {
            tracing::info!(
                code = refusal.code(),
                "refused a return from the Consent UI"
            );
            let status = match refusal {
                Refusal::Unchecked => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            };
            let code = refusal.code();
            page(
                status,
                "This return was not accepted",
                refusal.sentence(),
                &format!(
                    r#"<meta name="bc-handoff" data-type="bank-connect:handoff-failed" data-nonce="" data-code="{code}">"#
                ),
            )
        }
    }
}

async fn complete(
    state: &AppState,
    session: &SessionState,
    q: &ReturnQuery,
) -> Result<(HandoffMode, String), Refusal> {
    let now = now_unix();
    let handoffs = &state.consent.handoffs;
    let verified: HandoffState = handoffs
        .verify(q.state.as_deref(), now)
        .map_err(Refusal::State)?;
    // A page hand-off comes back in the same (first-party) browser session that started it. A
    // popup does not carry the widget frame's partitioned cookie, so its user is the state's,
    // and only that user's session can read the result.
    if verified.mode == HandoffMode::Page {
        match session {
            SessionState::Valid(s) if s.user == verified.user => {}
            _ => return Err(Refusal::State(StateError::OtherUser)),
        }
    }
    handoffs
        .check_unused(&verified, now)
        .await
        .map_err(|_| Refusal::Unchecked)?
        .map_err(Refusal::State)?;
    let (job_id, job_ids) =
        parse_job_ids(q.job_id.as_deref(), q.job_ids.as_deref()).ok_or(Refusal::ForeignJob)?;
    for id in &job_ids {
        match state.basiq.job(id).await {
            Ok(job) if job_is_users(&job, &verified.user) => {}
            Ok(_) | Err(ServerError::Upstream { status: 404, .. }) => {
                return Err(Refusal::ForeignJob);
            }
            Err(_) => return Err(Refusal::Unchecked),
        }
    }
    handoffs
        .complete(&verified, job_id, job_ids, now)
        .await
        .map_err(|_| Refusal::Unchecked)?
        .map_err(Refusal::State)?;
    Ok((verified.mode, verified.nonce))
}

/// The one script of the return pages: tells a same-origin opener (the widget's frame) that
/// the person is back, when the opener still exists (a consent site's COOP may have cut it).
const RETURN_SCRIPT: &str = "var m=document.querySelector('meta[name=\"bc-handoff\"]');if(m&&window.opener){try{window.opener.postMessage({type:m.getAttribute('data-type'),nonce:m.getAttribute('data-nonce'),code:m.getAttribute('data-code')},location.origin)}catch(e){}}";

fn return_page_csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(RETURN_SCRIPT.as_bytes()));
        format!(
            "default-src 'none'; script-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
    })
}

/// A small self-contained page (no styles, one hashed script), never framed, never cached.
fn page(status: StatusCode, title: &str, sentence: &str, meta: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{meta}<title>{title}</title></head>\
<body><main><h1>{title}</h1><p role=\"status\">{sentence}</p><p><a href=\"/\">Back to bank-connect</a></p></main>\
<script>{RETURN_SCRIPT}</script></body></html>"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, return_page_csp()),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        html,
    )
        .into_response()
}

/// `GET /api/consent/result` query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultQuery {
    /// The hand-off's nonce from `POST /api/consent/start`.
    #[serde(default)]
    #[param(required = true)]
    nonce: String,
}

/// `GET /api/consent/result` answer once the person is back.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HandoffResult {
    /// The first job.
    job_id: Option<String>,
    /// Every job the Consent UI started.
    job_ids: Vec<String>,
}

/// `GET /api/consent/result?nonce=`: 204 while the person is still at Basiq, 200
/// `{job_id, job_ids}` once the return route recorded them, 404 for a hand-off that is not this
/// session user's (or has expired).
#[utoipa::path(
    get,
    path = "/api/consent/result",
    tag = "consent",
    operation_id = "consent_result",
    params(ResultQuery),
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The person is back: the jobs to follow", body = HandoffResult),
        (status = 204, description = "The person is still at Basiq"),
        (status = 400, description = "bad-request: the query is not understood", body = ApiErrorBody),
        (status = 404, description = "not-found: 2.1, or not a hand-off of this session's user (or expired)", body = ApiErrorBody),
        SessionRequired, UpstreamErrors,
    ),
)]
pub async fn result(
    State(state): State<Arc<AppState>>,
    SessionUser(user): SessionUser,
    ApiQuery(q): ApiQuery<ResultQuery>,
) -> Result<Response, ServerError> {
    consent_mode(&state)?;
    match state
        .consent
        .handoffs
        .result(&q.nonce, &user, now_unix())
        .await?
    {
        Ok(None) => Ok((
            StatusCode::NO_CONTENT,
            [(header::CACHE_CONTROL, "no-store")],
        )
            .into_response()),
        Ok(Some(r)) => Ok(private(Json(HandoffResult {
            job_id: r.job_id,
            job_ids: r.job_ids,
        }))),
        Err(()) => Err(ServerError::NotFound),
    }
}

/// A consent as the connections view shows it.
fn consent_view(c: &Value) -> Value {
    let scopes: Vec<Value> = c["data"]["permissions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            json!({
                "scope": p["scope"],
                "name": p["information"]["name"],
                "required": p["required"],
                "consented": p["consented"],
            })
        })
        .collect();
    json!({
        "id": c["id"],
        "status": c["status"],
        "created": c["created"],
        "updated": c["updated"],
        "expiryDate": c["expiryDate"],
        "revoked": c.get("revoked").cloned().unwrap_or(Value::Null),
        "organisation": c["data"]["organisation"],
        "purpose": c["purpose"]["primary"]["title"],
        "scopes": scopes,
    })
}

/// A consent as `GET /api/consents` lists it (from Basiq's JSON).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ConsentView {
    /// Consent id.
    id: String,
    /// `active`, `revoked`, `expired`.
    status: String,
    /// When it was given (RFC 3339).
    created: Option<String>,
    /// When it last changed (RFC 3339).
    updated: Option<String>,
    /// When data sharing ends (RFC 3339).
    expiry_date: Option<String>,
    /// When it was revoked, if it was.
    revoked: Option<String>,
    /// Who it was given to.
    #[schema(value_type = Option<Object>)]
    organisation: Option<serde_json::Value>,
    /// What for.
    purpose: Option<String>,
    /// The data it covers.
    #[schema(value_type = Vec<Object>)]
    scopes: Vec<serde_json::Value>,
}

/// `GET /api/consents`: the session user's consents.
#[utoipa::path(
    get,
    path = "/api/consents",
    tag = "consent",
    operation_id = "consents",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The session user's consents", body = Vec<ConsentView>),
        (status = 404, description = "not-found: the server runs Basiq 2.1", body = ApiErrorBody),
        SessionRequired, UpstreamErrors,
    ),
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    SessionUser(user): SessionUser,
) -> Result<Response, ServerError> {
    consent_mode(&state)?;
    let consents = state.basiq.consents(&user).await?;
    Ok(private(Json(
        consents.iter().map(consent_view).collect::<Vec<_>>(),
    )))
}

/// `DELETE /api/consents/{id}` → 204: revokes one of the user's consents (irreversible; Basiq
/// deletes every connection made under it).
#[utoipa::path(
    delete,
    path = "/api/consents/{id}",
    tag = "consent",
    operation_id = "revoke_consent",
    params(("id" = String, Path, description = "A consent of the session user")),
    security(("session_cookie" = [])),
    responses(
        (status = 204, description = "Revoked (irreversible: Basiq deletes every connection made under it)"),
        (status = 404, description = "not-found: 2.1, or not a consent of this user", body = ApiErrorBody),
        SessionRequired, OriginRefused, UpstreamErrors,
    ),
)]
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    _: SameOrigin,
    SessionUser(user): SessionUser,
    crate::extract::ConnectionId(id): crate::extract::ConnectionId,
) -> Result<Response, ServerError> {
    consent_mode(&state)?;
    let consents = state.basiq.consents(&user).await?;
    if !consents.iter().any(|c| c["id"] == id.as_str()) {
        return Err(ServerError::NotFound);
    }
    state.basiq.delete_consent(&user, &id).await?;
    tracing::info!(user = %user, consent = %id, "revoked a consent");
    Ok((
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "no-store")],
    )
        .into_response())
}
