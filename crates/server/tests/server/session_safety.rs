//! A person's session never silently becomes another or a new Basiq user; sessions slide,
//! expire, rotate, and can be revoked — against the real simulator.

use bank_connect_server::session::SessionKeys;
use secrecy::SecretString;
use serde_json::json;

use crate::support::{Grant, app_with, code_of, cookie_client, session_cookie};

const SECRET: &str = "0123456789abcdef0123456789abcdef-session";
const OLD_SECRET: &str = "fedcba9876543210fedcba9876543210-previous";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn signed(secret: &str, user: &str, at: u64) -> String {
    let keys = SessionKeys::new(SecretString::from(secret.to_owned()));
    format!("bc_session={}", keys.sign(user, at))
}

#[tokio::test]
async fn an_embedded_request_without_a_link_token_or_session_never_creates_a_user() {
    let secret = "host-secret-0123456789";
    let app = app_with(&["--host-api-secret", secret]).await;
    let link = app.mint_link_token(secret, "host-user-7").await;
    let framed = cookie_client();
    let racer = cookie_client();
    let (redeemed, raced) = tokio::join!(
        app.redeem(&framed, &link),
        app.token_with(&racer, json!({"embedded": true}))
    );
    assert_eq!(redeemed.status(), 200);
    assert_eq!(raced.status(), 401);
    assert!(session_cookie(&raced).is_none(), "no session for the racer");
    assert_eq!(code_of(raced).await, "link-token-required");

    let closed = app_with(&["--anonymous-sessions", "false"]).await;
    let res = closed.token(&cookie_client()).await;
    assert_eq!(res.status(), 401, "only link tokens start sessions here");
    assert_eq!(code_of(res).await, "link-token-required");
}

#[tokio::test]
async fn an_invalid_session_cookie_is_session_expired_never_a_new_user() {
    let app = app_with(&["--session-secret", SECRET]).await;
    for cookie in [
        signed(OLD_SECRET, "someone", now()),
        signed(SECRET, "someone", now() - 25 * 3600),
        "bc_session=garbage".to_owned(),
    ] {
        let res = app.token_with_cookie(&cookie, json!({})).await;
        assert_eq!(res.status(), 401, "{cookie}");
        assert!(
            session_cookie(&res).is_none(),
            "the cookie is left for the app to explain"
        );
        assert_eq!(code_of(res).await, "session-expired");
        let data = app
            .http
            .get(app.url("/api/accounts"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(data.status(), 401);
        assert_eq!(code_of(data).await, "session-expired");
    }
    let restart = app
        .token_with_cookie("bc_session=garbage", json!({"new_session": true}))
        .await;
    assert_eq!(
        restart.status(),
        200,
        "starting over is the person's choice"
    );
    assert!(session_cookie(&restart).is_some());
}

#[tokio::test]
async fn sessions_slide_while_in_use_and_end_after_the_idle_timeout() {
    let app = app_with(&["--session-secret", SECRET, "--session-idle-hours", "1"]).await;
    let g = app.grant(&cookie_client()).await;
    let recent = signed(SECRET, &g.user_id, now() - 30 * 60);
    let res = app.token_with_cookie(&recent, json!({})).await;
    assert_eq!(res.status(), 200);
    let renewed = session_cookie(&res).expect("a session in use is renewed");
    assert_ne!(renewed, recent);
    let again: Grant = app
        .token_with_cookie(&renewed, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again.user_id, g.user_id,
        "the renewed cookie is the same user"
    );
    let data = app
        .http
        .get(app.url("/api/connections"))
        .header("cookie", &recent)
        .send()
        .await
        .unwrap();
    assert_eq!(data.status(), 200);
    assert!(session_cookie(&data).is_some(), "data routes renew too");

    let idle = signed(SECRET, &g.user_id, now() - 61 * 60);
    let res = app.token_with_cookie(&idle, json!({})).await;
    assert_eq!(res.status(), 401, "idle for over an hour");
    assert_eq!(code_of(res).await, "session-expired");
}

#[tokio::test]
async fn a_rotated_secret_still_verifies_and_is_replaced_by_the_new_one() {
    let both = format!("{SECRET},{OLD_SECRET}");
    let app = app_with(&["--session-secret", &both]).await;
    let old = signed(OLD_SECRET, "rotated-user", now());
    let res = app.token_with_cookie(&old, json!({})).await;
    assert_eq!(res.status(), 200, "the previous secret is still accepted");
    let resigned = session_cookie(&res).expect("re-signed under the new secret");
    let value = resigned.split_once('=').unwrap().1;
    let new_keys = SessionKeys::new(SecretString::from(SECRET.to_owned()));
    assert_eq!(
        new_keys.verify(value, now()).as_deref(),
        Some("rotated-user")
    );
}

#[tokio::test]
async fn every_candidate_cookie_is_checked_not_the_first() {
    let app = app_with(&["--session-secret", SECRET]).await;
    let g = app.grant(&cookie_client()).await;
    let good = signed(SECRET, &g.user_id, now());
    let res = app
        .token_with_cookie(&format!("bc_session=planted; {good}"), json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let again: Grant = res.json().await.unwrap();
    assert_eq!(again.user_id, g.user_id);
}

#[tokio::test]
async fn over_https_the_cookie_is_host_prefixed_secure_and_hsts_is_sent() {
    let app = app_with(&["--secure-cookies", "true"]).await;
    let res = app.token(&reqwest::Client::new()).await;
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-bc_session="), "{cookie}");
    for part in ["; Path=/;", "; Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let plain = app_with(&[]).await;
    let res = plain.get("/healthz").await;
    assert!(
        res.headers().get("strict-transport-security").is_none(),
        "no HSTS on a loopback bind without HTTPS"
    );
}

#[tokio::test]
async fn forgetting_the_browser_revokes_the_session_and_can_delete_the_user() {
    let app = app_with(&["--session-secret", SECRET]).await;
    let me = cookie_client();
    let res = app.token(&me).await;
    let copied = session_cookie(&res).unwrap();
    let g: Grant = res.json().await.unwrap();
    let forgot = app.forget(&me, "").await;
    assert_eq!(forgot.status(), 204);
    let cleared = forgot.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let reused = app.token_with_cookie(&copied, json!({})).await;
    assert_eq!(
        reused.status(),
        401,
        "a copy of the cookie is revoked server-side"
    );
    assert_eq!(code_of(reused).await, "session-expired");
    assert_eq!(
        app.basiq_user_status(&g.user_id).await,
        200,
        "kept without delete_user"
    );

    let other = cookie_client();
    let g2 = app.grant(&other).await;
    let deleted = app.forget(&other, "?delete_user=true").await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        app.basiq_user_status(&g2.user_id).await,
        404,
        "the Basiq user is gone"
    );
    let fresh = app.grant(&other).await;
    assert_ne!(fresh.user_id, g2.user_id, "a cleared browser starts afresh");
    assert_eq!(
        app.forget(&cookie_client(), "?delete_user=true")
            .await
            .status(),
        401
    );
}
