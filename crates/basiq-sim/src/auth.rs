//! `POST /token`, HS256 JWTs with Basiq's claims, and bearer-token checks.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};
use crate::state::Sim;

type HmacSha256 = Hmac<Sha256>;

/// Token scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Full access (server side).
    Server,
    /// Restricted browser access.
    Client,
}

impl Scope {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Server => "SERVER_ACCESS",
            Scope::Client => "CLIENT_ACCESS",
        }
    }
}

/// Claims of issued tokens (Basiq's names).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Partner id.
    pub partnerid: String,
    /// Application id.
    pub applicationid: String,
    /// `SERVER_ACCESS` or `CLIENT_ACCESS`.
    pub scope: String,
    /// API version the token was issued for, e.g. `2.1`.
    pub version: String,
    /// User the token is bound to (client tokens only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
    /// Statement upload flag.
    pub connect_statements: bool,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expiry (Unix seconds).
    pub exp: u64,
    /// Token id; the part before the dot is the simulator's token epoch.
    pub jti: String,
}

impl Claims {
    /// The scope as an enum.
    pub fn scope(&self) -> Scope {
        if self.scope == "CLIENT_ACCESS" {
            Scope::Client
        } else {
            Scope::Server
        }
    }
}

/// Which scopes an endpoint admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// SERVER_ACCESS or CLIENT_ACCESS.
    Any,
    /// SERVER_ACCESS only.
    Server,
    /// CLIENT_ACCESS only.
    Client,
}

/// Now, in Unix seconds.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Signs claims into a compact HS256 JWT.
pub fn sign(key: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let sig = mac(key, signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; this cannot fail.
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| {
        <HmacSha256 as Mac>::new_from_slice(b"fallback").expect("hmac key of any length")
    });
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// Verifies signature and decodes claims (does not check expiry).
pub fn verify(key: &[u8], token: &str) -> Option<Claims> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).ok()?;
    m.update(format!("{h}.{p}").as_bytes());
    m.verify_slice(&sig).ok()?;
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

/// Whether a token is past its expiry, or issued before the last expire-all.
pub fn is_expired(sim: &Sim, claims: &Claims) -> bool {
    let epoch: u64 = claims
        .jti
        .split('.')
        .next()
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    now_secs() >= claims.exp || epoch < sim.token_epoch.load(Ordering::SeqCst)
}

/// Checks the bearer token of a request and the scope the endpoint needs.
pub fn authorize(sim: &Sim, headers: &HeaderMap, access: Access) -> ApiResult<Claims> {
    let Some(raw) = headers.get("authorization") else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "access-denied",
            "Access denied.",
            "Missing Authentication Token",
        ));
    };
    let raw = raw.to_str().map_err(|_| ApiError::invalid_token())?;
    let token = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .ok_or_else(ApiError::invalid_token)?
        .trim();
    let claims = verify(&sim.jwt_key, token).ok_or_else(ApiError::invalid_token)?;
    if is_expired(sim, &claims) {
        return Err(ApiError::token_expired());
    }
    match (access, claims.scope()) {
        (Access::Server, Scope::Client) | (Access::Client, Scope::Server) => {
            Err(ApiError::forbidden())
        }
        _ => Ok(claims),
    }
}

/// Which scopes an [`Authorized`] extractor admits.
pub trait Admits {
    /// The scopes.
    const ACCESS: Access;
}

/// Marker: SERVER_ACCESS only.
#[derive(Debug)]
pub struct ServerScope;
/// Marker: SERVER_ACCESS or CLIENT_ACCESS.
#[derive(Debug)]
pub struct AnyScope;
/// Marker: CLIENT_ACCESS only.
#[derive(Debug)]
pub struct ClientScope;

impl Admits for ServerScope {
    const ACCESS: Access = Access::Server;
}
impl Admits for AnyScope {
    const ACCESS: Access = Access::Any;
}
impl Admits for ClientScope {
    const ACCESS: Access = Access::Client;
}

/// The API version a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// 2.0 and 2.1: the credential API.
    V2,
    /// 3.0: consents, connectors, connections only through the Consent UI.
    V3,
}

impl Version {
    /// The request's `basiq-version` header when it names a version, else the version the
    /// token was issued for.
    pub fn of(headers: &HeaderMap, claims: &Claims) -> Version {
        let header = headers
            .get("basiq-version")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| matches!(*v, "2.0" | "2.1" | "3.0"));
        match header.unwrap_or(claims.version.as_str()) {
            "3.0" => Version::V3,
            _ => Version::V2,
        }
    }
}

/// The claims of a request's valid bearer token of an admitted scope: a handler that takes
/// one cannot run without it (the request is answered with Basiq's 401/403 instead).
#[derive(Debug)]
pub struct Authorized<A: Admits> {
    /// The token's claims.
    pub claims: Claims,
    /// The version the request speaks.
    pub version: Version,
    scope: PhantomData<A>,
}

/// A SERVER_ACCESS token.
pub type ServerToken = Authorized<ServerScope>;
/// A SERVER_ACCESS or CLIENT_ACCESS token.
pub type AnyToken = Authorized<AnyScope>;
/// A CLIENT_ACCESS token.
pub type ClientToken = Authorized<ClientScope>;

impl<A: Admits> Authorized<A> {
    /// Fails with 401 `unauthorized-access` when a client token is bound to another user.
    pub fn for_user(&self, user_id: &str) -> ApiResult<()> {
        check_user(&self.claims, user_id)
    }

