//! End-to-end harness: the real `bank-connect-server` (sandbox mode, so the real simulator) on a
//! free loopback port, serving the built app, driven by headless Chromium through chromedriver.
//! Everything it starts stops when the test ends, pass or fail.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bank_connect_server::{Config, RunningServer};
use clap::Parser;
use futures::FutureExt;
use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

pub use thirtyfour;

/// How long a query waits for an element to appear.
pub const WAIT: Duration = Duration::from_secs(20);
/// How often it looks.
pub const POLL: Duration = Duration::from_millis(100);

/// A server and a browser, both running.
pub struct Harness {
    /// The server under test.
    pub server: RunningServer,
    /// The browser session.
    pub driver: WebDriver,
    chromedriver: Child,
    profile: PathBuf,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The built app: `BANK_CONNECT_DIST`, or `dist/` at the workspace root.
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("BANK_CONNECT_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    assert!(
        dir.join("index.html").is_file(),
        "the app is not built at {}: run `cargo xtask test` (or `cargo xtask build`) first",
        dir.display()
    );
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start listening on port {port} within 10 s");
}

impl Harness {
    /// Starts the server (sandbox, fast simulator) and a fresh headless Chromium.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Like [`Harness::start`] with extra server flags.
    pub async fn start_with(extra: &[&str]) -> Self {
        let dist = dist_dir();
        let dist_arg = dist.to_string_lossy().into_owned();
        let mut args = vec![
            "bank-connect-server",
            "--bind",
            "127.0.0.1:0",
            "--sandbox-speed",
            "50",
            "--dist-dir",
            &dist_arg,
        ];
        args.extend_from_slice(extra);
        let server = bank_connect_server::start(Config::parse_from(args))
            .await
            .expect("server starts");

        let port = free_port();
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chromedriver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_bin}: {e} (run `cargo xtask setup`)"));
        wait_for_port(port).await;

        let profile =
            std::env::temp_dir().join(format!("bank-connect-e2e-{}-{port}", std::process::id()));
        let mut caps = DesiredCapabilities::chrome();
        if let Ok(bin) = std::env::var("CHROME_BIN") {
            caps.set_binary(&bin).unwrap();
        } else if Path::new("/usr/bin/chromium").exists() {
            caps.set_binary("/usr/bin/chromium").unwrap();
        }
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=520,860",
            &format!("--user-data-dir={}", profile.display()),
        ] {
            caps.add_arg(arg).unwrap();
        }
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .expect("a Chromium session");
        Self {
            server,
            driver,
            chromedriver,
            profile,
        }
    }

    /// Runs `test` with a started harness and always stops everything afterwards, then re-raises
    /// the test's panic if it had one.
    pub async fn run<F, Fut>(test: F)
    where
        F: FnOnce(Arc<Harness>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let harness = Arc::new(Harness::start().await);
        let outcome = std::panic::AssertUnwindSafe(test(harness.clone()))
            .catch_unwind()
            .await;
        match Arc::try_unwrap(harness) {
            Ok(h) => h.stop().await,
            Err(_) => panic!("the test kept a clone of the harness"),
        }
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    /// URL of `path` on the server under test.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// Waits for the first element matching `by`.
    pub async fn find(&self, by: By) -> WebElement {
        let what = format!("{by:?}");
        self.driver
            .query(by)
            .wait(WAIT, POLL)
            .first()
            .await
            .unwrap_or_else(|e| panic!("no element {what}: {e}"))
    }

    /// Waits for a `<button>` whose text is `name`.
    pub async fn button(&self, name: &str) -> WebElement {
        self.find(By::XPath(format!(
            "//button[normalize-space()={}]",
            xpath_literal(name)
        )))
        .await
    }

    /// Saves a PNG of the page as `target/e2e-screens/<name>.png`, and under `docs/screens/` when
    /// `BANK_CONNECT_UPDATE_DOCS=1`. Returns the first path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.driver.screenshot_as_png().await.expect("screenshot");
        let out = workspace_root().join("target/e2e-screens");
        std::fs::create_dir_all(&out).unwrap();
        let path = out.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        if std::env::var("BANK_CONNECT_UPDATE_DOCS").as_deref() == Ok("1") {
            let docs = workspace_root().join("docs/screens");
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::write(docs.join(format!("{name}.png")), &png).unwrap();
        }
        path
    }

    /// Closes the browser, stops chromedriver and the server.
    pub async fn stop(mut self) {
        let _ = self.driver.quit().await;
        let _ = self.chromedriver.kill().await;
        self.server.stop().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// An XPath string literal for `s` (handles quotes).
pub fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
