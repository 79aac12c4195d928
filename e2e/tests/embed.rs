//! Embedding end to end: the example host site on one origin, the widget on another, a third
//! origin trying to interfere — all on 127.0.0.1, different ports, in headless Chromium.

use std::sync::Arc;
use std::time::Duration;

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{Harness, POLL, WAIT};
use secrecy::SecretString;
use serde_json::Value;

const HOST_SECRET: &str = "e2e-host-secret-0123456789";

struct Sites {
    host: String,
    third: String,
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

/// A page on a third origin: it frames the widget (which CSP must refuse) and, when opened
/// with `#attack`, posts forged messages to the window that opened the host page.
fn third_site(widget: &str) -> axum::Router {
    let page = format!(
        r##"<!doctype html><html lang="en"><head><title>Third party</title></head><body>
<h1>Not allowed</h1><iframe id="framed" title="widget" src="{widget}/?embed=inline"></iframe>
<script>
if (location.hash === "#attack" && window.opener) {{
  const forged = {{ source: "bank-connect", version: 1, type: "success",
    payload: {{ connection_id: "forged", institution: {{ id: "X", name: "Forged" }}, accounts: [], job_id: "j" }} }};
  window.opener.postMessage(forged, "*");
  const init = {{ source: "bank-connect", version: 1, type: "init", payload: {{ theme: {{ mode: "dark", accent: "#ff0000" }} }} }};
  for (let i = 0; i < window.opener.frames.length; i++) window.opener.frames[i].postMessage(init, "*");
  document.title = "sent";
}}
</script></body></html>"##
    );
    axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    )
}

/// Starts the example host (knowing the widget's URL) and the third site.
async fn sites(h: &Harness, host_listener: tokio::net::TcpListener) -> Sites {
    let host = format!("http://{}", host_listener.local_addr().unwrap());
    let app =
        bank_connect_example_host::app(&h.url(""), SecretString::from(HOST_SECRET.to_owned()));
    tokio::spawn(async move {
        let _ = axum::serve(host_listener, app).await;
    });
    let third = serve(third_site(&h.url(""))).await;
    Sites { host, third }
}

/// Runs `test` with the widget allowed to be embedded by a host on a pre-bound port.
async fn with_sites<F, Fut>(test: F)
where
    F: FnOnce(Arc<Harness>, Sites) -> Fut,
    Fut: Future<Output = ()>,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let flags = [
        "--allowed-origins",
        &origin,
        "--host-api-secret",
        HOST_SECRET,
    ];
    Harness::run_with(&flags, |h| async move {
        let s = sites(&h, listener).await;
        test(h, s).await;
    })
    .await;
}

async fn log_types(h: &Harness) -> Vec<(String, Value)> {
    let ret = h
        .driver
        .execute(
            "return Array.from(document.querySelectorAll('#log li')).map(li => [li.dataset.type, li.querySelector('code').textContent]);",
            vec![],
        )
        .await
        .unwrap();
    ret.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                serde_json::from_str(pair[1].as_str().unwrap()).unwrap_or(Value::Null),
            )
        })
        .collect()
}

async fn wait_for_log(h: &Harness, kind: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        if let Some((_, v)) = log_types(h)
            .await
            .into_iter()
            .rev()
            .find(|(t, _)| t == kind)
        {
            return v;
        }
        assert!(
            started.elapsed() < WAIT,
            "the host never logged {kind}: {:?}",
            log_types(h).await
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Every URL the page and its frames loaded (navigation + resources), as the browser recorded.
async fn urls_seen(h: &Harness) -> Vec<String> {
    let script = "return [location.href].concat(performance.getEntries().map(e => e.name));";
    let mut all: Vec<String> = h
        .driver
        .execute(script, vec![])
        .await
        .unwrap()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    if h.driver.enter_frame(0).await.is_ok() {
        if let Ok(ret) = h.driver.execute(script, vec![]).await {
            all.extend(
                ret.json()
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned)),
            );
        }
        h.driver.enter_default_frame().await.unwrap();
    }
    all
}

fn assert_no_token_in_urls(urls: &[String]) {
    for u in urls {
        let lower = u.to_ascii_lowercase();
        assert!(
            !lower.contains("token") && !lower.contains("eyj"),
            "a token-like value in a URL: {u}"
        );
    }
}

