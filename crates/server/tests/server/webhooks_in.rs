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
