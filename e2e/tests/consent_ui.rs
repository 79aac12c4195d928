//! The simulator's Consent UI in headless Chromium, by role and label, with 150 ms of latency
//! on every request: Hooli OB through the mock data holder, a web persona, Pied Piper's MFA,
//! a decline at the bank, cancel, `action=manage` revoke, `action=reauthorise` renew, and the
//! framing / opener rules. The partner is a small server of its own (another origin) whose
//! `/return` is the Redirect URL.

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;

use axum::extract::RawQuery;
use axum::response::Html;
use axum::routing::get;
use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{
    POLL, WAIT, assert_accessible, click_fresh, consent_ui_search, launch_chromium, xpath_literal,
};
use basiq_sim::{SimHandle, Simulator};
use serde_json::Value;
use tokio::process::Child;

const KEY: &str = "e2e-consent-key";

/// A partner site on its own origin: `/return` (the Redirect URL), `/frame?u=` (frames the
/// Consent UI) and `/popup?u=` (opens it in a popup).
async fn partner() -> (String, tokio::task::JoinHandle<()>) {
    let app = axum::Router::new()
        .route(
            "/return",
            get(|| async { Html("<!doctype html><title>Back</title><h1>Back at the partner</h1>") }),
        )
        .route(
            "/frame",
            get(|RawQuery(q): RawQuery| async move {
                let u = param_of(&q.unwrap_or_default(), "u");
                Html(format!(
                    "<!doctype html><title>Frame</title><h1>Partner</h1><iframe title=\"Consent\" src=\"{}\" width=\"400\" height=\"400\"></iframe>",
                    u.replace('"', "&quot;")
                ))
            }),
        )
        .route(
            "/popup",
            get(|RawQuery(q): RawQuery| async move {
                let u = param_of(&q.unwrap_or_default(), "u");
                Html(format!(
                    "<!doctype html><title>Popup</title><h1>Partner</h1><button id=\"open\" onclick='window.open({}, \"consent\", \"popup,width=480,height=700\")'>Connect your bank</button>",
                    serde_json::to_string(&u).unwrap_or_default().replace('\'', "&#39;")
                ))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

/// A query parameter of a URL, or of a bare query string.
fn param_of(url_or_query: &str, key: &str) -> String {
    let full = if url_or_query.starts_with("http") {
        url_or_query.to_string()
    } else {
        format!("http://x/?{url_or_query}")
    };
    reqwest::Url::parse(&full)
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default()
}

/// A `<button>` whose text is `name`.
fn button_xpath(name: &str) -> String {
    format!("//button[normalize-space()={}]", xpath_literal(name))
}

/// The simulator, the partner and a browser.
struct World {
    sim: SimHandle,
    partner: String,
    partner_task: tokio::task::JoinHandle<()>,
    driver: WebDriver,
    chromedriver: Child,
    profile: std::path::PathBuf,
    http: reqwest::Client,
}

impl World {
    /// A world whose simulator runs `speed` times faster than real time.
    async fn start(speed: f64) -> Self {
        let (partner, partner_task) = partner().await;
        let sim = Simulator::builder()
            .api_key(KEY)
            .speed(speed)
            .redirect_url(format!("{partner}/return"))
            .spawn()
            .await
            .expect("simulator");
        let (chromedriver, driver, profile) = launch_chromium().await;
        let cdp = driver.cdp();
        cdp.send_raw("Network.enable", serde_json::json!({}))
            .await
            .expect("cdp");
        cdp.send_raw(
            "Network.emulateNetworkConditions",
            serde_json::json!({"offline": false, "latency": 150, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await
        .expect("latency");
        World {
            sim,
            partner,
            partner_task,
            driver,
            chromedriver,
            profile,
            http: reqwest::Client::new(),
        }
    }

    /// Runs `test` in a fresh world and always stops the browser and servers afterwards, then
    /// re-raises the test's panic if it had one.
    async fn run<F, Fut>(test: F)
    where
        F: FnOnce(Arc<World>) -> Fut,
        Fut: Future<Output = ()>,
    {
        Self::run_at(50.0, test).await;
    }

    /// [`World::run`] with the simulator at `speed`.
    async fn run_at<F, Fut>(speed: f64, test: F)
    where
        F: FnOnce(Arc<World>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let w = Arc::new(World::start(speed).await);
        let outcome = std::panic::AssertUnwindSafe(test(w.clone()))
            .catch_unwind()
            .await;
        match Arc::try_unwrap(w) {
            Ok(w) => w.stop().await,
            Err(_) => panic!("the test kept a clone of the world"),
        }
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    async fn stop(mut self) {
        let _ = self.driver.clone().quit().await;
        let _ = self.chromedriver.kill().await;
        self.partner_task.abort();
        let _ = std::fs::remove_dir_all(&self.profile);
        self.sim.stop().await;
    }

    async fn api(&self, method: reqwest::Method, path: &str, token: &str) -> Value {
        let r = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .bearer_auth(token)
            .send()
            .await
            .expect("api");
        r.json().await.unwrap_or(Value::Null)
    }

    async fn token(&self, version: &str, body: &str) -> String {
        let r = self
            .http
            .post(format!("{}/token", self.sim.base_url()))
            .header("Authorization", format!("Basic {KEY}"))
            .header("basiq-version", version)
            .body(body.to_string())
            .send()
            .await
            .expect("token");
        let v: Value = r.json().await.expect("json");
        v["access_token"].as_str().expect("token").to_string()
    }

    async fn server(&self) -> String {
        self.token("3.0", "scope=SERVER_ACCESS").await
    }

    async fn user(&self) -> String {
        let t = self.server().await;
        let r = self
            .http
            .post(format!("{}/users", self.sim.base_url()))
            .bearer_auth(&t)
            .json(&serde_json::json!({"email": "consent-e2e@example.com"}))
            .send()
            .await
            .expect("user");
        let v: Value = r.json().await.expect("json");
        v["id"].as_str().expect("id").to_string()
    }

    /// The Consent UI's launch URL for `user` with extra query parameters.
    async fn consent_url(&self, user: &str, extra: &str) -> String {
        let t = self
            .token("3.0", &format!("scope=CLIENT_ACCESS&userId={user}"))
            .await;
        format!("{}/consent/home?token={t}{extra}", self.sim.base_url())
    }

    async fn find(&self, xpath: String) -> WebElement {
        self.driver
            .query(By::XPath(xpath.clone()))
            .wait(WAIT, POLL)
            .first()
            .await
            .unwrap_or_else(|e| panic!("no element {xpath}: {e}"))
    }

    async fn h1(&self, text: &str) -> WebElement {
        self.find(format!("//h1[normalize-space()={}]", xpath_literal(text)))
            .await
    }

    async fn button(&self, name: &str) -> WebElement {
        self.find(button_xpath(name)).await
    }

    async fn field(&self, label: &str) -> WebElement {
        self.find(format!(
            "//input[@id=//label[normalize-space()={}]/@for]",
            xpath_literal(label)
        ))
        .await
    }

    async fn alert(&self) -> String {
        self.find("//*[@role='alert']".into())
            .await
            .text()
            .await
            .unwrap_or_default()
    }

    async fn type_into(&self, label: &str, text: &str) {
        self.field(label).await.send_keys(text).await.expect("type");
    }

    async fn click_button(&self, name: &str) {
        click_fresh(&self.driver, By::XPath(button_xpath(name))).await;
    }

    async fn click_link(&self, name: &str) {
        let xpath = format!(
            "//a[starts-with(normalize-space(), {})]",
            xpath_literal(name)
        );
        click_fresh(&self.driver, By::XPath(xpath)).await;
    }

    /// Opens the partner's `/{page}?u=<consent>` (`frame` or `popup`).
    async fn partner_page(&self, page: &str, consent: &str) {
        let enc: String = consent.bytes().map(|b| format!("%{b:02X}")).collect();
        self.driver
            .goto(format!("{}/{page}?u={enc}", self.partner))
            .await
            .expect("goto");
    }

    /// Waits until the browser is at the partner's `/return`; returns that URL.
    async fn returned(&self) -> String {
        self.h1("Back at the partner").await;
        let url = self.driver.current_url().await.expect("url").to_string();
        assert!(
            url.starts_with(&format!("{}/return", self.partner)),
            "{url}"
        );
        url
    }

    /// Consent capture → Hooli OB → member number, code, accounts, review → Approve or Decline.
    async fn hooli_ob(&self, approve: bool) {
        self.h1("Share your financial data").await;
        assert_accessible(&self.driver, "consent capture").await;
        self.click_button("I consent").await;
        self.h1("Choose your bank").await;
        assert_accessible(&self.driver, "bank list").await;
        self.click_link("Hooli OB").await;
        self.holder(approve).await;
    }

    /// At the mock data holder.
    async fn holder(&self, approve: bool) {
        self.h1("Log in to Hooli OB").await;
        assert_accessible(&self.driver, "data holder login").await;
        self.type_into("Member number", "374829").await;
        self.click_button("Continue").await;
        self.h1("Enter your one-time code").await;
        self.type_into("One-time code", "227470").await;
        self.click_button("Continue").await;
        self.h1("Choose accounts to share").await;
        let first = self.find("//input[@type='checkbox'][@id=//label[starts-with(normalize-space(), 'Transaction 40011')]/@for]".into()).await;
        assert!(first.is_selected().await.expect("checked"));
        self.click_button("Continue").await;
        self.h1("Review and approve").await;
        assert_accessible(&self.driver, "data holder review").await;
        self.click_button(if approve { "Approve" } else { "Decline" })
            .await;
    }

    async fn job(&self, id: &str) -> Value {
        let t = self.server().await;
        for _ in 0..400 {
            let j = self
                .api(reqwest::Method::GET, &format!("/jobs/{id}"), &t)
                .await;
            let steps = j["steps"].as_array().cloned().unwrap_or_default();
            let failed = steps.iter().any(|s| s["status"] == "failed");
            if failed || (!steps.is_empty() && steps.iter().all(|s| s["status"] == "success")) {
                return j;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("job {id} did not finish");
    }
}

fn job_ids(url: &str) -> (String, Vec<String>, String) {
    (
        param_of(url, "jobId"),
        param_of(url, "jobIds")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        param_of(url, "state"),
    )
}

#[tokio::test]
async fn hooli_ob_member_number_and_code_back_with_job_ids_and_state_then_accounts() {
    World::run(|w| async move {
        let user = w.user().await;
        w.driver
            .goto(w.consent_url(&user, "&state=st-123").await)
            .await
            .expect("goto");
        w.hooli_ob(true).await;
        w.h1("Connected").await;
        assert_accessible(&w.driver, "connected").await;
        w.click_link("Done").await;
        let url = w.returned().await;
        let (job, jobs, state) = job_ids(&url);
        assert_eq!(state, "st-123");
        assert_eq!(jobs, vec![job.clone()]);
        let j = w.job(&job).await;
        assert!(
            j["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .all(|s| s["status"] == "success"),
            "{j}"
        );
        let t = w.server().await;
        let accounts = w
            .api(reqwest::Method::GET, &format!("/users/{user}/accounts"), &t)
            .await;
        assert_eq!(accounts["data"].as_array().map(Vec::len), Some(4));
    })
    .await;
}

#[tokio::test]
async fn gavin_belson_at_hooli_web_through_the_consent_form() {
    World::run(|w| async move {
        let user = w.user().await;
        w.driver
            .goto(w.consent_url(&user, "&state=web").await)
            .await
            .expect("goto");
        w.click_button("I consent").await;
        consent_ui_search(&w.driver, "hooli bank").await;
        w.click_link("Hooli Bank").await;
        w.h1("Log in to Hooli Bank").await;
        assert_accessible(&w.driver, "credential form").await;
        w.type_into("Login", "gavinBelson").await;
        w.type_into("Password", "hooli2016").await;
        w.click_button("Connect").await;
        w.h1("Connected").await;
        w.click_link("Done").await;
        let (job, _, state) = job_ids(&w.returned().await);
        assert_eq!(state, "web");
        let j = w.job(&job).await;
        assert!(
            j["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .all(|s| s["status"] == "success"),
            "{j}"
        );
    })
    .await;
}

#[tokio::test]
async fn pied_piper_mfa_inside_the_consent_ui() {
    // A challenge stays open 120 s of simulated time: 24 s at 5x leaves time for axe and two
    // answers over 150 ms of latency (2.4 s at the usual 50x did not, under load).
    World::run_at(5.0, |w| async move {
        let user = w.user().await;
        w.driver
            .goto(w.consent_url(&user, "&institutionId=AU00002").await)
            .await
            .expect("goto");
        w.click_button("I consent").await;
        w.h1("Log in to Pied Piper Bank").await;
        w.type_into("Login", "gavinBelson").await;
        w.type_into("Password", "hooli2016").await;
        w.click_button("Connect").await;
        w.h1("Confirm it's you").await;
        assert_accessible(&w.driver, "mfa").await;
        w.type_into("What's your first company?", "Aviato").await;
        w.click_button("Submit").await;
        w.find("//*[@role='alert'][contains(., \"That answer wasn't accepted\")]".into())
            .await;
        w.type_into("What's your first company?", "Hooli").await;
        w.click_button("Submit").await;
        w.h1("Connected").await;
        w.click_link("Done").await;
        let (job, _, _) = job_ids(&w.returned().await);
        let j = w.job(&job).await;
        assert!(
            j["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .any(|s| s["title"] == "mfa-challenge" && s["status"] == "success"),
            "{j}"
        );
    })
    .await;
}

#[tokio::test]
async fn declined_at_the_bank_fails_verify_credentials_with_authorization_failed() {
    World::run(|w| async move {
        let user = w.user().await;
        w.driver
            .goto(w.consent_url(&user, "&state=no").await)
            .await
            .expect("goto");
        w.hooli_ob(false).await;
        w.h1("Authorization failed").await;
        assert!(w.alert().await.contains("access_denied"));
        w.click_link("Back to Bank Connect Demo").await;
        let (job, _, state) = job_ids(&w.returned().await);
        assert_eq!(state, "no");
        let j = w.job(&job).await;
        let v = j["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .find(|s| s["title"] == "verify-credentials")
            .cloned()
            .expect("step");
        assert_eq!(v["status"], "failed");
        assert_eq!(v["result"]["code"], "authorization-failed");
    })
    .await;
}

#[tokio::test]
async fn cancel_asks_then_returns_with_state() {
    World::run(|w| async move {
        let user = w.user().await;
        w.driver
            .goto(w.consent_url(&user, "&state=bye").await)
            .await
            .expect("goto");
        w.h1("Share your financial data").await;
        w.click_link("Cancel").await;
        w.h1("Are you sure you want to leave?").await;
        assert_accessible(&w.driver, "leave").await;
        w.click_link("Stay").await;
        w.h1("Share your financial data").await;
        w.click_link("Cancel").await;
        w.click_link("Leave").await;
        let url = w.returned().await;
        let (job, _, state) = job_ids(&url);
        assert_eq!(state, "bye");
        assert!(job.is_empty(), "{url}");
    })
    .await;
}

#[tokio::test]
async fn manage_revokes_the_consent_and_its_connections() {
    World::run(|w| async move {
        let user = w.user().await;
        w.driver
            .goto(w.consent_url(&user, "").await)
            .await
            .expect("goto");
        w.hooli_ob(true).await;
        w.h1("Connected").await;
        w.driver
            .goto(w.consent_url(&user, "&action=manage&state=m").await)
            .await
            .expect("goto");
        w.h1("Manage your consent").await;
        assert_accessible(&w.driver, "manage").await;
        w.button("Delete Hooli OB").await;
        w.click_button("Revoke consent").await;
        w.h1("Consent revoked").await;
        w.click_link("Close").await;
        let (_, _, state) = job_ids(&w.returned().await);
        assert_eq!(state, "m");
        let t = w.server().await;
        let conns = w
            .api(
                reqwest::Method::GET,
                &format!("/users/{user}/connections"),
                &t,
            )
            .await;
        assert_eq!(conns["data"].as_array().map(Vec::len), Some(0));
        let consents = w
            .api(reqwest::Method::GET, &format!("/users/{user}/consents"), &t)
            .await;
        assert_eq!(consents["data"][0]["status"], "revoked");
    })
    .await;
}

#[tokio::test]
async fn reauthorise_renews_an_expiring_connection() {
    World::run(|w| async move {
        let user = w.user().await;
        w.driver
            .goto(w.consent_url(&user, "").await)
            .await
            .expect("goto");
        w.hooli_ob(true).await;
        w.h1("Connected").await;
        let t = w.server().await;
        let before = w
            .api(
                reqwest::Method::GET,
                &format!("/users/{user}/connections"),
                &t,
            )
            .await;
        let old = before["data"][0]["expiryDate"]
            .as_str()
            .expect("expiry")
            .to_string();
        assert!(w.sim.consent_expires_in(&user, 3));
        w.driver
            .goto(w.consent_url(&user, "&action=reauthorise&state=re").await)
            .await
            .expect("goto");
        w.h1("Renew your connections").await;
        assert_accessible(&w.driver, "reauthorise").await;
        w.click_button("Renew Hooli OB").await;
        w.holder(true).await;
        w.h1("Connected").await;
        w.click_link("Done").await;
        let (job, _, state) = job_ids(&w.returned().await);
        assert_eq!(state, "re");
        w.job(&job).await;
        let after = w
            .api(
                reqwest::Method::GET,
                &format!("/users/{user}/connections"),
                &t,
            )
            .await;
        let new = after["data"][0]["expiryDate"]
            .as_str()
            .expect("expiry")
            .to_string();
        assert!(new > old, "renewed: {old} → {new}");
    })
    .await;
}

#[tokio::test]
async fn a_page_that_frames_the_consent_ui_gets_nothing_rendered() {
    World::run(|w| async move {
        let user = w.user().await;
        let consent = w.consent_url(&user, "").await;
        w.partner_page("frame", &consent).await;
        w.find("//h1[normalize-space()='Partner']".into()).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let frame = w.find("//iframe".into()).await;
        frame.enter_frame().await.expect("enter frame");
        let inside = w
            .driver
            .find_all(By::XPath(
                "//h1[normalize-space()='Share your financial data']",
            ))
            .await
            .unwrap_or_default();
        assert!(inside.is_empty(), "the framed Consent UI rendered");
        w.driver.enter_default_frame().await.expect("leave frame");
        // The same URL at top level does render (so the check above can fail).
        w.driver.goto(consent).await.expect("goto");
        w.h1("Share your financial data").await;
    })
    .await;
}

#[tokio::test]
async fn a_popup_opened_to_the_consent_ui_has_no_opener() {
    World::run(|w| async move {
        let user = w.user().await;
        let consent = w.consent_url(&user, "").await;
        w.partner_page("popup", &consent).await;
        let main = w.driver.window().await.expect("window");
        w.click_button("Connect your bank").await;
        let mut popup = None;
        for _ in 0..100 {
            let handles = w.driver.windows().await.expect("windows");
            if let Some(h) = handles.into_iter().find(|h| *h != main) {
                popup = Some(h);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        w.driver
            .switch_to_window(popup.expect("a popup opened"))
            .await
            .expect("switch");
        w.h1("Share your financial data").await;
        let opener = w
            .driver
            .execute("return window.opener === null;", vec![])
            .await
            .expect("script");
        assert_eq!(
            opener.json().as_bool(),
            Some(true),
            "window.opener is null in the popup"
        );
    })
    .await;
}
