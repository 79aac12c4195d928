//! Basiq 3.0's connections view end to end (server in 3.0 mode, the simulator's Consent UI):
//! each connection's method and the date its open-banking access ends, the warning from 7
//! days before and Renew through the hand-off, Reconnect for a web login the bank refused,
//! when the consent ends and Extend consent from 7 days before, Manage consent, refresh all
//! through our server's jobs route, revoking the consent after its dialog, and a connection a
//! cancelled visit left half-made never shown.
//! 150 ms of latency on every request; after every screen of ours the storage audit, axe-core
//! with 0 violations and no frame on the consent origin.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

mod handoff_support;
use handoff_support::*;

/// Hooli OB connected in page mode: the hand-off's "Hooli Bank is connected".
async fn connect_hooli_ob(h: &Harness) {
    continue_to_consent_ui(h, "hooli", "Hooli Bank").await;
    consent_and_hooli_ob(h, true).await;
    h1(h, "Connected").await;
    link(h, "Done").await.click().await.unwrap();
    h.heading("Hooli Bank is connected").await;
}

/// A new visit to the widget, then its connections view.
async fn open_view(h: &Harness) {
    h.driver.goto(h.url("/")).await.unwrap();
    h.click_button("Your connected bank (1)").await;
    h.heading("Your connected banks").await;
}

/// Waits until `bank`'s card says `text`.
async fn card_says(h: &Harness, bank: &str, text: &str) -> String {
    for _ in 0..100 {
        let said = h
            .connection_card(bank)
            .await
            .text()
            .await
            .unwrap_or_default();
        if said.contains(text) {
            return said;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{bank}'s card never said {text:?}; the page showed:\n{}",
        h.visible_text().await
    );
}

/// The only Basiq user the simulator holds.
fn basiq_user(h: &Harness) -> String {
    let users = h.server.sandbox().expect("sandbox").user_ids();
    assert_eq!(users.len(), 1, "{users:?}");
    users[0].clone()
}

/// At Basiq's re-authorisation page: "Renew" for the one connection, then the bank again;
/// Basiq's "Connected".
async fn renew_at_basiq(h: &Harness) {
    h1(h, "Renew your connections").await;
    h.find(By::XPath(
        "//button[starts-with(normalize-space(), 'Renew ')]",
    ))
    .await
    .click()
    .await
    .unwrap();
    hooli_ob_at_the_bank(h, true).await;
    h1(h, "Connected").await;
}

#[tokio::test]
async fn open_banking_access_end_warns_from_seven_days_before_and_renew_goes_through_the_consent_ui()
 {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        connect_hooli_ob(&h).await;
        open_view(&h).await;
        let said = card_says(&h, "Hooli Bank", "Access ends").await;
        assert!(said.contains("Open Banking"), "the method is said: {said}");
        assert!(said.contains("Connected"), "{said}");
        assert!(
            !said.contains("Renew") && !said.contains("Update password"),
            "no Renew before the warning, no credential form in 3.0: {said}"
        );
        step(&h, "v3-connections").await;

        // Access now ends in 3 days (the simulator's consent, as Basiq's would near its end).
        assert!(
            h.server
                .sandbox()
                .unwrap()
                .consent_expires_in(&basiq_user(&h), 3)
        );
        open_view(&h).await;
        let said = card_says(&h, "Hooli Bank", "Access ends in 3 days").await;
        assert!(
            said.contains("Renew to keep your data up to date"),
            "{said}"
        );
        let warning = h
            .connection_card("Hooli Bank")
            .await
            .find(By::Css(".bc-conn-expiring time"))
            .await
            .expect("the warning carries the date");
        assert!(
            warning
                .attr("datetime")
                .await
                .unwrap()
                .is_some_and(|d| d.len() >= 10),
            "a machine-readable date"
        );
        step(&h, "v3-connections-expiring").await;

        // Renew: Basiq's re-authorisation page for that connection, then the bank again.
        h.click_button("Renew Hooli Bank").await;
        renew_at_basiq(&h).await;
        let url = h.driver.current_url().await.unwrap().to_string();
        assert!(
            url.starts_with(&consent_origin(&h)),
            "the page went to Basiq: {url}"
        );
        link(&h, "Done").await.click().await.unwrap();
        // The renewal's job followed like a connection's, through our server.
        h.heading("Hooli Bank is connected").await;
        step(&h, "v3-renewed").await;

        // Access ends months away again: no warning, no Renew.
        open_view(&h).await;
        let said = card_says(&h, "Hooli Bank", "Access ends").await;
        assert!(
            !said.contains("Access ends in") && !said.contains("Renew"),
            "renewed: {said}"
        );
    })
    .await;
}

