//! Fault injection, the admin route, CORS and the error envelope for odd requests.

use std::time::Duration;

use crate::common::*;
use basiq_sim::{FaultKind, FaultRule, Simulator};
use serde_json::{Value, json};

#[tokio::test]
async fn status_fault_by_count() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    sim.add_fault(
        FaultRule::status(
            "GET",
            "/institutions",
            503,
            "service-unavailable",
            "Service Unavailable",
            "down",
        )
        .times(2),
    );
    for _ in 0..2 {
        let e = expect_error(
            get(&sim, &t, "/institutions").await,
            503,
            "service-unavailable",
        )
        .await;
        assert_eq!(e.detail.as_deref(), Some("down"));
    }
    assert_eq!(get(&sim, &t, "/institutions").await.status(), 200);
}

#[tokio::test]
async fn method_and_pattern_matching() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "p@example.com").await;
    sim.add_fault(FaultRule::status(
        "POST",
        "/users/*/connections",
        500,
        "internal-server-error",
        "Internal",
        "boom",
    ));
    assert_eq!(
        get(&sim, &t, &format!("/users/{u}/connections"))
            .await
            .status(),
        200
    );
    let r = post(&sim, &t, &format!("/users/{u}/connections"), &json!({})).await;
    expect_error(r, 500, "internal-server-error").await;
    sim.clear_faults();
    let r = post(&sim, &t, &format!("/users/{u}/connections"), &json!({})).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn rate_limit_fault_has_retry_after() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    sim.add_fault(
        FaultRule::new(
            "*",
            "/institutions*",
            FaultKind::RateLimit { retry_after: 7 },
        )
        .times(1),
    );
    let r = get(&sim, &t, "/institutions/AU00000").await;
    assert_eq!(r.headers()["retry-after"], "7");
    expect_error(r, 429, "too-many-requests").await;
}

#[tokio::test]
async fn probability_zero_never_one_always() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    sim.add_fault(FaultRule::status("GET", "/institutions", 502, "x", "x", "x").probability(0.0));
    for _ in 0..20 {
        assert_eq!(get(&sim, &t, "/institutions").await.status(), 200);
    }
    sim.clear_faults();
    sim.add_fault(FaultRule::status("GET", "/institutions", 502, "x", "x", "x").probability(1.0));
    for _ in 0..5 {
        assert_eq!(get(&sim, &t, "/institutions").await.status(), 502);
    }
}

#[tokio::test]
async fn latency_still_answers() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    sim.add_fault(
        FaultRule::new(
            "GET",
            "/institutions/AU00000",
            FaultKind::Latency { ms: 50 },
        )
        .times(1),
    );
    assert_eq!(get(&sim, &t, "/institutions/AU00000").await.status(), 200);
}

#[tokio::test]
async fn hang_truncated_malformed_and_dropped() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let url = format!("{}/institutions/AU00000", sim.base_url());
    let short = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");

    sim.add_fault(FaultRule::new("GET", "/institutions/AU00000", FaultKind::Hang).times(1));
    let r = short.get(&url).bearer_auth(&t).send().await;
    assert!(r.is_err_and(|e| e.is_timeout()), "hang → client timeout");

    sim.add_fault(FaultRule::new("GET", "/institutions/AU00000", FaultKind::Truncated).times(1));
    let body = match short.get(&url).bearer_auth(&t).send().await {
        Ok(r) => r.bytes().await.map(|b| b.to_vec()),
        Err(e) => Err(e),
    };
    assert!(body.is_err(), "truncated body is an error for the client");

    sim.add_fault(FaultRule::new("GET", "/institutions/AU00000", FaultKind::Malformed).times(1));
    let r = short
        .get(&url)
        .bearer_auth(&t)
        .send()
        .await
        .expect("malformed still answers");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("text");
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "not JSON: {text}"
    );

    sim.add_fault(FaultRule::new("GET", "/institutions/AU00000", FaultKind::Drop).times(1));
    let got = match short.get(&url).bearer_auth(&t).send().await {
        Ok(r) => r.bytes().await.map(|b| b.to_vec()),
        Err(e) => Err(e),
    };
    assert!(got.is_err(), "dropped connection is an error");

    // Back to normal; and stopping does not wait for the hung request forever.
    assert_eq!(get(&sim, &t, "/institutions/AU00000").await.status(), 200);
    tokio::time::timeout(Duration::from_secs(10), sim.stop())
        .await
        .expect("stops");
}