#[tokio::test]
async fn modal_connects_hooli_reports_success_and_closes_back_to_the_host() {
    with_sites(|h, s| async move {
        h.driver.goto(&s.host).await.unwrap();
        h.driver
            .execute("window.scrollTo(0, 300);", vec![])
            .await
            .unwrap();
        let connect = h.button("Connect a bank").await;
        connect.click().await.unwrap();
        let dialog = h.find(By::Css("[role='dialog'][aria-modal='true']")).await;
        // Where the host page stood when the widget opened (the click scrolled the button into view).
        let scroll_at_open = h
            .driver
            .execute("return window.scrollY;", vec![])
            .await
            .unwrap()
            .json()
            .clone();
        assert!(
            scroll_at_open.as_f64().is_some_and(|y| y > 0.0),
            "the host page is scrolled: {scroll_at_open}"
        );
        assert_eq!(
            dialog.attr("aria-label").await.unwrap().as_deref(),
            Some("Connect your bank")
        );
        let ready = wait_for_log(&h, "ready").await;
        assert!(ready.is_object());
        h.screenshot("embed-modal-open").await;

        h.driver.enter_frame(0).await.unwrap();
        let input = h.find(By::Css("input[role='combobox']")).await;
        input.send_keys("hooli").await.unwrap();
        h.click_option("Hooli Bank").await;
        h.heading("Log in to Hooli Bank").await;
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
        h.heading("Hooli Bank is connected").await;
        h.find(By::Css("ul[aria-label='Accounts'] > li")).await;
        h.driver.enter_default_frame().await.unwrap();

        let success = wait_for_log(&h, "success").await;
        assert_eq!(success["institution"]["id"], "AU00000");
        assert_eq!(success["institution"]["name"], "Hooli Bank");
        assert!(
            success["connection_id"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        );
        let accounts = success["accounts"].as_array().unwrap();
        assert!(!accounts.is_empty());
        assert!(
            accounts
                .iter()
                .all(|a| a["masked_number"].is_string() && a.get("account_no").is_none())
        );
        let events: Vec<String> = log_types(&h)
            .await
            .into_iter()
            .filter(|(t, _)| t == "event")
            .map(|(_, v)| v["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        for expected in [
            "OPEN",
            "SELECT_INSTITUTION",
            "SUBMIT_CREDENTIALS",
            "STEP",
            "CONNECTED",
            "TRANSITION_VIEW",
        ] {
            assert!(
                events.iter().any(|e| e == expected),
                "missing event {expected} in {events:?}"
            );
        }
        h.screenshot("embed-modal-success").await;
        let log_text = h.find(By::Css("#log")).await.text().await.unwrap();
        assert!(
            !log_text.contains("hooli2016"),
            "no credential reaches the host"
        );

        // Escape closes the dialog: exit user_closed, focus and scroll back where they were.
        h.driver
            .action_chain()
            .send_keys(Key::Escape)
            .perform()
            .await
            .unwrap();
        let exit = wait_for_log(&h, "exit").await;
        assert_eq!(exit["reason"], "user_closed");
        let gone = h
            .driver
            .query(By::Css("[role='dialog']"))
            .wait(WAIT, POLL)
            .not_exists()
            .await
            .unwrap();
        assert!(gone, "the dialog is removed");
        let state = h
            .driver
            .execute(
                "return [document.activeElement && document.activeElement.id, window.scrollY];",
                vec![],
            )
            .await
            .unwrap()
            .json()
            .clone();
        assert_eq!(state[0], "connect", "focus returns to the host's button");
        assert_eq!(
            state[1], scroll_at_open,
            "the host page's scroll is restored"
        );
        assert_no_token_in_urls(&urls_seen(&h).await);
    })
    .await;
}

#[tokio::test]
async fn inline_mode_resizes_to_its_content() {
    with_sites(|h, s| async move {
        h.driver.goto(&s.host).await.unwrap();
        h.find(By::Css("input[name='mode'][value='inline']"))
            .await
            .click()
            .await
            .unwrap();
        h.click_button("Connect a bank").await;
        let frame = h.find(By::Css("#inline-slot iframe")).await;
        wait_for_log(&h, "ready").await;
        let started = std::time::Instant::now();
        let height = loop {
            let style = frame.attr("style").await.unwrap().unwrap_or_default();
            let h_px: Option<f64> = style.split(';').find_map(|d| {
                d.trim()
                    .strip_prefix("height:")
                    .map(|v| v.trim().trim_end_matches("px").parse().unwrap_or(0.0))
            });
            if let Some(px) = h_px.filter(|px| (*px - 480.0).abs() > 1.0) {
                break px;
            }
            assert!(
                started.elapsed() < WAIT,
                "the inline frame never resized: {style}"
            );
            tokio::time::sleep(POLL).await;
        };
        assert!(height > 100.0, "a plausible content height: {height}");
        h.screenshot("embed-inline").await;
    })
    .await;
}

#[tokio::test]
async fn a_replayed_link_token_is_refused_with_an_exit() {
    with_sites(|h, s| async move {
        h.driver.goto(&s.host).await.unwrap();
        // Mint one token and use it, as the host's own backend would.
        let token: String = h
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1]; fetch('/mint', {method: 'POST'}).then(r => r.json()).then(b => done(b.link_token));",
                vec![],
            )
            .await
            .unwrap()
            .json()
            .as_str()
            .unwrap()
            .to_owned();
        let open = "const t = arguments[0]; window.__events = []; window.__h = BankConnect.open({ linkToken: t, \
            onEvent: e => window.__events.push(['event', e]), onExit: e => window.__events.push(['exit', e]) });";
        h.driver.execute(open, vec![Value::String(token.clone())]).await.unwrap();
        h.driver.enter_frame(0).await.unwrap();
        h.heading("Choose your bank").await;
        h.driver.enter_default_frame().await.unwrap();
        h.driver.execute("window.__h.destroy();", vec![]).await.unwrap();

        // The same token again: refused, a clear screen, and an exit when the person closes it.
        h.driver.execute(open, vec![Value::String(token)]).await.unwrap();
        h.driver.enter_frame(0).await.unwrap();
        h.heading("This link has expired").await;
        h.screenshot("embed-link-expired").await;
        h.driver.action_chain().send_keys(Key::Escape).perform().await.unwrap();
        h.driver.enter_default_frame().await.unwrap();
        let started = std::time::Instant::now();
        let exit = loop {
            let events = h.driver.execute("return window.__events;", vec![]).await.unwrap().json().clone();
            if let Some(e) = events.as_array().unwrap().iter().find(|e| e[0] == "exit") {
                break e[1].clone();
            }
            assert!(started.elapsed() < WAIT, "no exit after a refused link token: {events}");
            tokio::time::sleep(POLL).await;
        };
        assert_eq!(exit["reason"], "error", "{exit}");
        assert_eq!(exit["error"]["kind"], "link_expired", "{exit}");
    })
    .await;
}

