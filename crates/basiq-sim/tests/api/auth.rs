//! `POST /token` and token checks.

use std::time::Duration;

use crate::common::*;
use basiq_sim::Simulator;

#[tokio::test]
async fn issues_decodable_jwt_with_basiq_claims() {
    let sim = sim().await;
    let r = token_raw(&sim, KEY, "scope=SERVER_ACCESS").await;
    assert_eq!(r.status(), 200);
    let t: TokenResponse = r.json().await.expect("token json");
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_in, 3600);
    assert_eq!(t.access_token.split('.').count(), 3);
    let c = claims(&t.access_token);
    assert_eq!(c["scope"], "SERVER_ACCESS");
    assert_eq!(c["version"], "2.1");
    assert!(c["partnerid"].is_string());
    assert!(c["applicationid"].is_string());
    assert_eq!(
        c["exp"].as_u64().expect("exp") - c["iat"].as_u64().expect("iat"),
        3600
    );
    assert!(c.get("userid").is_none());

    let ct = client_token(&sim, Some("u-1")).await;
    let c = claims(&ct);
    assert_eq!(c["scope"], "CLIENT_ACCESS");
    assert_eq!(c["userid"], "u-1");
}

#[tokio::test]
async fn missing_version_is_400_with_source() {
    let sim = sim().await;
    let r = client()
        .post(format!("{}/token", sim.base_url()))
        .header("Authorization", format!("Basic {KEY}"))
        .body("scope=SERVER_ACCESS")
        .send()
        .await
        .expect("send");
    let e = expect_error(r, 400, "parameter-not-valid").await;
    assert_eq!(e.title, "Required parameter not valid");
    assert_eq!(
        e.detail.as_deref(),
        Some("Basiq-version must be specified in HTTP request header")
    );
    assert_eq!(e.source.expect("source")["parameter"], "basiq-version");
}

#[tokio::test]
async fn old_version_and_header_errors() {
    let sim = sim().await;
    let c = client();
    let url = format!("{}/token", sim.base_url());
    let r = c
        .post(&url)
        .header("Authorization", format!("Basic {KEY}"))
        .header("basiq-version", "0.9")
        .send()
        .await
        .expect("send");
    let e = expect_error(r, 400, "parameter-not-valid").await;
    assert!(
        e.detail
            .expect("detail")
            .contains("0.9 is no longer supported")
    );
    let r = c
        .post(&url)
        .header("basiq-version", "2.1")
        .send()
        .await
        .expect("send");
    let e = expect_error(r, 400, "parameter-not-supplied").await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Authorization header parameter is required")
    );
    let r = c
        .post(&url)
        .header("basiq-version", "2.1")
        .header("Authorization", "Bearer x")
        .send()
        .await
        .expect("send");
    let e = expect_error(r, 400, "parameter-not-valid").await;
    assert_eq!(e.detail.as_deref(), Some("Invalid authorization header"));
    let r = token_raw(&sim, KEY, "scope=EVERYTHING").await;
    expect_error(r, 400, "parameter-not-valid").await;
}

#[tokio::test]
async fn unknown_key_is_404() {
    let sim = sim().await;
    let r = token_raw(&sim, "not-the-key", "scope=SERVER_ACCESS").await;
    let e = expect_error(r, 404, "parameter-not-valid").await;
    assert_eq!(e.title, "We have encountered an error");
    assert_eq!(
        e.detail.as_deref(),
        Some("Unable to authenticate. Please, check your API key")
    );
}

#[tokio::test]
async fn garbage_token_is_401_without_detail() {
    let sim = sim().await;
    for bad in ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"] {
        let e = expect_error(
            get(&sim, bad, "/institutions").await,
            401,
            "invalid-authorization-token",
        )
        .await;
        assert_eq!(e.title, "Invalid authorization token.");
        assert!(e.detail.is_none());
    }
    // A token signed by another simulator is garbage here.
    let other = Simulator::builder()
        .api_key(KEY)
        .spawn()
        .await
        .expect("other");
    let foreign = server_token(&other).await;
    expect_error(
        get(&sim, &foreign, "/institutions").await,
        401,
        "invalid-authorization-token",
    )
    .await;
}

