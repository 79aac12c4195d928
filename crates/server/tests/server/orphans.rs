//! A `POST /users` whose answer is lost: the host user's row, written before the call, stays
//! `unconfirmed` in the store (the user may exist at Basiq), and the next mint creates anew.

use std::path::PathBuf;
use std::time::Duration;

use bank_connect_server::store::{Location, Store};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, fresh_postgres, temp_data_dir};
use crate::upstream::{app_for, server_token_mock};

const HOST_SECRET: &str = "host-secret-of-some-length";

/// Where a test's store lives: an SQLite file in a temp dir, or a fresh PostgreSQL database
/// (which several replicas can share).
enum Db {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Db {
    fn sqlite() -> Self {
        Db::Sqlite(temp_data_dir())
    }

    async fn postgres() -> Self {
        Db::Postgres(fresh_postgres().await)
    }

    /// The server's flags for it.
    fn args(&self) -> Vec<String> {
        match self {
            Db::Sqlite(dir) => vec!["--data-dir".into(), dir.display().to_string()],
            Db::Postgres(url) => vec!["--database-url".into(), url.clone()],
        }
    }

    /// The test's own handle on it.
    async fn open(&self) -> Store {
        let location = match self {
            Db::Sqlite(dir) => Location::SqliteFile(dir.join("bank-connect.sqlite3")),
            Db::Postgres(url) => Location::Postgres(url.clone()),
        };
        Store::open(&location).await.unwrap()
    }
}

/// The flags of a server on `db` (with `extra` settings) whose upstream calls time out fast.
fn server_args<'a>(db: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--host-api-secret",
        HOST_SECRET,
        "--upstream-timeout-ms",
        "300",
    ];
    args.extend(db.iter().map(String::as_str));
    args.extend_from_slice(extra);
    args
}

/// A server on `db` (and `extra` settings) whose first `POST /users` answers `user` too late:
/// that first mint for `u-lost` fails with the row left unconfirmed. Later creations (when the
/// test mounts none of its own) answer `user` at once. `servers` will share the upstream (each
/// fetches its own server token).
async fn after_a_lost_answer(
    upstream: &MockServer,
    user: serde_json::Value,
    extra: &[&str],
    db: &Db,
    servers: u64,
) -> (TestApp, Store, serde_json::Value) {
    server_token_mock(upstream, servers).await;
    // The first creation's answer never arrives in time (Basiq may have made the user).
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(user.clone())
                .set_delay(Duration::from_secs(2)),
        )
        .up_to_n_times(1)
        .mount(upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(user))
        .mount(upstream)
        .await;
    let db_args = db.args();
    let app = app_for(upstream, &server_args(&db_args, extra)).await;
    let body = json!({"user_ref": "u-lost", "email": "a@b.c"});
    let lost = app.link_tokens(HOST_SECRET, &body).await;
    assert!(lost.status().is_server_error(), "{}", lost.status());
    (app, db.open().await, body)
}

/// The user a lost answer made (`u-orphan`, with the unconfirmed row's email), readable at
/// `GET /users/u-orphan`.
async fn mount_orphan(upstream: &MockServer) -> serde_json::Value {
    let orphan =
        json!({"type":"user","id":"u-orphan","email":"a@b.c","mobile":"","links":{"self":"x"}});
    Mock::given(method("GET"))
        .and(path("/users/u-orphan"))
        .respond_with(ResponseTemplate::new(200).set_body_json(orphan.clone()))
        .mount(upstream)
        .await;
    orphan
}

#[tokio::test]
async fn a_lost_post_users_answer_leaves_an_unconfirmed_row_and_the_next_mint_completes() {
    let upstream = MockServer::start().await;
    let user = json!({"type":"user","id":"u-second","email":"a@b.c","links":{"self":"x"}});
    let (app, store, body) = after_a_lost_answer(&upstream, user, &[], &Db::sqlite(), 1).await;
    let row = store
        .host_user("default", "u-lost")
        .await
        .unwrap()
        .expect("the row was written first");
    assert_eq!(
        (row.state.as_str(), row.basiq_user_id),
        ("unconfirmed", None)
    );

    let again = app.link_tokens(HOST_SECRET, &body).await;
    assert_eq!(again.status(), 200);
    let row = store.host_user("default", "u-lost").await.unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.basiq_user_id.as_deref()),
        ("ready", Some("u-second"))
    );
}