    /// Whether the request speaks 3.0.
    pub fn v3(&self) -> bool {
        self.version == Version::V3
    }
}

impl<A: Admits + Send + Sync> FromRequestParts<Arc<Sim>> for Authorized<A> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sim: &Arc<Sim>) -> ApiResult<Self> {
        authorize(sim, &parts.headers, A::ACCESS).map(|claims| Authorized {
            version: Version::of(&parts.headers, &claims),
            claims,
            scope: PhantomData,
        })
    }
}

/// Fails with 401 `unauthorized-access` when a client token is bound to a different user.
pub fn check_user(claims: &Claims, user_id: &str) -> ApiResult<()> {
    match &claims.userid {
        Some(u) if claims.scope() == Scope::Client && u != user_id => Err(ApiError::unauthorized()),
        _ => Ok(()),
    }
}

/// Sliding-window limiter for `/token`.
#[derive(Debug)]
pub struct RateLimiter {
    /// Allowed requests per window.
    pub limit: usize,
    /// Window length.
    pub window: Duration,
    hits: VecDeque<Instant>,
}

impl RateLimiter {
    /// A limiter admitting `limit` requests per `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        RateLimiter {
            limit,
            window,
            hits: VecDeque::new(),
        }
    }

    /// Records a hit; returns the seconds to wait when over the limit.
    pub fn hit(&mut self, now: Instant) -> Result<(), u64> {
        while let Some(front) = self.hits.front() {
            if now.duration_since(*front) >= self.window {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        if self.hits.len() >= self.limit {
            let wait = self
                .hits
                .front()
                .map(|f| {
                    self.window
                        .saturating_sub(now.duration_since(*f))
                        .as_secs()
                        .max(1)
                })
                .unwrap_or(1);
            return Err(wait);
        }
        self.hits.push_back(now);
        Ok(())
    }
}

/// Handles `POST /token`.
pub fn issue_token(sim: &Sim, headers: &HeaderMap, body: &[u8]) -> ApiResult<serde_json::Value> {
    let version = match headers
        .get("basiq-version")
        .map(|v| v.to_str().unwrap_or("").trim().to_string())
    {
        None => {
            return Err(ApiError::not_valid(
                "Basiq-version must be specified in HTTP request header",
            )
            .with_source(
                json!({"parameter": "basiq-version", "pointer": "header/basiq-version"}),
            ));
        }
        Some(v) => v,
    };
    match version.as_str() {
        "2.0" | "2.1" | "3.0" => {}
        "0.9" => {
            return Err(ApiError::not_valid(
                "Version 0.9 is no longer supported. Please upgrade to the latest version",
            )
            .with_source(
                json!({"parameter": "basiq-version", "pointer": "header/basiq-version"}),
            ));
        }
        _ => {
            return Err(
                ApiError::not_valid("Basiq-version header value is not valid").with_source(
                    json!({"parameter": "basiq-version", "pointer": "header/basiq-version"}),
                ),
            );
        }
    }
    let Some(auth) = headers.get("authorization") else {
        return Err(
            ApiError::not_supplied("Authorization header parameter is required").with_source(
                json!({"parameter": "authorization", "pointer": "header/authorization"}),
            ),
        );
    };
    let auth = auth.to_str().unwrap_or("");
    let Some(key) = auth
        .strip_prefix("Basic ")
        .map(str::trim)
        .filter(|k| !k.is_empty())
    else {
        return Err(
            ApiError::not_valid("Invalid authorization header").with_source(
                json!({"parameter": "authorization", "pointer": "header/authorization"}),
            ),
        );
    };
    if let Ok(mut rl) = sim.token_limiter.lock()
        && let Err(wait) = rl.hit(Instant::now())
    {
        return Err(ApiError::too_many(wait));
    }
    if key != sim.cfg.api_key {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "parameter-not-valid",
            "We have encountered an error",
            "Unable to authenticate. Please, check your API key",
        ));
    }
    let mut scope = Scope::Server;
    let mut user_id: Option<String> = None;
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "scope" => {
                scope = match v.as_ref() {
                    "SERVER_ACCESS" => Scope::Server,
                    "CLIENT_ACCESS" => Scope::Client,
                    _ => {
                        return Err(ApiError::not_valid("Scope value is not valid")
                            .with_source(json!({"parameter": "scope", "pointer": "body/scope"})));
                    }
                }
            }
            "userId" | "userid" if !v.is_empty() => user_id = Some(v.into_owned()),
            _ => {}
        }
    }
    if scope == Scope::Client && version == "3.0" && user_id.is_none() {
        return Err(
            ApiError::not_supplied("userId is required for CLIENT_ACCESS tokens")
                .with_source(json!({"parameter": "userId", "pointer": "body/userId"})),
        );
    }
    if scope == Scope::Server {
        user_id = None;
    }
    let iat = now_secs();
    let ttl = sim.cfg.token_ttl.as_secs();
    let claims = Claims {
        partnerid: sim.partner_id.clone(),
        applicationid: sim.application_id.clone(),
        scope: scope.as_str().into(),
        version,
        userid: user_id,
        connect_statements: false,
        iat,
        exp: iat + ttl,
        jti: format!(
            "{}.{}",
            sim.token_epoch.load(Ordering::SeqCst),
            uuid::Uuid::new_v4()
        ),
    };
    Ok(
        json!({"access_token": sign(&sim.jwt_key, &claims), "token_type": "Bearer", "expires_in": ttl}),
    )
}