#[tokio::test]
async fn expired_token_is_403_access_denied() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .token_ttl(Duration::ZERO)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    let e = expect_error(get(&sim, &t, "/institutions").await, 403, "access-denied").await;
    assert_eq!(e.detail.as_deref(), Some("Token has expired"));
}

#[tokio::test]
async fn expire_all_tokens_switch() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    assert_eq!(get(&sim, &t, "/institutions").await.status(), 200);
    sim.expire_all_tokens();
    let e = expect_error(get(&sim, &t, "/institutions").await, 403, "access-denied").await;
    assert_eq!(e.detail.as_deref(), Some("Token has expired"));
    let fresh = server_token(&sim).await;
    assert_eq!(get(&sim, &fresh, "/institutions").await.status(), 200);
}

#[tokio::test]
async fn missing_authorization_is_403() {
    let sim = sim().await;
    let r = client()
        .get(format!("{}/institutions", sim.base_url()))
        .send()
        .await
        .expect("send");
    expect_error(r, 403, "access-denied").await;
}

#[tokio::test]
async fn token_rate_limit_is_429_with_retry_after() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .token_rate_limit(5, Duration::from_secs(300))
        .spawn()
        .await
        .expect("sim");
    for _ in 0..5 {
        assert_eq!(
            token_raw(&sim, KEY, "scope=SERVER_ACCESS").await.status(),
            200
        );
    }
    let r = token_raw(&sim, KEY, "scope=SERVER_ACCESS").await;
    assert!(r.headers().get("retry-after").is_some());
    expect_error(r, 429, "too-many-requests").await;
}

#[tokio::test]
async fn default_limit_is_1500_per_5_minutes() {
    let sim = sim().await;
    let c = client();
    let url = format!("{}/token", sim.base_url());
    let mut ok = 0;
    for _ in 0..1500 {
        let r = c
            .post(&url)
            .header("Authorization", format!("Basic {KEY}"))
            .header("basiq-version", "2.1")
            .body("scope=SERVER_ACCESS")
            .send()
            .await
            .expect("send");
        if r.status() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1500);
    expect_error(
        token_raw(&sim, KEY, "scope=SERVER_ACCESS").await,
        429,
        "too-many-requests",
    )
    .await;
}

#[tokio::test]
async fn versions_2_0_and_3_0() {
    let sim = sim().await;
    let c = client();
    let url = format!("{}/token", sim.base_url());
    let tok = |version: &'static str, body: &'static str| {
        c.post(&url)
            .header("Authorization", format!("Basic {KEY}"))
            .header("basiq-version", version)
            .body(body)
            .send()
    };
    let r = tok("2.0", "scope=CLIENT_ACCESS").await.expect("send");
    assert_eq!(r.status(), 200);
    let t: TokenResponse = r.json().await.expect("token");
    assert_eq!(claims(&t.access_token)["version"], "2.0");
    // 3.0 binds client tokens to a user.
    expect_error(
        tok("3.0", "scope=CLIENT_ACCESS").await.expect("send"),
        400,
        "parameter-not-supplied",
    )
    .await;
    expect_error(
        tok("7.7", "scope=SERVER_ACCESS").await.expect("send"),
        400,
        "parameter-not-valid",
    )
    .await;
    // A 3.0 token cannot create connections through the API.
    let server = server_token(&sim).await;
    let u = create_user(&sim, &server, "v3@example.com").await;
    let r = c
        .post(&url)
        .header("Authorization", format!("Basic {KEY}"))
        .header("basiq-version", "3.0")
        .body(format!("scope=CLIENT_ACCESS&userId={u}"))
        .send()
        .await
        .expect("send");
    let v3: TokenResponse = r.json().await.expect("token");
    assert_eq!(claims(&v3.access_token)["userid"], u.as_str());
    let r = post(&sim, &v3.access_token, &format!("/users/{u}/connections"), &serde_json::json!({"loginId": "jared", "password": "django", "institution": {"id": "AU00000"}})).await;
    let e = expect_error(r, 404, "resource-not-found").await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Route not found for this API version.")
    );
}