/// Waits until the line about the consent's end says `text`; returns the line.
async fn consent_says(h: &Harness, text: &str) -> String {
    for _ in 0..100 {
        let said = match h.driver.find(By::Css(".bc-consent-end")).await {
            Ok(line) => line.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if said.contains(text) {
            return said;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the consent's end never said {text:?}; the page showed:\n{}",
        h.visible_text().await
    );
}

/// How many "Extend consent" buttons the page shows.
async fn extend_buttons(h: &Harness) -> usize {
    h.driver
        .find_all(By::XPath("//button[normalize-space()='Extend consent']"))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_consent_ending_within_seven_days_is_said_and_extend_goes_through_the_consent_ui() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        connect_hooli_ob(&h).await;
        open_view(&h).await;
        // Months away: said, nothing to do.
        let said = consent_says(&h, "Your consent to share your data ends").await;
        assert!(!said.contains("Extend"), "{said}");
        assert_eq!(extend_buttons(&h).await, 0, "no Extend before the warning");

        // The consent now ends in 3 days.
        assert!(
            h.server
                .sandbox()
                .unwrap()
                .consent_expires_in(&basiq_user(&h), 3)
        );
        open_view(&h).await;
        let said = consent_says(&h, "ends in 3 days").await;
        assert!(
            said.contains("Extend it to keep your banks connected"),
            "{said}"
        );
        let when = h
            .find(By::Css(".bc-consent-end.bc-conn-expiring time"))
            .await
            .attr("datetime")
            .await
            .unwrap();
        assert!(
            when.is_some_and(|d| d.len() >= 10),
            "a machine-readable date"
        );
        step(&h, "v3-consent-ending").await;

        // Extend: Basiq's page shows the terms first, then extends.
        h.click_button("Extend consent").await;
        at_basiq_page(&h, "Extend your consent").await;
        h.click_button("Extend consent").await;
        h.heading("You're back from Basiq").await;
        step(&h, "v3-extend-back").await;
        h.click_button("See your connected banks").await;
        h.heading("Your connected banks").await;
        let said = consent_says(&h, "Your consent to share your data ends").await;
        assert!(
            !said.contains("in 3 days") && !said.contains("Extend"),
            "the consent ends months away again: {said}"
        );
        assert_eq!(extend_buttons(&h).await, 0);
        h.connection_card("Hooli Bank").await;
    })
    .await;
}

