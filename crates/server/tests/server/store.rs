//! The store's rules on both backends: an SQLite file in a temp dir and a real PostgreSQL
//! (tests named `postgres_*` need `BANK_CONNECT_TEST_DATABASE_URL`, which `cargo xtask test`
//! sets; without it they fail).

use std::sync::Arc;

use bank_connect_server::store::{Claim, LinkTokenError, Location, RevocationRow, Store};

use crate::support::{fresh_postgres, temp_data_dir};

async fn sqlite() -> Store {
    Store::open(&Location::SqliteFile(
        temp_data_dir().join("bank-connect.sqlite3"),
    ))
    .await
    .expect("the SQLite store opens")
}

async fn postgres() -> Store {
    Store::open(&Location::Postgres(fresh_postgres().await))
        .await
        .expect("the PostgreSQL store opens")
}

/// Every rule the store keeps, on `store`.
async fn rules_hold(store: Store) {
    // Link tokens: single use, expiry told apart from unknown.
    store
        .insert_link_token("h1", "basiq-1", 2_000)
        .await
        .unwrap();
    assert_eq!(
        store.redeem_link_token("h1", 1_000).await.unwrap(),
        Ok("basiq-1".into())
    );
    assert_eq!(
        store.redeem_link_token("h1", 1_000).await.unwrap(),
        Err(LinkTokenError::Unknown),
        "single use"
    );
    store
        .insert_link_token("h2", "basiq-1", 2_000)
        .await
        .unwrap();
    assert_eq!(
        store.redeem_link_token("h2", 2_000).await.unwrap(),
        Err(LinkTokenError::Expired)
    );
    assert_eq!(
        store.redeem_link_token("nope", 1).await.unwrap(),
        Err(LinkTokenError::Unknown)
    );

    // Host users: one creator, the others busy until it finishes; a stale claim is taken over.
    assert_eq!(
        store
            .claim_host_user("default", "u-1", "c", 100, 0)
            .await
            .unwrap(),
        Claim::Create { previous: None }
    );
    assert_eq!(
        store
            .claim_host_user("default", "u-1", "c", 101, 0)
            .await
            .unwrap(),
        Claim::Busy
    );
    store
        .finish_host_user("default", "u-1", "basiq-1")
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_host_user("default", "u-1", "c", 102, 0)
            .await
            .unwrap(),
        Claim::Ready("basiq-1".into())
    );
    assert_eq!(
        store
            .claim_host_user("default", "u-2", "c", 100, 0)
            .await
            .unwrap(),
        Claim::Create { previous: None }
    );
    assert_eq!(
        store
            .claim_host_user("default", "u-2", "c", 200, 150)
            .await
            .unwrap(),
        Claim::Create { previous: None },
        "stale"
    );
    store
        .abandon_host_user("default", "u-2", true)
        .await
        .unwrap();
    match store
        .claim_host_user("default", "u-2", "c2", 300, 0)
        .await
        .unwrap()
    {
        Claim::Create {
            previous: Some(row),
        } => assert_eq!(
            (
                row.state.as_str(),
                row.contact_hash.as_str(),
                row.claimed_at
            ),
            ("unconfirmed", "c", 200)
        ),
        other => panic!("an unconfirmed row is looked for first: {other:?}"),
    }
    store
        .abandon_host_user("default", "u-2", false)
        .await
        .unwrap();
    assert_eq!(store.host_user("default", "u-2").await.unwrap(), None);
    assert_eq!(
        store.host_users().await.unwrap(),
        vec![("default".into(), "u-1".into(), "basiq-1".into())]
    );

    // Orphans: a user named later is adopted by the one unconfirmed row with its contact
    // details; never by two rows at once, never twice.
    assert!(!store.any_unconfirmed_host_user().await.unwrap());
    for user_ref in ["o-1", "o-2", "o-3"] {
        let contact = if user_ref == "o-3" { "c-3" } else { "c-shared" };
        store
            .claim_host_user("default", user_ref, contact, 400, 0)
            .await
            .unwrap();
        store
            .abandon_host_user("default", user_ref, true)
            .await
            .unwrap();
    }
    assert!(store.any_unconfirmed_host_user().await.unwrap());
    assert_eq!(
        store
            .adopt_unconfirmed_host_user("c-shared", "basiq-o")
            .await
            .unwrap(),
        None,
        "two rows with those details: which one is not known"
    );
    assert_eq!(
        store
            .adopt_unconfirmed_host_user("c-3", "basiq-1")
            .await
            .unwrap(),
        None,
        "a user already mapped is not adopted again"
    );
    assert_eq!(
        store
            .adopt_unconfirmed_host_user("c-3", "basiq-3")
            .await
            .unwrap(),
        Some("o-3".into())
    );
    assert_eq!(
        store.host_user_ref("basiq-3").await.unwrap(),
        Some("o-3".into())
    );
    assert_eq!(
        store
            .adopt_unconfirmed_host_user("c-3", "basiq-4")
            .await
            .unwrap(),
        None,
        "adopted once"
    );
    store.forget_basiq_user("basiq-3").await.unwrap();

    // Refresh slots: one per (user, connection) and interval, given back on failure.
    assert_eq!(
        store
            .reserve_refresh("basiq-1", "c1", 10_000, 300_000)
            .await
            .unwrap(),
        Ok(())
    );
    assert_eq!(
        store
            .reserve_refresh("basiq-1", "c1", 20_000, 300_000)
            .await
            .unwrap(),
        Err(290_000)
    );
    assert_eq!(
        store
            .reserve_refresh("basiq-2", "c1", 20_000, 300_000)
            .await
            .unwrap(),
        Ok(())
    );
    store
        .release_refresh("basiq-2", "c1", 20_000)
        .await
        .unwrap();
    assert_eq!(
        store
            .reserve_refresh("basiq-2", "c1", 21_000, 300_000)
            .await
            .unwrap(),
        Ok(())
    );
    assert_eq!(
        store
            .reserve_refresh("basiq-1", "c1", 310_000, 300_000)
            .await
            .unwrap(),
        Ok(()),
        "after the interval"
    );

    // The /token ledger: a cap over a window, a wait until the oldest call leaves, give-back.
    let a = store
        .reserve_token_call("client", 1_000, 1_000 - 300_000, 2)
        .await
        .unwrap()
        .unwrap();
    store
        .reserve_token_call("client", 2_000, 2_000 - 300_000, 2)
        .await
        .unwrap()
        .unwrap();
    let refused = store
        .reserve_token_call("client", 3_000, 3_000 - 300_000, 2)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(refused.wait_ms, 298_000);
    assert_eq!(store.count_token_calls(3_000 - 300_000).await.unwrap(), 2);
    store.release_token_call(a).await.unwrap();
    assert!(
        store
            .reserve_token_call("server", 3_000, 3_000 - 300_000, 2)
            .await
            .unwrap()
            .is_ok()
    );

    // Hand-offs: one completion, for the right user and mode only.
    store
        .insert_handoff("n1", "basiq-1", "w", 1_800)
        .await
        .unwrap();
    assert!(
        !store
            .complete_handoff("n1", "basiq-2", "w", None, "", 10, 610)
            .await
            .unwrap(),
        "another user"
    );
    assert!(
        store
            .complete_handoff("n1", "basiq-1", "w", Some("j2"), "j1,j2", 10, 610)
            .await
            .unwrap()
    );
    assert!(
        !store
            .complete_handoff("n1", "basiq-1", "w", None, "", 11, 611)
            .await
            .unwrap(),
        "single use"
    );
    let row = store.handoff("n1").await.unwrap().unwrap();
    assert_eq!(
        (
            row.returned_at_secs,
            row.job_id.as_deref(),
            row.job_ids.as_str()
        ),
        (Some(10), Some("j2"), "j1,j2")
    );

    // Revocations: recorded once per subject, the later cut-off wins, read back since a time.
    let user = |until| RevocationRow {
        kind: "user".into(),
        subject: "basiq-1".into(),
        until_secs: until,
    };
    store.record_revocation(&user(50), 5_000).await.unwrap();
    store.record_revocation(&user(40), 6_000).await.unwrap();
    assert_eq!(store.revocations_since(0).await.unwrap(), vec![user(50)]);
    assert!(store.revocations_since(5_001).await.unwrap().is_empty());

    // Webhooks: a delivery id acted on once; the outbox keeps ids and order across retries.
    assert!(
        store
            .record_webhook_received("msg_1", "consent.revoked", 1)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_webhook_received("msg_1", "consent.revoked", 2)
            .await
            .unwrap()
    );
    store
        .enqueue_webhook("evt_1", "consent.revoked", Some("basiq-1"), "{}", 100)
        .await
        .unwrap();
    store
        .enqueue_webhook("evt_2", "connection.deleted", Some("basiq-1"), "{}", 100)
        .await
        .unwrap();
    let due = store.due_webhooks(100, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["evt_1", "evt_2"]
    );
    store
        .webhook_failed("evt_1", "502", Some(500))
        .await
        .unwrap();
    store.webhook_delivered("evt_2").await.unwrap();
    assert!(store.due_webhooks(499, 10).await.unwrap().is_empty());
    let again = store.due_webhooks(500, 10).await.unwrap();
    assert_eq!((again[0].id.as_str(), again[0].attempts), ("evt_1", 1));
    store.webhook_failed("evt_1", "502", None).await.unwrap();
    assert!(
        store.due_webhooks(10_000, 10).await.unwrap().is_empty(),
        "dead"
    );

    store.forget_basiq_user("basiq-1").await.unwrap();
    assert!(store.host_users().await.unwrap().is_empty());
    assert!(store.health().await.is_ok());
}