#[tokio::test]
async fn admin_route_only_with_flag() {
    let off = sim().await;
    assert_eq!(off.admin_token(), None);
    let r = client()
        .get(format!("{}/__admin/faults", off.base_url()))
        .send()
        .await
        .expect("send");
    expect_error(r, 404, "resource-not-found").await;

    let sim = Simulator::builder()
        .api_key(KEY)
        .admin(true)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    let admin = sim.admin_token().expect("a token per start").to_string();
    let c = client();
    let r = admin_post(&sim, "/__admin/faults")
        .json(&json!({"method": "GET", "path": "/institutions", "kind": "status", "status": 503, "times": 1}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    let listed: Value = c
        .get(format!("{}/__admin/faults", sim.base_url()))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["data"].as_array().expect("data").len(), 1);
    expect_error(
        get(&sim, &t, "/institutions").await,
        503,
        "service-unavailable",
    )
    .await;
    assert_eq!(get(&sim, &t, "/institutions").await.status(), 200);
    let r = admin_post(&sim, "/__admin/faults")
        .header("Content-Type", "application/json")
        .body("nope")
        .send()
        .await
        .expect("send");
    expect_error(r, 400, "invalid-content").await;
    // Expire every token through the admin route.
    let r = admin_post(&sim, "/__admin/tokens/expire")
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 204);
    expect_error(get(&sim, &t, "/institutions").await, 403, "access-denied").await;
    let r = admin_post(&sim, "/__admin/connections/invalidate")
        .json(&json!({"loginId": "nobody"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.json::<Value>().await.expect("json")["invalidated"], 0);
}

#[tokio::test]
async fn admin_routes_need_the_token_and_json() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .admin_token("t0ken")
        .spawn()
        .await
        .expect("sim");
    assert_eq!(sim.admin_token(), Some("t0ken"));
    let c = client();
    let url = format!("{}/__admin/tokens/expire", sim.base_url());
    // What a page of another site can send without a preflight: a text/plain form post.
    let r = c
        .post(&url)
        .header("Origin", "http://evil.test")
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("send");
    expect_error(r, 401, "unauthorized-access").await;
    for wrong in ["t0kem", "t0ken0", ""] {
        let r = c
            .post(&url)
            .bearer_auth(wrong)
            .json(&json!({}))
            .send()
            .await
            .expect("send");
        expect_error(r, 401, "unauthorized-access").await;
    }
    let r = c
        .post(&url)
        .bearer_auth("t0ken")
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("send");
    expect_error(r, 415, "unsupported-content-type").await;
    let r = c
        .get(format!("{}/__admin/faults", sim.base_url()))
        .send()
        .await
        .expect("send");
    expect_error(r, 401, "unauthorized-access").await;
    // Nothing was expired by the refused requests; the right one works.
    let t = server_token(&sim).await;
    assert_eq!(get(&sim, &t, "/institutions").await.status(), 200);
    let r = c
        .post(&url)
        .bearer_auth("t0ken")
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 204);
    expect_error(get(&sim, &t, "/institutions").await, 403, "access-denied").await;
}

#[tokio::test]
async fn cors_by_default_allows_only_loopback_origins() {
    let sim = sim().await;
    let c = client();
    for (origin, allowed) in [
        ("http://127.0.0.1:8080", true),
        ("http://localhost:5173", true),
        ("http://[::1]:3000", true),
        ("http://localhost", true),
        ("http://app.test", false),
        ("http://127.0.0.1.evil.test", false),
        ("http://localhost:80evil", false),
        ("https://127.0.0.1:8080", false),
        ("null", false),
    ] {
        let r = c
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/users/u1/connections", sim.base_url()),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .expect("preflight");
        let got = r
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or_default().to_string());
        assert_eq!(got.is_some(), allowed, "{origin}: {got:?}");
        if allowed {
            assert_eq!(got.as_deref(), Some(origin));
        }
    }
}

