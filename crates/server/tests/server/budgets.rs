//! One client cannot take the service down: the SERVER token's reserve, the cap before a user
//! is created, new-user quotas, fail-fast during an outage, readiness from the background
//! renewal, per-session and per-address limits (wiremock upstream or the simulator).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::upstream::{
    app_for, envelope, get_directory, institutions_fail_then_succeed, received, server_token_mock,
    session_for, token_json,
};
use crate::support::{app_with, code_of, spawn_with, test_config};

async fn client_tokens_ok(upstream: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("scope=CLIENT_ACCESS"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_json("client-token")))
        .mount(upstream)
        .await;
}

fn bound_to(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn client_traffic_cannot_spend_the_server_tokens_reserve() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 2).await;
    client_tokens_ok(&upstream).await;
    let expired = ResponseTemplate::new(403).set_body_json(envelope(
        "access-denied",
        "Access denied.",
        "Token has expired",
    ));
    institutions_fail_then_succeed(&upstream, expired, 1).await;
    // 6 calls per window, 2 of them the server's: 1 SERVER at start + 3 CLIENT.
    let app = app_for(
        &upstream,
        &["--token-call-cap", "6", "--server-token-reserve", "2"],
    )
    .await;
    let mut statuses = Vec::new();
    for user in ["a", "b", "c", "d", "e", "f"] {
        let res = app
            .http
            .post(app.url("/api/token"))
            .header("cookie", session_for(user))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429, 429]);
    let res = get_directory(&app).await;
    assert_eq!(res.status(), 200, "the SERVER token still renews");
    upstream.verify().await;
}

#[tokio::test]
async fn the_token_cap_is_checked_before_a_user_is_created() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    client_tokens_ok(&upstream).await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"type":"user","id":"u-new","email":"x@y.z","links":{"self":"x"}}),
        ))
        .expect(1)
        .mount(&upstream)
        .await;
    let app = app_for(
        &upstream,
        &["--token-call-cap", "3", "--server-token-reserve", "1"],
    )
    .await;
    let first = app.token(&reqwest::Client::new()).await;
    assert_eq!(first.status(), 200);
    for _ in 0..5 {
        let refused = app.token(&reqwest::Client::new()).await;
        assert_eq!(refused.status(), 429);
    }
    upstream.verify().await;
}

#[tokio::test]
async fn new_anonymous_users_have_a_quota_per_address() {
    let app = app_with(&["--new-users-per-ip-per-hour", "2"]).await;
    let from_one = || bound_to("127.0.0.1");
    assert_eq!(app.token(&from_one()).await.status(), 200);
    assert_eq!(app.token(&from_one()).await.status(), 200);
    let third = app.token(&from_one()).await;
    assert_eq!(third.status(), 429);
    let wait: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "{wait}");
    assert_eq!(code_of(third).await, "too-many-new-sessions");
    assert_eq!(
        app.token(&bound_to("127.0.0.2")).await.status(),
        200,
        "another address has its own quota"
    );
}

#[tokio::test]
async fn readyz_reports_a_server_token_that_cannot_be_renewed_without_calling_basiq() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_json("server-token")))
        .up_to_n_times(1)
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(503).set_body_json(envelope(
            "service-unavailable",
            "Unavailable",
            "Service is currently unavailable.",
        )))
        .with_priority(10)
        .mount(&upstream)
        .await;
    let expired = ResponseTemplate::new(403).set_body_json(envelope(
        "access-denied",
        "Access denied.",
        "Token has expired",
    ));
    institutions_fail_then_succeed(&upstream, expired, 10).await;
    let app = app_for(&upstream, &[]).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_ne!(get_directory(&app).await.status(), 200, "renewal fails");
    let before = received(&upstream.received_requests().await.unwrap(), "/token");
    for _ in 0..5 {
        assert_eq!(app.get("/readyz").await.status(), 503);
    }
    let after = received(&upstream.received_requests().await.unwrap(), "/token");
    assert!(after <= before + 1, "probes read state: {before} → {after}");
}

/// Basiq answers 503 until `until`, then tokens.
struct DownUntil {
    until: Instant,
    calls: Arc<AtomicUsize>,
}

impl Respond for DownUntil {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if Instant::now() < self.until {
            ResponseTemplate::new(503).set_body_json(envelope(
                "service-unavailable",
                "Unavailable",
                "Service is currently unavailable.",
            ))
        } else {
            ResponseTemplate::new(200).set_body_json(token_json("client-token"))
        }
    }
}