#[tokio::test]
async fn a_web_login_the_bank_refused_offers_reconnect_at_that_banks_form_in_the_consent_ui() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        connect_hooligov_web(&h).await;

        // The bank stops accepting the saved login.
        assert_eq!(
            h.server
                .sandbox()
                .unwrap()
                .invalidate_connections_of("gavinBelson"),
            1
        );
        open_view(&h).await;
        let said = card_says(&h, "HooliGov Bank", "Needs reconnecting").await;
        assert!(said.contains("Web"), "the method is said: {said}");
        assert!(
            said.contains("HooliGov Bank no longer accepts the saved login. Reconnect at Basiq"),
            "why: {said}"
        );
        assert!(
            !said.contains("Update password") && !said.contains("Renew"),
            "no credential form in 3.0, no Renew for a web login: {said}"
        );
        step(&h, "v3-needs-reconnecting").await;

        // Reconnect: straight to that bank's form at Basiq, the login kept.
        h.click_button("Reconnect HooliGov Bank").await;
        at_basiq_page(&h, "Update your login to HooliGov Bank").await;
        assert_eq!(
            h.field("Login").await.value().await.unwrap().as_deref(),
            Some("gavinBelson")
        );
        h.field("Password")
            .await
            .send_keys("hooli2016")
            .await
            .unwrap();
        h.click_button("Connect").await;
        h1(&h, "Connected").await;
        link(&h, "Done").await.click().await.unwrap();
        // The reconnection's job followed through our server, like a connection's.
        h.heading("HooliGov Bank is connected").await;
        open_view(&h).await;
        let said = card_says(&h, "HooliGov Bank", "Connected").await;
        assert!(!said.contains("Reconnect"), "{said}");
        let connections = h.server.sandbox().unwrap().user_ids();
        assert_eq!(
            connections.len(),
            1,
            "still one Basiq user: {connections:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn manage_consent_opens_basiqs_page_and_coming_back_says_so() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        connect_hooli_ob(&h).await;
        open_view(&h).await;
        h.click_button("Manage consent").await;
        at_basiq_page(&h, "Manage your consent").await;
        assert!(
            h.visible_text().await.contains("Hooli"),
            "Basiq lists the connection under the consent"
        );
        link(&h, "Close").await.click().await.unwrap();
        // No job: the visit was to manage, not a cancelled connect.
        h.heading("You're back from Basiq").await;
        let url = h.driver.current_url().await.unwrap().to_string();
        assert!(
            !url.contains("handoff"),
            "the nonce left the address bar: {url}"
        );
        step(&h, "v3-manage-back").await;
        // The way out: the connected banks, still there.
        h.click_button("See your connected banks").await;
        h.heading("Your connected banks").await;
        h.connection_card("Hooli Bank").await;
    })
    .await;
}

#[tokio::test]
async fn refresh_all_in_3_0_follows_the_job_through_our_server() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        connect_hooli_ob(&h).await;
        open_view(&h).await;
        h.click_button("Refresh all").await;
        let note = h
            .find(By::XPath(
                "//section[contains(@class,'bc-connections')]/p[@role='status'][normalize-space()='Hooli Bank refreshed.']",
            ))
            .await;
        assert!(note.is_displayed().await.unwrap_or(true));
        let said = card_says(&h, "Hooli Bank", "You can refresh again").await;
        assert!(said.contains("Last refreshed"), "{said}");
        let urls = h.requested_urls().await;
        assert!(
            urls.iter().any(|u| u.contains("/api/jobs/")),
            "the 3.0 job is polled through our server: {urls:?}"
        );
        let basiq = consent_origin(&h);
        assert!(
            !urls
                .iter()
                .any(|u| u.starts_with(&basiq) && u.contains("/jobs/")),
            "never straight from Basiq with a client token: {urls:?}"
        );
        step(&h, "v3-refreshed").await;
    })
    .await;
}

#[tokio::test]
async fn revoking_the_consent_asks_first_naming_every_connection_then_removes_them() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        connect_hooli_ob(&h).await;
        open_view(&h).await;
        h.connection_card("Hooli Bank").await;
        h.click_button("Revoke consent…").await;
        let dialog = h.find(By::Css("[role='dialog']")).await;
        let said = dialog.text().await.unwrap();
        assert!(
            said.contains("Revoke your consent?")
                && said.contains("removes every connection under it: Hooli Bank"),
            "{said}"
        );
        step(&h, "v3-revoke-dialog").await;
        // Cancel: nothing revoked, focus back on the button.
        h.click_button("Cancel").await;
        h.assert_focus("bc-revoke", "focus back on the button").await;
        h.connection_card("Hooli Bank").await;

        h.click_button("Revoke consent…").await;
        h.click_button("Revoke consent").await;
        h.find(By::XPath(
            "//p[@role='status'][normalize-space()='Your consent was revoked and its connections were removed.']",
        ))
        .await;
        h.find(By::XPath("//p[normalize-space()='No banks are connected.']"))
            .await;
        step(&h, "v3-revoked").await;
        // Basiq (the simulator) deleted the connection too: a new visit shows none.
        h.driver.goto(h.url("/")).await.unwrap();
        h.button("+ Connect a bank").await;
        tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
        assert!(
            !h.visible_text().await.contains("Your connected bank"),
            "nothing is left connected"
        );
    })
    .await;
}

