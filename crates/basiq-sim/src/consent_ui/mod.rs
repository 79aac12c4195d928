//! The Consent UI (Basiq 3.0's hosted pages at `consent.basiq.io`, here on the simulator's own
//! origin under `/consent/…`): consent capture, the institution list, the web credential
//! form with MFA, a mock data holder for Hooli OB, and the manage / extend / reauthorise
//! actions. Plain HTML forms and links, no script; every page refuses to be framed.
//!
//! A visit starts at `/consent/home?token=…` and lives in a session whose id is in the path
//! (`/consent/s/{sid}/…`); it ends with a redirect to the dashboard's Redirect URL carrying
//! `jobId`, `jobIds` and `state`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::auth::{self, Scope};
use crate::state::Sim;
use crate::store::{Ctx, Store};

mod capture;
mod holder;
pub mod html;
mod manage;
mod web;

use html::{Page, esc};

/// What the partner asked the Consent UI to do (`action=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Absent or `null`: consent, then connect.
    Create,
    /// Connect more institutions under the active consent.
    Connect,
    /// See the consent and its connections; delete one; revoke all.
    Manage,
    /// Extend the active consent.
    Extend,
    /// The consent policy changed; with the same scopes this is an extension.
    Update,
    /// Renew open-banking connections that expire soon.
    Reauthorise,
}

impl Action {
    fn parse(s: Option<&str>) -> Option<Action> {
        Some(match s {
            None | Some("") | Some("null") => Action::Create,
            Some("connect") => Action::Connect,
            Some("manage") => Action::Manage,
            Some("extend") => Action::Extend,
            Some("update") => Action::Update,
            Some("reauthorise") => Action::Reauthorise,
            _ => return None,
        })
    }
}

/// Where a person is at Hooli OB's mock data holder.
#[derive(Debug, Clone, Default)]
pub struct Holder {
    /// The open-banking connection being authorised.
    pub connection: String,
    /// Renewing an existing arrangement rather than a first authorisation.
    pub renew: bool,
    /// Member number accepted.
    pub member_ok: bool,
    /// One-time code accepted.
    pub code_ok: bool,
    /// Account numbers chosen.
    pub accounts: Vec<String>,
}

/// One visit of the Consent UI.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user the token is bound to.
    pub user_id: String,
    /// `state`, echoed on the redirect.
    pub state: Option<String>,
    /// `action`.
    pub action: Action,
    /// `institutionId`.
    pub institution: Option<String>,
    /// `connectionId`.
    pub connection: Option<String>,
    /// Jobs created in this visit, oldest first.
    pub jobs: Vec<String>,
    /// The token's expiry (Unix seconds): the visit ends with it.
    pub expires: u64,
    /// Progress at the mock data holder.
    pub holder: Option<Holder>,
}

/// Live Consent UI sessions (the oldest are dropped past 10,000).
#[derive(Debug, Default)]
pub struct Sessions {
    map: HashMap<String, Session>,
    order: VecDeque<String>,
}

const MAX_SESSIONS: usize = 10_000;

