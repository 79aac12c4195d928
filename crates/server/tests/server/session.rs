//! Sessions, tokens, link tokens and the user's connections — against the real simulator.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::{Grant, app_with, cookie_client, spawn_with, test_config};

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has three parts");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn first_token_creates_a_user_and_a_session_that_later_calls_reuse() {
    let app = app_with(&[]).await;
    let client = cookie_client();
    let res = app.token(&client).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in ["bc_session=", "HttpOnly", "SameSite=Lax", "Path=/;"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Secure"), "no Secure flag over plain HTTP");
    let first: Grant = res.json().await.unwrap();
    assert!(
        first.expires_in > 3000 && first.expires_in <= 3600,
        "{}",
        first.expires_in
    );
    let c = claims(&first.access_token);
    assert_eq!(c["scope"], "CLIENT_ACCESS");
    assert_eq!(
        c["userid"],
        first.user_id.as_str(),
        "the token is bound to the session's user"
    );

    let again = app.token(&client).await;
    assert!(
        again.headers().get("set-cookie").is_none(),
        "an existing session is kept"
    );
    let second: Grant = again.json().await.unwrap();
    assert_eq!(second.user_id, first.user_id);
    assert_eq!(
        second.access_token, first.access_token,
        "the cached client token is reused"
    );

    let stranger = app.grant(&cookie_client()).await;
    assert_ne!(
        stranger.user_id, first.user_id,
        "another browser gets another user"
    );
}