#[tokio::test]
async fn a_short_outage_does_not_use_up_the_token_budget() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("scope=CLIENT_ACCESS"))
        .respond_with(DownUntil {
            until: Instant::now() + Duration::from_millis(1500),
            calls: calls.clone(),
        })
        .mount(&upstream)
        .await;
    let app = app_for(
        &upstream,
        &["--token-call-cap", "10", "--server-token-reserve", "2"],
    )
    .await;
    for i in 0..30 {
        let res = app
            .http
            .post(app.url("/api/token"))
            .header("cookie", session_for(&format!("user-{i}")))
            .send()
            .await
            .unwrap();
        assert_ne!(res.status(), 200, "Basiq is down");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(
        calls.load(Ordering::SeqCst) <= 2,
        "an outage is not hammered"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = app
        .http
        .post(app.url("/api/token"))
        .header("cookie", session_for("after"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "served as soon as Basiq is back");
}

#[tokio::test]
async fn one_session_cannot_flood_the_data_routes() {
    let app = app_with(&["--session-rate", "2"]).await;
    let me = crate::support::cookie_client();
    app.grant(&me).await;
    let statuses: Vec<u16> = futures::future::join_all((0..20).map(|_| async {
        me.get(app.url("/api/accounts"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }))
    .await;
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(limited >= 10, "{statuses:?}");
    let other = crate::support::cookie_client();
    app.grant(&other).await;
    assert_eq!(
        app.accounts(&other).await.len(),
        0,
        "another session is not slowed"
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_through_a_trusted_proxy() {
    // Without TRUSTED_PROXIES a forged X-Forwarded-For does not buy a fresh bucket.
    let limited = spawn_with(test_config(&["--token-rate-per-ip", "1"])).await;
    let mut refused = 0;
    for i in 0..10 {
        let res = limited
            .http
            .post(limited.url("/api/token"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            refused += 1;
            let wait: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(wait >= 1, "Retry-After is rounded up: {wait}");
        }
    }
    assert!(refused > 0, "one bucket for one TCP peer");

    let proxied = spawn_with(test_config(&[
        "--token-rate-per-ip",
        "1",
        "--trusted-proxies",
        "127.0.0.1",
    ]))
    .await;
    for i in 0..10 {
        let res = proxied
            .http
            .post(proxied.url("/api/token"))
            .header("x-forwarded-for", format!("6.6.6.6, 203.0.113.{i}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "each forwarded client has its own bucket"
        );
    }
}

#[tokio::test]
async fn a_hanging_basiq_never_holds_up_the_directory_while_a_copy_is_in_hand() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    Mock::given(method("GET"))
        .and(path("/institutions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(super::upstream::institutions_json()),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/institutions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(super::upstream::institutions_json())
                .set_delay(Duration::from_secs(5)),
        )
        .with_priority(2)
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/u-1/connections"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"type":"list","data":[
            {"type":"connection","id":"c-1","status":"active","institution":{"type":"institution","id":"AU01000"}}
        ]})))
        .mount(&upstream)
        .await;
    let app = app_for(
        &upstream,
        &[
            "--institutions-cache-ttl",
            "1",
            "--upstream-timeout-ms",
            "3000",
        ],
    )
    .await;
    assert_eq!(get_directory(&app).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let started = Instant::now();
    let answers = futures::future::join_all((0..3).map(|_| get_directory(&app))).await;
    assert!(answers.iter().all(|r| r.status() == 200));
    let conns = app
        .http
        .get(app.url("/api/connections"))
        .header("cookie", session_for("u-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(conns.status(), 200);
    let v: serde_json::Value = conns.json().await.unwrap();
    assert_eq!(
        v[0]["institutionName"], "Mock Bank",
        "names from the copy in hand"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "the stale copy is served at once: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn concurrent_reads_of_one_user_share_an_upstream_call_and_later_ones_are_fresh() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    Mock::given(method("GET"))
        .and(path("/users/u-1/accounts"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"type":"list","data":[]}))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&upstream)
        .await;
    let app = app_for(&upstream, &["--session-rate", "0"]).await;
    let cookie = session_for("u-1");
    let burst = futures::future::join_all((0..20).map(|_| async {
        app.http
            .get(app.url("/api/accounts"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status()
    }))
    .await;
    assert!(burst.iter().all(|s| *s == 200), "{burst:?}");
    let calls = received(
        &upstream.received_requests().await.unwrap(),
        "/users/u-1/accounts",
    );
    assert!(calls <= 2, "20 concurrent reads, {calls} upstream calls");
    let later = app
        .http
        .get(app.url("/api/accounts"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(later.status(), 200);
    let after = received(
        &upstream.received_requests().await.unwrap(),
        "/users/u-1/accounts",
    );
    assert_eq!(
        after,
        calls + 1,
        "a later read is never served from an older call"
    );
}