impl Sessions {
    fn insert(&mut self, id: String, s: Session) {
        self.map.insert(id.clone(), s);
        self.order.push_back(id);
        while self.order.len() > MAX_SESSIONS {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }
}

/// An error page (boxed: a response is large).
#[derive(Debug)]
pub struct PageError(Box<Response>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// A page handler's answer: a page or redirect, or an error page.
pub type PageResult = Result<Response, PageError>;

/// The error page of the Consent UI: Basiq's error code, a title and a sentence.
pub fn error_page(sim: &Sim, status: StatusCode, code: &str, title: &str, text: &str) -> PageError {
    Page::new(
        &sim.cfg.dashboard.organisation,
        title,
        format!(
            "<p role=\"alert\" class=\"alert\">{}</p><p>Error code: <code>{}</code></p>",
            esc(text),
            esc(code)
        ),
    )
    .status(status)
    .into_response()
    .into()
}

impl From<Response> for PageError {
    fn from(r: Response) -> Self {
        PageError(Box::new(r))
    }
}

fn not_found(sim: &Sim, text: &str) -> PageError {
    error_page(
        sim,
        StatusCode::NOT_FOUND,
        "resource-not-found",
        "Something is missing",
        text,
    )
}

/// The session `sid`, unless it is unknown or its token expired.
pub fn session(sim: &Sim, sid: &str) -> Result<Session, PageError> {
    let s = sim
        .consent_sessions
        .lock()
        .ok()
        .and_then(|m| m.map.get(sid).cloned())
        .ok_or_else(|| {
            not_found(
                sim,
                "This page has expired or does not exist. Start again from the app.",
            )
        })?;
    if auth::now_secs() >= s.expires {
        return Err(expired(sim));
    }
    Ok(s)
}

/// Changes the session `sid`.
pub fn update(sim: &Sim, sid: &str, f: impl FnOnce(&mut Session)) {
    if let Ok(mut m) = sim.consent_sessions.lock()
        && let Some(s) = m.map.get_mut(sid)
    {
        f(s);
    }
}

fn expired(sim: &Sim) -> PageError {
    error_page(
        sim,
        StatusCode::FORBIDDEN,
        "access-denied",
        "This link has expired",
        "Token has expired. Go back to the app and start again.",
    )
}

/// Locks the store (ticked to now) for a page.
pub fn with_store<T>(sim: &Sim, f: impl FnOnce(&mut Store, &Ctx) -> T) -> Result<T, PageError> {
    let ctx = Ctx {
        dir: &sim.directory,
        base: &sim.cfg.base_url,
        now: sim.clock.now(),
    };
    let mut st = sim.store.lock().map_err(|_| {
        error_page(
            sim,
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal-server-error",
            "Something went wrong",
            "Please try again later.",
        )
    })?;
    st.tick(&ctx);
    Ok(f(&mut st, &ctx))
}

/// Where the visit ends: the Redirect URL with `jobId`, `jobIds` and `state`, or the
/// simulator's own closing page when no Redirect URL is configured.
pub fn back_url(sim: &Sim, sid: &str, s: &Session) -> String {
    let Some(url) = &sim.cfg.dashboard.redirect_url else {
        return format!("/consent/s/{sid}/finished");
    };
    let mut q = Vec::new();
    if let Some(last) = s.jobs.last() {
        q.push(format!("jobId={last}"));
        q.push(format!("jobIds={}", s.jobs.join(",")));
    }
    if let Some(st) = &s.state {
        let enc: String = form_urlencoded::byte_serialize(st.as_bytes()).collect();
        q.push(format!("state={enc}"));
    }
    if q.is_empty() {
        return url.clone();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", q.join("&"))
}

/// A 303 to a path or URL.
pub fn go(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The Consent UI's routes (with its security headers).
pub fn router(sim: Arc<Sim>) -> Router<Arc<Sim>> {
    Router::new()
        .route("/consent/style.css", get(html::style))
        .route("/consent/home", get(capture::home))
        .route(
            "/consent/s/{sid}/terms",
            get(capture::terms).post(capture::terms_post),
        )
        .route("/consent/s/{sid}/institutions", get(capture::institutions))
        .route("/consent/s/{sid}/leave", get(capture::leave))
        .route("/consent/s/{sid}/cancel", get(capture::cancel))
        .route("/consent/s/{sid}/done", get(capture::done))
        .route("/consent/s/{sid}/finished", get(capture::finished))
        .route(
            "/consent/s/{sid}/connect/{inst}/{method}",
            get(web::connect).post(web::connect_post),
        )
        .route("/consent/s/{sid}/job/{job}", get(web::job))
        .route("/consent/s/{sid}/job/{job}/mfa", post(web::mfa_post))
        .route("/consent/s/{sid}/manage", get(manage::manage))
        .route(
            "/consent/s/{sid}/manage/delete/{conn}",
            post(manage::delete_connection),
        )
        .route("/consent/s/{sid}/manage/revoke", post(manage::revoke))
        .route(
            "/consent/s/{sid}/extend",
            get(manage::extend).post(manage::extend_post),
        )
        .route("/consent/s/{sid}/reauthorise", get(manage::reauthorise))
        .route("/consent/s/{sid}/reauthorise/{conn}", post(manage::renew))
        .route(
            "/consent/holder/{sid}/{step}",
            get(holder::page).post(holder::post),
        )
        .layer(middleware::from_fn_with_state(sim, security_headers))
}

/// Headers like a bank's and Basiq's own: never framed, no opener, nothing cached, and a
/// strict CSP (forms may post to the simulator and lead on to the Redirect URL).
async fn security_headers(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let form_to = sim
        .cfg
        .dashboard
        .redirect_url
        .as_deref()
        .and_then(origin_of)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'{form_to}; \
frame-ancestors 'none'; base-uri 'none'"
    );
    let h = resp.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    if !sim.switches.lock().is_ok_and(|sw| sw.keep_opener) {
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `scheme://host[:port]` of an absolute http(s) URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty() && !host.contains(['\'', ';', ' '])).then(|| format!("{scheme}://{host}"))
}

/// Checks the launch token: signature, expiry, CLIENT_ACCESS, bound to a user.
fn check_token(sim: &Sim, token: Option<&str>) -> Result<(String, u64), PageError> {
    let invalid = || {
        error_page(
            sim,
            StatusCode::UNAUTHORIZED,
            "invalid-authorization-token",
            "This link is not valid",
            "The token is missing or not valid. Go back to the app and start again.",
        )
    };
    let claims = token
        .and_then(|t| auth::verify(&sim.jwt_key, t))
        .ok_or_else(invalid)?;
    if auth::is_expired(sim, &claims) {
        return Err(expired(sim));
    }
    if claims.scope() != Scope::Client {
        return Err(error_page(
            sim,
            StatusCode::FORBIDDEN,
            "forbidden-access",
            "This link is not valid",
            "The Consent UI needs a CLIENT_ACCESS token.",
        ));
    }
    let user = claims.userid.clone().ok_or_else(|| {
        error_page(
            sim,
            StatusCode::BAD_REQUEST,
            "missing-attributes",
            "This link is not valid",
            "The token is not bound to a user: request it with a userId.",
        )
    })?;
    Ok((user, claims.exp))
}

/// Starts a session from the launch query; the caller decides the first page.
fn start_session(sim: &Sim, q: &[(String, String)]) -> Result<(String, Session), PageError> {
    let get = |k: &str| q.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.as_str());
    let (user_id, expires) = check_token(sim, get("token"))?;
    let action = Action::parse(get("action")).ok_or_else(|| {
        error_page(
            sim,
            StatusCode::BAD_REQUEST,
            "parameter-not-valid",
            "This link is not valid",
            "The action is not one the Consent UI knows.",
        )
    })?;
    let institution = get("institutionId")
        .filter(|s| !s.is_empty())
        .map(String::from);
    let connection = get("connectionId")
        .filter(|s| !s.is_empty())
        .map(String::from);
    with_store(sim, |st, ctx| {
        st.user(&user_id)
            .map(|_| ())
            .map_err(|_| not_found(sim, "The user this link was made for does not exist."))?;
        if let Some(i) = &institution
            && crate::institutions::find(ctx.dir, i).is_err()
        {
            return Err(not_found(sim, "Requested institution does not exist."));
        }
        if let Some(c) = &connection
            && st.connection(&user_id, c).is_err()
        {
            return Err(not_found(sim, "Requested connection does not exist."));
        }
        Ok(())
    })??;
    let sid = uuid::Uuid::new_v4().simple().to_string();
    let s = Session {
        user_id,
        state: get("state").map(String::from),
        action,
        institution,
        connection,
        jobs: Vec::new(),
        expires,
        holder: None,
    };
    if let Ok(mut m) = sim.consent_sessions.lock() {
        m.insert(sid.clone(), s.clone());
    }
    Ok((sid, s))
}

/// 404 page used when an action needs an active consent and there is none.
pub fn no_active_consent(sim: &Sim) -> PageError {
    not_found(
        sim,
        "There is no active consent for this action. Go back to the app and connect first.",
    )
}
