//! `POST /api/webhooks/basiq`: the simulator's signed deliveries accepted end to end, and one
//! test per way a delivery must be refused or deduplicated.

use std::time::Duration;

use crate::support::{app_with, cookie_client};
use crate::webhooks_support::*;

#[tokio::test]
async fn the_simulators_signed_deliveries_are_accepted_and_passed_on() {
    let receiver = Receiver::start(&[]).await;
    // No BASIQ_WEBHOOK_SECRET: in sandbox mode the server subscribes to its simulator itself.
    let app = app_with(&[
        "--host-webhook-url",
        &receiver.url,
        "--host-webhook-secret",
        HOST_SECRET,
    ])
    .await;
    let client = cookie_client();
    let grant = app.grant(&client).await;
    app.connect(&grant, "gavinBelson", "hooli2016", "AU00000")
        .await;
    let got = receiver
        .wait("connection.created and transactions.updated", |g| {
            let kinds: Vec<String> = g.iter().map(|g| g.json()["type"].to_string()).collect();
            kinds.contains(&"\"connection.created\"".into())
                && kinds.contains(&"\"transactions.updated\"".into())
        })
        .await;
    let created = got
        .iter()
        .find(|g| g.json()["type"] == "connection.created")
        .unwrap();
    let v = created.json();
    assert_eq!(v["data"]["basiqUserId"], grant.user_id.as_str());
    assert!(
        v["data"]["connectionId"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(
        created.signature,
        sign(
            HOST_SECRET,
            &created.id,
            created.timestamp.parse().unwrap(),
            &created.body
        )
    );
}

#[tokio::test]
async fn a_wrong_signature_is_refused() {
    let receiver = Receiver::start(&[]).await;
    let app = app_for(&receiver).await;
    let body = basiq_body("consent.revoked", "u-1", "/consents/k1");
    let ts = now();
    let wrong = sign(HOST_SECRET, "msg_1", ts, &body);
    let res = post_raw(
        &app,
        Some("msg_1"),
        Some(ts.to_string()),
        Some(wrong),
        &body,
    )
    .await;
    assert_refused(res, &receiver).await;
    assert_good_one_passes(&app, &receiver).await;
}

#[tokio::test]
async fn a_stale_timestamp_is_refused() {
    let receiver = Receiver::start(&[]).await;
    let app = app_for(&receiver).await;
    let body = basiq_body("consent.revoked", "u-1", "/consents/k1");
    // Signed correctly, but 5 minutes and 1 second ago.
    let res = deliver_at(&app, "msg_1", now() - 301, &body).await;
    assert_refused(res, &receiver).await;
    assert_good_one_passes(&app, &receiver).await;
}

#[tokio::test]
async fn a_future_timestamp_is_refused() {
    let receiver = Receiver::start(&[]).await;
    let app = app_for(&receiver).await;
    let body = basiq_body("consent.revoked", "u-1", "/consents/k1");
    let res = deliver_at(&app, "msg_1", now() + 301, &body).await;
    assert_refused(res, &receiver).await;
    assert_good_one_passes(&app, &receiver).await;
}

#[tokio::test]
async fn a_missing_header_is_refused() {
    let receiver = Receiver::start(&[]).await;
    let app = app_for(&receiver).await;
    let body = basiq_body("consent.revoked", "u-1", "/consents/k1");
    let ts = now();
    let sig = sign(BASIQ_SECRET, "msg_1", ts, &body);
    let t = || Some(ts.to_string());
    for res in [
        post_raw(&app, None, t(), Some(sig.clone()), &body).await,
        post_raw(&app, Some("msg_1"), None, Some(sig.clone()), &body).await,
        post_raw(&app, Some("msg_1"), t(), None, &body).await,
    ] {
        assert_refused(res, &receiver).await;
    }
    assert_good_one_passes(&app, &receiver).await;
}

#[tokio::test]
async fn an_altered_body_is_refused() {
    let receiver = Receiver::start(&[]).await;
    let app = app_for(&receiver).await;
    let body = basiq_body("connection.invalidated", "u-1", "/connections/c1");
    let ts = now();
    let sig = sign(BASIQ_SECRET, "msg_1", ts, &body);
    // The same JSON re-serialised with a space: a different body, so a different signature.
    let altered = body.replacen(':', ": ", 1);
    let res = post_raw(
        &app,
        Some("msg_1"),
        Some(ts.to_string()),
        Some(sig),
        &altered,
    )
    .await;
    assert_refused(res, &receiver).await;
    assert_good_one_passes(&app, &receiver).await;
}

#[tokio::test]
async fn a_replayed_webhook_id_is_acknowledged_and_not_acted_on_twice() {
    let receiver = Receiver::start(&[]).await;
    let app = app_for(&receiver).await;
    let body = basiq_body("connection.invalidated", "u-1", "/connections/c1");
    assert_eq!(deliver(&app, "msg_once", &body).await.status(), 204);
    receiver.wait("the first delivery", |g| g.len() == 1).await;
    // Basiq delivers again (its answer was lost): acknowledged, nothing more happens.
    assert_eq!(deliver(&app, "msg_once", &body).await.status(), 204);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.all().len(), 1, "{:?}", receiver.all());
    // The same body under a new id is a new delivery: acted on.
    assert_eq!(deliver(&app, "msg_other", &body).await.status(), 204);
    let got = receiver.wait("the second id", |g| g.len() == 2).await;
    assert_ne!(got[0].id, got[1].id);
}

/// Bodies a signed delivery may carry: any text, Basiq's envelope with any event type, user and
/// links (strings of any characters, or values of the wrong type), and that envelope nested in
/// a `payload`.
fn any_body() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    use serde_json::{Value, json};
    let kind = prop_oneof![
        prop::sample::select(vec![
            "user.created",
            "user.deleted",
            "connection.created",
            "connection.deleted",
            "connection.invalidated",
            "consent.revoked",
            "consent.expired",
            "consent.updated",
            "transactions.updated",
            "account.updated",
        ])
        .prop_map(|k| json!(k)),
        "\\PC{0,80}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
        Just(json!(["user.created"])),
    ];
    let entity = prop_oneof![
        ("\\PC{0,40}", "\\PC{0,40}")
            .prop_map(|(u, rest)| json!(format!("https://au-api.basiq.io/users/{u}{rest}"))),
        "\\PC{0,120}".prop_map(Value::from),
        Just(json!({"users": "u-1"})),
        Just(Value::Null),
    ];
    let envelope =
        (kind, entity, "\\PC{0,40}", any::<bool>()).prop_map(|(kind, entity, event_id, nested)| {
            let v = json!({
                "eventTypeId": kind,
                "eventId": event_id,
                "links": {"event": "https://au-api.basiq.io/events/e1", "eventEntity": entity},
            });
            if nested { json!({"payload": v}) } else { v }.to_string()
        });
    prop_oneof![
        "\\PC{0,300}",
        any::<String>(),
        Just(String::new()),
        Just("{\"eventTypeId\":".to_string()),
        envelope.clone(),
        envelope,
    ]
}

/// Correctly signed deliveries with arbitrary bodies (300 of them, a fixed seed): each is
/// acknowledged (204) or refused as malformed (400/413), never a server error or a signature
/// refusal; the server still passes a good delivery on after them.
#[tokio::test]
async fn signed_deliveries_with_arbitrary_bodies_never_fail_the_server() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    let receiver = Receiver::start(&[]).await;
    let app = app_for(&receiver).await;
    let mut runner = TestRunner::deterministic();
    let bodies = any_body();
    for i in 0..300 {
        let body = bodies.new_tree(&mut runner).expect("a body").current();
        let status = deliver(&app, &format!("msg_fuzz_{i}"), &body)
            .await
            .status()
            .as_u16();
        assert!(
            matches!(status, 204 | 400 | 413),
            "{status} for a signed delivery of {body:?}"
        );
    }
    // Still working: a good delivery reaches the host (among whatever the fuzz passed on).
    let good = basiq_body("connection.deleted", "u-good", "/connections/c-good");
    assert_eq!(deliver(&app, "msg_good", &good).await.status(), 204);
    receiver
        .wait("the good delivery after the fuzz", |g| {
            g.iter()
                .any(|g| g.json()["data"]["connectionId"] == "c-good")
        })
        .await;
}
