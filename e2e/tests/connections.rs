//! The connections view end to end against the server and its simulator: two banks connected
//! through the widget, refresh (balance and "last refreshed" change, not offered again too
//! soon, MFA on refresh, Basiq's 429 with its wait), a password changed at the bank → "Needs
//! your password" → update → connected again, transactions with "load more", and removal
//! behind an accessible dialog. Every new screen gets the storage audit and axe-core, and a
//! screenshot.

use std::time::Duration;

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;
use basiq_sim::{FaultKind, FaultRule};

const HOOLI_PASSWORD: &str = "hooli2016";
const JARED_PASSWORD: &str = "django";

/// Opens the widget, picks `bank` by typing `search`, and waits for its login form.
async fn open_bank(h: &Harness, search: &str, bank: &str) {
    h.click_button("+ Connect a bank").await;
    h.pick_bank(search, bank).await;
}

/// Connects Hooli Bank as Gavin Belson and opens the connections view from the result screen.
async fn connect_hooli(h: &Harness) {
    open_bank(h, "hooli", "Hooli Bank").await;
    h.log_in("gavinBelson", HOOLI_PASSWORD).await;
    h.heading("Hooli Bank is connected").await;
    h.open_connected_banks().await;
    h.connection_card("Hooli Bank").await;
}

/// Connects Pied Piper Bank (a bank that asks for a one-time code every time) as Jared.
async fn connect_pied_piper(h: &Harness) {
    connect_pied_piper_as(
        h,
        ("jared", JARED_PASSWORD),
        ("Enter the code from your bank", "OTP Password", "1234"),
    )
    .await;
}

/// Connects Pied Piper Bank as `login`, answering its challenge (`heading`, `field`, `answer`),
/// and opens the connections view from the result screen.
async fn connect_pied_piper_as(h: &Harness, login: (&str, &str), mfa: (&str, &str, &str)) {
    let (heading, field, answer) = mfa;
    open_bank(h, "pied piper", "Pied Piper Bank").await;
    h.log_in(login.0, login.1).await;
    h.heading(heading).await;
    h.type_across_polls(field, answer).await;
    h.click_button("Continue").await;
    h.heading("Pied Piper Bank is connected").await;
    h.open_connected_banks().await;
}

async fn cards(h: &Harness) -> Vec<WebElement> {
    h.driver
        .find_all(By::Css("ul[aria-label='Connected banks'] > li"))
        .await
        .unwrap()
}

/// Text of the first element matching `css` in the card of `bank` (see [`read_card`]).
async fn text_in(h: &Harness, bank: &str, css: &str) -> String {
    read_card(h, bank, css, None).await
}

/// The text (or the attribute `attr`) of the first element matching `css` in the card of
/// `bank`. The card is found afresh on each try: a reload re-renders parts of it, and an element
/// read a moment before may be stale by then. Fails after 5 s.
async fn read_card(h: &Harness, bank: &str, css: &str, attr: Option<&str>) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        let found = h.connection_card(bank).await.find(By::Css(css)).await;
        let read = match (found, attr) {
            (Ok(el), Some(a)) => el.attr(a).await.map(Option::unwrap_or_default),
            (Ok(el), None) => el.text().await,
            (Err(e), _) => Err(e),
        };
        match read {
            Ok(text) => return text,
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {css} in the {bank} card: {last}");
}

/// Polls `check` until it is true (or fails after 30 s with `what`).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// `fetch(path)` from the page (its session cookie); returns status and body.
async fn page_fetch(h: &Harness, method: &str, path: &str) -> (u64, String) {
    let ret = h
        .driver
        .execute_async(
            r#"
const [method, path, done] = arguments;
fetch(path, { method, credentials: 'same-origin' })
  .then(async (r) => done(JSON.stringify({ status: r.status, body: await r.text() })))
  .catch((e) => done(JSON.stringify({ status: 0, body: String(e) })));
"#,
            vec![method.into(), path.into()],
        )
        .await
        .expect("fetch runs");
    let v: serde_json::Value =
        serde_json::from_str(ret.json().as_str().unwrap_or("{}")).unwrap_or_default();
    (
        v["status"].as_u64().unwrap_or(0),
        v["body"].as_str().unwrap_or_default().to_string(),
    )
}

