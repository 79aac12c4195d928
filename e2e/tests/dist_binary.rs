//! The self-contained server binary (`cargo xtask dist`): copied alone into an empty folder and
//! started there with an empty environment but `RUST_LOG` (no `DIST_DIR`, no dist/ near), it
//! serves the app it carries — its precompressed copies, ETags, immutable caching and a CSP
//! whose hash lets the bootstrap script run — and headless Chromium (150 ms latency) loads it
//! through to the picker. `DIST_DIR` still overrides the embedded app.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{dist_dir, launch_chromium, xpath_literal};
use futures::FutureExt;

/// The binary `cargo xtask dist` wrote: `BANK_CONNECT_DIST_BIN`, else `target/dist/`.
fn dist_binary() -> PathBuf {
    let path = std::env::var_os("BANK_CONNECT_DIST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
                .join("dist/bank-connect-server")
        });
    assert!(
        path.is_file(),
        "the self-contained server binary is not built at {}: run `cargo xtask dist` first \
         (`cargo xtask test` builds it before the end-to-end tests)",
        path.display()
    );
    path
}

/// The `app-<hash>` folder dist/index.html loads: the build the binary must carry.
fn current_app_dir() -> String {
    let index = std::fs::read_to_string(dist_dir().join("index.html")).expect("dist/index.html");
    let at = index.find("\"/app-").expect("dist/ holds a release build");
    index[at + 2..]
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A fresh empty folder under the system's temporary directory.
fn empty_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bank-connect-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary running in its folder; killed when dropped, pass or fail.
struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary` from `cwd` with only `env` set (`RUST_LOG` and what the case needs; a
/// loopback port of its choosing) and waits for the line that says where it listens.
fn start(binary: &Path, cwd: &Path, env: &[(&str, &str)]) -> Running {
    let mut child = Command::new(binary)
        .args(["--bind", "127.0.0.1:0"])
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("bank-connect is running at ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let mut running = Running {
        child,
        url: String::new(),
    };
    running.url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the binary says where it listens within 30 s");
    running
}

/// Files in `dir` (names), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn get(http: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = http.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

#[tokio::test]
async fn the_single_binary_serves_its_embedded_app_from_an_empty_folder_through_to_the_picker() {
    let app_dir = current_app_dir();
    let folder = empty_dir("dist-binary");
    let binary = folder.join("bank-connect-server");
    std::fs::copy(dist_binary(), &binary).unwrap();
    for near in [folder.as_path(), folder.parent().unwrap()] {
        assert!(
            !near.join("dist").exists() && !near.join("index.html").exists(),
            "{} must hold no built app for this test",
            near.display()
        );
    }

    let version = Command::new(&binary).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let hash = version
        .strip_prefix(concat!(
            "bank-connect-server ",
            env!("CARGO_PKG_VERSION"),
            " (app sha256:"
        ))
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("--version names the version and the app's hash: {version:?}"));
    assert!(
        hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{version}"
    );
    assert!(
        version.ends_with(&format!("embedded from {app_dir})")),
        "the binary carries dist/'s current build {app_dir}: {version} (run `cargo xtask dist`)"
    );

    let server = start(&binary, &folder, &[("RUST_LOG", "warn")]);
    let http = reqwest::Client::new();
    let page = get(&http, &server.url, &[]).await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("'sha256-") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("/{app_dir}/bank-connect.js")),
        "{html}"
    );

    let wasm = format!("{}/{app_dir}/bank-connect_bg.wasm", server.url);
    let br = get(&http, &wasm, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(br.status(), 200);
    let h = br.headers().clone();
    assert_eq!(h["content-encoding"], "br");
    assert_eq!(h["content-type"], "application/wasm");
    assert_eq!(h["vary"], "accept-encoding");
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    let etag = h["etag"].to_str().unwrap().to_owned();
    let brotli_len = br.bytes().await.unwrap().len();
    let plain = get(&http, &wasm, &[]).await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert_ne!(plain.headers()["etag"].to_str().unwrap(), etag);
    let plain = plain.bytes().await.unwrap();
    assert!(plain.starts_with(b"\0asm") && plain.len() > brotli_len);
    let again = get(
        &http,
        &wasm,
        &[("accept-encoding", "br"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status(), 304);

    let (mut chromedriver, driver, profile) = launch_chromium().await;
    let outcome = std::panic::AssertUnwindSafe(to_the_picker(&driver, &server.url))
        .catch_unwind()
        .await;
    let _ = driver.quit().await;
    let _ = chromedriver.kill().await;
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    drop(server);
    assert_eq!(
        listing(&folder),
        ["bank-connect-server"],
        "the binary needed and wrote nothing beside itself"
    );

    // DIST_DIR still overrides what is embedded.
    let other = folder.join("other-dist");
    std::fs::create_dir_all(&other).unwrap();
    let index =
        "<!doctype html><html><head><title>from DIST_DIR</title></head><body></body></html>";
    std::fs::write(other.join("index.html"), index).unwrap();
    let other_arg = other.to_string_lossy().into_owned();
    let overridden = start(
        &binary,
        &folder,
        &[("DIST_DIR", &other_arg), ("RUST_LOG", "warn")],
    );
    let page = get(&http, &overridden.url, &[]).await;
    assert_eq!(page.text().await.unwrap(), index);
    let wasm = format!("{}/{app_dir}/bank-connect_bg.wasm", overridden.url);
    assert_eq!(get(&http, &wasm, &[]).await.status(), 404);
    drop(overridden);
    std::fs::remove_dir_all(&folder).ok();
}

/// Opens the app with 150 ms latency on every request and goes on to the picker's list.
async fn to_the_picker(driver: &WebDriver, url: &str) {
    let cdp = driver.cdp();
    cdp.send_raw("Network.enable", serde_json::json!({}))
        .await
        .expect("Network.enable");
    cdp.send_raw(
        "Network.emulateNetworkConditions",
        serde_json::json!({ "offline": false, "latency": 150,
            "downloadThroughput": -1, "uploadThroughput": -1 }),
    )
    .await
    .expect("Network.emulateNetworkConditions");
    driver.goto(url).await.unwrap();
    find(
        driver,
        &format!(
            "//button[normalize-space()={}]",
            xpath_literal("+ Connect a bank")
        ),
    )
    .await
    .click()
    .await
    .unwrap();
    find(driver, "//h2[normalize-space()='Choose your bank']").await;
    find(driver, "//input[@role='combobox']")
        .await
        .send_keys("hooli")
        .await
        .unwrap();
    find(
        driver,
        "//ul[@role='listbox']/li[@role='option'][.//*[normalize-space()='Hooli Bank']]",
    )
    .await;
}

async fn find(driver: &WebDriver, xpath: &str) -> WebElement {
    match driver
        .query(By::XPath(xpath))
        .wait(bank_connect_e2e::WAIT, bank_connect_e2e::POLL)
        .first()
        .await
    {
        Ok(found) => found,
        Err(e) => {
            let text = match driver.find(By::Css("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("no {xpath}: {e}\nthe page showed:\n{text}")
        }
    }
}
