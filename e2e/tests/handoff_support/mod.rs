//! Shared steps of the 3.0 hand-off tests: the server flags, slow network, our screens'
//! checks, and the simulator's Consent UI pages by role and label.

#![allow(dead_code)]

use std::sync::Arc;

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{Harness, POLL, WAIT, xpath_literal};
use secrecy::SecretString;

/// The server in Basiq 3.0 (Consent UI) mode.
pub const V3: &[&str] = &["--basiq-version", "3.0"];

/// What must never be readable by script: the data holder's member number and code, the web
/// persona's password.
pub const SECRETS: &[&str] = &["374829", "227470", "hooli2016"];

/// 150 ms of latency on every request (the hand-off is many requests).
pub async fn slow_network(h: &Harness) {
    let cdp = h.driver.cdp();
    cdp.send_raw("Network.enable", serde_json::json!({}))
        .await
        .expect("Network.enable");
    cdp.send_raw(
        "Network.emulateNetworkConditions",
        serde_json::json!({"offline": false, "latency": 150, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .await
    .expect("latency");
}

/// The simulator's origin, which serves the Consent UI.
pub fn consent_origin(h: &Harness) -> String {
    h.server
        .sandbox()
        .expect("sandbox")
        .base_url()
        .trim_end_matches('/')
        .to_owned()
}

/// Asserts that the page is ours and no frame in it is on the consent origin.
pub async fn no_consent_frame(h: &Harness, step: &str) {
    let origin = consent_origin(h);
    let ret = h
        .driver
        .execute(
            "const o = arguments[0]; return location.origin !== o && Array.from(document.querySelectorAll('iframe,frame,object,embed')).every((f) => !String(f.src || f.data || '').startsWith(o));",
            vec![serde_json::json!(origin)],
        )
        .await
        .expect("script runs");
    assert_eq!(
        ret.json().as_bool(),
        Some(true),
        "after {step}: a frame of ours is on the consent origin {origin}"
    );
}

/// One of our screens: storage audit, axe-core, no consent frame, screenshot.
pub async fn step(h: &Harness, name: &str) {
    no_consent_frame(h, name).await;
    h.check_screen(name, SECRETS).await;
}

/// Opens the widget, picks `bank` by typing `search`: the "Continue to {bank}" step.
pub async fn open_bank(h: &Harness, search: &str, bank: &str) {
    h.driver.goto(h.url("/")).await.unwrap();
    h.click_button("+ Connect a bank").await;
    let input = h.find(By::Css("input[role='combobox']")).await;
    input.send_keys(search).await.unwrap();
    h.click_option(bank).await;
    h.heading(&format!("Continue to {bank}")).await;
}

/// Waits for a page `<h1>` (the Consent UI's and the return page's headings).
pub async fn h1(h: &Harness, text: &str) -> WebElement {
    h.find(By::XPath(format!(
        "//h1[normalize-space()={}]",
        xpath_literal(text)
    )))
    .await
}

/// Waits for a link whose text starts with `name`.
pub async fn link(h: &Harness, name: &str) -> WebElement {
    h.find(By::XPath(format!(
        "//a[starts-with(normalize-space(), {})]",
        xpath_literal(name)
    )))
    .await
}

/// Picks `bank` (searched as `search`), presses "Continue to Basiq" and checks the Consent UI
/// opened in the page.
pub async fn continue_to_consent_ui(h: &Harness, search: &str, bank: &str) {
    open_bank(h, search, bank).await;
    h.click_button("Continue to Basiq").await;
    at_consent_ui(h).await;
}

/// Waits until the browser is at the Consent UI (the simulator's origin).
pub async fn at_consent_ui(h: &Harness) {
    at_basiq_page(h, "Share your financial data").await;
}

/// Waits for the Consent UI page headed `title` and checks it is on the consent origin.
pub async fn at_basiq_page(h: &Harness, title: &str) {
    h1(h, title).await;
    let url = h.driver.current_url().await.unwrap().to_string();
    assert!(url.starts_with(&consent_origin(h)), "{url}");
}

/// HooliGov Bank (web only) connected through the Consent UI's form as `gavinBelson`, in
/// page mode: the hand-off's "HooliGov Bank is connected".
pub async fn connect_hooligov_web(h: &Harness) {
    continue_to_consent_ui(h, "hooligov", "HooliGov Bank").await;
    h.click_button("I consent").await;
    web_login(h, "HooliGov Bank").await;
    h1(h, "Connected").await;
    link(h, "Done").await.click().await.unwrap();
    h.heading("HooliGov Bank is connected").await;
}

/// Consent capture, then Hooli OB's mock data holder: member number, code, accounts, review →
/// Approve or Decline.
pub async fn consent_and_hooli_ob(h: &Harness, approve: bool) {
    h.click_button("I consent").await;
    hooli_ob_at_the_bank(h, approve).await;
}

/// At Hooli OB's mock data holder from its login: member number, code, accounts, review →
/// Approve or Decline.
pub async fn hooli_ob_at_the_bank(h: &Harness, approve: bool) {
    h1(h, "Log in to Hooli OB").await;
    h.field("Member number")
        .await
        .send_keys("374829")
        .await
        .unwrap();
    h.click_button("Continue").await;
    h1(h, "Enter your one-time code").await;
    h.field("One-time code")
        .await
        .send_keys("227470")
        .await
        .unwrap();
    h.click_button("Continue").await;
    h1(h, "Choose accounts to share").await;
    h.click_button("Continue").await;
    h1(h, "Review and approve").await;
    h.click_button(if approve { "Approve" } else { "Decline" })
        .await;
}

/// The Consent UI's credential form for a web bank, with the `gavinBelson` persona.
pub async fn web_login(h: &Harness, bank: &str) {
    h1(h, &format!("Log in to {bank}")).await;
    h.field("Login")
        .await
        .send_keys("gavinBelson")
        .await
        .unwrap();
    h.field("Password")
        .await
        .send_keys("hooli2016")
        .await
        .unwrap();
    h.click_button("Connect").await;
}

/// Where the Consent UI's "Done" link sends the browser (our return URL with its `state` and
/// job ids), read without following it, so nothing is used yet.
pub async fn return_url_behind_done(h: &Harness) -> String {
    let done = link(h, "Done")
        .await
        .attr("href")
        .await
        .unwrap()
        .expect("href");
    let done = if done.starts_with("http") {
        done
    } else {
        format!("{}{done}", consent_origin(h))
    };
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&done)
        .send()
        .await
        .unwrap()
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .expect("Done redirects to the Redirect URL")
}

/// Popup mode, at the Consent UI's end page: "Done", our return page, the popup closed, and
/// the driver back in the host's window (`main`) inside the widget's frame.
pub async fn done_in_popup(h: &Harness, main: WindowHandle) {
    link(h, "Done").await.click().await.unwrap();
    h1(h, "You can close this window").await;
    h.driver.close_window().await.unwrap();
    h.driver.switch_to_window(main).await.unwrap();
    h.driver.enter_frame(0).await.unwrap();
}

/// `url` with one character of its `state` changed.
pub fn tamper_state(url: &str) -> String {
    let at = url.find("state=").expect("a state") + "state=".len();
    let mut bytes = url.as_bytes().to_vec();
    let i = at + 4;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ascii")
}

/// The example host's API secret in these tests.
pub const HOST_SECRET: &str = "e2e-host-secret-0123456789";

/// Runs `test` with the example host allowed to embed the widget; passes the host's URL.
pub async fn with_host<F, Fut>(test: F)
where
    F: FnOnce(Arc<Harness>, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    let flags = [
        V3,
        &["--allowed-origins", &host, "--host-api-secret", HOST_SECRET][..],
    ]
    .concat();
    let host_url = host.clone();
    Harness::run_with(&flags, |h| async move {
        let app =
            bank_connect_example_host::app(&h.url(""), SecretString::from(HOST_SECRET.to_owned()));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        slow_network(&h).await;
        test(h, host_url).await;
    })
    .await;
}

/// Opens the widget from the host and picks Hooli Bank; leaves the driver in the frame.
pub async fn open_in_host(h: &Harness, host: &str) {
    h.driver.goto(host).await.unwrap();
    h.click_button("Connect a bank").await;
    h.find(By::Css("[role='dialog'] iframe")).await;
    h.driver.enter_frame(0).await.unwrap();
    let input = h.find(By::Css("input[role='combobox']")).await;
    input.send_keys("hooli").await.unwrap();
    h.click_option("Hooli Bank").await;
    h.heading("Continue to Hooli Bank").await;
}

/// Waits for a second window and switches to it; returns the host's window.
pub async fn to_popup(h: &Harness) -> WindowHandle {
    let main = h.driver.window().await.unwrap();
    let started = std::time::Instant::now();
    loop {
        let all = h.driver.windows().await.unwrap();
        if let Some(w) = all.into_iter().find(|w| *w != main) {
            h.driver.switch_to_window(w).await.unwrap();
            return main;
        }
        assert!(started.elapsed() < WAIT, "no popup opened");
        tokio::time::sleep(POLL).await;
    }
}
