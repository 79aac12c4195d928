//! Exact upstream requests and faults, with a wiremock upstream standing in for Basiq.

use std::time::Duration;

use crate::support::{spawn_with, test_config};
use bank_connect_server::session::{COOKIE_NAME, SessionKeys};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub(crate) const KEY: &str = "wiremock-api-key";
pub(crate) const SESSION_SECRET: &str = "0123456789abcdef0123456789abcdef-session";

pub(crate) fn token_json(token: &str) -> Value {
    json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600})
}

pub(crate) fn institution(id: &str, name: &str) -> Value {
    json!({"type":"institution","id":id,"name":name,"shortName":name,"institutionType":"Bank","country":"Australia",
        "serviceName":"Personal Online Banking","serviceType":"Personal Banking","tier":"1","authorization":"user",
        "stage":"live","status":"operational","loginIdCaption":"Customer ID","passwordCaption":"Password","features":{},
        "stats":{"averageDurationMs":{"total":1000}},"logo":{"type":"image","links":{"square":"https://x/l.svg","full":"https://x/f.svg"}},
        "links":{"self":"https://x"}})
}

pub(crate) fn institutions_json() -> Value {
    json!({"type":"list","totalCount":1,"data":[institution("AU01000", "Mock Bank")],"links":{"self":"https://x"}})
}

pub(crate) fn envelope(code: &str, title: &str, detail: &str) -> Value {
    json!({"type":"list","correlationId":"c-1","data":[{"type":"error","code":code,"title":title,"detail":detail}]})
}

pub(crate) async fn server_token_mock(upstream: &MockServer, expected: u64) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header("authorization", format!("Basic {KEY}").as_str()))
        .and(header("basiq-version", "2.1"))
        .and(body_string_contains("scope=SERVER_ACCESS"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_json("server-token")))
        .expect(expected)
        .mount(upstream)
        .await;
}

pub(crate) async fn app_for(upstream: &MockServer, extra: &[&str]) -> crate::support::TestApp {
    let uri = upstream.uri();
    let mut args = vec![
        "--basiq-api-key",
        KEY,
        "--basiq-api-url",
        &uri,
        "--session-secret",
        SESSION_SECRET,
        "--token-rate-per-ip",
        "0",
    ];
    args.extend_from_slice(extra);
    spawn_with(test_config(&args)).await
}

pub(crate) fn received(upstream_requests: &[Request], p: &str) -> usize {
    upstream_requests
        .iter()
        .filter(|r| r.url.path() == p)
        .count()
}

/// `/institutions` answers `failure` `times` times, then the directory.
pub(crate) async fn institutions_fail_then_succeed(
    upstream: &MockServer,
    failure: ResponseTemplate,
    times: u64,
) {
    Mock::given(method("GET"))
        .and(path("/institutions"))
        .and(header("authorization", "Bearer server-token"))
        .respond_with(failure)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/institutions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(institutions_json()))
        .with_priority(2)
        .mount(upstream)
        .await;
}

/// `/institutions` always answers `response`.
pub(crate) async fn institutions_answer(upstream: &MockServer, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/institutions"))
        .respond_with(response)
        .mount(upstream)
        .await;
}

/// `GET /api/institutions` on the app.
pub(crate) async fn get_directory(app: &crate::support::TestApp) -> reqwest::Response {
    app.get("/api/institutions").await
}

#[tokio::test]
async fn a_thousand_concurrent_token_requests_for_one_session_make_one_upstream_call() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("scope=CLIENT_ACCESS"))
        .and(body_string_contains("userId=user-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_json("client-token-1"))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    let app = app_for(&upstream, &[]).await;
    let keys = SessionKeys::new(SecretString::from(SESSION_SECRET.to_owned()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let cookie = format!("{COOKIE_NAME}={}", keys.sign("user-1", now));
    let client = reqwest::Client::new();
    let requests = (0..1000).map(|_| {
        let client = client.clone();
        let cookie = cookie.clone();
        let url = app.url("/api/token");
        async move {
            let res = client
                .post(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let v: Value = res.json().await.unwrap();
            v["access_token"].as_str().unwrap().to_owned()
        }
    });
    let tokens = futures::future::join_all(requests).await;
    assert_eq!(tokens.len(), 1000);
    assert!(tokens.iter().all(|t| t == "client-token-1"));
    upstream.verify().await;
    let all = upstream.received_requests().await.unwrap();
    assert_eq!(
        received(&all, "/token"),
        2,
        "one SERVER token at start + one CLIENT token"
    );
}

#[tokio::test]
async fn idempotent_calls_are_retried_after_5xx() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    let boom = ResponseTemplate::new(500).set_body_json(envelope(
        "internal-server-error",
        "Internal",
        "boom",
    ));
    institutions_fail_then_succeed(&upstream, boom, 2).await;
    let app = app_for(&upstream, &[]).await;
    let res = get_directory(&app).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["institutions"][0]["name"], "Mock Bank");
    assert_eq!(
        received(
            &upstream.received_requests().await.unwrap(),
            "/institutions"
        ),
        3
    );
}

#[tokio::test]
async fn a_lasting_503_gives_up_after_three_retries_with_a_clear_message() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    institutions_answer(
        &upstream,
        ResponseTemplate::new(503).set_body_json(envelope(
            "service-unavailable",
            "Unavailable",
            "Service is currently unavailable.",
        )),
    )
    .await;
    let app = app_for(&upstream, &[]).await;
    let res = get_directory(&app).await;
    assert_eq!(res.status(), 503);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], "upstream-unavailable");
    assert!(v["message"].as_str().unwrap().contains("Try again"));
    assert_eq!(
        received(
            &upstream.received_requests().await.unwrap(),
            "/institutions"
        ),
        4,
        "1 try + 3 retries"
    );
}