async fn api_connections(h: &Harness) -> Vec<serde_json::Value> {
    let (status, body) = page_fetch(h, "GET", "/api/connections").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Vec<serde_json::Value>>(&body).unwrap()
}

#[tokio::test]
async fn two_banks_refresh_not_again_too_soon_and_mfa_on_refresh() {
    // Slow enough for a person to answer the MFA challenge (120 s of simulated time).
    Harness::run_with(&["--sandbox-speed", "5"], |h| async move {
        let secrets = [HOOLI_PASSWORD, JARED_PASSWORD];
        h.driver.goto(h.url("/")).await.unwrap();
        connect_hooli(&h).await;
        connect_pied_piper(&h).await;
        h.connection_card("Pied Piper Bank").await;
        assert_eq!(cards(&h).await.len(), 2, "both banks are listed");
        assert_eq!(api_connections(&h).await.len(), 2);
        let hooli = h.connection_card("Hooli Bank").await;
        let status = text_in(&h, "Hooli Bank", ".bc-badge").await;
        assert_eq!(status, "Connected");
        assert!(
            text_in(&h, "Hooli Bank", ".bc-conn-fresh")
                .await
                .starts_with("Last refreshed"),
        );
        hooli
            .find(By::Css("ul.bc-accounts > li"))
            .await
            .expect("accounts with balances");
        h.check_screen("connections", &secrets).await;

        // Money arrives at the bank; only a refresh shows it.
        let first_balance = || async { text_in(&h, "Hooli Bank", ".bc-account-balance").await };
        let last_refreshed =
            || async { read_card(&h, "Hooli Bank", ".bc-conn-fresh time", Some("datetime")).await };
        let balance_before = first_balance().await;
        let refreshed_before = last_refreshed().await;
        h.server
            .sandbox()
            .expect("sandbox")
            .bank_deposit("gavinBelson", 12_345);
        // lastUsed has a one-second resolution.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        h.click_button("Refresh Hooli Bank").await;
        h.heading("Refreshing Hooli Bank").await;
        // The rest of the view stays usable while it runs.
        assert!(
            h.connection_card("Pied Piper Bank")
                .await
                .find(By::XPath(
                    ".//button[normalize-space()='Remove Pied Piper Bank']"
                ))
                .await
                .unwrap()
                .is_enabled()
                .await
                .unwrap()
        );
        h.check_screen("connections-refreshing", &secrets).await;
        h.find(By::XPath(
            "//p[@role='status'][normalize-space()='Hooli Bank refreshed.']",
        ))
        .await;
        eventually("the balance changes in place", || async {
            first_balance().await != balance_before
        })
        .await;
        assert_ne!(
            last_refreshed().await,
            refreshed_before,
            "last refreshed moves"
        );

        // Too soon: not offered again, and the server refuses it too.
        let hooli = h.connection_card("Hooli Bank").await;
        assert!(
            hooli
                .find_all(By::XPath(
                    ".//button[starts-with(normalize-space(), 'Refresh')]"
                ))
                .await
                .unwrap()
                .is_empty(),
            "no refresh offered within the minimum interval"
        );
        let wait = text_in(&h, "Hooli Bank", ".bc-conn-wait").await;
        assert!(wait.starts_with("You can refresh again in"), "{wait}");
        let hooli_id = api_connections(&h)
            .await
            .into_iter()
            .find(|c| c["institutionName"] == "Hooli Bank")
            .and_then(|c| c["id"].as_str().map(str::to_string))
            .unwrap();
        let (status, body) =
            page_fetch(&h, "POST", &format!("/api/connections/{hooli_id}/refresh")).await;
        assert_eq!(status, 429, "{body}");
        assert!(body.contains("refresh-too-soon"));
        h.check_screen("connections-refreshed", &secrets).await;

        // Refresh all: only Pied Piper is due; it asks for its code again.
        h.click_button("Refresh all").await;
        h.heading("Enter the code from your bank").await;
        eventually("focus on the bank's question", || async {
            h.focused_id().await == "bc-step-heading"
        })
        .await;
        h.check_screen("connections-refresh-mfa", &secrets).await;
        h.type_across_polls("OTP Password", "1234").await;
        h.click_button("Continue").await;
        h.find(By::XPath(
            "//p[@role='status'][normalize-space()='Pied Piper Bank refreshed.']",
        ))
        .await;
        assert!(
            h.driver
                .find_all(By::XPath("//button[normalize-space()='Refresh all']"))
                .await
                .unwrap()
                .is_empty(),
            "nothing left to refresh"
        );
        h.assert_no_secrets_stored("after the refreshes", &secrets)
            .await;

        // A new visit forgets when this page refreshed; the server still refuses, and its
        // wait (Retry-After) takes the button away.
        h.driver.goto(h.url("/")).await.unwrap();
        h.click_button("Your connected banks (2)").await;
        h.click_button("Refresh Hooli Bank").await;
        let wait = h
            .find(By::XPath(
                "//li[.//h3[normalize-space()='Hooli Bank']]//p[@class='bc-conn-wait']",
            ))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            wait.starts_with("You can refresh again in") && wait.ends_with("minutes."),
            "{wait}"
        );
        assert!(
            h.connection_card("Hooli Bank")
                .await
                .find_all(By::Css("[role='alert']"))
                .await
                .unwrap()
                .is_empty(),
            "too soon is a wait, not an error"
        );
    })
    .await;
}

