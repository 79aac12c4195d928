//! The browser session's edges in Chromium: a session the server no longer accepts gets its
//! own screen and becomes a new visitor only when the person chooses "Start again"; "Forget
//! this browser" (with or without deleting the data at Basiq); the "Sandbox" badge when the
//! widget talks to the simulator. Multi-request flows run with 150 ms of added latency.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

const HOOLI_PASSWORD: &str = "hooli2016";
/// The session cookie's name on a loopback bind (plain HTTP: no `__Host-` prefix).
const COOKIE: &str = "bc_session";

/// The session cookie's value (WebDriver reads HttpOnly cookies; page script cannot).
async fn session_cookie(h: &Harness) -> Option<String> {
    h.driver
        .get_named_cookie(COOKIE)
        .await
        .ok()
        .map(|c| c.value)
}

/// Connects Hooli Bank as Gavin Belson from the start screen.
async fn connect_hooli(h: &Harness) {
    h.driver.goto(h.url("/")).await.unwrap();
    h.click_button("+ Connect a bank").await;
    h.pick_bank("hooli", "Hooli Bank").await;
    h.log_in("gavinBelson", HOOLI_PASSWORD).await;
    h.heading("Hooli Bank is connected").await;
}

/// The Basiq users the simulator holds.
fn basiq_users(h: &Harness) -> Vec<String> {
    h.server.sandbox().expect("sandbox mode").user_ids()
}

/// True when the start screen offers no connected banks.
async fn no_banks_shown(h: &Harness) -> bool {
    h.driver
        .find_all(By::Id("bc-conn-open"))
        .await
        .unwrap()
        .is_empty()
}

#[tokio::test]
async fn a_session_the_server_refuses_is_explained_and_a_new_visitor_only_after_start_again() {
    Harness::run(|h| async move {
        let secrets = [HOOLI_PASSWORD];
        h.add_latency(150).await;
        connect_hooli(&h).await;
        let real = session_cookie(&h).await.expect("a session cookie");
        // The server's secret changed (or the cookie was tampered with): a cookie it cannot
        // verify. Same name and path, so it replaces the real one.
        let forged = format!("{}x", &real[..real.len().saturating_sub(1)]);
        let mut cookie = Cookie::new(COOKIE, forged.clone());
        cookie.set_path("/");
        cookie.http_only = Some(true);
        h.driver.add_cookie(cookie).await.unwrap();
        assert_eq!(session_cookie(&h).await.as_deref(), Some(forged.as_str()));
        let users_before = basiq_users(&h);

        h.driver.refresh().await.unwrap();
        h.heading("Your session has ended").await;
        h.assert_focus("bc-step-heading", "focus").await;
        let text = h
            .find(By::Css(".bc-session-ended"))
            .await
            .text()
            .await
            .unwrap();
        assert!(text.contains("Start again"), "{text}");
        h.check_screen("session-ended", &secrets).await;
        // Opening the widget again is not possible behind the screen, and nothing started a
        // new session: the refused cookie is still the one the browser holds.
        tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
        assert_eq!(
            session_cookie(&h).await.as_deref(),
            Some(forged.as_str()),
            "no new session (and so no new Basiq user) before the person chooses"
        );
        assert_eq!(basiq_users(&h), users_before, "no new Basiq user");
        assert!(
            h.driver
                .find_all(By::XPath("//button[normalize-space()='+ Connect a bank']"))
                .await
                .unwrap()
                .is_empty(),
            "the start screen waits for the person's choice"
        );

        h.click_button("Start again").await;
        h.button("+ Connect a bank").await;
        let fresh = session_cookie(&h).await.expect("a new session cookie");
        assert_ne!(fresh, forged, "the new visitor has a session of its own");
        assert_ne!(fresh, real);
        // A new visitor: the old session's bank is not shown, and connecting works.
        assert!(no_banks_shown(&h).await, "the new visitor has no banks");
        h.assert_no_secrets_stored("start again", &secrets).await;
        h.click_button("+ Connect a bank").await;
        h.pick_bank("hooli", "Hooli Bank").await;
        h.log_in("gavinBelson", HOOLI_PASSWORD).await;
        h.heading("Hooli Bank is connected").await;
    })
    .await;
}

/// In the connected-banks view: "Forget this browser…" and its dialog (checked: storage,
/// axe-core, a screenshot named `shot`).
async fn open_forget_dialog(h: &Harness, shot: &str) -> WebElement {
    h.click_button("Forget this browser…").await;
    let dialog = h.find(By::Css("[role='dialog'][aria-modal='true']")).await;
    h.find(By::XPath("//h2[normalize-space()='Forget this browser?']"))
        .await;
    h.assert_focus("bc-dialog-cancel", "focus").await;
    h.check_screen(shot, &[HOOLI_PASSWORD]).await;
    dialog
}

