//! No response and no log line ever contains the API key; no log line contains a token, a
//! session cookie or a password. One test per binary: it installs the global log subscriber.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use support::{spawn_with, test_config};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_responses_or_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    // Everything the server side can log, at every level. The test's own HTTP client (reqwest and
    // its cookie store, which log cookies they receive) is not the code under test.
    let filter = tracing_subscriber::EnvFilter::new("trace,reqwest=off,cookie_store=off");
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let host_secret = "host-secret-for-the-leak-test";
    let app = spawn_with(test_config(&[
        "--host-api-secret",
        host_secret,
        "--token-rate-per-ip",
        "0",
    ]))
    .await;
    let key = app.server.sandbox().unwrap().api_key().to_owned();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut seen = String::new();

    // Host mints a link token; the browser exchanges it; then the whole connect flow.
    let res = reqwest::Client::new()
        .post(app.url("/api/link-tokens"))
        .bearer_auth(host_secret)
        .json(&json!({"user_ref": "u-1", "email": "leak@example.com"}))
        .send()
        .await
        .unwrap();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    record(&mut seen, &headers, &text);
    let link: Value = serde_json::from_str(&text).unwrap();
    let res = browser
        .post(app.url("/api/token"))
        .json(&json!({"link_token": link["link_token"]}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    record(&mut seen, &headers, &text);
    let grant: support::Grant = serde_json::from_str(&text).unwrap();
    let token = grant.access_token.clone();

    let password = "hooli2016";
    app.connect(&grant, "gavinBelson", password, "AU00000")
        .await;
    let mut paths = vec![
        "/api/config".to_owned(),
        "/api/institutions".to_owned(),
        "/api/connections".to_owned(),
        "/api/accounts".to_owned(),
    ];
    let conns: Vec<Value> = browser
        .get(app.url("/api/connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cid = conns[0]["id"].as_str().unwrap().to_owned();
    paths.push(format!("/api/connections/{cid}/transactions?limit=3"));
    paths.push("/api/nope".into());
    paths.push("/readyz".into());
    for p in &paths {
        let res = browser.get(app.url(p)).send().await.unwrap();
        let headers = res.headers().clone();
        record(&mut seen, &headers, &res.text().await.unwrap());
    }
    for res in [
        browser
            .post(app.url(&format!("/api/connections/{cid}/refresh")))
            .send()
            .await
            .unwrap(),
        browser
            .delete(app.url(&format!("/api/connections/{cid}")))
            .send()
            .await
            .unwrap(),
        browser
            .post(app.url("/api/token"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap(),
    ] {
        let headers = res.headers().clone();
        record(&mut seen, &headers, &res.text().await.unwrap());
    }

    assert!(!seen.contains(&key), "a response carried the API key");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(log.lines().count() > 10, "the flow was logged:\n{log}");
    assert!(
        log.contains("/api/token"),
        "requests are logged one line each"
    );
    for (what, secret) in [
        ("the API key", key.as_str()),
        ("the client token", token.as_str()),
        ("the session cookie", cookie.split_once('=').unwrap().1),
        ("the host secret", host_secret),
        ("the link token", link["link_token"].as_str().unwrap()),
        ("the bank password", password),
    ] {
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(secret)).collect();
        assert!(
            leaks.is_empty(),
            "the log contains {what}:\n{}",
            leaks.join("\n")
        );
    }
}

fn record(seen: &mut String, headers: &reqwest::header::HeaderMap, body: &str) {
    for (k, v) in headers {
        seen.push_str(&format!("{k}: {}\n", v.to_str().unwrap_or("")));
    }
    seen.push_str(body);
    seen.push('\n');
}
