//! Webhooks out to the host: signed so a third-party Standard Webhooks implementation
//! verifies them, retried until delivered once and in order per user, and delivered after a
//! `kill -9` and restart of the real binary.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::temp_data_dir;
use crate::webhooks_support::*;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Verifies a received event with the `standardwebhooks` npm package (installed by
/// `cargo xtask setup`); its parsed payload, or its error message.
fn third_party_verify(secret: &str, got: &Got, body: &str) -> Result<Value, String> {
    let root = repo_root();
    assert!(
        root.join("node_modules/standardwebhooks/dist/index.js")
            .is_file(),
        "node_modules/standardwebhooks is missing: run `cargo xtask setup` (or npm install)"
    );
    let script = r#"
        const { Webhook } = require("standardwebhooks");
        const [secret, id, ts, sig, body] = process.argv.slice(1);
        try {
            const payload = new Webhook(secret).verify(body, {
                "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig });
            console.log(JSON.stringify(payload));
        } catch (e) { console.error(e.message); process.exit(3); }
    "#;
    let out = Command::new("node")
        .current_dir(&root)
        .args([
            "-e",
            script,
            secret,
            &got.id,
            &got.timestamp,
            &got.signature,
            body,
        ])
        .output()
        .expect("node runs (cargo xtask setup installs it)");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("the verifier prints the payload"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test]
async fn a_revoked_consent_reaches_the_host_signed_and_a_third_party_verifies_it() {
    let receiver = Receiver::start(&[]).await;
    let app = app_for(&receiver).await;
    let body = basiq_body("consent.revoked", "u-7", "/consents/k-7");
    assert_eq!(deliver(&app, "msg_revoked", &body).await.status(), 204);
    let got = receiver.wait("consent.revoked", |g| g.len() == 1).await;
    let g = &got[0];
    let payload = third_party_verify(HOST_SECRET, g, &g.body).expect("standardwebhooks verifies");
    assert_eq!(payload["type"], "consent.revoked");
    assert_eq!(payload["data"]["basiqUserId"], "u-7");
    assert_eq!(payload["data"]["consentId"], "k-7");
    assert!(
        payload["timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    // The same verifier refuses a changed body and another secret: it really checks.
    let tampered = g.body.replace("k-7", "k-8");
    assert!(third_party_verify(HOST_SECRET, g, &tampered).is_err());
    assert!(third_party_verify(BASIQ_SECRET, g, &g.body).is_err());
}

#[tokio::test]
async fn a_host_failing_three_times_gets_each_event_once_in_order_per_user() {
    let receiver = Receiver::start(&[500, 503, 500]).await;
    let app = app_for(&receiver).await;
    let a = [
        (
            "msg_a1",
            basiq_body("connection.created", "u-a", "/connections/c1"),
        ),
        (
            "msg_a2",
            basiq_body("connection.invalidated", "u-a", "/connections/c1"),
        ),
        (
            "msg_a3",
            basiq_body("connection.deleted", "u-a", "/connections/c1"),
        ),
    ];
    let b = (
        "msg_b1",
        basiq_body("consent.expired", "u-b", "/consents/k1"),
    );
    for (id, body) in a.iter().chain(std::iter::once(&b)) {
        assert_eq!(deliver(&app, id, body).await.status(), 204);
    }
    let got = receiver
        .wait("four events accepted", |g| {
            g.iter()
                .filter(|g| (200..300).contains(&g.answered))
                .count()
                >= 4
        })
        .await;
    assert_eq!(got.iter().filter(|g| g.answered >= 500).count(), 3);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let accepted = receiver.accepted();
    let mut ids: Vec<&str> = accepted.iter().map(|g| g.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids.len(),
        4,
        "each event accepted exactly once: {accepted:#?}"
    );
    assert_eq!(accepted.len(), 4, "{accepted:#?}");
    // Every attempt of user a's events, failed or not, in the order they happened.
    let kinds_of_a: Vec<String> = receiver
        .all()
        .iter()
        .map(Got::json)
        .filter(|v| v["data"]["basiqUserId"] == "u-a")
        .map(|v| v["type"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = kinds_of_a.clone();
    let rank = |k: &String| {
        [
            "connection.created",
            "connection.invalidated",
            "connection.deleted",
        ]
        .iter()
        .position(|x| x == k)
    };
    sorted.sort_by_key(rank);
    assert_eq!(kinds_of_a, sorted, "user a's events out of order");
    let accepted_a: Vec<String> = accepted
        .iter()
        .map(Got::json)
        .filter(|v| v["data"]["basiqUserId"] == "u-a")
        .map(|v| v["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        accepted_a,
        [
            "connection.created",
            "connection.invalidated",
            "connection.deleted"
        ]
    );
    // Retries keep the webhook-id: the failed attempts' ids are among the accepted ones.
    for g in receiver.all().iter().filter(|g| g.answered >= 500) {
        assert!(ids.contains(&g.id.as_str()), "{}", g.id);
    }
}

/// A server process, killed (`kill -9`) when dropped, so a failing test leaves none behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real binary in sandbox mode on `data_dir`; returns it and its URL.
fn spawn_server(data_dir: &std::path::Path, receiver: &Receiver) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bank-connect-server"))
        .env_remove("BASIQ_API_KEY")
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env("BANK_CONNECT_BIND", "127.0.0.1:0")
        .env("DATA_DIR", data_dir)
        .env("BASIQ_WEBHOOK_SECRET", BASIQ_SECRET)
        .env("HOST_WEBHOOK_URL", &receiver.url)
        .env("HOST_WEBHOOK_SECRET", HOST_SECRET)
        .env("HOST_WEBHOOK_RETRY_SCHEDULE", vec!["200ms"; 60].join(","))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("bank-connect is running at ") {
                let _ = tx.send(url.to_owned());
            }
        }
    });
    let child = Killed(child);
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server says where it runs");
    (child, url)
}

#[tokio::test]
async fn undelivered_events_are_delivered_after_a_kill_and_restart() {
    let receiver = Receiver::start(&[]).await;
    // The host is down for now: every attempt fails.
    receiver.script.lock().unwrap().extend([500; 1000]);
    let dir = temp_data_dir();
    let (first, url) = spawn_server(&dir, &receiver);
    let body = basiq_body("consent.revoked", "u-r", "/consents/k-r");
    let ts = now();
    let res = reqwest::Client::new()
        .post(format!("{url}/api/webhooks/basiq"))
        .header("webhook-id", "msg_restart")
        .header("webhook-timestamp", ts.to_string())
        .header(
            "webhook-signature",
            sign(BASIQ_SECRET, "msg_restart", ts, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let failed = receiver.wait("a failed attempt", |g| !g.is_empty()).await;
    let id = failed[0].id.clone();
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(first); // kill -9
    // The host is back; a new process on the same store delivers the event.
    receiver.script.lock().unwrap().clear();
    let before = receiver.all().len();
    let (second, _) = spawn_server(&dir, &receiver);
    let got = receiver
        .wait("the event after the restart", |g| {
            g.iter().skip(before).any(|g| g.answered == 204)
        })
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let accepted = receiver.accepted();
    drop(second);
    assert_eq!(accepted.len(), 1, "delivered once: {accepted:#?}");
    assert_eq!(
        accepted[0].id, id,
        "the same webhook-id as before the restart"
    );
    assert_eq!(accepted[0].json()["type"], "consent.revoked");
    assert!(got.len() > before);
}

#[tokio::test]
async fn register_webhook_subscribes_once_and_prints_the_secret() {
    let sim = basiq_sim::Simulator::builder().spawn().await.unwrap();
    let run = |sim_url: String, key: String, data: PathBuf| {
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_bank-connect-server"))
                .args([
                    "register-webhook",
                    "--url",
                    "https://connect.example.com/api/webhooks/basiq",
                ])
                .env("RUST_LOG", "off")
                .env("BASIQ_API_KEY", key)
                .env("BASIQ_API_URL", sim_url)
                .env("DATA_DIR", data)
                .env(
                    "SESSION_SECRET",
                    "a-session-secret-of-at-least-32-characters",
                )
                .env("PUBLIC_ORIGIN", "https://connect.example.com")
                .output()
                .unwrap()
        })
    };
    let secret_of = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        said.lines()
            .find_map(|l| l.strip_prefix("BASIQ_WEBHOOK_SECRET="))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no secret line: {said}"))
    };
    let data = temp_data_dir();
    let (url, key) = (sim.base_url().to_owned(), sim.api_key().to_owned());
    let first = run(url.clone(), key.clone(), data.clone()).await.unwrap();
    let said = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        said.contains(": created"),
        "{said} / {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains(": created"));
    let secret = secret_of(&first);
    assert!(secret.starts_with("whsec_"));
    let again = run(url, key, data).await.unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains(": already there"));
    assert_eq!(secret_of(&again), secret, "one subscription, one secret");
}