/// Both of Pied Piper's questions, when connecting and on a refresh from its card, over 150 ms
/// of added latency, each answer typed while the job's polls land.
#[tokio::test]
async fn mfa_when_connecting_and_on_a_refresh_over_added_latency() {
    Harness::run_with(&["--sandbox-speed", "5"], |h| async move {
        h.add_latency(150).await;
        h.driver.goto(h.url("/")).await.unwrap();
        connect_pied_piper(&h).await;
        h.connection_card("Pied Piper Bank").await;
        h.click_button("Refresh Pied Piper Bank").await;
        h.heading("Enter the code from your bank").await;
        h.type_across_polls("OTP Password", "1234").await;
        h.click_button("Continue").await;
        h.find(By::XPath(
            "//p[@role='status'][normalize-space()='Pied Piper Bank refreshed.']",
        ))
        .await;
    })
    .await;
}

#[tokio::test]
async fn basiq_rate_limit_and_a_failed_refresh_keep_the_old_data_with_the_error_beside() {
    Harness::run(|h| async move {
        h.driver.goto(h.url("/")).await.unwrap();
        connect_hooli(&h).await;
        let balance = text_in(&h, "Hooli Bank", ".bc-account-balance").await;
        // Let the view settle first: it moves focus to its heading once its data is in.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        // The view's one-second clock does not re-create a focused button.
        h.driver
            .execute(
                "Array.from(document.querySelectorAll('button')).find((b) => b.textContent.trim().replace(/\\s+/g, ' ') === 'Refresh Hooli Bank').focus();",
                vec![],
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(2200)).await;
        let focused = h
            .driver
            .execute(
                "return document.activeElement.textContent.trim().replace(/\\s+/g, ' ');",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(focused.json().as_str(), Some("Refresh Hooli Bank"));
        let sim = h.server.sandbox().expect("sandbox");
        sim.add_fault(
            FaultRule::new(
                "POST",
                "/users/*/connections/*/refresh",
                FaultKind::RateLimit { retry_after: 3 },
            )
            .times(1),
        );
        h.click_button("Refresh Hooli Bank").await;
        let alert = h
            .find(By::XPath(
                "//li[.//h3[normalize-space()='Hooli Bank']]//*[@role='alert']",
            ))
            .await;
        let text = alert.text().await.unwrap();
        assert!(text.contains("3 seconds"), "the wait is shown: {text}");
        assert_eq!(text_in(&h, "Hooli Bank", ".bc-account-balance").await, balance);
        let wait = text_in(&h, "Hooli Bank", ".bc-conn-wait").await;
        assert!(
            wait.starts_with("You can refresh again in") && wait.contains("second"),
            "not offered again until the wait is over: {wait}"
        );
        h.check_screen("connections-rate-limited", &[HOOLI_PASSWORD])
            .await;

        // Offered again after the wait; this time the bank data provider fails while the job
        // is followed: the error stands beside the old balance.
        let refresh = h.button("Refresh Hooli Bank").await;
        sim.add_fault(
            FaultRule::status(
                "GET",
                "/jobs/*",
                503,
                "service-unavailable",
                "Service Unavailable",
                "down",
            )
            .times(20),
        );
        refresh.click().await.unwrap();
        eventually("the failure beside the connection", || async {
            match h.connection_card("Hooli Bank")
                .await
                .find(By::Css("[role='alert']"))
                .await
            {
                Ok(a) => a.text().await.unwrap().contains("busy"),
                Err(_) => false,
            }
        })
        .await;
        sim.clear_faults();
        assert_eq!(
            text_in(&h, "Hooli Bank", ".bc-account-balance").await,
            balance,
            "nothing lost"
        );
        h.find(By::XPath(
            "//p[@role='status'][normalize-space()=\"Hooli Bank couldn't be refreshed.\"]",
        ))
        .await;
        h.check_screen("connections-refresh-failed", &[HOOLI_PASSWORD])
            .await;
    })
    .await;
}

#[tokio::test]
async fn password_changed_at_the_bank_then_updated_is_active_again() {
    Harness::run(|h| async move {
        let secrets = [HOOLI_PASSWORD, "not-the-password"];
        h.driver.goto(h.url("/")).await.unwrap();
        connect_hooli(&h).await;
        assert_eq!(
            h.server
                .sandbox()
                .expect("sandbox")
                .invalidate_connections_of("gavinBelson"),
            1
        );
        // A new visit: the start screen offers the connected bank.
        h.driver.goto(h.url("/")).await.unwrap();
        h.find(By::XPath(
            "//p[normalize-space()='Hooli Bank needs your password.']",
        ))
        .await;
        h.check_screen("start-with-connections", &secrets).await;
        h.click_button("Your connected bank (1)").await;
        let hooli = h.connection_card("Hooli Bank").await;
        assert_eq!(
            text_in(&h, "Hooli Bank", ".bc-badge").await,
            "Needs your password"
        );
        assert!(
            hooli
                .find_all(By::XPath(
                    ".//button[starts-with(normalize-space(), 'Refresh')]"
                ))
                .await
                .unwrap()
                .is_empty(),
            "an invalid connection cannot be refreshed"
        );
        h.check_screen("connections-needs-password", &secrets).await;
        h.click_button("Update password for Hooli Bank").await;
        h.heading("Log in to Hooli Bank").await;
        let login = h.field("Login").await;
        assert_eq!(
            login.value().await.unwrap().as_deref(),
            Some(""),
            "nothing but the institution is pre-filled"
        );
        h.check_screen("connections-update-form", &secrets).await;
        // A wrong password: back at the form with the bank's refusal, the login kept.
        let login_input = h.field("Login").await;
        login_input.send_keys("gavinBelson").await.unwrap();
        h.field("Password")
            .await
            .send_keys("not-the-password")
            .await
            .unwrap();
        h.click_button("Update").await;
        h.find(By::XPath(
            "//*[@role='alert'][.//*[normalize-space()=\"Those details didn't work\"]]",
        ))
        .await;
        h.heading("Log in to Hooli Bank").await;
        assert_eq!(
            h.field("Login").await.value().await.unwrap().as_deref(),
            Some("gavinBelson")
        );
        assert_eq!(
            h.field("Password").await.value().await.unwrap().as_deref(),
            Some("")
        );
        let password = h.field("Password").await;
        password.send_keys(HOOLI_PASSWORD).await.unwrap();
        h.click_button("Update").await;
        h.find(By::XPath(
            "//p[@role='status'][normalize-space()='Hooli Bank is connected again.']",
        ))
        .await;
        eventually("the badge says connected", || async {
            text_in(&h, "Hooli Bank", ".bc-badge").await == "Connected"
        })
        .await;
        let api = api_connections(&h).await;
        assert_eq!(api[0]["status"], "active");
        h.assert_no_secrets_stored("after the update", &secrets)
            .await;
    })
    .await;
}

#[tokio::test]
async fn transactions_load_more_and_remove_with_the_dialog() {
    Harness::run(|h| async move {
        let secrets = [HOOLI_PASSWORD];
        h.driver.goto(h.url("/")).await.unwrap();
        connect_hooli(&h).await;

        // Transactions of the first account, ten at a time.
        let toggle = h
            .find(By::XPath(
                "//button[starts-with(normalize-space(), 'Show transactions')]",
            ))
            .await;
        assert_eq!(
            toggle.attr("aria-expanded").await.unwrap().as_deref(),
            Some("false")
        );
        toggle.click().await.unwrap();
        let rows = "//ul[@aria-label='Transactions']/li";
        eventually("the first page", || async {
            h.driver.find_all(By::XPath(rows)).await.unwrap().len() == 10
        })
        .await;
        let note = h.find(By::Css(".bc-txns-note")).await.text().await.unwrap();
        assert!(note.starts_with("Last fetched from the bank"), "{note}");
        let first = h.find(By::Css(".bc-txn")).await.text().await.unwrap();
        assert!(first.contains('$'), "amounts with currency: {first}");
        h.check_screen("connections-transactions", &secrets).await;
        h.click_button("Load more").await;
        eventually("the second page", || async {
            h.driver.find_all(By::XPath(rows)).await.unwrap().len() == 20
        })
        .await;

        // Remove: an accessible dialog; Escape cancels and focus goes back.
        let remove_id = h
            .connection_card("Hooli Bank")
            .await
            .find(By::XPath(
                ".//button[normalize-space()='Remove Hooli Bank']",
            ))
            .await
            .unwrap()
            .id()
            .await
            .unwrap()
            .unwrap_or_default();
        h.click_button("Remove Hooli Bank").await;
        h.find(By::Css("[role='dialog'][aria-modal='true']")).await;
        eventually("focus in the dialog", || async {
            h.focused_id().await == "bc-dialog-cancel"
        })
        .await;
        h.check_screen("connections-remove-dialog", &secrets).await;
        // Tab stays inside: Cancel → Remove → Cancel.
        h.driver
            .active_element()
            .await
            .unwrap()
            .send_keys(Key::Tab.value().to_string())
            .await
            .unwrap();
        assert_eq!(h.focused_id().await, "", "on the dialog's Remove button");
        let active_text = h
            .driver
            .execute("return document.activeElement.textContent;", vec![])
            .await
            .unwrap();
        assert_eq!(active_text.json().as_str(), Some("Remove"));
        h.driver
            .active_element()
            .await
            .unwrap()
            .send_keys(Key::Tab.value().to_string())
            .await
            .unwrap();
        h.assert_focus("bc-dialog-cancel", "focus on the dialog's Cancel")
            .await;
        h.driver
            .active_element()
            .await
            .unwrap()
            .send_keys(Key::Escape.value().to_string())
            .await
            .unwrap();
        eventually("the dialog closes and focus returns", || async {
            h.driver
                .find_all(By::Css("[role='dialog']"))
                .await
                .unwrap()
                .is_empty()
                && h.focused_id().await == remove_id
        })
        .await;

        h.click_button("Remove Hooli Bank").await;
        h.find(By::Css("[role='dialog']")).await;
        h.find(By::XPath(
            "//div[@role='dialog']//button[normalize-space()='Remove']",
        ))
        .await
        .click()
        .await
        .unwrap();
        h.find(By::XPath(
            "//p[@role='status'][normalize-space()='Hooli Bank was removed.']",
        ))
        .await;
        assert!(cards(&h).await.is_empty(), "gone from the view");
        assert!(api_connections(&h).await.is_empty(), "gone from the server");
        h.check_screen("connections-removed", &secrets).await;
    })
    .await;
}

#[tokio::test]
async fn the_connections_view_fits_320_pixels_in_dark_mode() {
    Harness::run(|h| async move {
        let secrets = [HOOLI_PASSWORD];
        h.emulate_small_dark_screen().await;
        h.driver.goto(h.url("/")).await.unwrap();
        connect_hooli(&h).await;
        h.find(By::XPath(
            "//button[starts-with(normalize-space(), 'Show transactions')]",
        ))
        .await
        .click()
        .await
        .unwrap();
        h.button("Load more").await;
        assert!(
            h.fits_320().await,
            "no horizontal scrolling at 320 px (connections)"
        );
        h.check_screen("dark-320-connections", &secrets).await;

        // Hiding the list puts focus back on the start screen's button.
        h.click_button("Hide connected banks").await;
        eventually("focus on the entry button", || async {
            h.focused_id().await == "bc-conn-open"
        })
        .await;

        h.server
            .sandbox()
            .expect("sandbox")
            .invalidate_connections_of("gavinBelson");
        h.driver.goto(h.url("/")).await.unwrap();
        h.click_button("Your connected bank (1)").await;
        h.find(By::XPath("//span[normalize-space()='Needs your password']"))
            .await;
        h.click_button("Remove Hooli Bank").await;
        h.find(By::Css("[role='dialog']")).await;
        assert!(
            h.fits_320().await,
            "no horizontal scrolling at 320 px (dialog)"
        );
        h.check_screen("dark-320-connections-dialog", &secrets)
            .await;
    })
    .await;
}

#[tokio::test]
async fn an_expired_client_token_during_a_refresh_is_renewed_silently() {
    // Short-lived tokens (as in the connect flow's expiry test): revoking every token while the
    // refresh is followed makes the next poll a 403 "Token has expired"; the app renews once.
    Harness::run_with(
        &["--sandbox-speed", "2", "--sandbox-token-ttl", "3"],
        |h| async move {
            h.driver.goto(h.url("/")).await.unwrap();
            connect_hooli(&h).await;
            h.click_button("Refresh Hooli Bank").await;
            h.find(By::XPath(
                "//ol[@aria-label='Steps']/li[contains(., 'In progress')]",
            ))
            .await;
            h.server.sandbox().expect("sandbox").expire_all_tokens();
            h.find(By::XPath(
                "//p[@role='status'][normalize-space()='Hooli Bank refreshed.']",
            ))
            .await;
            assert!(
                h.connection_card("Hooli Bank")
                    .await
                    .find_all(By::Css("[role='alert']"))
                    .await
                    .unwrap()
                    .is_empty(),
                "no error shown"
            );
            h.assert_no_secrets_stored("after the renewal", &[HOOLI_PASSWORD])
                .await;
        },
    )
    .await;
}

#[tokio::test]
async fn a_connection_continued_in_the_background_fills_in_on_the_start_screen() {
    // Real-time jobs, so there is time to leave the progress screen.
    Harness::run_with(&["--sandbox-speed", "1"], |h| async move {
        h.driver.goto(h.url("/")).await.unwrap();
        open_bank(&h, "hooli", "Hooli Bank").await;
        h.log_in("gavinBelson", HOOLI_PASSWORD).await;
        h.click_button("Continue in background").await;
        h.click_button("Your connected bank (1)").await;
        h.connection_card("Hooli Bank").await;
        let accounts = "//ul[starts-with(@aria-label, 'Accounts at')]/li";
        h.driver
            .query(By::XPath(accounts))
            .wait(Duration::from_secs(40), bank_connect_e2e::POLL)
            .first()
            .await
            .expect("the accounts appear without a reload");
        assert_eq!(text_in(&h, "Hooli Bank", ".bc-badge").await, "Connected");
    })
    .await;
}

#[tokio::test]
async fn a_wrong_answer_on_refresh_is_asked_again_like_the_connect_flow() {
    // Slow enough for a person to answer the MFA challenge (120 s of simulated time).
    Harness::run_with(&["--sandbox-speed", "5"], |h| async move {
        let secrets = [HOOLI_PASSWORD, "Aviato"];
        h.driver.goto(h.url("/")).await.unwrap();
        let question = "What's your first company?";
        connect_pied_piper_as(
            &h,
            ("gavinBelson", HOOLI_PASSWORD),
            ("Answer your bank's security question", question, "Hooli"),
        )
        .await;
        // lastUsed has a one-second resolution.
        tokio::time::sleep(Duration::from_millis(1100)).await;

        h.click_button("Refresh Pied Piper Bank").await;
        h.heading("Answer your bank's security question").await;
        h.field("What's your first company?")
            .await
            .send_keys("Aviato")
            .await
            .unwrap();
        h.click_button("Continue").await;
        // Asked again at once, not left on "Confirming it's you… In progress".
        h.find(By::XPath(
            "//*[@role='alert'][normalize-space()=\"That answer wasn't accepted. Please try again.\"]",
        ))
        .await;
        let answer = h.field("What's your first company?").await;
        assert_eq!(answer.value().await.unwrap().as_deref(), Some(""));
        answer.send_keys("Hooli").await.unwrap();
        h.click_button("Continue").await;
        h.find(By::XPath(
            "//p[@role='status'][normalize-space()='Pied Piper Bank refreshed.']",
        ))
        .await;
        h.assert_no_secrets_stored("after the refresh", &secrets)
            .await;
    })
    .await;
}