#[tokio::test]
async fn cors_preflight_and_simple() {
    let sim = sim().await;
    let c = client();
    let r = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/users/u1/connections", sim.base_url()),
        )
        .header("Origin", "http://127.0.0.1:5173")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("preflight");
    assert!(r.status().is_success());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://127.0.0.1:5173"
    );
    let allow = r.headers()["access-control-allow-headers"]
        .to_str()
        .expect("str")
        .to_ascii_lowercase();
    assert!(allow.contains("authorization") && allow.contains("content-type"));
    assert!(
        r.headers()["access-control-allow-methods"]
            .to_str()
            .expect("str")
            .contains("POST")
    );
    let r = c
        .get(format!("{}/public/institutions", sim.base_url()))
        .header("Origin", "http://127.0.0.1:5173")
        .send()
        .await
        .expect("get");
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://127.0.0.1:5173"
    );
    // Errors carry CORS headers too, so the browser can read them.
    let r = c
        .get(format!("{}/jobs/x", sim.base_url()))
        .header("Origin", "http://127.0.0.1:5173")
        .send()
        .await
        .expect("get");
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://127.0.0.1:5173"
    );

    let strict = Simulator::builder()
        .allow_origin("http://ok.test")
        .spawn()
        .await
        .expect("sim");
    let r = c
        .get(format!("{}/public/institutions", strict.base_url()))
        .header("Origin", "http://evil.test")
        .send()
        .await
        .expect("get");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = c
        .get(format!("{}/public/institutions", strict.base_url()))
        .header("Origin", "http://ok.test")
        .send()
        .await
        .expect("get");
    assert_eq!(r.headers()["access-control-allow-origin"], "http://ok.test");
}

#[tokio::test]
async fn odd_requests_get_the_envelope() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let c = client();
    expect_error(
        c.get(format!("{}/nope", sim.base_url()))
            .send()
            .await
            .expect("s"),
        404,
        "resource-not-found",
    )
    .await;
    expect_error(
        c.delete(format!("{}/token", sim.base_url()))
            .send()
            .await
            .expect("s"),
        405,
        "method-not-allowed",
    )
    .await;
    expect_error(
        get(&sim, &t, "/users/%FF%FE").await,
        400,
        "parameter-not-valid",
    )
    .await;
    // Garbage at every POST endpoint: always a 4xx in the envelope, never a crash.
    let u = create_user(&sim, &t, "g@example.com").await;
    let ct = client_token(&sim, Some(&u)).await;
    let paths = [
        "/users".to_string(),
        format!("/users/{u}"),
        format!("/users/{u}/connections"),
        format!("/users/{u}/connections/x"),
        format!("/users/{u}/connections/x/refresh"),
        format!("/users/{u}/connections/refresh"),
        "/jobs/x/mfa".to_string(),
    ];
    let bodies: [&[u8]; 6] = [
        b"",
        b"{",
        b"null",
        b"[]",
        b"\xff\xfe",
        b"{\"loginId\":{\"a\":1},\"password\":[],\"institution\":7}",
    ];
    for p in &paths {
        for b in bodies {
            for tok in [&t, &ct] {
                let r = c
                    .post(format!("{}{p}", sim.base_url()))
                    .bearer_auth(tok)
                    .header("content-type", "application/json")
                    .body(b.to_vec())
                    .send()
                    .await
                    .expect("send");
                let status = r.status().as_u16();
                assert!((200..500).contains(&status), "{p} {status}");
                if status >= 400 {
                    let env: Envelope = r.json().await.expect("envelope");
                    assert_eq!(env.data[0].kind, "error");
                }
            }
        }
    }
    // The server is still fine.
    assert_eq!(get(&sim, &t, "/institutions/AU00000").await.status(), 200);
}

#[tokio::test]
async fn extreme_inputs_do_not_break_the_simulator() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(1e300)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    // Multi-byte characters where an institution id is expected.
    expect_error(
        get(&sim, &t, "/institutions/a%C3%A92345").await,
        400,
        "parameter-not-valid",
    )
    .await;
    expect_error(
        get(&sim, &t, "/logos/%C3%A9.svg").await,
        404,
        "resource-not-found",
    )
    .await;
    let u = create_user(&sim, &t, "extreme@example.com").await;
    let (_, id) = connect(&sim, &t, &u, "AU00002", "jared", "django").await;
    // The clock at its end: jobs still answer (the MFA challenge expires), nothing overflows.
    sim.advance_clock(Duration::MAX);
    let j = job(&sim, &t, &id).await;
    assert!(finished(&j), "{j:?}");
    let r = post(
        &sim,
        &t,
        &format!("/users/{u}/connections"),
        &json!({"loginId": "jared", "password": "django", "institution": {"id": "AU00002"}}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let j2: JobRef = r.json().await.expect("ref");
    let j = job(&sim, &t, &j2.id).await;
    assert!(!j.steps.is_empty());
    // Odd fault statuses fall back to 503.
    sim.add_fault(FaultRule::status("GET", "/institutions", 101, "x", "x", "x").times(1));
    assert_eq!(get(&sim, &t, "/institutions").await.status(), 503);
}
