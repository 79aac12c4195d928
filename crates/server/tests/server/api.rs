//! The server's HTTP surface, against the real simulator, over real HTTP.

use crate::support::{dist_with_index, spawn_app, spawn_with, test_config};
use serde::Deserialize;

/// The compact directory as this test reads it (its own wire type).
#[derive(Deserialize)]
struct Directory {
    version: u32,
    institutions: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    id: String,
    name: String,
    login_id_caption: String,
}

#[tokio::test]
async fn healthz_answers() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn institutions_come_from_the_simulator_with_an_etag() {
    let app = spawn_app().await;
    let res = app.get("/api/institutions").await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong etag: {etag}"
    );
    let dir: Directory = res.json().await.unwrap();
    assert_eq!(dir.version, 1);
    let hooli = dir
        .institutions
        .iter()
        .find(|i| i.id == "AU00000")
        .expect("Hooli Bank listed");
    assert_eq!(hooli.name, "Hooli Bank");
    assert_eq!(hooli.login_id_caption, "Login");

    let again = app
        .http
        .get(app.url("/api/institutions"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(
        again.headers().get("content-security-policy").is_none(),
        "a 304 updates the cached response's headers: it keeps the policy it came with"
    );
    assert!(again.bytes().await.unwrap().is_empty());

    let other = app
        .http
        .get(app.url("/api/institutions"))
        .header("If-None-Match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn config_holds_no_secret() {
    let app = spawn_app().await;
    let res = app.get("/api/config").await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let key = app.server.sandbox().unwrap().api_key().to_owned();
    assert!(
        !text.contains(&key),
        "the API key must never reach the browser"
    );
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["basiqUrl"], app.server.basiq_url());
    assert_eq!(body["basiqVersion"], "2.1");
    assert_eq!(body["sandbox"], true);
}

#[tokio::test]
async fn unknown_api_route_is_a_json_404() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(app.url("/api/nope"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not-found");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn index_has_a_strict_csp_that_allows_its_own_bootstrap() {
    let html = "<!doctype html><html><head><script type=\"module\">import init from '/app-0123456789abcdef.js';init();</script></head><body></body></html>";
    let dist = dist_with_index(html);
    let dist_arg = dist.to_string_lossy().into_owned();
    let app = spawn_with(test_config(&["--dist-dir", &dist_arg])).await;

    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("'sha256-"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        csp.contains(&format!("connect-src 'self' {}", app.server.basiq_url())),
        "{csp}"
    );
    assert_eq!(res.text().await.unwrap(), html);

    let asset = app.get("/app-0123456789abcdef.js").await;
    assert_eq!(asset.status(), 200);
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );

    let compressed = app
        .http
        .get(app.url("/app-0123456789abcdef.js"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.status(), 200);
    assert_eq!(
        compressed.headers()["content-encoding"],
        "br",
        "precompressed brotli is served when accepted"
    );
    let index_cache = app.get("/").await;
    assert_eq!(index_cache.headers()["cache-control"], "no-cache");

    let deep = app
        .http
        .get(app.url("/connections"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(deep.status(), 200, "client-side routes get the app");
    let missing = app.get("/missing.png").await;
    assert_eq!(missing.status(), 404);
    std::fs::remove_dir_all(dist).ok();
}

#[tokio::test]
async fn a_wrong_api_key_is_a_clear_startup_error() {
    let sim = basiq_sim::Simulator::builder()
        .api_key("the-right-key")
        .spawn()
        .await
        .unwrap();
    let url = sim.base_url().to_owned();
    let config = test_config(&["--basiq-api-key", "the-wrong-key", "--basiq-api-url", &url]);
    let err = bank_connect_server::start(config)
        .await
        .err()
        .expect("start must fail");
    let text = err.to_string();
    assert!(text.contains("BASIQ_API_KEY was rejected"), "{text}");
    assert!(text.contains("Unable to authenticate"), "{text}");
    assert!(
        !text.contains("the-wrong-key"),
        "the key must not be echoed: {text}"
    );
}

#[tokio::test]
async fn a_port_in_use_is_a_clear_startup_error() {
    let first = spawn_app().await;
    let addr = first.server.addr().to_string();
    let mut config = test_config(&[]);
    config.bind = first.server.addr();
    let err = bank_connect_server::start(config)
        .await
        .err()
        .expect("second bind fails");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("cannot listen on {addr}")),
        "{text}"
    );
}

#[tokio::test]
async fn embed_js_is_served_to_other_origins_with_an_etag() {
    let app = spawn_app().await;
    let res = app.get("/embed.js").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        res.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let body = res.text().await.unwrap();
    assert!(
        body.contains("BankConnect") && !body.contains("\"*\""),
        "never posts to \"*\""
    );
    let again = app
        .http
        .get(app.url("/embed.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

/// `GET /api/openapi.json` serves the checked-in document, and a query string that does not
/// parse is a JSON 400 like every other refusal (not axum's plain-text rejection).
#[tokio::test]
async fn the_api_document_is_served_and_bad_queries_answer_json() {
    let app = spawn_app().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let served = res.text().await.unwrap();
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/openapi.json"
    ))
    .unwrap();
    assert_eq!(served, checked_in);
    let doc: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    let res = app
        .http
        .delete(app.url("/api/session?delete_user=maybe"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "bad-request");
}
