//! Webhooks: subscriptions in Basiq's shapes, signed deliveries to a real receiver on
//! 127.0.0.1, and retries (same `webhook-id`) when the fault switch fails attempts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::*;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

type Inbox = Arc<Mutex<Vec<Got>>>;

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A receiver that records every request and answers 204.
async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let keep = inbox.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |h: HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                keep.lock().expect("inbox").push(Got {
                    id: header(&h, "webhook-id"),
                    timestamp: header(&h, "webhook-timestamp"),
                    signature: header(&h, "webhook-signature"),
                    body,
                });
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", l.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(l, app).await });
    (url, inbox)
}

/// The test's own Standard Webhooks check (not the simulator's code).
fn verifies(secret: &str, g: &Got) -> bool {
    let key = B64
        .decode(secret.trim_start_matches("whsec_"))
        .expect("key");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("mac");
    mac.update(format!("{}.{}.{}", g.id, g.timestamp, g.body).as_bytes());
    let want = format!("v1,{}", B64.encode(mac.finalize().into_bytes()));
    g.signature.split(' ').any(|s| s == want)
}

async fn subscribe(sim: &basiq_sim::SimHandle, tok: &str, url: &str, events: &[&str]) -> Value {
    let r = post(
        sim,
        tok,
        "/notifications/webhooks",
        &json!({"name": "t", "url": url, "subscribedEvents": events}),
    )
    .await;
    assert_eq!(r.status(), 201);
    r.json().await.expect("webhook")
}

async fn wait_for(inbox: &Inbox, n: usize) -> Vec<Got> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = inbox.lock().expect("inbox").clone();
        if got.len() >= n {
            return got;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {} deliveries: {got:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn subscriptions_are_created_listed_and_deleted_in_basiqs_shapes() {
    let sim = sim().await;
    let tok = server_token(&sim).await;
    let w = subscribe(&sim, &tok, "http://127.0.0.1:9/hook", &["consent.revoked"]).await;
    assert_eq!(w["type"], "webhook");
    assert_eq!(w["status"], "active");
    assert!(w["secret"].as_str().expect("secret").starts_with("whsec_"));
    assert_eq!(w["subscribedEvents"], json!(["consent.revoked"]));
    let id = w["id"].as_str().expect("id");
    let list: Value = get(&sim, &tok, "/notifications/webhooks")
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(list["data"][0]["id"], id);
    let r = post(
        &sim,
        &tok,
        "/notifications/webhooks",
        &json!({"url": "http://127.0.0.1:9/x", "subscribedEvents": ["consent.revoked"]}),
    )
    .await;
    expect_error(r, 400, "event-already-subscribed").await;
    let r = post(
        &sim,
        &tok,
        "/notifications/webhooks",
        &json!({"url": "http://127.0.0.1:9/x", "subscribedEvents": ["no.such"]}),
    )
    .await;
    expect_error(r, 400, "invalid-content").await;
    let r = post(
        &sim,
        &tok,
        "/notifications/webhooks",
        &json!({"url": "not a url", "subscribedEvents": ["user.created"]}),
    )
    .await;
    expect_error(r, 400, "invalid-content").await;
    let client_tok = client_token(&sim, None).await;
    let r = get(&sim, &client_tok, "/notifications/webhooks").await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        delete(&sim, &tok, &format!("/notifications/webhooks/{id}"))
            .await
            .status(),
        204
    );
    let r = get(&sim, &tok, &format!("/notifications/webhooks/{id}")).await;
    expect_error(r, 404, "resource-not-found").await;
}

#[tokio::test]
async fn a_connection_sends_signed_created_activated_and_transactions_updated() {
    let sim = sim().await;
    let tok = server_token(&sim).await;
    let (url, inbox) = receiver().await;
    let events = [
        "connection.created",
        "connection.activated",
        "transactions.updated",
        "connection.invalidated",
    ];
    let w = subscribe(&sim, &tok, &url, &events).await;
    let secret = w["secret"].as_str().expect("secret").to_string();
    let user = create_user(&sim, &tok, "hooks@example.com").await;
    let (_, job_id) = connect(&sim, &tok, &user, "AU00000", "gavinBelson", "hooli2016").await;
    // Nobody polls the job: the deliveries come on the simulator's own clock.
    let got = wait_for(&inbox, 3).await;
    let kinds: Vec<String> = got
        .iter()
        .map(|g| {
            serde_json::from_str::<Value>(&g.body).expect("json")["eventTypeId"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "connection.created",
            "connection.activated",
            "transactions.updated"
        ]
    );
    for g in &got {
        assert!(verifies(&secret, g), "signature of {g:?}");
        assert!(g.id.starts_with("msg_"));
        let ts: i64 = g.timestamp.parse().expect("unix seconds");
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        let v: Value = serde_json::from_str(&g.body).expect("json");
        let entity = v["links"]["eventEntity"].as_str().expect("eventEntity");
        assert!(
            entity.starts_with(&format!("{}/users/{user}/", sim.base_url())),
            "{entity}"
        );
        assert!(v["eventId"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let first: Value = serde_json::from_str(&got[0].body).expect("json");
    let ev_url = first["links"]["event"].as_str().expect("event link");
    let ev: Value = client()
        .get(ev_url)
        .bearer_auth(&tok)
        .send()
        .await
        .expect("event")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            ev["type"].as_str(),
            ev["entity"].as_str(),
            ev["eventType"].as_str()
        ),
        (Some("event"), Some("connection"), Some("created"))
    );
    assert_eq!(ev["userId"], user.as_str());
    assert_eq!(ev["dataRef"], first["links"]["eventEntity"]);
    let r = get(&sim, &tok, "/events/nope").await;
    expect_error(r, 404, "resource-not-found").await;
    let mut tampered = got[0].clone();
    tampered.body.push(' ');
    assert!(!verifies(&secret, &tampered), "the check itself can fail");
    let j = job(&sim, &tok, &job_id).await;
    assert!(finished(&j));
    assert_eq!(sim.invalidate_connections_of("gavinBelson"), 1);
    let got = wait_for(&inbox, 4).await;
    assert!(got[3].body.contains("connection.invalidated"));
}

#[tokio::test]
async fn failed_attempts_are_retried_on_the_schedule_with_the_same_webhook_id() {
    let sim = sim().await;
    let tok = server_token(&sim).await;
    let (url, inbox) = receiver().await;
    let w = subscribe(&sim, &tok, &url, &["user.created"]).await;
    sim.fail_webhook_deliveries(2);
    create_user(&sim, &tok, "retry@example.com").await;
    wait_for(&inbox, 1).await;
    // Speed 200: the 5 s wait is 25 ms, the 5 min one 1.5 s; nudge the clock past the latter.
    tokio::time::sleep(Duration::from_millis(200)).await;
    sim.advance_clock(Duration::from_secs(301));
    let got = wait_for(&inbox, 3).await;
    assert!(
        got.iter().all(|g| g.id == got[0].id),
        "one webhook-id: {got:?}"
    );
    let id = w["id"].as_str().expect("id");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let msgs = loop {
        let m: Value = get(
            &sim,
            &tok,
            &format!("/notifications/webhooks/{id}/messages"),
        )
        .await
        .json()
        .await
        .expect("messages");
        if m["data"][0]["status"] == "success" || std::time::Instant::now() > deadline {
            break m;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let statuses: Vec<&str> = msgs["data"][0]["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["fail", "fail", "success"]);
    assert_eq!(msgs["data"][0]["payload"]["eventTypeId"], "user.created");
    assert_eq!(
        inbox.lock().expect("inbox").len(),
        3,
        "no extra attempt after success"
    );
}
