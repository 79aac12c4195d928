//! What must survive a restart and be shared by replicas, against one simulator that outlives
//! the servers: the same Basiq user for a host's user after a restart (SQLite and PostgreSQL),
//! and on two replicas sharing one PostgreSQL, link tokens, the `/token` cap and the refresh
//! throttle. Tests named `postgres_*` need the test PostgreSQL (`cargo xtask test`).

use std::sync::Arc;

use bank_connect_server::store::{Location, Store};
use basiq_sim::SimHandle;
use serde_json::{Value, json};

use crate::support::{
    Grant, TestApp, code_of, cookie_client, fresh_postgres, spawn_with, temp_data_dir, test_config,
};

pub(crate) const KEY: &str = "replica-test-api-key";
pub(crate) const HOST_SECRET: &str = "host-secret-of-some-length";
pub(crate) const SESSION_SECRET: &str = "0123456789abcdef0123456789abcdef-replicas";

/// A simulator that outlives the servers under test.
pub(crate) async fn external_sim() -> SimHandle {
    basiq_sim::Simulator::builder()
        .api_key(KEY)
        .speed(100.0)
        .spawn()
        .await
        .expect("the simulator starts")
}

/// A server (replica) on `sim` with its store given by `store_args` and `extra` flags.
pub(crate) async fn replica(sim: &SimHandle, store_args: &[&str], extra: &[&str]) -> TestApp {
    let url = sim.base_url().to_owned();
    let mut args = vec![
        "--basiq-api-key",
        KEY,
        "--basiq-api-url",
        &url,
        "--host-api-secret",
        HOST_SECRET,
        "--session-secret",
        SESSION_SECRET,
        "--token-rate-per-ip",
        "0",
        "--link-token-rate",
        "0",
    ];
    args.extend_from_slice(store_args);
    args.extend_from_slice(extra);
    spawn_with(test_config(&args)).await
}

