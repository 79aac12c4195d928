//! Basiq 3.0 end to end, embedded: the example host (its own origin) frames the widget, which
//! opens the Consent UI in a popup. The simulator's Consent UI sends
//! `Cross-Origin-Opener-Policy: same-origin`, so the popup loses its opener: the result reaches
//! the frame through the server's relay. Also: a blocked popup and a retry, a closed popup.
//! 150 ms of latency; the storage audit, axe-core and no consent-origin frame after each of our
//! screens.

use std::time::Duration;

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{Harness, POLL, WAIT, assert_accessible};

mod handoff_support;
use handoff_support::*;

/// The host's log entries of this type (`success`, `event`…), as JSON.
async fn logged(h: &Harness, kind: &str) -> Vec<serde_json::Value> {
    let ret = h
        .driver
        .execute(
            "return Array.from(document.querySelectorAll('#log li')).filter(li => li.dataset.type === arguments[0]).map(li => li.querySelector('code').textContent);",
            vec![serde_json::json!(kind)],
        )
        .await
        .unwrap();
    ret.json()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().and_then(|s| serde_json::from_str(s).ok()))
        .collect()
}

#[tokio::test]
async fn a_popup_from_the_hosts_frame_connects_hooli_ob_despite_coop_and_the_host_hears_it() {
    with_host(|h, host| async move {
        // The Consent UI severs its opener.
        let coop = reqwest::get(format!("{}/consent/home", consent_origin(&h)))
            .await
            .unwrap();
        assert_eq!(
            coop.headers()
                .get("cross-origin-opener-policy")
                .and_then(|v| v.to_str().ok()),
            Some("same-origin")
        );
        open_in_host(&h, &host).await;
        let text = h
            .find(By::Css("section.bc-handoff"))
            .await
            .text()
            .await
            .unwrap();
        assert!(text.contains("opens in a new window"), "{text}");
        step(&h, "handoff-popup-continue").await;
        h.click_button("Continue to Basiq").await;
        h.heading("Finish in the Basiq window").await;
        step(&h, "handoff-popup-waiting").await;
        let main = to_popup(&h).await;
        at_consent_ui(&h).await;
        consent_and_hooli_ob(&h, true).await;
        h1(&h, "Connected").await;
        link(&h, "Done").await.click().await.unwrap();
        h1(&h, "You can close this window").await;
        assert_accessible(&h.driver, "popup return page").await;
        let opener = h
            .driver
            .execute("return window.opener === null;", vec![])
            .await
            .unwrap();
        assert_eq!(opener.json().as_bool(), Some(true), "COOP cut the opener");
        h.driver.close_window().await.unwrap();
        h.driver.switch_to_window(main).await.unwrap();
        h.driver.enter_frame(0).await.unwrap();
        h.heading("Hooli Bank is connected").await;
        step(&h, "handoff-popup-connected").await;
        h.driver.enter_default_frame().await.unwrap();
        let started = std::time::Instant::now();
        while logged(&h, "success").await.is_empty() {
            assert!(started.elapsed() < WAIT, "the host never heard success");
            tokio::time::sleep(POLL).await;
        }
        let success = &logged(&h, "success").await[0];
        assert_eq!(success["institution"]["name"], "Hooli Bank");
        assert_eq!(success["connections"].as_array().map(Vec::len), Some(1));
        let events: Vec<String> = logged(&h, "event")
            .await
            .iter()
            .filter_map(|e| e["name"].as_str().map(str::to_owned))
            .collect();
        for name in ["HANDOFF", "HANDOFF_RETURNED", "CONNECTED"] {
            assert!(events.iter().any(|e| e == name), "{name} in {events:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_blocked_popup_is_said_and_a_fresh_click_retries() {
    with_host(|h, host| async move {
        open_in_host(&h, &host).await;
        // What a popup blocker does: window.open gives nothing.
        h.driver
            .execute(
                "window.__open = window.open; window.open = () => null;",
                vec![],
            )
            .await
            .unwrap();
        h.click_button("Continue to Basiq").await;
        let alert = h.find(By::Css("section.bc-handoff [role='alert']")).await;
        assert!(
            alert
                .text()
                .await
                .unwrap()
                .contains("blocked the Basiq window")
        );
        step(&h, "handoff-popup-blocked").await;
        h.driver
            .execute("window.open = window.__open;", vec![])
            .await
            .unwrap();
        h.click_button("Try again").await;
        h.heading("Finish in the Basiq window").await;
        let main = to_popup(&h).await;
        at_consent_ui(&h).await;
        h.driver.close_window().await.unwrap();
        h.driver.switch_to_window(main).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_popup_closed_before_basiq_opened_has_its_screen_and_try_again() {
    with_host(|h, host| async move {
        open_in_host(&h, &host).await;
        // Slow the widget's requests so the window is still blank when the person closes it.
        h.driver
            .execute(
                "const f = window.fetch; window.__fetch = f; window.fetch = (...a) => new Promise((r) => setTimeout(() => r(f(...a)), 4000));",
                vec![],
            )
            .await
            .unwrap();
        h.click_button("Continue to Basiq").await;
        let main = to_popup(&h).await;
        h.driver.close_window().await.unwrap();
        h.driver.switch_to_window(main).await.unwrap();
        h.driver.enter_frame(0).await.unwrap();
        h.heading("The Basiq window was closed").await;
        step(&h, "handoff-popup-closed").await;
        h.driver
            .execute("window.fetch = window.__fetch;", vec![])
            .await
            .unwrap();
        // The late answer of the first start changes nothing.
        tokio::time::sleep(Duration::from_millis(4500)).await;
        h.heading("The Basiq window was closed").await;
        h.click_button("Try again").await;
        h.heading("Continue to Hooli Bank").await;
    })
    .await;
}

#[tokio::test]
async fn without_coop_a_refused_return_reaches_the_frame_through_the_opener_with_a_way_out() {
    with_host(|h, host| async move {
        // A consent site that leaves the opener: our return page's postMessage is the fast
        // path, and a refusal (which the relay never reports) can only arrive by it.
        h.server.sandbox().unwrap().set_keep_opener(true);
        open_in_host(&h, &host).await;
        h.click_button("Continue to Basiq").await;
        h.heading("Finish in the Basiq window").await;
        let main = to_popup(&h).await;
        at_consent_ui(&h).await;
        consent_and_hooli_ob(&h, true).await;
        h1(&h, "Connected").await;
        let back = return_url_behind_done(&h).await;
        let opener = h
            .driver
            .execute("return window.opener !== null;", vec![])
            .await
            .unwrap();
        assert_eq!(opener.json().as_bool(), Some(true), "the opener is kept");
        // The return, altered on the way: our return page refuses it and tells the opener.
        h.driver.goto(&tamper_state(&back)).await.unwrap();
        h.driver.switch_to_window(main).await.unwrap();
        h.driver.enter_frame(0).await.unwrap();
        h.heading("Basiq's answer wasn't accepted").await;
        step(&h, "handoff-popup-refused").await;
        h.click_button("Try again").await;
        h.heading("Continue to Hooli Bank").await;
    })
    .await;
}