/// Confirms the open "Forget this browser?" dialog and waits for the start screen's `note`.
async fn confirm_forget(h: &Harness, dialog: &WebElement, note: &str) {
    dialog
        .find(By::XPath(
            ".//button[normalize-space()='Forget this browser']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    h.find(By::XPath(format!(
        "//p[@role='status'][normalize-space()='{note}']"
    )))
    .await;
}

/// Reloads: the start screen of a fresh visitor (no banks, no session cookie).
async fn reload_as_a_fresh_visitor(h: &Harness) {
    h.driver.refresh().await.unwrap();
    h.button("+ Connect a bank").await;
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert!(no_banks_shown(h).await, "a fresh visitor has no banks");
    assert_eq!(session_cookie(h).await, None, "and no session");
}

#[tokio::test]
async fn forget_this_browser_then_reload_is_a_fresh_visitor_with_no_banks() {
    Harness::run(|h| async move {
        h.add_latency(150).await;
        connect_hooli(&h).await;
        let users = basiq_users(&h);
        assert_eq!(users.len(), 1, "one visitor, one Basiq user: {users:?}");
        assert!(session_cookie(&h).await.is_some());

        // Cancel first: nothing is forgotten, focus returns to the button.
        h.open_connected_banks().await;
        open_forget_dialog(&h, "forget-browser").await;
        h.click_button("Cancel").await;
        h.assert_focus("bc-forget", "focus").await;
        assert!(session_cookie(&h).await.is_some(), "cancel forgets nothing");

        let dialog = open_forget_dialog(&h, "forget-browser").await;
        confirm_forget(
            &h,
            &dialog,
            "This browser no longer remembers your connected banks.",
        )
        .await;
        h.assert_focus("bc-plus", "focus").await;
        assert!(no_banks_shown(&h).await, "the banks are gone from the view");
        assert_eq!(session_cookie(&h).await, None, "the cookie is cleared");
        h.check_screen("forgotten", &[HOOLI_PASSWORD]).await;

        // A reload is a fresh visitor: no banks, no session, and no new Basiq user either.
        reload_as_a_fresh_visitor(&h).await;
        assert_eq!(
            basiq_users(&h),
            users,
            "forgetting alone keeps the data at Basiq"
        );
    })
    .await;
}

#[tokio::test]
async fn forget_and_delete_removes_the_basiq_user_from_the_simulator() {
    Harness::run(|h| async move {
        h.add_latency(150).await;
        connect_hooli(&h).await;
        let users = basiq_users(&h);
        assert_eq!(users.len(), 1, "{users:?}");

        h.open_connected_banks().await;
        let dialog = open_forget_dialog(&h, "forget-browser-delete").await;
        let tick = h.find(By::Id("bc-forget-delete")).await;
        tick.click().await.unwrap();
        assert!(tick.is_selected().await.unwrap(), "the box is ticked");
        // Ticking updates the open dialog in place: the focus stays on the box.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(h.focused_id().await, "bc-forget-delete");
        confirm_forget(
            &h,
            &dialog,
            "Your connected banks and their data were deleted, and this browser no longer remembers you.",
        )
        .await;
        assert!(
            basiq_users(&h).is_empty(),
            "the simulator no longer has the user: {:?}",
            basiq_users(&h)
        );
        assert_eq!(session_cookie(&h).await, None);
        reload_as_a_fresh_visitor(&h).await;
    })
    .await;
}

#[tokio::test]
async fn sandbox_badge_says_sandbox_in_words() {
    Harness::run(|h| async move {
        h.driver.goto(h.url("/")).await.unwrap();
        let badge = h
            .find(By::XPath(
                "//header[contains(@class,'bc-header')]//*[normalize-space()='Sandbox']",
            ))
            .await;
        assert!(badge.is_displayed().await.unwrap(), "the badge is visible");
        assert_eq!(badge.text().await.unwrap(), "Sandbox", "said in words");
        h.check_screen("sandbox-badge", &[]).await;
        // Open, the badge stays beside the title and the close button.
        h.click_button("+ Connect a bank").await;
        h.heading("Choose your bank").await;
        assert!(
            badge.is_displayed().await.unwrap(),
            "still visible when open"
        );
    })
    .await;
}