/// Redeems a fresh link token for `user_ref` on `app` from `client`.
pub(crate) async fn session_for(app: &TestApp, client: &reqwest::Client, user_ref: &str) -> Grant {
    let link = app.mint_link_token(HOST_SECRET, user_ref).await;
    let res = app.redeem(client, &link).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// Link token for u-1 → a bank connected → stop → start on the same store → u-1 is the same
/// Basiq user and the connection is listed.
async fn a_restart_keeps_the_host_user(store_args: &[&str]) {
    let sim = external_sim().await;
    let first = replica(&sim, store_args, &[]).await;
    let client = cookie_client();
    let grant = session_for(&first, &client, "u-1").await;
    first
        .connect(&grant, "gavinBelson", "hooli2016", "AU00000")
        .await;
    assert_eq!(first.connections(&client).await.len(), 1);
    first.server.stop().await;

    let second = replica(&sim, store_args, &[]).await;
    let again = session_for(&second, &cookie_client(), "u-1").await;
    assert_eq!(
        again.user_id, grant.user_id,
        "the same Basiq user after a restart"
    );
    let fresh = cookie_client();
    let link = second.mint_link_token(HOST_SECRET, "u-1").await;
    assert_eq!(second.redeem(&fresh, &link).await.status(), 200);
    let listed = second.connections(&fresh).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
}

#[tokio::test]
async fn sqlite_a_restart_keeps_the_host_user_and_their_connection() {
    let dir = temp_data_dir().display().to_string();
    a_restart_keeps_the_host_user(&["--data-dir", &dir]).await;
}

#[tokio::test]
async fn postgres_a_restart_keeps_the_host_user_and_their_connection() {
    let url = fresh_postgres().await;
    a_restart_keeps_the_host_user(&["--database-url", &url]).await;
}

/// Two replicas on one fresh PostgreSQL and one simulator.
async fn two_replicas(extra: &[&str]) -> (SimHandle, TestApp, TestApp, String) {
    let sim = external_sim().await;
    let url = fresh_postgres().await;
    let a = replica(&sim, &["--database-url", &url], extra).await;
    let b = replica(&sim, &["--database-url", &url], extra).await;
    (sim, a, b, url)
}

#[tokio::test]
async fn postgres_a_link_token_minted_on_one_replica_is_redeemed_once_across_both() {
    let (_sim, a, b, _) = two_replicas(&[]).await;
    let link = a.mint_link_token(HOST_SECRET, "u-1").await;
    let res = b.redeem(&cookie_client(), &link).await;
    assert_eq!(res.status(), 200, "minted on A, redeemed on B");
    assert_eq!(
        code_of(a.redeem(&cookie_client(), &link).await).await,
        "link-token-invalid"
    );

    // 50 truly concurrent redemptions of one token, spread over both: exactly one session.
    let link = a.mint_link_token(HOST_SECRET, "u-2").await;
    let (a, b) = (Arc::new(a), Arc::new(b));
    let tries = (0..50).map(|i| {
        let app = if i % 2 == 0 { a.clone() } else { b.clone() };
        let link = link.clone();
        tokio::spawn(async move {
            let res = app.redeem(&reqwest::Client::new(), &link).await;
            res.status().as_u16()
        })
    });
    let statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn postgres_concurrent_first_mints_on_two_replicas_create_one_basiq_user() {
    let (_sim, a, b, _) = two_replicas(&[]).await;
    let (a, b) = (Arc::new(a), Arc::new(b));
    let mints = (0..12).map(|i| {
        let app = if i % 2 == 0 { a.clone() } else { b.clone() };
        tokio::spawn(async move { app.mint_link_token(HOST_SECRET, "u-race").await })
    });
    let links: Vec<String> = futures::future::join_all(mints)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut users = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let app = if i % 2 == 0 { &a } else { &b };
        let res = app.redeem(&cookie_client(), link).await;
        assert_eq!(res.status(), 200);
        users.push(
            res.json::<Value>().await.unwrap()["user_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    users.dedup();
    assert_eq!(users.len(), 1, "one Basiq user for one user_ref: {users:?}");
}

#[tokio::test]
async fn postgres_the_token_cap_holds_for_the_fleet() {
    // Cap 8, 1 reserved for SERVER tokens; each replica fetched its SERVER token at start
    // (2 calls), so clients of the whole fleet get 8 - 1 - 2 = 5 upstream calls. Each new user
    // needs one; unshared, each replica would allow 5 on its own.
    let (_sim, a, b, url) =
        two_replicas(&["--token-call-cap", "8", "--server-token-reserve", "1"]).await;
    let mut granted = 0;
    let mut refused = Vec::new();
    for i in 0..12 {
        let app = if i % 2 == 0 { &a } else { &b };
        let link = app.mint_link_token(HOST_SECRET, &format!("cap-{i}")).await;
        let res = app.redeem(&cookie_client(), &link).await;
        match res.status().as_u16() {
            200 => granted += 1,
            _ => refused.push(code_of(res).await),
        }
    }
    assert_eq!(granted, 5, "refused: {refused:?}");
    assert!(refused.iter().all(|c| c == "rate-limited"), "{refused:?}");
    let store = Store::open(&Location::Postgres(url)).await.unwrap();
    let window_start = bank_connect_server::store::now_ms() - 300_000;
    assert_eq!(
        store.count_token_calls(window_start).await.unwrap(),
        7,
        "within the cap"
    );
}

#[tokio::test]
async fn postgres_the_refresh_throttle_is_shared() {
    let (_sim, a, b, _) = two_replicas(&[]).await;
    let client = cookie_client();
    let grant = session_for(&a, &client, "u-refresh").await;
    let job = a
        .connect(&grant, "gavinBelson", "hooli2016", "AU00000")
        .await;
    let connection = job["links"]["source"]
        .as_str()
        .and_then(|s| s.rsplit('/').next())
        .unwrap()
        .to_owned();
    assert_eq!(a.refresh(&client, &connection).await.status(), 202);
    let res = b.refresh(&client, &connection).await;
    assert_eq!(res.status(), 429, "the other replica knows");
    assert_eq!(code_of(res).await, "refresh-too-soon");
    let other = cookie_client();
    session_for(&b, &other, "u-other").await;
    assert_eq!(
        b.refresh(&other, &connection).await.status(),
        404,
        "another user's connection is still theirs"
    );
}

#[tokio::test]
async fn postgres_a_revoked_session_is_refused_by_the_other_replica() {
    let (_sim, a, b, _) = two_replicas(&[]).await;
    let link = a.mint_link_token(HOST_SECRET, "u-forget").await;
    let res = a.redeem(&reqwest::Client::new(), &link).await;
    let cookie = crate::support::session_cookie(&res).expect("a session cookie");
    assert_eq!(
        b.token_with_cookie(&cookie, json!({})).await.status(),
        200,
        "valid on B"
    );
    let forgot = a
        .http
        .delete(a.url("/api/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forgot.status(), 204);
    // B reads revocations from the store every couple of seconds.
    let mut code = String::new();
    for _ in 0..40 {
        code = code_of(b.token_with_cookie(&cookie, json!({})).await).await;
        if code == "session-expired" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(
        code, "session-expired",
        "a copy of a revoked cookie is refused on B too"
    );
}

/// Runs `sql` on the test server's administrator connection.
async fn admin(sql: String) {
    use sqlx::Connection;
    let url = std::env::var("BANK_CONNECT_TEST_DATABASE_URL").unwrap();
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut c)
        .await
        .unwrap();
}

#[tokio::test]
async fn postgres_losing_the_database_answers_503_with_a_way_out_then_recovers() {
    let sim = external_sim().await;
    let url = fresh_postgres().await;
    let db = url.rsplit('/').next().unwrap().to_owned();
    let app = replica(&sim, &["--database-url", &url], &[]).await;
    let client = cookie_client();
    session_for(&app, &client, "u-before").await;

    admin(format!("ALTER DATABASE {db} ALLOW_CONNECTIONS false")).await;
    admin(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
    ))
    .await;
    let res = app
        .link_tokens(
            HOST_SECRET,
            &json!({"user_ref": "u-during", "email": "d@example.com"}),
        )
        .await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "store-unavailable");
    assert!(
        body["message"].as_str().unwrap().contains("Try again"),
        "{body}"
    );
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503, "not ready without the store");
    // A signed-in person's cached token needs no database at all.
    assert_eq!(app.token(&client).await.status(), 200);

    admin(format!("ALTER DATABASE {db} ALLOW_CONNECTIONS true")).await;
    let link = app.mint_link_token(HOST_SECRET, "u-after").await;
    assert_eq!(
        app.redeem(&cookie_client(), &link).await.status(),
        200,
        "back"
    );
    assert_eq!(app.get("/readyz").await.status(), 200);
}
