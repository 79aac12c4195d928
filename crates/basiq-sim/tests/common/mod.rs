//! Test helpers and the tests' own wire types (independent of the simulator's structs).
#![allow(dead_code)]

use std::time::Duration;

use basiq_sim::{SimHandle, Simulator};
use serde::Deserialize;
use serde_json::Value;

/// Basiq's error envelope.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    #[serde(rename = "type")]
    pub kind: String,
    pub correlation_id: String,
    pub data: Vec<ErrorItem>,
}

/// One error.
#[derive(Debug, Deserialize)]
pub struct ErrorItem {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: String,
    pub title: String,
    pub detail: Option<String>,
    pub source: Option<Value>,
}

/// `/token` answer.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
}

/// A job reference (`{type, id, links.self}`).
#[derive(Debug, Deserialize)]
pub struct JobRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub links: Links,
}

/// `links.self`.
#[derive(Debug, Deserialize)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_: String,
}

/// A job.
#[derive(Debug, Deserialize, Clone)]
pub struct Job {
    pub id: String,
    pub steps: Vec<Step>,
    pub links: Value,
}

/// One job step.
#[derive(Debug, Deserialize, Clone)]
pub struct Step {
    pub title: String,
    pub status: String,
    pub result: Option<Value>,
}

pub mod consent;

pub const KEY: &str = "test-key";

/// A fast simulator.
pub async fn sim() -> SimHandle {
    Simulator::builder()
        .api_key(KEY)
        .seed(42)
        .speed(200.0)
        .spawn()
        .await
        .expect("sim starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// Asserts that a response is Basiq's envelope with this status and code; returns the error.
pub async fn expect_error(resp: reqwest::Response, status: u16, code: &str) -> ErrorItem {
    assert_eq!(resp.status().as_u16(), status, "status");
    let env: Envelope = resp.json().await.expect("error envelope");
    assert_eq!(env.kind, "list");
    assert!(!env.correlation_id.is_empty());
    assert_eq!(env.data.len(), 1);
    let e = env.data.into_iter().next().expect("one error");
    assert_eq!(e.kind, "error");
    assert_eq!(e.code, code, "code ({:?})", e.detail);
    e
}

/// Requests a token.
pub async fn token_raw(sim: &SimHandle, key: &str, body: &str) -> reqwest::Response {
    client()
        .post(format!("{}/token", sim.base_url()))
        .header("Authorization", format!("Basic {key}"))
        .header("basiq-version", "2.1")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .expect("token request")
}

/// A SERVER_ACCESS token.
pub async fn server_token(sim: &SimHandle) -> String {
    let r = token_raw(sim, sim.api_key(), "scope=SERVER_ACCESS").await;
    assert_eq!(r.status(), 200);
    r.json::<TokenResponse>().await.expect("token").access_token
}

/// A CLIENT_ACCESS token, optionally bound to a user.
pub async fn client_token(sim: &SimHandle, user: Option<&str>) -> String {
    let body = match user {
        Some(u) => format!("scope=CLIENT_ACCESS&userId={u}"),
        None => "scope=CLIENT_ACCESS".to_string(),
    };
    let r = token_raw(sim, sim.api_key(), &body).await;
    assert_eq!(r.status(), 200);
    r.json::<TokenResponse>().await.expect("token").access_token
}

/// GET with a bearer token.
pub async fn get(sim: &SimHandle, token: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", sim.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

/// POST JSON with a bearer token.
pub async fn post(sim: &SimHandle, token: &str, path: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}{path}", sim.base_url()))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("post")
}

/// DELETE with a bearer token.
pub async fn delete(sim: &SimHandle, token: &str, path: &str) -> reqwest::Response {
    client()
        .delete(format!("{}{path}", sim.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("delete")
}

/// Decodes a JWT's claims without verifying.
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("json claims")
}

/// Creates a user, returning its id.
pub async fn create_user(sim: &SimHandle, token: &str, email: &str) -> String {
    let r = post(
        sim,
        token,
        "/users",
        &serde_json::json!({"email": email, "mobile": "+61410888999"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.expect("user");
    v["id"].as_str().expect("id").to_string()
}

/// Posts a connection, returning the status and job id.
pub async fn connect(
    sim: &SimHandle,
    token: &str,
    user: &str,
    inst: &str,
    login: &str,
    password: &str,
) -> (u16, String) {
    let r = post(
        sim,
        token,
        &format!("/users/{user}/connections"),
        &serde_json::json!({"loginId": login, "password": password, "institution": {"id": inst}}),
    )
    .await;
    let status = r.status().as_u16();
    let j: JobRef = r.json().await.expect("job ref");
    assert_eq!(j.kind, "job");
    assert!(j.links.self_.ends_with(&format!("/jobs/{}", j.id)));
    (status, j.id)
}

/// Fetches a job.
pub async fn job(sim: &SimHandle, token: &str, id: &str) -> Job {
    let r = get(sim, token, &format!("/jobs/{id}")).await;
    assert_eq!(r.status(), 200);
    r.json().await.expect("job")
}

/// Polls a job until `done(job)` (at most 20 s).
pub async fn wait_job(sim: &SimHandle, token: &str, id: &str, done: impl Fn(&Job) -> bool) -> Job {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let j = job(sim, token, id).await;
        if done(&j) {
            return j;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job did not reach the state: {j:?}"
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

/// Whether the job has finished (every step success, or one failed).
pub fn finished(j: &Job) -> bool {
    j.steps.iter().any(|s| s.status == "failed") || j.steps.iter().all(|s| s.status == "success")
}

/// Whether the job waits for an MFA answer.
pub fn awaiting_mfa(j: &Job) -> bool {
    j.steps
        .iter()
        .any(|s| s.title == "mfa-challenge" && s.status == "in-progress")
}

/// The step with this title.
pub fn step<'a>(j: &'a Job, title: &str) -> &'a Step {
    j.steps
        .iter()
        .find(|s| s.title == title)
        .unwrap_or_else(|| panic!("no step {title} in {j:?}"))
}

/// Basiq's reference data: `../shared/basiq-reference/` beside the checkout, or `BASIQ_REFERENCE`.
/// Tests reading it are named `contract_*`; `cargo xtask test` skips them, and says so, when the
/// folder is absent.
pub fn reference_root() -> std::path::PathBuf {
    std::env::var_os("BASIQ_REFERENCE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/basiq-reference")
        })
}

/// A POST to one of the simulator's `/__admin/*` routes, with its bearer token.
pub fn admin_post(sim: &SimHandle, path: &str) -> reqwest::RequestBuilder {
    client()
        .post(format!("{}{path}", sim.base_url()))
        .bearer_auth(sim.admin_token().expect("the admin routes are on"))
}
