//! What the page asks the network for: each resource once per page, however early the person
//! opens the picker (the browser's Resource Timing entries list every request it made).

use std::time::Duration;

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{Harness, dist_dir};

/// Opens the picker the moment "+" is there, waits for its options and for the requests that
/// follow to settle, and returns every URL requested.
async fn open_the_picker_at_once(h: &Harness) -> Vec<String> {
    h.driver.goto(h.url("/")).await.unwrap();
    h.button("+ Connect a bank").await.click().await.unwrap();
    h.find(By::Css("[role='option']")).await;
    // Whatever opening the picker starts (token, later modules) has time to be sent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    h.requested_urls().await
}

fn assert_each_once(urls: &[String], visit: &str) {
    assert_none_repeated(urls, visit);
    for api in ["/api/config", "/api/institutions"] {
        assert_eq!(
            urls.iter().filter(|u| u.ends_with(api)).count(),
            1,
            "{visit}: {api} once: {urls:?}"
        );
    }
}

fn assert_none_repeated(urls: &[String], visit: &str) {
    let mut repeated: Vec<&String> = urls
        .iter()
        .filter(|u| urls.iter().filter(|v| v == u).count() > 1)
        .collect();
    repeated.dedup();
    assert!(
        repeated.is_empty(),
        "{visit}: requested more than once: {repeated:?}\nall: {urls:?}"
    );
}

#[tokio::test]
async fn opening_the_picker_early_requests_each_resource_once() {
    Harness::run(|h| async move {
        // 150 ms on every request, so the directory is still on its way when "+" is pressed.
        h.emulate_latency(150).await;
        // A fresh profile: nothing cached, "+" pressed before the directory arrives.
        let first = open_the_picker_at_once(&h).await;
        assert_each_once(&first, "first visit");
        // Again with the directory cached in localStorage (revalidated with its ETag).
        let second = open_the_picker_at_once(&h).await;
        assert_each_once(&second, "second visit");
    })
    .await;
}

/// The app files (`/app-…`) the page fetched.
async fn app_files(h: &Harness) -> Vec<String> {
    h.requested_urls()
        .await
        .into_iter()
        .filter(|u| u.contains("/app-"))
        .collect()
}

/// Waits until the app file whose name contains `part` was fetched (and what that load fetches
/// besides has had time to be sent), then returns the app files the page fetched.
async fn app_files_once_fetched(h: &Harness, part: &str) -> Vec<String> {
    for _ in 0..200 {
        if app_files(h).await.iter().any(|u| u.contains(part)) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            return app_files(h).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no app file named *{part}* was fetched: {:?}",
        app_files(h).await
    );
}

/// The wasm modules in the app files fetched: a `.wasm` is one, a step's bundle
/// (`bundle_<step>.bin`) holds those the build listed for it in the main JS's table
/// (`{picker: {module: length, …}, step: {…}, …}`, the picker's bundle first; the JS is
/// minified).
fn modules_in(files: &[String]) -> Vec<String> {
    let mut modules = Vec::new();
    for url in files {
        let path = url.split("/app-").nth(1).unwrap_or_default();
        let (dir, file) = path.split_once('/').unwrap_or_default();
        if let Some(stem) = file.strip_suffix(".wasm") {
            modules.push(stem.to_owned());
        } else if let Some(step) = file
            .strip_prefix("bundle_")
            .and_then(|f| f.strip_suffix(".bin"))
        {
            let js = std::fs::read_to_string(dist_dir().join(format!("app-{dir}/bank-connect.js")))
                .expect("the main JS of the build served");
            let table = bundles_table(&js).expect("the bundles' table in the main JS");
            // Its keys are bare names: quoted, it is JSON.
            let mut json = String::new();
            let mut name = String::new();
            for c in table.chars() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    name.push(c);
                    continue;
                }
                if name.starts_with(|c: char| c.is_ascii_digit()) {
                    json.push_str(&name);
                } else if !name.is_empty() {
                    json.push_str(&format!("\"{name}\""));
                }
                name.clear();
                json.push(c);
            }
            let table: serde_json::Value = serde_json::from_str(&json).expect("the bundles' table");
            let parts = table[step]
                .as_object()
                .unwrap_or_else(|| panic!("{file} is not in the bundles' table: {table}"));
            modules.extend(parts.keys().cloned());
        }
    }
    modules
}

/// The object literal that starts `{picker:{` in `js`, to its closing brace.
fn bundles_table(js: &str) -> Option<&str> {
    let start = js.find("{picker:{")?;
    let mut depth = 0usize;
    for (i, c) in js[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&js[start..=start + i]);
                }
            }
            _ => {}
        }
    }
    None
}

#[tokio::test]
async fn each_app_file_is_fetched_once_whatever_order_the_steps_load_in() {
    Harness::run(|h| async move {
        h.emulate_latency(150).await;
        // The picker, then the later steps.
        h.driver.goto(h.url("/")).await.unwrap();
        h.button("+ Connect a bank").await.click().await.unwrap();
        h.pick_bank("hooli", "Hooli Bank").await;
        // The steps after the form come while the form is up, before it is submitted.
        app_files_once_fetched(&h, "_job.").await;
        h.log_in("gavinBelson", "hooli2016").await;
        h.heading("Hooli Bank is connected").await;
        let files = app_files_once_fetched(&h, "_flow.").await;
        assert_none_repeated(&files, "the picker, then the later steps");
        assert_none_repeated(
            &modules_in(&files),
            "the picker, then the later steps (modules)",
        );
        // A page opened with a bank connected: the connected-banks view's module beside the
        // picker's, then the later steps, which share modules with that view.
        h.driver.goto(h.url("/")).await.unwrap();
        let files = app_files_once_fetched(&h, "_connections.").await;
        assert!(
            files.iter().any(|f| f.contains("_picker.")),
            "the picker's modules come with every page: {files:?}"
        );
        h.button("+ Connect a bank").await.click().await.unwrap();
        h.pick_bank("hooli", "Hooli Bank").await;
        h.heading("Log in to Hooli Bank").await;
        let files = app_files_once_fetched(&h, "_flow.").await;
        assert_none_repeated(
            &files,
            "the connections view, the picker, then the later steps",
        );
        let modules = modules_in(&files);
        assert_none_repeated(&modules, "the same, each module in whichever file it came");
        assert!(
            modules.iter().any(|m| m == "split_flow")
                && modules.iter().any(|m| m == "split_connections"),
            "{modules:?}"
        );
    })
    .await;
}