#[tokio::test]
async fn basiq_429_passes_its_retry_after_on() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    Mock::given(method("GET"))
        .and(path("/institutions"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_json(envelope(
                    "too-many-requests",
                    "Too many",
                    "Too many requests.",
                )),
        )
        .mount(&upstream)
        .await;
    let app = app_for(&upstream, &[]).await;
    let res = get_directory(&app).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "7");
    assert_eq!(
        received(
            &upstream.received_requests().await.unwrap(),
            "/institutions"
        ),
        1,
        "a 429 is not retried"
    );
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    institutions_answer(
        &upstream,
        ResponseTemplate::new(200)
            .set_body_json(institutions_json())
            .set_delay(Duration::from_secs(2)),
    )
    .await;
    let app = app_for(&upstream, &["--upstream-timeout-ms", "300"]).await;
    let res = get_directory(&app).await;
    assert_eq!(res.status(), 504);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], "upstream-timeout");
}

#[tokio::test]
async fn malformed_and_truncated_json_are_upstream_errors_not_panics() {
    for body in ["{not json", "{\"type\":\"list\",\"data\":[", "", "[]"] {
        let upstream = MockServer::start().await;
        server_token_mock(&upstream, 1).await;
        institutions_answer(
            &upstream,
            ResponseTemplate::new(200).set_body_raw(body, "application/json"),
        )
        .await;
        let app = app_for(&upstream, &[]).await;
        let res = get_directory(&app).await;
        assert_eq!(res.status(), 502, "body {body:?}");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["code"], "upstream-error");
        // The server is still healthy afterwards.
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
}

#[tokio::test]
async fn an_expired_server_token_is_renewed_once_and_the_call_retried() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 2).await;
    let expired = ResponseTemplate::new(403).set_body_json(envelope(
        "access-denied",
        "Access denied.",
        "Token has expired",
    ));
    institutions_fail_then_succeed(&upstream, expired, 1).await;
    let app = app_for(&upstream, &[]).await;
    let res = get_directory(&app).await;
    assert_eq!(res.status(), 200);
    upstream.verify().await;
}

#[tokio::test]
async fn an_unknown_api_key_fails_at_start_with_basiqs_words() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(404).set_body_json(envelope(
            "parameter-not-valid",
            "We have encountered an error",
            "Unable to authenticate. Please, check your API key",
        )))
        .mount(&upstream)
        .await;
    let uri = upstream.uri();
    let config = test_config(&["--basiq-api-key", KEY, "--basiq-api-url", &uri]);
    let err = bank_connect_server::start(config)
        .await
        .err()
        .expect("start fails");
    let text = err.to_string();
    assert!(
        text.contains("BASIQ_API_KEY was rejected") && text.contains("check your API key"),
        "{text}"
    );
    assert!(!text.contains(KEY));
}

#[tokio::test]
async fn the_upstream_token_cap_answers_429_with_retry_after() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_json("t")))
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"type":"user","id":"u-new","email":"x@y.z","links":{"self":"x"}}),
        ))
        .mount(&upstream)
        .await;
    // Cap 2: one for the SERVER token at start, one for the first browser's CLIENT token (no
    // share held back for SERVER renewals here).
    let app = app_for(
        &upstream,
        &["--token-call-cap", "2", "--server-token-reserve", "0"],
    )
    .await;
    let keys = SessionKeys::new(SecretString::from(SESSION_SECRET.to_owned()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let first = app
        .http
        .post(app.url("/api/token"))
        .header("cookie", format!("{COOKIE_NAME}={}", keys.sign("a", now)))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let second = app
        .http
        .post(app.url("/api/token"))
        .header("cookie", format!("{COOKIE_NAME}={}", keys.sign("b", now)))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 429);
    let wait: u64 = second.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait), "{wait}");
}

