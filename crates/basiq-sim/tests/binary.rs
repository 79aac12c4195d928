//! The `basiq-sim` binary runs alone, logs one line per request (never its API key), prints
//! its admin token once, and stops cleanly on SIGTERM.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Kills the child if the test fails half-way.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_serves_logs_and_stops_on_sigterm() {
    let exe = env!("CARGO_BIN_EXE_basiq-sim");
    let child = Command::new(exe)
        .args([
            "--port",
            "0",
            "--api-key",
            "bin-key",
            "--speed",
            "100",
            "--seed",
            "3",
            "--organisation",
            "Binary Org",
            "--redirect-url",
            "http://127.0.0.1:9/back",
            "--consent-days",
            "90",
            "--admin",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut guard = Guard(child);
    let stdout = guard.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let wait_line = |pred: &dyn Fn(&str) -> bool| -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).expect("expected log line");
            seen.borrow_mut().push(line.clone());
            if pred(&line) {
                return line;
            }
        }
    };
    let line = wait_line(&|l| l.contains("listening on http://"));
    let base = line
        .split("listening on ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("url in the log line")
        .to_string();
    let admin_line = wait_line(&|l| l.contains("admin token"));
    let admin_token = admin_line
        .rsplit(' ')
        .next()
        .expect("token at the end of the line")
        .to_string();
    assert_eq!(admin_token.len(), 32, "{admin_line}");

    let c = reqwest::Client::new();
    let r = c
        .post(format!("{base}/token"))
        .header("Authorization", "Basic bin-key")
        .header("basiq-version", "2.1")
        .body("scope=SERVER_ACCESS")
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200);
    let logged = wait_line(&|l| l.contains("/token"));
    assert!(logged.contains("POST /token 200"), "{logged}");
    let r = c
        .get(format!("{base}/public/institutions"))
        .send()
        .await
        .expect("public");
    assert_eq!(r.status(), 200);

    // The Consent UI flags are applied, and its launch token never reaches the log.
    let r = c
        .get(format!(
            "{base}/consent/home?token=secret-launch-token&state=s"
        ))
        .send()
        .await
        .expect("consent");
    assert_eq!(r.status(), 401);
    let csp = r
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:9"),
        "{csp}"
    );
    assert!(r.text().await.expect("page").contains("Binary Org"));
    let logged = wait_line(&|l| l.contains("/consent/home"));
    assert!(logged.contains("token=…&state=s"), "{logged}");
    assert!(!logged.contains("secret-launch-token"), "{logged}");

    // The admin routes answer only with the printed token.
    let admin = format!("{base}/__admin/tokens/expire");
    let r = c
        .post(&admin)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("admin");
    assert_eq!(r.status(), 401);
    let r = c
        .post(&admin)
        .bearer_auth(&admin_token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("admin");
    assert_eq!(r.status(), 204);
    wait_line(&|l| l.contains("POST /__admin/tokens/expire 204"));

    let pid = guard.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = guard.0.try_wait().expect("try_wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "binary did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "clean exit: {status:?}");
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(2)) {
        seen.borrow_mut().push(line);
    }
    let seen = seen.into_inner();
    assert!(seen.iter().any(|l| l.contains("shutting down")), "{seen:?}");
    assert!(
        !seen.iter().any(|l| l.contains("bin-key")),
        "the API key reached the output: {seen:?}"
    );
    let printed = seen.iter().filter(|l| l.contains(&admin_token)).count();
    assert_eq!(printed, 1, "the admin token is printed once: {seen:?}");
}
