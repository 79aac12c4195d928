//! The store's webhook rules on both backends (SQLite in a temp dir; a real PostgreSQL for
//! the `postgres_*` test, which needs `BANK_CONNECT_TEST_DATABASE_URL` as `cargo xtask test`
//! sets): a Basiq delivery is recorded once against its user, the outbox's claims are
//! exclusive, and failures move an event to its next attempt or the dead letter.

use bank_connect_core::webhooks::BasiqEvent;
use bank_connect_server::store::{Location, Store};

use crate::support::{fresh_postgres, temp_data_dir};

fn event(kind: &str, user: &str, entity: &str) -> BasiqEvent {
    let body = format!(
        r#"{{"eventTypeId":"{kind}","eventId":"e1","links":{{"eventEntity":"https://x/users/{user}{entity}"}}}}"#
    );
    BasiqEvent::parse(body.as_bytes()).expect("event")
}

async fn webhook_rules_hold(store: Store) {
    // Received deliveries: once per webhook-id, recorded against the user.
    assert!(!store.basiq_webhook_seen("msg_1").await.unwrap());
    let invalidated = event("connection.invalidated", "u1", "/connections/c1");
    assert!(
        store
            .record_basiq_event("msg_1", &invalidated, 10)
            .await
            .unwrap()
    );
    assert!(store.basiq_webhook_seen("msg_1").await.unwrap());
    assert!(
        !store
            .record_basiq_event("msg_1", &invalidated, 11)
            .await
            .unwrap(),
        "once"
    );
    let revoked = event("consent.revoked", "u1", "/consents/k1");
    assert!(
        store
            .record_basiq_event("msg_2", &revoked, 12)
            .await
            .unwrap()
    );
    assert_eq!(
        store.basiq_events_of("u1").await.unwrap(),
        [
            ("connection.invalidated".to_owned(), Some("c1".to_owned())),
            ("consent.revoked".to_owned(), Some("k1".to_owned())),
        ]
    );
    assert!(store.basiq_events_of("u2").await.unwrap().is_empty());

    // The host's reference of a Basiq user.
    assert_eq!(store.host_user_ref("b-9").await.unwrap(), None);
    store
        .claim_host_user("default", "ref-9", "h", 1, 0)
        .await
        .unwrap();
    store
        .finish_host_user("default", "ref-9", "b-9")
        .await
        .unwrap();
    assert_eq!(
        store.host_user_ref("b-9").await.unwrap().as_deref(),
        Some("ref-9")
    );

    // A consent's end forgets the user's refresh slots.
    assert!(
        store
            .reserve_refresh("u1", "c1", 1_000, 60_000)
            .await
            .unwrap()
            .is_ok()
    );
    assert!(
        store
            .reserve_refresh("u1", "c1", 2_000, 60_000)
            .await
            .unwrap()
            .is_err()
    );
    store.forget_refresh_slots("u1").await.unwrap();
    assert!(
        store
            .reserve_refresh("u1", "c1", 3_000, 60_000)
            .await
            .unwrap()
            .is_ok()
    );

    // The outbox: pending in order, exclusive claims, retry and dead letter.
    for (id, user) in [("o1", "a"), ("o2", "b"), ("o3", "a")] {
        store
            .enqueue_webhook(id, "t", Some(user), "{}", 100)
            .await
            .unwrap();
    }
    store
        .enqueue_webhook("o1", "t", Some("a"), "{}", 100)
        .await
        .unwrap();
    let pending = store.pending_webhooks(10).await.unwrap();
    let ids: Vec<&str> = pending.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["o1", "o2", "o3"], "enqueued once each, in order");
    assert!(store.claim_webhook("o1", 100, 60_100).await.unwrap());
    assert!(
        !store.claim_webhook("o1", 100, 60_100).await.unwrap(),
        "claimed once"
    );
    store
        .webhook_failed("o1", "500", Some(5_000))
        .await
        .unwrap();
    store.webhook_delivered("o2").await.unwrap();
    store.webhook_failed("o3", "500", None).await.unwrap();
    let pending = store.pending_webhooks(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].attempts, pending[0].next_attempt_at),
        (1, 5_000)
    );
    assert_eq!(
        store.outbox().await.unwrap(),
        [
            ("o1".to_owned(), "pending".to_owned(), 1),
            ("o2".to_owned(), "delivered".to_owned(), 1),
            ("o3".to_owned(), "dead".to_owned(), 1),
        ]
    );

    // Pruning: what was delivered to the host goes after a week; Basiq's delivery ids (and what
    // they said) and dead letters after 30 days; a pending event stays however old.
    const DAY: i64 = 86_400_000;
    let keep = std::time::Duration::from_secs(86_400);
    store.prune(100 + 7 * DAY - 1, keep).await.unwrap();
    assert_eq!(store.outbox().await.unwrap().len(), 3, "not a week yet");
    store.prune(100 + 7 * DAY + 1, keep).await.unwrap();
    let ids = |rows: Vec<(String, String, i64)>| -> Vec<String> {
        rows.into_iter().map(|(id, _, _)| id).collect()
    };
    assert_eq!(ids(store.outbox().await.unwrap()), ["o1", "o3"]);
    assert!(store.basiq_webhook_seen("msg_1").await.unwrap());
    store.prune(100 + 30 * DAY + 1, keep).await.unwrap();
    assert_eq!(ids(store.outbox().await.unwrap()), ["o1"]);
    assert!(!store.basiq_webhook_seen("msg_1").await.unwrap());
    assert!(store.basiq_events_of("u1").await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_store_keeps_the_webhook_rules() {
    let store = Store::open(&Location::SqliteFile(
        temp_data_dir().join("bank-connect.sqlite3"),
    ))
    .await
    .unwrap();
    webhook_rules_hold(store).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_webhook_rules() {
    let store = Store::open(&Location::Postgres(fresh_postgres().await))
        .await
        .unwrap();
    webhook_rules_hold(store).await;
}
