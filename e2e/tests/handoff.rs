//! Basiq 3.0 end to end, page mode: the widget (served by the server in 3.0 mode, against the
//! simulator's Consent UI) hands the whole page off to the Consent UI and follows every job of
//! the visit when it comes back. 150 ms of latency on every request; after every step the
//! storage audit, axe-core with 0 violations on our screens, and no frame of ours on the
//! consent origin.

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{Harness, assert_accessible, consent_ui_search, xpath_literal};

mod handoff_support;
use handoff_support::*;

#[tokio::test]
async fn page_mode_hooli_ob_member_number_and_code_then_the_accounts() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        open_bank(&h, "hooli", "Hooli Bank").await;
        let text = h
            .find(By::Css("section.bc-handoff"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("Basiq's secure page") && text.contains("consent at Hooli Bank"),
            "the step says what will happen: {text}"
        );
        step(&h, "handoff-continue").await;
        h.click_button("Continue to Basiq").await;
        at_consent_ui(&h).await;
        consent_and_hooli_ob(&h, true).await;
        h1(&h, "Connected").await;
        link(&h, "Done").await.click().await.unwrap();
        h.heading("Hooli Bank is connected").await;
        let url = h.driver.current_url().await.unwrap().to_string();
        assert!(
            !url.contains("handoff"),
            "the nonce left the address bar: {url}"
        );
        let accounts = h
            .find(By::Css("ul[aria-label='Accounts at Hooli Bank'] > li"))
            .await;
        assert!(accounts.text().await.unwrap().contains('$'));
        step(&h, "handoff-connected").await;
    })
    .await;
}

#[tokio::test]
async fn a_web_bank_through_the_consent_uis_form_with_gavin_belson() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        // Hooli (AU00000) goes to Hooli OB when named; HooliGov is a web-only bank.
        connect_hooligov_web(&h).await;
        h.find(By::Css("ul[aria-label='Accounts at HooliGov Bank'] > li"))
            .await;
        step(&h, "handoff-web-connected").await;
    })
    .await;
}

#[tokio::test]
async fn two_banks_in_one_visit_are_both_followed_and_shown() {
    let flags = [V3, &["--sandbox-multiple-connections"][..]].concat();
    Harness::run_with(&flags, |h| async move {
        slow_network(&h).await;
        continue_to_consent_ui(&h, "hooli", "Hooli Bank").await;
        consent_and_hooli_ob(&h, true).await;
        h1(&h, "Connected").await;
        link(&h, "Connect another bank")
            .await
            .click()
            .await
            .unwrap();
        consent_ui_search(&h.driver, "hooligov").await;
        link(&h, "HooliGov Bank").await.click().await.unwrap();
        web_login(&h, "HooliGov Bank").await;
        h1(&h, "Connected").await;
        link(&h, "Done").await.click().await.unwrap();
        h.heading("2 banks are connected").await;
        for bank in ["Hooli Bank", "HooliGov Bank"] {
            h.find(By::Css(format!("ul[aria-label='Accounts at {bank}'] > li")))
                .await;
        }
        step(&h, "handoff-two-banks").await;
    })
    .await;
}

#[tokio::test]
async fn declined_at_the_bank_has_its_own_screen_and_a_way_back() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        continue_to_consent_ui(&h, "hooli", "Hooli Bank").await;
        consent_and_hooli_ob(&h, false).await;
        h1(&h, "Authorization failed").await;
        let back = h
            .find(By::XPath("//a[starts-with(normalize-space(), 'Back to')]"))
            .await;
        back.click().await.unwrap();
        h.heading("Access wasn't granted").await;
        step(&h, "handoff-declined").await;
        h.click_button("Choose another bank").await;
        h.heading("Choose your bank").await;
    })
    .await;
}

#[tokio::test]
async fn coming_back_without_a_bank_is_cancelled() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        continue_to_consent_ui(&h, "hooli", "Hooli Bank").await;
        link(&h, "Cancel").await.click().await.unwrap();
        link(&h, "Leave").await.click().await.unwrap();
        h.heading("Nothing was connected").await;
        step(&h, "handoff-cancelled").await;
        // Nothing half-made is listed as connected.
        h.click_button("Choose another bank").await;
        h.find(By::Css("button[aria-label='Close']"))
            .await
            .click()
            .await
            .unwrap();
        h.button("+ Connect a bank").await;
        let connected = h
            .driver
            .find_all(By::XPath("//*[contains(., 'is connected')]"))
            .await
            .unwrap();
        assert!(connected.is_empty(), "no connection is shown as connected");
    })
    .await;
}

#[tokio::test]
async fn tampered_and_replayed_return_urls_are_refused_and_change_nothing() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        continue_to_consent_ui(&h, "hooli", "Hooli Bank").await;
        consent_and_hooli_ob(&h, true).await;
        h1(&h, "Connected").await;
        // Where "Done" sends the browser, read without following it (nothing is used yet).
        let back = return_url_behind_done(&h).await;
        assert!(
            back.contains("state=") && back.contains("jobIds="),
            "{back}"
        );

        // Its state altered: refused as not ours, and nothing is used up.
        h.driver.goto(&tamper_state(&back)).await.unwrap();
        h1(&h, "This return was not accepted").await;
        let said = h
            .find(By::Css("p[role='status']"))
            .await
            .text()
            .await
            .unwrap();
        assert!(said.contains("not issued by this service"), "{said}");
        assert_accessible(&h.driver, "tampered return").await;
        h.assert_no_secrets_stored("tampered return", SECRETS).await;

        // The real one still works, once.
        h.driver.goto(&back).await.unwrap();
        h.heading("Hooli Bank is connected").await;
        h.driver.goto(&back).await.unwrap();
        h1(&h, "This return was not accepted").await;
        let said = h
            .find(By::Css("p[role='status']"))
            .await
            .text()
            .await
            .unwrap();
        assert!(said.contains("already used"), "{said}");
        assert_accessible(&h.driver, "replayed return").await;

        // A made-up nonce in the widget's address: the relay knows nothing, nothing is shown
        // as connected, and the nonce leaves the address bar.
        h.driver.goto(h.url("/?handoff=made-up")).await.unwrap();
        h.heading("That took too long").await;
        let url = h.driver.current_url().await.unwrap().to_string();
        assert!(!url.contains("made-up"), "{url}");
        let heading = xpath_literal("Hooli Bank is connected");
        assert!(
            h.driver
                .find_all(By::XPath(format!("//h2[normalize-space()={heading}]")))
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn the_continue_step_fits_320_pixels_in_dark_mode() {
    Harness::run_with(V3, |h| async move {
        slow_network(&h).await;
        h.emulate_small_dark_screen().await;
        open_bank(&h, "hooli", "Hooli Bank").await;
        assert!(h.fits_320().await, "no horizontal scrolling at 320 px");
        step(&h, "handoff-continue-320-dark").await;
    })
    .await;
}