#[tokio::test]
async fn other_origins_can_neither_frame_the_widget_nor_talk_to_it() {
    with_sites(|h, s| async move {
        // Framing from a non-allowed origin is blocked by frame-ancestors.
        h.driver.goto(&s.third).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        h.driver.enter_frame(0).await.unwrap();
        let framed = h
            .driver
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await;
        let text = framed
            .map(|r| r.json().as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        assert!(
            !text.contains("Connect your bank") && !text.contains("Choose your bank"),
            "the widget rendered inside a foreign frame: {text}"
        );
        h.driver.enter_default_frame().await.unwrap();

        // Forged messages from the third origin change nothing on the host or in the widget.
        h.driver.goto(&s.host).await.unwrap();
        h.click_button("Connect a bank").await;
        wait_for_log(&h, "ready").await;
        h.driver.enter_frame(0).await.unwrap();
        h.heading("Choose your bank").await;
        h.driver.enter_default_frame().await.unwrap();
        let host_window = h.driver.window().await.unwrap();
        h.driver
            .execute(
                &format!("window.open('{}/#attack', 'attacker');", s.third),
                vec![],
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(800)).await;
        h.driver.switch_to_window(host_window).await.unwrap();
        let types: Vec<String> = log_types(&h).await.into_iter().map(|(t, _)| t).collect();
        assert!(
            !types.iter().any(|t| t == "success"),
            "a forged success reached the host: {types:?}"
        );
        h.driver.enter_frame(0).await.unwrap();
        let theme = h
            .driver
            .execute(
                "return document.documentElement.getAttribute('data-bc-theme');",
                vec![],
            )
            .await
            .unwrap();
        assert_ne!(
            theme.json().as_str(),
            Some("dark"),
            "a forged init changed the widget's theme"
        );
        h.heading("Choose your bank").await;
        h.driver.enter_default_frame().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn loading_twice_and_opening_twice_make_one_widget() {
    with_sites(|h, s| async move {
        h.driver.goto(&s.host).await.unwrap();
        let widget = h.url("");
        let script = "const src = arguments[0] + '/embed.js'; const done = arguments[arguments.length - 1]; \
            const first = window.BankConnect; const tag = document.createElement('script'); tag.src = src; \
            tag.onload = () => done(window.BankConnect === first); document.head.appendChild(tag);";
        let same = h.driver.execute_async(script, vec![Value::String(widget)]).await.unwrap();
        assert_eq!(same.json(), &Value::Bool(true), "a second embed.js keeps the first BankConnect");
        let count = h
            .driver
            .execute(
                "const a = BankConnect.open({}); const b = BankConnect.open({}); \
                 return [a === b, document.querySelectorAll('iframe').length, document.querySelectorAll('[role=dialog]').length];",
                vec![],
            )
            .await
            .unwrap()
            .json()
            .clone();
        assert_eq!(count, serde_json::json!([true, 1, 1]));
    })
    .await;
}

/// The Basiq users the simulator holds.
fn basiq_users(h: &Harness) -> Vec<String> {
    h.server.sandbox().expect("sandbox mode").user_ids()
}

/// On the host page with 150 ms of latency: "Connect a bank", then Hooli Bank connected in
/// the frame; returns the host's `success` payload (the driver is back on the host page).
async fn connect_embedded_slowly(h: &Harness, host: &str) -> Value {
    h.add_latency(150).await;
    h.driver.goto(host).await.unwrap();
    h.click_button("Connect a bank").await;
    wait_for_log(h, "ready").await;
    h.driver.enter_frame(0).await.unwrap();
    // Chosen while the link token is still being exchanged: both wait for the one request.
    h.pick_bank("hooli", "Hooli Bank").await;
    h.log_in("gavinBelson", "hooli2016").await;
    h.heading("Hooli Bank is connected").await;
    h.find(By::Css("ul[aria-label='Accounts'] > li")).await;
    h.driver.enter_default_frame().await.unwrap();
    wait_for_log(h, "success").await
}

/// `GET path` from inside the widget's frame (same origin as the API): the JSON answer.
async fn fetch_in_frame(h: &Harness, path: &str) -> Value {
    h.driver.enter_frame(0).await.unwrap();
    let ret = h
        .driver
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.json()).then(b => done(JSON.stringify(b)), e => done(JSON.stringify({ failed: String(e) })));",
            vec![Value::String(path.to_owned())],
        )
        .await
        .unwrap();
    h.driver.enter_default_frame().await.unwrap();
    serde_json::from_str(ret.json().as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test]
async fn embedded_with_150_ms_latency_makes_one_basiq_user_and_the_success_carries_its_accounts() {
    with_sites(|h, s| async move {
        let success = connect_embedded_slowly(&h, &s.host).await;
        let accounts = success["accounts"].as_array().cloned().unwrap_or_default();
        assert!(
            !accounts.is_empty(),
            "the host's success carries the accounts: {success}"
        );
        // The host's user (minted by its backend) is the only Basiq user: no anonymous one was
        // made for a token request that raced the link-token exchange.
        let users = basiq_users(&h);
        assert_eq!(users.len(), 1, "exactly one Basiq user: {users:?}");
        let listed = fetch_in_frame(&h, "/api/accounts").await;
        assert_eq!(
            listed.as_array().map(Vec::len),
            Some(accounts.len()),
            "the session's user holds the accounts the host heard of: {listed}"
        );
        h.driver.enter_frame(0).await.unwrap();
        h.check_screen("embed-slow-success", &["hooli2016"]).await;
        h.driver.enter_default_frame().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_reloaded_frame_keeps_the_persons_session_and_banks() {
    with_sites(|h, s| async move {
        connect_embedded_slowly(&h, &s.host).await;
        let before = fetch_in_frame(&h, "/api/connections").await;
        assert_eq!(before.as_array().map(Vec::len), Some(1), "{before}");

        // The frame reloads (as the widget's own "Reload the page" does): it says `ready`
        // again, and the host must not send the used link token again.
        let readies = log_types(&h)
            .await
            .iter()
            .filter(|(t, _)| t == "ready")
            .count();
        h.driver.enter_frame(0).await.unwrap();
        h.driver
            .execute("location.reload();", vec![])
            .await
            .unwrap();
        h.driver.enter_default_frame().await.unwrap();
        let started = std::time::Instant::now();
        while log_types(&h)
            .await
            .iter()
            .filter(|(t, _)| t == "ready")
            .count()
            == readies
        {
            assert!(
                started.elapsed() < WAIT,
                "the reloaded frame never said ready"
            );
            tokio::time::sleep(POLL).await;
        }
        h.driver.enter_frame(0).await.unwrap();
        h.heading("Choose your bank").await;
        let text = h.find(By::Css("body")).await.text().await.unwrap();
        assert!(
            !text.contains("This link has expired"),
            "a valid session is not an expired link: {text}"
        );
        h.check_screen("embed-reloaded", &["hooli2016"]).await;
        h.driver.enter_default_frame().await.unwrap();
        let after = fetch_in_frame(&h, "/api/connections").await;
        assert_eq!(after, before, "still the person's session and banks");
        assert_eq!(basiq_users(&h).len(), 1, "no new Basiq user");
        let types: Vec<String> = log_types(&h).await.into_iter().map(|(t, _)| t).collect();
        assert!(
            !types.iter().any(|t| t == "exit"),
            "the widget stays open: {types:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_script_on_an_allowed_host_page_cannot_read_the_embedded_users_token_accounts_or_transactions()
 {
    with_sites(|h, s| async move {
        let success = connect_embedded_slowly(&h, &s.host).await;
        let connection = success["connection_id"].as_str().unwrap().to_owned();
        let account = success["accounts"][0]["id"].as_str().unwrap_or_default().to_owned();
        let widget = h.url("");
        let transactions = format!("/api/connections/{connection}/transactions?account={account}&limit=10");
        // Control: the widget itself (same origin) reads them, so the session and data exist.
        let own = fetch_in_frame(&h, &transactions).await;
        assert!(own["transactions"].is_array(), "the widget reads its transactions: {own}");

        // The host page (an allowed origin, or an XSS on it) asks with the person's cookies.
        let probe = r#"
const [base, txns] = [arguments[0], arguments[1]];
const done = arguments[arguments.length - 1];
const tries = [
  ["token", base + "/api/token", { method: "POST", credentials: "include", headers: { "Content-Type": "application/json" }, body: "{}" }],
  ["token-simple", base + "/api/token", { method: "POST", credentials: "include", headers: { "Content-Type": "text/plain" }, body: "" }],
  ["accounts", base + "/api/accounts", { credentials: "include" }],
  ["connections", base + "/api/connections", { credentials: "include" }],
  ["transactions", base + txns, { credentials: "include" }],
];
Promise.all(tries.map(([name, url, init]) =>
  fetch(url, init).then(r => r.text().then(t => [name, "read", t]), e => [name, "blocked", String(e)])
)).then(all => done(JSON.stringify(all)));
"#;
        let ret = h
            .driver
            .execute_async(probe, vec![Value::String(widget.clone()), Value::String(transactions.clone())])
            .await
            .unwrap();
        let results: Value = serde_json::from_str(ret.json().as_str().unwrap()).unwrap();
        let results = results.as_array().unwrap();
        assert_eq!(results.len(), 5);
        for r in results {
            assert_eq!(r[1], "blocked", "the host page read {}: {}", r[0], r[2]);
        }
        // Without CORS the page can only send blind requests: their answers are opaque.
        let opaque = h
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1]; fetch(arguments[0] + '/api/accounts', { mode: 'no-cors', credentials: 'include' }).then(r => r.text().then(t => done([r.type, t.length])), e => done(['blocked', 0]));",
                vec![Value::String(widget)],
            )
            .await
            .unwrap();
        let opaque = opaque.json();
        assert!(
            opaque[1] == 0 && (opaque[0] == "opaque" || opaque[0] == "blocked"),
            "nothing readable: {opaque}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_embedded_session_the_server_refuses_never_becomes_a_new_user_and_the_host_gets_an_exit()
{
    with_sites(|h, s| async move {
        connect_embedded_slowly(&h, &s.host).await;
        assert_eq!(basiq_users(&h).len(), 1);
        // A session cookie the server cannot verify (its secret changed). Cookies ignore the
        // port, so the host page's document can set the widget's.
        let real = h.driver.get_named_cookie("bc_session").await.unwrap().value;
        let forged = format!("{}x", &real[..real.len().saturating_sub(1)]);
        let mut cookie = Cookie::new("bc_session", forged);
        cookie.set_path("/");
        cookie.http_only = Some(true);
        h.driver.add_cookie(cookie).await.unwrap();

        h.driver.enter_frame(0).await.unwrap();
        h.driver
            .execute("location.reload();", vec![])
            .await
            .unwrap();
        h.heading("Your session has ended").await;
        h.check_screen("embed-session-ended", &["hooli2016"]).await;
        // Embedded, only the host site can start a session: the widget says to go back there.
        let text = h
            .find(By::Css(".bc-session-ended"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("start again from the site you came from"),
            "{text}"
        );
        assert!(
            !text.contains("Start again"),
            "no button that cannot work here: {text}"
        );
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert_eq!(
            basiq_users(&h).len(),
            1,
            "never a user the host does not know of"
        );
        h.find(By::Css("button.bc-close[aria-label='Close']"))
            .await
            .click()
            .await
            .unwrap();
        h.driver.enter_default_frame().await.unwrap();
        let exit = wait_for_log(&h, "exit").await;
        assert_eq!(exit["reason"], "user_closed", "{exit}");
        assert_eq!(basiq_users(&h).len(), 1);
    })
    .await;
}
