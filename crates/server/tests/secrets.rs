//! No response and no log line ever contains the API key; no log line and no `/metrics` scrape
//! contains a token, a session cookie or a password; JSON log lines are JSON. One in-process
//! test in this binary: it installs the global log subscriber (the other runs the binary).

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
        "--metrics-bind",
        "127.0.0.1:0",
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
    let metrics_url = format!("http://{}/metrics", app.server.metrics_addr().unwrap());
    let scraped = scrape(&metrics_url, "bank_connect_http_requests_total").await;
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
        assert_no_leak(&log, &scraped, what, secret);
    }
}

fn record(seen: &mut String, headers: &reqwest::header::HeaderMap, body: &str) {
    for (k, v) in headers {
        seen.push_str(&format!("{k}: {}\n", v.to_str().unwrap_or("")));
    }
    seen.push_str(body);
    seen.push('\n');
}

/// A server process, killed when dropped.
struct Process(Option<std::process::Child>);

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Process {
    /// Kills the process; its stderr, every line of which must be one JSON object, and the
    /// lines parsed.
    async fn stop_for_json_log(&mut self) -> (String, Vec<Value>) {
        let mut child = self.0.take().expect("running");
        let out = tokio::task::spawn_blocking(move || {
            let _ = child.kill();
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        let log = String::from_utf8(out.stderr).unwrap();
        let lines = log
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
            })
            .collect();
        (log, lines)
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The binary with `LOG_FORMAT=json` at trace level against a simulator: every stderr line is
/// one JSON object, and neither a line nor the `/metrics` scrape holds the API key, the session
/// secret, a token or the password.
#[tokio::test]
async fn json_logs_and_metrics_of_the_binary_hold_no_secrets() {
    let key = "api-key-for-the-json-log-test";
    let session_secret = "session-secret-json-log-test-0123456789";
    let host_secret = "host-secret-json-log-test";
    let sim = basiq_sim::Simulator::builder()
        .api_key(key)
        .spawn()
        .await
        .unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let url = format!("http://127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_bank-connect-server"))
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env_remove("DATABASE_URL")
        .env("BASIQ_API_KEY", key)
        .env("BASIQ_API_URL", sim.base_url())
        .env("PUBLIC_ORIGIN", &url)
        .env("SESSION_SECRET", session_secret)
        .env("HOST_API_SECRET", host_secret)
        .env("DATA_DIR", support::temp_data_dir())
        .env("METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut process = Process(Some(child));
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..150 {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await
            && r.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the server at {url} did not become ready");

    let link: Value = http
        .post(format!("{url}/api/link-tokens"))
        .bearer_auth(host_secret)
        .json(&json!({"user_ref": "json-1", "email": "json@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link_token = link["link_token"].as_str().unwrap().to_owned();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = browser
        .post(format!("{url}/api/token"))
        .json(&json!({ "link_token": link_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let grant: support::Grant = res.json().await.unwrap();
    let connections = browser
        .get(format!("{url}/api/connections"))
        .send()
        .await
        .unwrap();
    assert_eq!(connections.status(), 200);
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let scraped = scrape(&metrics_url, "bank_connect_upstream_calls_total").await;

    let (log, lines) = process.stop_for_json_log().await;
    assert!(log.lines().count() > 10, "the flow was logged:\n{log}");
    let mut requests = 0;
    for parsed in &lines {
        if parsed["target"] == "bank_connect_server::http" {
            assert!(parsed["fields"]["status"].is_u64(), "{parsed}");
            requests += 1;
        }
    }
    assert!(requests >= 4, "one JSON line per request:\n{log}");
    for (what, secret) in [
        ("the API key", key),
        ("the session secret", session_secret),
        ("the host secret", host_secret),
        ("the client token", grant.access_token.as_str()),
        ("the link token", link_token.as_str()),
    ] {
        assert_no_leak(&log, &scraped, what, secret);
    }
}

/// `GET url` answers the Prometheus text, which holds `metric`.
async fn scrape(url: &str, metric: &str) -> String {
    let scraped = reqwest::get(url).await.unwrap().text().await.unwrap();
    assert!(scraped.contains(metric), "{scraped}");
    scraped
}

/// Neither the log nor the `/metrics` scrape holds `secret`.
fn assert_no_leak(log: &str, scraped: &str, what: &str, secret: &str) {
    assert!(!scraped.contains(secret), "/metrics contains {what}");
    let leaks: Vec<&str> = log.lines().filter(|l| l.contains(secret)).collect();
    assert!(
        leaks.is_empty(),
        "the log contains {what}:\n{}",
        leaks.join("\n")
    );
}

/// The binary in sandbox mode with `LOG_FORMAT=json` at trace level: the built-in simulator
/// logs into the same JSON stream, and neither a line nor the `/metrics` scrape holds the
/// simulator's API key, the client token, the bank password or an MFA code the person typed.
#[tokio::test]
async fn json_logs_and_metrics_of_the_sandbox_binary_hold_no_password_or_code() {
    let (port, metrics_port) = (free_port(), free_port());
    let url = format!("http://127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_bank-connect-server"))
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--sandbox-speed",
            "10",
        ])
        .env_remove("BASIQ_API_KEY")
        .env_remove("DATABASE_URL")
        .env_remove("DATA_DIR")
        .env("METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut process = Process(Some(child));
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut grant = None;
    for _ in 0..150 {
        if let Ok(r) = browser.post(format!("{url}/api/token")).send().await
            && r.status() == 200
        {
            grant = Some(r.json::<support::Grant>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let grant = grant.expect("the sandbox server answered POST /api/token");
    let config: Value = browser
        .get(format!("{url}/api/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let basiq = config["basiqUrl"].as_str().unwrap().trim_end_matches('/');

    // Hooli with its password; Pied Piper asks a security question, answered wrongly first.
    let password = "hooli2016";
    support::connect_at(basiq, &grant, "gavinBelson", password, "AU00000").await;
    let http = reqwest::Client::new();
    let job: Value = http
        .post(format!("{basiq}/users/{}/connections", grant.user_id))
        .bearer_auth(&grant.access_token)
        .json(&json!({"loginId": "gavinBelson", "password": password, "institution": {"id": "AU00002"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job_url = format!("{basiq}/jobs/{}", job["id"].as_str().unwrap());
    let code = "Aviato-7301";
    let mut answered = false;
    for _ in 0..400 {
        let state: Value = http
            .get(&job_url)
            .bearer_auth(&grant.access_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let challenged = state["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["result"]["type"] == "mfa");
        if challenged {
            let res = http
                .post(format!("{job_url}/mfa"))
                .bearer_auth(&grant.access_token)
                .json(&json!({"mfa-response": [code]}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(answered, "Pied Piper never asked its question");
    let connections = browser
        .get(format!("{url}/api/connections"))
        .send()
        .await
        .unwrap();
    assert_eq!(connections.status(), 200);
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let scraped = scrape(&metrics_url, "bank_connect_upstream_calls_total").await;

    let (log, lines) = process.stop_for_json_log().await;
    let simulator_lines = lines
        .iter()
        .filter(|l| {
            l["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("basiq_sim"))
        })
        .count();
    assert!(
        simulator_lines > 0,
        "the simulator logs into the same stream:\n{log}"
    );
    for (what, secret) in [
        ("the client token", grant.access_token.as_str()),
        ("the bank password", password),
        ("the MFA answer", code),
    ] {
        assert_no_leak(&log, &scraped, what, secret);
    }
}
