//! Test helpers: a real server on 127.0.0.1:0 in sandbox mode, stopped on drop, with one method
//! per endpoint so tests say what they ask rather than how.
#![allow(dead_code)] // each test binary uses a different part of these helpers

use std::path::PathBuf;
use std::time::Duration;

use bank_connect_server::{Config, RunningServer};
use clap::Parser;
use serde::Deserialize;
use serde_json::{Value, json};

/// A running server and an HTTP client for it.
pub struct TestApp {
    /// The server (sandbox mode: its simulator runs in-process on another port).
    pub server: RunningServer,
    /// A plain client.
    pub http: reqwest::Client,
}

/// `POST /api/token` answer as the tests read it.
#[derive(Debug, Deserialize)]
pub struct Grant {
    /// CLIENT_ACCESS token.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The Basiq user.
    pub user_id: String,
}

/// A client that keeps cookies, like a browser.
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

impl TestApp {
    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// `GET path` with the plain client.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// `POST /api/token` from `client` with an empty body.
    pub async fn token(&self, client: &reqwest::Client) -> reqwest::Response {
        client.post(self.url("/api/token")).send().await.unwrap()
    }

    /// `POST /api/token` from `client` with a JSON body.
    pub async fn token_with(&self, client: &reqwest::Client, body: Value) -> reqwest::Response {
        client
            .post(self.url("/api/token"))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/token` that must succeed.
    pub async fn grant(&self, client: &reqwest::Client) -> Grant {
        let res = self.token(client).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }

    /// `POST /api/token {"link_token"}` from `client`.
    pub async fn redeem(&self, client: &reqwest::Client, link_token: &str) -> reqwest::Response {
        self.token_with(client, json!({ "link_token": link_token }))
            .await
    }

    /// `POST /api/link-tokens` with the host secret and `body`.
    pub async fn link_tokens(&self, secret: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/api/link-tokens"))
            .bearer_auth(secret)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A link token for `user_ref`, which must be granted.
    pub async fn mint_link_token(&self, secret: &str, user_ref: &str) -> String {
        let res = self
            .link_tokens(
                secret,
                &json!({"user_ref": user_ref, "email": format!("{user_ref}@example.com")}),
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let v: Value = res.json().await.unwrap();
        v["link_token"].as_str().unwrap().to_owned()
    }

    /// `GET /api/connections` from `client`, which must succeed.
    pub async fn connections(&self, client: &reqwest::Client) -> Vec<Value> {
        let res = client
            .get(self.url("/api/connections"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }

    /// `GET /api/accounts` from `client`, which must succeed.
    pub async fn accounts(&self, client: &reqwest::Client) -> Vec<Value> {
        let res = client.get(self.url("/api/accounts")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }

    /// `GET /api/connections/{id}/transactions?{query}` from `client`.
    pub async fn transactions(
        &self,
        client: &reqwest::Client,
        connection: &str,
        query: &str,
    ) -> reqwest::Response {
        client
            .get(self.url(&format!(
                "/api/connections/{connection}/transactions?{query}"
            )))
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/connections/{id}/refresh` from `client`.
    pub async fn refresh(&self, client: &reqwest::Client, connection: &str) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/connections/{connection}/refresh")))
            .send()
            .await
            .unwrap()
    }

    /// `DELETE /api/connections/{id}` from `client`.
    pub async fn delete_connection(
        &self,
        client: &reqwest::Client,
        connection: &str,
    ) -> reqwest::Response {
        client
            .delete(self.url(&format!("/api/connections/{connection}")))
            .send()
            .await
            .unwrap()
    }

    /// Connects `login` at `institution` straight at the simulator with the client token, as
    /// the browser does, and waits for the job to end. Returns the final job JSON.
    pub async fn connect(
        &self,
        grant: &Grant,
        login: &str,
        password: &str,
        institution: &str,
    ) -> Value {
        connect_at(self.server.basiq_url(), grant, login, password, institution).await
    }
}

/// [`TestApp::connect`] against the Basiq (simulator) at `basiq`.
pub async fn connect_at(
    basiq: &str,
    grant: &Grant,
    login: &str,
    password: &str,
    institution: &str,
) -> Value {
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{basiq}/users/{}/connections", grant.user_id))
        .bearer_auth(&grant.access_token)
        .json(&json!({"loginId": login, "password": password, "institution": {"id": institution}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let job: Value = res.json().await.unwrap();
    let id = job["id"].as_str().unwrap().to_owned();
    for _ in 0..400 {
        let job: Value = http
            .get(format!("{basiq}/jobs/{id}"))
            .bearer_auth(&grant.access_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let steps = job["steps"].as_array().unwrap();
        if steps.iter().any(|s| s["status"] == "failed")
            || steps.iter().all(|s| s["status"] == "success")
        {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {id} did not finish");
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
        config.dist_dir = Some(dist);
    }
    // Each server its own store (sandbox mode keeps it in memory anyway): never ./data.
    if config.database_url.is_none() && config.data_dir.is_none() && config.basiq_api_key.is_some()
    {
        config.data_dir = Some(temp_data_dir());
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

/// A server without the per-IP limit (tests make many token requests), with `extra` flags.
pub async fn app_with(extra: &[&str]) -> TestApp {
    let mut args = vec!["--token-rate-per-ip", "0"];
    args.extend_from_slice(extra);
    spawn_with(test_config(&args)).await
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
    std::fs::write(dir.join("app-0123456789abcdef.js"), "console.log(1)").unwrap();
    std::fs::write(
        dir.join("app-0123456789abcdef.js.br"),
        b"\x0b\x06\x80console.log(1)\x03",
    )
    .unwrap();
    dir
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The session cookie (`name=value`) a response sets.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("bc_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

/// The JSON `code` of an error answer.
pub async fn code_of(res: reqwest::Response) -> String {
    let v: Value = res.json().await.unwrap();
    v["code"].as_str().unwrap_or_default().to_owned()
}

impl TestApp {
    /// `DELETE /api/session{query}` from `client`.
    pub async fn forget(&self, client: &reqwest::Client, query: &str) -> reqwest::Response {
        client
            .delete(self.url(&format!("/api/session{query}")))
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/token` with exactly this `Cookie` header (no cookie store).
    pub async fn token_with_cookie(&self, cookie: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url("/api/token"))
            .header("cookie", cookie)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// The simulator's answer to `GET /users/{id}` with a SERVER token (sandbox mode only).
    pub async fn basiq_user_status(&self, user: &str) -> u16 {
        let sim = self.server.sandbox().expect("sandbox mode");
        let http = reqwest::Client::new();
        let token: Value = http
            .post(format!("{}/token", sim.base_url()))
            .header("authorization", format!("Basic {}", sim.api_key()))
            .header("basiq-version", "2.1")
            .form(&[("scope", "SERVER_ACCESS")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        http.get(format!("{}/users/{user}", sim.base_url()))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// A fresh, empty PostgreSQL database on the test server (`cargo xtask test` starts one and
/// sets `BANK_CONNECT_TEST_DATABASE_URL`); its URL. Panics without the server: these tests
/// must fail, not pass, when PostgreSQL is missing.
pub async fn fresh_postgres() -> String {
    use sqlx::Connection;
    let admin = std::env::var("BANK_CONNECT_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("BANK_CONNECT_TEST_DATABASE_URL is not set: run `cargo xtask test`, or `eval $(cargo xtask postgres)` before cargo test")
    });
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("the test PostgreSQL answers");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// A fresh empty folder for an SQLite store.
pub fn temp_data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bank-connect-store-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