#[tokio::test]
async fn token_requires_post_and_json() {
    let app = app_with(&[]).await;
    let client = cookie_client();
    assert_eq!(
        client
            .get(app.url("/api/token"))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    let form = client
        .post(app.url("/api/token"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["code"], "unsupported-media-type");
    let bad = client
        .post(app.url("/api/token"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let unknown = app.token_with(&client, json!({"password": "x"})).await;
    assert_eq!(unknown.status(), 400, "unknown fields are refused");
    let empty_json = app.token_with(&client, json!({})).await;
    assert_eq!(empty_json.status(), 200);
    let too_big = client
        .post(app.url("/api/token"))
        .header("content-type", "application/json")
        .body(format!("{{\"link_token\":\"{}\"}}", "x".repeat(64 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
    let body: Value = too_big.json().await.expect("a 413 is JSON too");
    assert_eq!(body["code"], "payload-too-large");
}

#[tokio::test]
async fn origins_outside_the_allowlist_are_refused_without_cors_headers() {
    let app = app_with(&["--allowed-origins", "http://host.example:8090"]).await;
    let client = cookie_client();
    let evil = client
        .post(app.url("/api/token"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    let body: Value = evil.json().await.unwrap();
    assert_eq!(body["code"], "origin-not-allowed");

    let own = client
        .post(app.url("/api/token"))
        .header("origin", app.server.url())
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200, "our own origin is always allowed");

    // An embedding host page is no exception: the widget calls its API from its own origin.
    let host = client
        .post(app.url("/api/token"))
        .header("origin", "http://host.example:8090")
        .send()
        .await
        .unwrap();
    assert_eq!(host.status(), 403);
    assert!(host.headers().get("access-control-allow-origin").is_none());
    assert!(
        host.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
}

#[tokio::test]
async fn link_tokens_are_minted_by_the_host_and_used_once() {
    let secret = "host-secret-0123456789";
    let app = app_with(&["--host-api-secret", secret, "--link-token-ttl", "1"]).await;
    let host = reqwest::Client::new();
    let body = json!({"user_ref": "host-user-42", "email": "max@example.com"});

    let no_auth = host
        .post(app.url("/api/link-tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status(), 401);
    let wrong = app.link_tokens("nope", &body).await;
    assert_eq!(wrong.status(), 401);
    let missing = app.link_tokens(secret, &json!({"user_ref": "x"})).await;
    assert_eq!(missing.status(), 400);

    let mint = || async {
        let res = app.link_tokens(secret, &body).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["expires_in"], 1);
        v["link_token"].as_str().unwrap().to_owned()
    };
    let token = mint().await;
    let browser = cookie_client();
    let res = app.redeem(&browser, &token).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("set-cookie").is_some(),
        "the link token starts a session"
    );
    let g: Grant = res.json().await.unwrap();
    // The same host user maps to the same Basiq user on the next link.
    let second = mint().await;
    let g2: Grant = app
        .redeem(&cookie_client(), &second)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g2.user_id, g.user_id);

    let reused = app.redeem(&cookie_client(), &token).await;
    assert_eq!(reused.status(), 401);
    let v: Value = reused.json().await.unwrap();
    assert_eq!(v["code"], "link-token-invalid");

    let late = mint().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = app.redeem(&cookie_client(), &late).await;
    assert_eq!(expired.status(), 401);
    let v: Value = expired.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
}

#[tokio::test]
async fn link_tokens_are_off_without_a_host_secret() {
    let app = app_with(&[]).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/link-tokens"))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], "link-tokens-disabled");
}

#[tokio::test]
async fn the_session_user_sees_refreshes_pages_and_removes_their_connections_only() {
    let app = app_with(&[]).await;
    let me = cookie_client();
    let g = app.grant(&me).await;
    let job = app.connect(&g, "gavinBelson", "hooli2016", "AU00000").await;
    assert!(
        job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "success"),
        "{job}"
    );

    let conns = app.connections(&me).await;
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0]["institutionId"], "AU00000");
    assert_eq!(conns[0]["institutionName"], "Hooli Bank");
    assert_eq!(conns[0]["status"], "active");
    let cid = conns[0]["id"].as_str().unwrap().to_owned();

    let accounts = app.accounts(&me).await;
    assert!(!accounts.is_empty());
    for a in &accounts {
        assert_eq!(a["connectionId"], cid.as_str());
        let masked = a["maskedNumber"].as_str().unwrap();
        let visible = masked.chars().filter(|c| c.is_ascii_alphanumeric()).count();
        assert!(
            visible <= 4,
            "at most four characters of an account number are shown: {a}"
        );
        assert!(a["balance"].as_str().unwrap().parse::<f64>().is_ok());
    }

    let page1: Value = app
        .transactions(&me, &cid, "limit=5")
        .await
        .json()
        .await
        .unwrap();
    let rows1 = page1["transactions"].as_array().unwrap();
    assert_eq!(rows1.len(), 5);
    let next = page1["next"].as_str().expect("more pages");
    let page2: Value = app
        .transactions(&me, &cid, &format!("limit=5&next={next}"))
        .await
        .json()
        .await
        .unwrap();
    let rows2 = page2["transactions"].as_array().unwrap();
    assert!(!rows2.is_empty());
    assert!(
        rows2
            .iter()
            .all(|r| rows1.iter().all(|p| p["id"] != r["id"])),
        "page 2 holds other rows"
    );
    let account = accounts[0]["id"].as_str().unwrap();
    let per_account: Value = app
        .transactions(&me, &cid, &format!("limit=10&account={account}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        per_account["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["accountId"] == account)
    );
    assert_eq!(app.transactions(&me, &cid, "limit=0").await.status(), 400);

    // Someone else cannot touch it.
    let other = cookie_client();
    app.grant(&other).await;
    assert_eq!(app.transactions(&other, &cid, "").await.status(), 404);
    assert_eq!(app.delete_connection(&other, &cid).await.status(), 404);
    assert_eq!(app.refresh(&other, &cid).await.status(), 404);
    let theirs = app.connections(&other).await;
    assert!(theirs.is_empty());
    assert_eq!(
        me.get(app.url("/api/connections/..%2F..%2Fusers/transactions"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let refresh = app.refresh(&me, &cid).await;
    assert_eq!(refresh.status(), 202);
    let r: Value = refresh.json().await.unwrap();
    assert!(r["job_id"].as_str().is_some_and(|j| !j.is_empty()));
    let again = app.refresh(&me, &cid).await;
    assert_eq!(
        again.status(),
        429,
        "a second refresh within the minimum interval is refused"
    );
    let wait: u64 = again.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait), "{wait}");
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["code"], "refresh-too-soon");

    let del = app.delete_connection(&me, &cid).await;
    assert_eq!(del.status(), 204);
    let after = app.connections(&me).await;
    assert!(
        after.iter().all(|c| c["id"] != cid.as_str()),
        "gone after delete"
    );
}

#[tokio::test]
async fn without_a_session_user_routes_say_so() {
    let app = app_with(&[]).await;
    let res = reqwest::Client::new()
        .get(app.url("/api/connections"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], "no-session");
    let forged = reqwest::Client::new()
        .get(app.url("/api/accounts"))
        .header("cookie", "bc_session=v1.someone.1.AAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}

#[tokio::test]
async fn readiness_and_per_ip_rate_limits() {
    let app = spawn_with(test_config(&["--token-rate-per-ip", "2"])).await;
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(app.token(&client).await);
    }
    let limited = statuses.iter().filter(|r| r.status() == 429).count();
    assert!(limited > 0, "a burst over the per-IP limit is refused");
    let refused = statuses.into_iter().find(|r| r.status() == 429).unwrap();
    assert!(refused.headers().get("retry-after").is_some());
    let v: Value = refused.json().await.unwrap();
    assert_eq!(v["code"], "rate-limited");
}

#[tokio::test]
async fn a_token_basiq_revoked_early_is_replaced_on_request() {
    let app = app_with(&[]).await;
    let me = cookie_client();
    let first = app.grant(&me).await;
    app.server.sandbox().unwrap().expire_all_tokens();
    let basiq = app.server.basiq_url().to_owned();
    let refused = reqwest::Client::new()
        .get(format!("{basiq}/users/{}", first.user_id))
        .bearer_auth(&first.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "the simulator revoked it");

    let cached = app.grant(&me).await;
    assert_eq!(
        cached.access_token, first.access_token,
        "without asking, the cache answers"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = app.token_with(&me, json!({"fresh": true})).await;
    assert_eq!(res.status(), 200);
    let fresh: Grant = res.json().await.unwrap();
    assert_ne!(fresh.access_token, first.access_token);
    assert_eq!(fresh.user_id, first.user_id);
    let works = reqwest::Client::new()
        .get(format!("{basiq}/jobs/does-not-exist"))
        .bearer_auth(&fresh.access_token)
        .send()
        .await
        .unwrap();
    assert_ne!(works.status(), 403, "the new token is accepted");
}