#[tokio::test]
async fn sqlite_store_keeps_every_rule() {
    rules_hold(sqlite().await).await;
}

#[tokio::test]
async fn postgres_store_keeps_every_rule() {
    rules_hold(postgres().await).await;
}

/// 50 concurrent redemptions of one token: exactly one wins.
async fn one_redemption_wins(store: Store) {
    store
        .insert_link_token("hot", "basiq-9", i64::MAX)
        .await
        .unwrap();
    let store = Arc::new(store);
    let tries = (0..50).map(|_| {
        let s = store.clone();
        tokio::spawn(async move { s.redeem_link_token("hot", 1).await.unwrap() })
    });
    let results = futures::future::join_all(tries).await;
    let wins = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    assert_eq!(wins, 1, "{results:?}");
}

#[tokio::test]
async fn sqlite_one_of_50_concurrent_redemptions_wins() {
    one_redemption_wins(sqlite().await).await;
}

#[tokio::test]
async fn postgres_one_of_50_concurrent_redemptions_wins() {
    one_redemption_wins(postgres().await).await;
}

/// A database migrated by a newer release is refused with one clear sentence.
async fn newer_schema_refused(location: Location) {
    let store = Store::open(&location).await.unwrap();
    let newer = store.schema_version() + 1;
    drop(store);
    let sql = format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({newer}, 'future', TRUE, X'00', 0)"
    );
    match &location {
        Location::Postgres(url) => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let sql = sql.replace("X'00'", "'\\x00'::bytea");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
        Location::SqliteFile(path) => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
        Location::Memory => unreachable!(),
    }
    let e = Store::open(&location)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains(&format!(
            "schema version {newer}, newer than this bank-connect-server knows"
        )),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[tokio::test]
async fn sqlite_a_newer_schema_is_refused() {
    newer_schema_refused(Location::SqliteFile(temp_data_dir().join("s.sqlite3"))).await;
}

#[tokio::test]
async fn postgres_a_newer_schema_is_refused() {
    newer_schema_refused(Location::Postgres(fresh_postgres().await)).await;
}

#[tokio::test]
async fn an_unreachable_postgres_or_unwritable_folder_is_a_start_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let e = Store::open(&Location::Postgres(format!(
        "postgres://u:pw@127.0.0.1:{port}/x"
    )))
    .await
    .err()
    .expect("refused")
    .to_string();
    assert!(
        e.starts_with(&format!(
            "cannot open the store (PostgreSQL at 127.0.0.1:{port}/x)"
        )),
        "{e}"
    );
    assert!(!e.contains("pw"), "no password in the message: {e}");
    let e = Store::open(&Location::SqliteFile("/proc/bank-connect/x.sqlite3".into()))
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("cannot create /proc/bank-connect"), "{e}");
}