/// The `user.created` delivery for the user a lost answer made: its email matches the
/// unconfirmed row, which maps to it, and the next mint uses it — no second Basiq user.
#[tokio::test]
async fn a_user_created_webhook_finds_the_user_of_a_lost_answer_and_the_next_mint_uses_it() {
    use crate::upstream::received;
    use crate::webhooks_support::{BASIQ_SECRET, basiq_body, deliver};

    let upstream = MockServer::start().await;
    let orphan = mount_orphan(&upstream).await;
    Mock::given(method("GET"))
        .and(path("/users/u-stranger"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"type":"user","id":"u-stranger","email":"x@y.z","links":{"self":"x"}}),
        ))
        .mount(&upstream)
        .await;
    let extra = ["--basiq-webhook-secret", BASIQ_SECRET];
    let (app, store, body) = after_a_lost_answer(&upstream, orphan, &extra, &Db::sqlite(), 1).await;
    let state = || async {
        let row = store.host_user("default", "u-lost").await.unwrap().unwrap();
        (row.state, row.basiq_user_id)
    };

    // Someone else's new user: read, not adopted.
    let stranger = basiq_body("user.created", "u-stranger", "");
    assert_eq!(deliver(&app, "msg_stranger", &stranger).await.status(), 204);
    assert_eq!(state().await, ("unconfirmed".into(), None));

    let created = basiq_body("user.created", "u-orphan", "");
    assert_eq!(deliver(&app, "msg_orphan", &created).await.status(), 204);
    assert_eq!(state().await, ("ready".into(), Some("u-orphan".into())));

    let again = app.link_tokens(HOST_SECRET, &body).await;
    assert_eq!(again.status(), 200);
    let requests = upstream.received_requests().await.unwrap();
    assert_eq!(received(&requests, "/users"), 1, "one POST /users in all");
    assert_eq!(received(&requests, "/users/u-orphan"), 1);
}

/// Eight deliveries of that `user.created` at once (Basiq's retries, or two of its workers)
/// racing the next mint for the same host user, spread over `replicas` servers on `db`: every
/// answer succeeds, and the host user maps to the one Basiq user, once.
async fn deliveries_race_a_mint(db: Db, replicas: u64) {
    use crate::webhooks_support::{BASIQ_SECRET, basiq_body, deliver};

    let upstream = MockServer::start().await;
    let orphan = mount_orphan(&upstream).await;
    let extra = ["--basiq-webhook-secret", BASIQ_SECRET];
    let (app, store, body) = after_a_lost_answer(&upstream, orphan, &extra, &db, replicas).await;
    let db_args = db.args();
    let mut apps = vec![app];
    for _ in 1..replicas {
        apps.push(app_for(&upstream, &server_args(&db_args, &extra)).await);
    }

    let created = basiq_body("user.created", "u-orphan", "");
    let deliveries = futures::future::join_all((0..8).map(|i| {
        let (app, created) = (&apps[i % apps.len()], &created);
        async move {
            deliver(app, &format!("msg_orphan_{i}"), created)
                .await
                .status()
                .as_u16()
        }
    }));
    let (statuses, minted) = tokio::join!(deliveries, apps[0].link_tokens(HOST_SECRET, &body));
    assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
    assert_eq!(minted.status(), 200);
    let row = store.host_user("default", "u-lost").await.unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.basiq_user_id.as_deref()),
        ("ready", Some("u-orphan"))
    );
    let mapped = store.host_users().await.unwrap();
    assert_eq!(
        mapped
            .iter()
            .filter(|(_, _, id)| id.as_str() == "u-orphan")
            .count(),
        1,
        "{mapped:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_user_created_deliveries_and_a_mint_map_the_user_once() {
    deliveries_race_a_mint(Db::sqlite(), 1).await;
}

/// The same race on PostgreSQL across two replicas: the deliveries land on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deliveries_on_two_postgres_replicas_and_a_mint_map_the_user_once() {
    deliveries_race_a_mint(Db::postgres().await, 2).await;
}