#[tokio::test]
async fn a_connection_a_cancelled_visit_left_pre_init_is_never_shown() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        h.server.sandbox().unwrap().set_abandon_at_bank(true);
        continue_to_consent_ui(&h, "hooli", "Hooli Bank").await;
        h.click_button("I consent").await;
        h1(&h, "Log in to Hooli OB").await;
        h.field("Member number")
            .await
            .send_keys("374829")
            .await
            .unwrap();
        h.click_button("Continue").await;
        h1(&h, "You have left Hooli OB").await;
        // The person comes back to the widget by hand.
        h.driver.goto(h.url("/")).await.unwrap();
        h.button("+ Connect a bank").await;
        // The server does list the half-made connection…
        let listed = h
            .driver
            .execute_async(
                "const done = arguments[0]; fetch('/api/connections').then((r) => r.text()).then(done, (e) => done(String(e)));",
                vec![],
            )
            .await
            .unwrap()
            .json()
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(listed.contains("pre-init"), "{listed}");
        // …and the widget neither offers it nor calls it connected.
        tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
        let text = h.visible_text().await;
        assert!(
            !text.contains("Your connected bank") && !text.contains("is connected"),
            "{text}"
        );
        step(&h, "v3-pre-init-hidden").await;
    })
    .await;
}

#[tokio::test]
async fn the_3_0_connections_view_with_its_warning_fits_320_pixels_in_dark_mode() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        connect_hooli_ob(&h).await;
        assert!(
            h.server
                .sandbox()
                .unwrap()
                .consent_expires_in(&basiq_user(&h), 2)
        );
        h.emulate_small_dark_screen().await;
        open_view(&h).await;
        card_says(&h, "Hooli Bank", "Access ends in 2 days").await;
        h.button("Renew Hooli Bank").await;
        assert!(h.fits_320().await, "no horizontal scrolling at 320 px");
        step(&h, "v3-connections-320-dark").await;
    })
    .await;
}

#[tokio::test]
async fn embedded_renew_opens_the_popup_from_the_frames_connections_view() {
    with_host(|h, host| async move {
        // Connected in a popup from the host's frame.
        open_in_host(&h, &host).await;
        h.click_button("Continue to Basiq").await;
        h.heading("Finish in the Basiq window").await;
        let main = to_popup(&h).await;
        at_consent_ui(&h).await;
        consent_and_hooli_ob(&h, true).await;
        h1(&h, "Connected").await;
        done_in_popup(&h, main).await;
        h.heading("Hooli Bank is connected").await;

        // Access ends in 3 days; the frame's connections view warns and offers Renew.
        assert!(
            h.server
                .sandbox()
                .unwrap()
                .consent_expires_in(&basiq_user(&h), 3)
        );
        h.click_button("See your connected banks").await;
        h.heading("Your connected banks").await;
        card_says(&h, "Hooli Bank", "Access ends in 3 days").await;
        step(&h, "v3-popup-connections-expiring").await;

        // Renew opens the Basiq window from the frame, like connecting does.
        h.click_button("Renew Hooli Bank").await;
        h.heading("Finish in the Basiq window").await;
        let main = to_popup(&h).await;
        renew_at_basiq(&h).await;
        done_in_popup(&h, main).await;
        h.heading("Hooli Bank is connected").await;
        step(&h, "v3-popup-renewed").await;
        h.click_button("See your connected banks").await;
        // The view reloads its list on the start screen: the warning goes, and Renew with it.
        let mut said = String::new();
        for _ in 0..100 {
            said = card_says(&h, "Hooli Bank", "Access ends").await;
            if !said.contains("Access ends in") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(
            !said.contains("Access ends in") && !said.contains("Renew"),
            "renewed: {said}"
        );
    })
    .await;
}
