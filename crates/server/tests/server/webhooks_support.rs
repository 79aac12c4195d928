//! What the webhook tests share: the test's own Standard Webhooks signer (not the server's
//! code), a host receiver on 127.0.0.1:0 with scripted answers, and Basiq-shaped bodies.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{TestApp, app_with};

/// The secret of the Basiq subscription in these tests.
pub const BASIQ_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
/// The secret the host's events are signed with.
pub const HOST_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `v1,<base64 HMAC-SHA256("{id}.{ts}.{body}")>` with the key inside `whsec_…`.
pub fn sign(secret: &str, id: &str, ts: i64, body: &str) -> String {
    let key = B64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A Basiq body for `kind` about `entity` (a path below `/users/{user}`).
pub fn basiq_body(kind: &str, user: &str, entity: &str) -> String {
    json!({
        "eventTypeId": kind,
        "eventId": uuid::Uuid::new_v4().simple().to_string(),
        "links": {
            "event": "https://au-api.basiq.io/events/e1",
            "eventEntity": format!("https://au-api.basiq.io/users/{user}{entity}"),
        },
    })
    .to_string()
}

/// One request the host receiver got, and what it answered.
#[derive(Debug, Clone)]
pub struct Got {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    pub answered: u16,
}

impl Got {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// The host's receiver: answers the scripted statuses in turn, then 204.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Got>>>,
    pub script: Arc<Mutex<VecDeque<u16>>>,
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl Receiver {
    /// Starts one whose first answers are `script`.
    pub async fn start(script: &[u16]) -> Receiver {
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let (g, s) = (got.clone(), script.clone());
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |h: HeaderMap, body: String| {
                let (g, s) = (g.clone(), s.clone());
                async move {
                    let answered = s.lock().unwrap().pop_front().unwrap_or(204);
                    g.lock().unwrap().push(Got {
                        id: header(&h, "webhook-id"),
                        timestamp: header(&h, "webhook-timestamp"),
                        signature: header(&h, "webhook-signature"),
                        body,
                        answered,
                    });
                    StatusCode::from_u16(answered).unwrap()
                }
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await });
        Receiver { url, got, script }
    }

    /// Everything received so far.
    pub fn all(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (at most 15 s) until `done` holds for what was received.
    pub async fn wait(&self, what: &str, done: impl Fn(&[Got]) -> bool) -> Vec<Got> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.all();
            if done(&got) {
                return got;
            }
            assert!(Instant::now() < deadline, "{what}: got {got:#?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The accepted (2xx-answered) deliveries.
    pub fn accepted(&self) -> Vec<Got> {
        self.all()
            .into_iter()
            .filter(|g| (200..300).contains(&g.answered))
            .collect()
    }
}

/// A sandbox server that verifies Basiq's deliveries with [`BASIQ_SECRET`] and sends the
/// host's events to `receiver` (seven attempts, 100 ms apart).
pub async fn app_for(receiver: &Receiver) -> TestApp {
    app_with(&[
        "--basiq-webhook-secret",
        BASIQ_SECRET,
        "--host-webhook-url",
        &receiver.url,
        "--host-webhook-secret",
        HOST_SECRET,
        "--host-webhook-retry-schedule",
        "100ms,100ms,100ms,100ms,100ms,100ms",
    ])
    .await
}

/// Posts a delivery with exactly these headers (`None`: left out).
pub async fn post_raw(
    app: &TestApp,
    id: Option<&str>,
    ts: Option<String>,
    sig: Option<String>,
    body: &str,
) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url("/api/webhooks/basiq"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(id) = id {
        req = req.header("webhook-id", id);
    }
    if let Some(ts) = ts {
        req = req.header("webhook-timestamp", ts);
    }
    if let Some(sig) = sig {
        req = req.header("webhook-signature", sig);
    }
    req.send().await.unwrap()
}

/// Posts a delivery signed with [`BASIQ_SECRET`] at `ts`.
pub async fn deliver_at(app: &TestApp, id: &str, ts: i64, body: &str) -> reqwest::Response {
    let sig = sign(BASIQ_SECRET, id, ts, body);
    post_raw(app, Some(id), Some(ts.to_string()), Some(sig), body).await
}

/// Posts a delivery signed with [`BASIQ_SECRET`] now.
pub async fn deliver(app: &TestApp, id: &str, body: &str) -> reqwest::Response {
    deliver_at(app, id, now(), body).await
}

/// Asserts a refusal (401 `webhook-refused`) and that nothing reached the host.
pub async fn assert_refused(res: reqwest::Response, receiver: &Receiver) {
    assert_eq!(res.status(), 401);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], "webhook-refused", "{v}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(receiver.all().is_empty(), "{:?}", receiver.all());
}

/// Asserts that a good delivery is then accepted and reaches the host (the refusal was about
/// the defect, not the route).
pub async fn assert_good_one_passes(app: &TestApp, receiver: &Receiver) {
    let body = basiq_body("connection.deleted", "u-good", "/connections/c-good");
    assert_eq!(deliver(app, "msg_good", &body).await.status(), 204);
    receiver.wait("the good delivery", |g| g.len() == 1).await;
}