/// A signed session cookie for `user` under the test secret.
pub(crate) fn session_for(user: &str) -> String {
    let keys = SessionKeys::new(SecretString::from(SESSION_SECRET.to_owned()));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("{COOKIE_NAME}={}", keys.sign(user, now))
}

pub(crate) fn connection_json(user: &str, id: &str) -> Value {
    json!({"type":"connection","id":id,"status":"active","institution":{"type":"institution","id":"AU01000"},
        "links":{"self":format!("https://x/users/{user}/connections/{id}")}})
}

#[tokio::test]
async fn a_retried_delete_whose_first_answer_was_lost_is_a_success() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    Mock::given(method("GET"))
        .and(path("/users/u-1/connections/c-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(connection_json("u-1", "c-1")))
        .mount(&upstream)
        .await;
    // The first DELETE succeeded upstream but its answer was lost (a 502 from a proxy); the
    // retry then finds the connection gone.
    Mock::given(method("DELETE"))
        .and(path("/users/u-1/connections/c-1"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&upstream)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/users/u-1/connections/c-1"))
        .respond_with(ResponseTemplate::new(404).set_body_json(envelope(
            "resource-not-found",
            "Not found",
            "Resource not found.",
        )))
        .with_priority(2)
        .mount(&upstream)
        .await;
    let app = app_for(&upstream, &[]).await;
    let res = app
        .http
        .delete(app.url("/api/connections/c-1"))
        .header("cookie", session_for("u-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn refresh_and_delete_check_ownership_before_acting() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    Mock::given(method("GET"))
        .and(path("/users/u-2/connections/c-1"))
        .respond_with(ResponseTemplate::new(404).set_body_json(envelope(
            "resource-not-found",
            "Not found",
            "Resource not found.",
        )))
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/users/u-2/connections/c-1/refresh"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"type":"job","id":"j-1"})))
        .expect(0)
        .mount(&upstream)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/users/u-2/connections/c-1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&upstream)
        .await;
    let app = app_for(&upstream, &[]).await;
    let cookie = session_for("u-2");
    let refresh = app
        .http
        .post(app.url("/api/connections/c-1/refresh"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), 404);
    let delete = app
        .http
        .delete(app.url("/api/connections/c-1"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 404);
    upstream.verify().await;
}

#[tokio::test]
async fn only_https_password_reset_links_reach_the_directory() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    let mut banks = Vec::new();
    for (id, url) in [
        ("AU01001", "javascript:alert(document.cookie)"),
        ("AU01002", "http://bank.example/reset"),
        ("AU01003", "HTTPS://bank.example/reset"),
        ("AU01004", "data:text/html,hi"),
    ] {
        let mut b = institution(id, id);
        b["forgottenPasswordUrl"] = json!(url);
        banks.push(b);
    }
    institutions_answer(
        &upstream,
        ResponseTemplate::new(200).set_body_json(json!({"type":"list","data":banks})),
    )
    .await;
    let app = app_for(&upstream, &[]).await;
    let dir: Value = get_directory(&app).await.json().await.unwrap();
    let urls: Vec<(String, Value)> = dir["institutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["forgottenPasswordUrl"].clone(),
            )
        })
        .collect();
    assert_eq!(urls.len(), 4);
    for (id, url) in urls {
        if id == "AU01003" {
            assert_eq!(url, "HTTPS://bank.example/reset");
        } else {
            assert!(url.is_null(), "{id}: {url}");
        }
    }
}

#[tokio::test]
async fn concurrent_first_link_tokens_for_one_user_ref_create_one_basiq_user() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(
                    json!({"type":"user","id":"u-host","email":"a@b.c","links":{"self":"x"}}),
                )
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    let secret = "host-secret-0123456789";
    let app = app_for(&upstream, &["--host-api-secret", secret]).await;
    let minted = futures::future::join_all((0..8).map(|_| async {
        app.http
            .post(app.url("/api/link-tokens"))
            .bearer_auth(secret)
            .json(&json!({"user_ref": "host-user-1", "email": "a@b.c"}))
            .send()
            .await
            .unwrap()
            .status()
    }))
    .await;
    assert!(minted.iter().all(|s| *s == 200), "{minted:?}");
    upstream.verify().await;
}
