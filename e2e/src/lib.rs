//! End-to-end harness: the real `bank-connect-server` (sandbox mode, so the real simulator) on a
//! free loopback port, serving the built app, driven by headless Chromium through chromedriver.
//! Everything it starts stops when the test ends, pass or fail.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bank_connect_server::{Config, RunningServer};
use clap::Parser;
use futures::FutureExt;
use thirtyfour::error::WebDriverErrorInner;
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

/// Starts chromedriver on a free port and a fresh headless Chromium session with its own
/// profile directory: `(chromedriver, session, profile)`.
pub async fn launch_chromium() -> (Child, WebDriver, PathBuf) {
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
    (chromedriver, driver, profile)
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
            "--dist-dir",
            &dist_arg,
        ];
        // 50× unless the test asks for its own speed.
        if !extra.contains(&"--sandbox-speed") {
            args.extend_from_slice(&["--sandbox-speed", "50"]);
        }
        args.extend_from_slice(extra);
        let server = bank_connect_server::start(Config::parse_from(args))
            .await
            .expect("server starts");

        let (chromedriver, driver, profile) = launch_chromium().await;
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
        Self::run_with(&[], test).await
    }

    /// Like [`Harness::run`] with extra server flags (e.g. `--sandbox-speed 5`,
    /// `--sandbox-token-ttl 3`, `--sandbox-admin`).
    pub async fn run_with<F, Fut>(extra: &[&str], test: F)
    where
        F: FnOnce(Arc<Harness>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let harness = Arc::new(Harness::start_with(extra).await);
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
        match self.driver.query(by).wait(WAIT, POLL).first().await {
            Ok(found) => found,
            Err(e) => panic!(
                "no element {what} after {WAIT:?}: {e}\nthe page showed:\n{}",
                self.visible_text().await
            ),
        }
    }

    /// Waits (up to 5 s, asking for no frame meanwhile) until the open picker shows its whole
    /// first list of `options` with every row's logo drawn, and returns what it last saw:
    /// (options, logos drawn, logos waiting).
    pub async fn picker_drawn(&self, options: usize) -> (usize, usize, usize) {
        let count = "return [document.querySelectorAll('[role=option]').length, \
                     document.querySelectorAll('[role=option] img.bc-logo').length, \
                     document.querySelectorAll('[role=option] .bc-logo-pending').length]";
        let mut seen = (0, 0, 0);
        for _ in 0..50 {
            seen = self
                .driver
                .execute(count, vec![])
                .await
                .unwrap()
                .convert()
                .unwrap();
            if seen.0 == options && seen.2 == 0 {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        seen
    }

    /// The page's visible text, for a failure message.
    pub async fn visible_text(&self) -> String {
        match self.driver.find(By::Css("body")).await {
            Ok(body) => body
                .text()
                .await
                .unwrap_or_else(|e| format!("(unreadable: {e})")),
            Err(e) => format!("(no body: {e})"),
        }
    }

    /// Waits for the card (`li`) of a connected bank in the connections view, by its heading.
    pub async fn connection_card(&self, bank: &str) -> WebElement {
        self.find(By::XPath(format!(
            "//ul[@aria-label='Connected banks']/li[.//h3[normalize-space()={}]]",
            xpath_literal(bank)
        )))
        .await
    }

    /// Waits for a `<button>` whose text is `name`.
    pub async fn button(&self, name: &str) -> WebElement {
        self.find(button_by(name)).await
    }

    /// Waits for the first element matching `by` and clicks it (see [`click_fresh`]).
    pub async fn click(&self, by: By) {
        // This wait says what the page showed when the element never came.
        self.find(by.clone()).await;
        click_fresh(&self.driver, by).await;
    }

    /// Clicks the `<button>` whose text is `name` (see [`Harness::click`]).
    pub async fn click_button(&self, name: &str) {
        self.click(button_by(name)).await;
    }

    /// Waits for the input labelled `label` (by `<label for>`).
    pub async fn field(&self, label: &str) -> WebElement {
        self.find(By::XPath(format!(
            "//input[@id=//label[normalize-space()={}]/@for]",
            xpath_literal(label)
        )))
        .await
    }

    /// Types `answer` into the input labelled `label` the way a person does while the job's
    /// polls and the countdown land: half of it, a pause of 2.5 s (at least two polls and two
    /// clock ticks), the rest. Fails when the input was replaced or lost what was typed.
    pub async fn type_across_polls(&self, label: &str, answer: &str) {
        let input = self.field(label).await;
        let half = answer.len() / 2;
        input.send_keys(&answer[..half]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let kept = input.prop("value").await;
        assert!(
            matches!(&kept, Ok(Some(v)) if v == &answer[..half]),
            "the {label:?} input lost what was typed while polls landed (it was rebuilt): {kept:?}"
        );
        input.send_keys(&answer[half..]).await.unwrap();
    }

    /// Waits for a step heading (`h2`) whose text is `text`.
    pub async fn heading(&self, text: &str) -> WebElement {
        self.find(By::XPath(format!(
            "//h2[normalize-space()={}]",
            xpath_literal(text)
        )))
        .await
    }

    /// From the success screen, the connected-banks view: once the new connection's accounts are
    /// in (their list pushes the buttons below it down, so a click aimed at one as the list
    /// arrives lands on the list), "See all your connected banks", then that view's heading.
    pub async fn open_connected_banks(&self) {
        self.find(By::XPath(
            "//section[contains(@class,'bc-result')]\
             [not(.//*[normalize-space()='Loading your accounts…'])]",
        ))
        .await;
        self.click_button("See all your connected banks").await;
        self.heading("Your connected banks").await;
    }

    /// Waits for an option of the bank listbox named `name`.
    pub async fn option(&self, name: &str) -> WebElement {
        self.find(option_by(name)).await
    }

    /// Clicks the option of the bank listbox named `name` (see [`Harness::click`]).
    pub async fn click_option(&self, name: &str) {
        self.click(option_by(name)).await;
    }

    /// Waits (up to [`WAIT`]: focus moves in an effect after the render) until the element
    /// with focus has id `id`; fails saying `why` and where the focus is.
    pub async fn assert_focus(&self, id: &str, why: &str) {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let now = self.focused_id().await;
            if now == id {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{why}: the focus is on {now:?}, not {id:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The id of the element that has focus.
    pub async fn focused_id(&self) -> String {
        let ret = self
            .driver
            .execute(
                "return document.activeElement && document.activeElement.id;",
                vec![],
            )
            .await
            .expect("script runs");
        ret.json().as_str().unwrap_or_default().to_string()
    }

    /// Everything the page keeps where script can read it: localStorage and sessionStorage keys
    /// and values, IndexedDB database names and `document.cookie`.
    pub async fn readable_storage(&self) -> String {
        let ret = self
            .driver
            .execute_async(
                r#"
const done = arguments[arguments.length - 1];
const dump = (s) => { const out = {}; for (let i = 0; i < s.length; i++) { const k = s.key(i); out[k] = s.getItem(k); } return out; };
const result = { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie, indexedDB: [] };
const finish = () => done(JSON.stringify(result));
if (indexedDB && indexedDB.databases) {
  indexedDB.databases().then((dbs) => { result.indexedDB = dbs.map((d) => d.name); finish(); }, finish);
} else { finish(); }
"#,
                vec![],
            )
            .await
            .expect("storage script runs");
        ret.json().as_str().unwrap_or_default().to_string()
    }

    /// Asserts that nothing script-readable holds a secret: none of `secrets` (passwords,
    /// answers), no JWT (every Basiq token starts `eyJ`), no token field, and not the
    /// simulator's API key. Returns the storage dump.
    pub async fn assert_no_secrets_stored(&self, step: &str, secrets: &[&str]) -> String {
        let dump = self.readable_storage().await;
        let api_key = self
            .server
            .sandbox()
            .map(|s| s.api_key().to_string())
            .unwrap_or_default();
        // The cached institution directory is public data that may contain a short secret as a
        // word ("Hooli", "password" in "passwordCaption"): in it, only a whole JSON string
        // value counts. Everything else is searched for any occurrence.
        let parsed: serde_json::Value = serde_json::from_str(&dump).unwrap_or_default();
        let mut directory = String::new();
        let mut rest = parsed.clone();
        if let Some(local) = rest.get_mut("local").and_then(|l| l.as_object_mut()) {
            let keys: Vec<String> = local
                .keys()
                .filter(|k| k.starts_with("bank-connect.institutions"))
                .cloned()
                .collect();
            for k in keys {
                if let Some(v) = local.remove(&k) {
                    directory.push_str(v.as_str().unwrap_or_default());
                }
            }
        }
        let rest = rest.to_string();
        for (i, secret) in secrets
            .iter()
            .copied()
            .chain([api_key.as_str()])
            .enumerate()
        {
            if secret.is_empty() {
                continue;
            }
            let quoted = serde_json::Value::String(secret.to_string()).to_string();
            assert!(
                !rest.contains(secret) && !directory.contains(&quoted),
                "after {step}: secret #{i} (the last is the API key) is readable by script in browser storage"
            );
        }
        for marker in ["eyJ", "access_token", "accessToken", "Bearer"] {
            assert!(
                !dump.contains(marker),
                "after {step}: browser storage holds something token-like ({marker})"
            );
        }
        dump
    }

    /// Runs axe-core (from `node_modules/axe-core`) on the page and asserts 0 violations.
    pub async fn assert_accessible(&self, step: &str) {
        assert_accessible(&self.driver, step).await;
    }

    /// One screen of a flow: storage audit, axe-core, then a screenshot named `name`.
    pub async fn check_screen(&self, name: &str, secrets: &[&str]) {
        self.assert_no_secrets_stored(name, secrets).await;
        self.assert_accessible(name).await;
        self.screenshot(name).await;
    }

    /// Adds `ms` of latency to every request of the page and its frames (Chrome DevTools
    /// network emulation), as on a slow mobile network.
    pub async fn add_latency(&self, ms: u64) {
        let cdp = self.driver.cdp();
        cdp.send_raw("Network.enable", serde_json::json!({}))
            .await
            .expect("Network.enable");
        cdp.send_raw(
            "Network.emulateNetworkConditions",
            serde_json::json!({ "offline": false, "latency": ms,
                "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await
        .expect("Network.emulateNetworkConditions");
    }

    /// Blocks requests whose URL matches any pattern (Chrome DevTools `Network.setBlockedURLs`).
    pub async fn block_urls(&self, patterns: &[&str]) {
        let cdp = self.driver.cdp();
        cdp.send_raw("Network.enable", serde_json::json!({}))
            .await
            .expect("Network.enable");
        cdp.send_raw(
            "Network.setBlockedURLs",
            serde_json::json!({ "urls": patterns }),
        )
        .await
        .expect("Network.setBlockedURLs");
    }

    /// Every URL the page requested so far, in order, one entry per request (Resource Timing).
    pub async fn requested_urls(&self) -> Vec<String> {
        self.driver
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)",
                vec![],
            )
            .await
            .expect("Resource Timing entries")
            .convert()
            .expect("a list of URLs")
    }

    /// Adds `latency_ms` to every request from now on (Chrome DevTools
    /// `Network.emulateNetworkConditions`, bandwidth unlimited).
    pub async fn emulate_latency(&self, latency_ms: u32) {
        let cdp = self.driver.cdp();
        cdp.send_raw("Network.enable", serde_json::json!({}))
            .await
            .expect("Network.enable");
        cdp.send_raw(
            "Network.emulateNetworkConditions",
            serde_json::json!({ "offline": false, "latency": latency_ms,
                    "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await
        .expect("Network.emulateNetworkConditions");
    }

    /// Picks `bank` in the open picker by typing `search`, and waits for its login form.
    pub async fn pick_bank(&self, search: &str, bank: &str) {
        let input = self.find(By::Css("input[role='combobox']")).await;
        input.send_keys(search).await.unwrap();
        self.click_option(bank).await;
        self.heading(&format!("Log in to {bank}")).await;
    }

    /// Fills the login form (the Hooli-style "Login" / "Password" captions) and submits it.
    pub async fn log_in(&self, login: &str, password: &str) {
        let login_input = self.field("Login").await;
        login_input.clear().await.unwrap();
        login_input.send_keys(login).await.unwrap();
        self.field("Password")
            .await
            .send_keys(password)
            .await
            .unwrap();
        self.click_button("Connect").await;
    }

    /// A 320 px wide phone in dark mode (Chrome DevTools emulation).
    pub async fn emulate_small_dark_screen(&self) {
        self.driver.set_window_rect(0, 0, 320, 720).await.unwrap();
        let cdp = self.driver.cdp();
        cdp.send_raw(
            "Emulation.setEmulatedMedia",
            serde_json::json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }),
        )
        .await
        .unwrap();
        cdp.send_raw(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": 320, "height": 720, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await
        .unwrap();
    }

    /// True when the page has no horizontal scrolling at a width of at most 320 px.
    pub async fn fits_320(&self) -> bool {
        let script = "return document.documentElement.scrollWidth <= window.innerWidth && window.innerWidth <= 320;";
        self.driver
            .execute(script, vec![])
            .await
            .unwrap()
            .json()
            .as_bool()
            .unwrap_or(false)
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

/// Runs axe-core (from `node_modules/axe-core`) on the page `driver` shows and asserts 0
/// violations.
pub async fn assert_accessible(driver: &WebDriver, step: &str) {
    let source = std::fs::read_to_string(workspace_root().join("node_modules/axe-core/axe.min.js"))
        .expect("node_modules/axe-core/axe.min.js (run `cargo xtask setup`)");
    driver
        .execute(
            format!("if (!window.axe) {{ {source}\n }} return typeof window.axe;"),
            vec![],
        )
        .await
        .expect("axe-core loads");
    let ret = driver
        .execute_async(
            r#"
const done = arguments[arguments.length - 1];
window.axe.run(document, { resultTypes: ['violations'] })
  .then((r) => done(JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + n.failureSummary) })))))
  .catch((e) => done(JSON.stringify([{ id: 'axe-error', help: String(e) }])));
"#,
            vec![],
        )
        .await
        .expect("axe runs");
    let text = ret.json().as_str().unwrap_or("[]").to_string();
    let violations: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(
        violations.as_array().map(Vec::len),
        Some(0),
        "axe-core violations on {step}: {}",
        serde_json::to_string_pretty(&violations).unwrap_or(text)
    );
}

/// Waits for the first element matching `by` and clicks it. When the page replaces the element
/// between the find and the click (a re-render, a navigation), it is found afresh and clicked,
/// as a person would click the one they now see.
pub async fn click_fresh(driver: &WebDriver, by: By) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let found = driver
            .query(by.clone())
            .wait(WAIT, POLL)
            .first()
            .await
            .unwrap_or_else(|e| panic!("no element {by:?} to click: {e}"));
        match found.click().await {
            Ok(()) => return,
            Err(e)
                if matches!(*e, WebDriverErrorInner::StaleElementReference(..))
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(POLL).await;
            }
            Err(e) => panic!("click {by:?}: {e}"),
        }
    }
}

/// A `<button>` whose text is `name`.
fn button_by(name: &str) -> By {
    By::XPath(format!(
        "//button[normalize-space()={}]",
        xpath_literal(name)
    ))
}

/// An option of the bank listbox named `name`, once the list is the search's answer (not the
/// whole list kept while the search's module is on its way, whose rows the answer rewrites).
fn option_by(name: &str) -> By {
    By::XPath(format!(
        "//ul[@role='listbox'][not(//*[@id='bc-picker-count'][normalize-space()='Searching…'])]\
         /li[@role='option'][.//*[normalize-space()={}]]",
        xpath_literal(name)
    ))
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

/// Searches the Consent UI's institution list for `query` and waits until the results page has
/// loaded (its search box carries the query). The unfiltered list already shows the links a test
/// clicks next, so without this wait a link of the old page can be found and then go stale
/// under the click when the results page replaces it.
pub async fn consent_ui_search(driver: &WebDriver, query: &str) {
    let q = query.trim().to_lowercase();
    driver
        .query(By::XPath(
            "//input[@id=//label[normalize-space()='Search for your bank']/@for]",
        ))
        .wait(WAIT, POLL)
        .first()
        .await
        .expect("the Consent UI's search box")
        .send_keys(query)
        .await
        .expect("type the search");
    driver
        .query(By::XPath("//button[normalize-space()='Search']"))
        .wait(WAIT, POLL)
        .first()
        .await
        .expect("the Search button")
        .click()
        .await
        .expect("click Search");
    driver
        .query(By::XPath(format!(
            "//input[@id='q' and @value={}]",
            xpath_literal(&q)
        )))
        .wait(WAIT, POLL)
        .first()
        .await
        .unwrap_or_else(|e| panic!("the Consent UI's results for {q:?} did not load: {e}"));
}
