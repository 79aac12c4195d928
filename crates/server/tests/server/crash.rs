//! The binary killed with SIGKILL in the middle of traffic, then started again on the same
//! SQLite store: every host user still maps to the Basiq user it had, and its bank is listed.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::replicas::{HOST_SECRET, KEY, SESSION_SECRET, external_sim};
use crate::support::{Grant, connect_at, cookie_client, temp_data_dir};

/// A server process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts the binary on a free port against `basiq` with its SQLite store in `data_dir`;
/// returns it with its base URL once `/readyz` says ready.
async fn start_binary(basiq: &str, data_dir: &str) -> (Process, String) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_bank-connect-server"))
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env_remove("DATABASE_URL")
        .env("BASIQ_API_KEY", KEY)
        .env("BASIQ_API_URL", basiq)
        .env("PUBLIC_ORIGIN", &url)
        .env("SESSION_SECRET", SESSION_SECRET)
        .env("HOST_API_SECRET", HOST_SECRET)
        .env("DATA_DIR", data_dir)
        .env("TOKEN_RATE_PER_IP", "0")
        .env("LINK_TOKEN_RATE", "0")
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let process = Process(child);
    let http = reqwest::Client::new();
    for _ in 0..150 {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await
            && r.status() == 200
        {
            return (process, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server at {url} did not become ready");
}

/// Mints and redeems a link token for `user_ref`; the grant, or `None` on any failure.
async fn try_session(url: &str, client: &reqwest::Client, user_ref: &str) -> Option<Grant> {
    let minted: Value = reqwest::Client::new()
        .post(format!("{url}/api/link-tokens"))
        .bearer_auth(HOST_SECRET)
        .json(&json!({"user_ref": user_ref, "email": format!("{user_ref}@example.com")}))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let res = client
        .post(format!("{url}/api/token"))
        .json(&json!({"link_token": minted["link_token"].as_str()?}))
        .send()
        .await
        .ok()?;
    if res.status() != 200 {
        return None;
    }
    res.json().await.ok()
}

#[tokio::test]
async fn sqlite_kill_9_in_the_middle_of_traffic_loses_no_host_user() {
    let sim = external_sim().await;
    let dir = temp_data_dir().display().to_string();
    let (process, url) = start_binary(sim.base_url(), &dir).await;
    let client = cookie_client();
    let grant = try_session(&url, &client, "u-1").await.expect("a session");
    connect_at(
        sim.base_url(),
        &grant,
        "gavinBelson",
        "hooli2016",
        "AU00000",
    )
    .await;

    // Traffic: new and returning host users, token requests and lists, from 8 tasks.
    let seen: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let changed: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (url, seen, changed) = (url.clone(), seen.clone(), changed.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let user_ref = format!("u-{}", (w * 7 + i) % 12);
                    let client = cookie_client();
                    if let Some(g) = try_session(&url, &client, &user_ref).await {
                        let mut seen = seen.lock().unwrap();
                        let known = seen.entry(user_ref.clone()).or_insert(g.user_id.clone());
                        if *known != g.user_id {
                            changed.lock().unwrap().push(user_ref);
                        }
                    }
                    let _ = client.get(format!("{url}/api/connections")).send().await;
                }
            })
        })
        .collect();
    // Kill once traffic is well under way (several host users created), however slow the machine.
    for _ in 0..200 {
        if seen.lock().unwrap().len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut process = process;
    process.0.kill().expect("SIGKILL");
    let _ = process.0.wait();
    tokio::time::sleep(Duration::from_millis(200)).await;
    for w in &workers {
        w.abort();
    }
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() > 3, "traffic reached the server: {seen:?}");
    assert!(
        changed.lock().unwrap().is_empty(),
        "users changed mid-traffic: {changed:?}"
    );

    let (_again, url) = start_binary(sim.base_url(), &dir).await;
    let fresh = cookie_client();
    let back = try_session(&url, &fresh, "u-1")
        .await
        .expect("a session after the crash");
    assert_eq!(
        back.user_id, grant.user_id,
        "the same Basiq user after kill -9"
    );
    let listed: Vec<Value> = fresh
        .get(format!("{url}/api/connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    for (user_ref, user) in &seen {
        let g = try_session(&url, &cookie_client(), user_ref)
            .await
            .expect("a session");
        assert_eq!(&g.user_id, user, "{user_ref} kept its Basiq user");
    }
    // The host's own copy, read while the server runs.
    let out = Command::new(env!("CARGO_BIN_EXE_bank-connect-server"))
        .arg("export-users")
        .env_remove("DATABASE_URL")
        .env("DATA_DIR", &dir)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(csv.starts_with("host,user_ref,basiq_user_id\n"), "{csv}");
    assert!(
        csv.contains(&format!("default,u-1,{}\n", grant.user_id)),
        "{csv}"
    );
    for (user_ref, user) in &seen {
        assert!(
            csv.contains(&format!("default,{user_ref},{user}\n")),
            "{csv}"
        );
    }
}
