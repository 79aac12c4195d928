//! Test helpers: a real server on 127.0.0.1:0 in sandbox mode, stopped on drop.
#![allow(dead_code)] // each test binary uses a different part of these helpers

use std::path::PathBuf;

use bank_connect_server::{Config, RunningServer};
use clap::Parser;

/// A running server and an HTTP client for it.
pub struct TestApp {
    /// The server (sandbox mode: its simulator runs in-process on another port).
    pub server: RunningServer,
    /// A plain client.
    pub http: reqwest::Client,
}

impl TestApp {
    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }
}

/// The default test config: port 0, fast simulator, an empty dist dir.
pub fn test_config(extra: &[&str]) -> Config {
    let dist = std::env::temp_dir().join(format!("bank-connect-test-dist-{}", std::process::id()));
    let mut args = vec![
        "bank-connect-server",
        "--bind",
        "127.0.0.1:0",
        "--sandbox-speed",
        "100",
    ];
    args.extend_from_slice(extra);
    let mut config = Config::parse_from(args);
    if !extra.contains(&"--dist-dir") {
        config.dist_dir = dist;
    }
    config
}

/// Starts a server with the default test config.
pub async fn spawn_app() -> TestApp {
    spawn_with(test_config(&[])).await
}

/// Starts a server with `config`.
pub async fn spawn_with(config: Config) -> TestApp {
    let server = bank_connect_server::start(config)
        .await
        .expect("server starts");
    TestApp {
        server,
        http: reqwest::Client::new(),
    }
}

/// A dist directory holding `index.html` with `html` and one asset.
pub fn dist_with_index(html: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bank-connect-dist-{}-{}",
        std::process::id(),
        uuid_like()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), html).unwrap();
    std::fs::write(dir.join("app-123.js"), "console.log(1)").unwrap();
    std::fs::write(dir.join("app-123.js.br"), b"\x0b\x06\x80console.log(1)\x03").unwrap();
    dir
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}
