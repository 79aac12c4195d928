//! The connect flow end to end against the server and its simulator: every screen is checked
//! for secrets in script-readable storage and for axe-core violations, and photographed.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

const HOOLI_PASSWORD: &str = "hooli2016";

/// Opens the widget, picks `bank` by typing `search`, and waits for its login form.
async fn open_bank(h: &Harness, search: &str, bank: &str) {
    h.driver.goto(h.url("/")).await.unwrap();
    h.click_button("+ Connect a bank").await;
    h.pick_bank(search, bank).await;
}

#[tokio::test]
async fn happy_path_connects_hooli_and_lists_the_accounts() {
    Harness::run(|h| async move {
        let secrets = [HOOLI_PASSWORD];
        open_bank(&h, "hooli", "Hooli Bank").await;
        h.assert_focus("bc-step-heading", "focus moves to the step heading")
            .await;
        h.check_screen("form", &secrets).await;
        h.log_in("gavinBelson", HOOLI_PASSWORD).await;
        h.heading("Hooli Bank is connected").await;
        let accounts = h.find(By::Css("ul[aria-label='Accounts'] > li")).await;
        h.assert_focus("bc-step-heading", "focus follows to the result")
            .await;
        let text = accounts.text().await.unwrap();
        assert!(text.contains("account"), "account types are shown: {text}");
        assert!(text.contains('$'), "balances are shown: {text}");
        h.check_screen("accounts", &secrets).await;
        // The password input is gone with the form; nothing kept it.
        h.click_button("Connect another bank").await;
        h.heading("Choose your bank").await;
        h.assert_no_secrets_stored("connect another", &secrets)
            .await;
    })
    .await;
}

#[tokio::test]
async fn invalid_credentials_return_to_the_form_with_the_login_kept() {
    Harness::run(|h| async move {
        let secrets = ["not-the-password"];
        open_bank(&h, "hooli", "Hooli Bank").await;
        h.log_in("gavinBelson", "not-the-password").await;
        let notice = h
            .find(By::XPath(
                "//*[@role='alert'][.//*[normalize-space()=\"Those details didn't work\"]]",
            ))
            .await;
        assert!(notice.text().await.unwrap().contains("didn't accept"));
        h.heading("Log in to Hooli Bank").await;
        assert_eq!(
            h.field("Login").await.value().await.unwrap().as_deref(),
            Some("gavinBelson")
        );
        let password = h.field("Password").await;
        assert_eq!(password.value().await.unwrap().as_deref(), Some(""));
        h.assert_focus("bc-password", "focus is on the password")
            .await;
        h.check_screen("invalid-credentials", &secrets).await;
        // The kept login and a corrected password connect.
        password.send_keys(HOOLI_PASSWORD).await.unwrap();
        h.click_button("Connect").await;
        h.heading("Hooli Bank is connected").await;
        h.assert_no_secrets_stored("second attempt", &[HOOLI_PASSWORD, "not-the-password"])
            .await;
    })
    .await;
}

#[tokio::test]
async fn mfa_at_pied_piper_asks_again_after_a_wrong_answer() {
    // Slower than the default so the challenge (120 s of simulated time) stays open.
    Harness::run_with(&["--sandbox-speed", "5"], |h| async move {
        // The right answer, "Hooli", is also Hooli Bank's public short name in the cached
        // directory, so only the password and the wrong answer can be told apart there.
        let secrets = [HOOLI_PASSWORD, "Aviato"];
        open_bank(&h, "pied piper", "Pied Piper Bank").await;
        h.log_in("gavinBelson", HOOLI_PASSWORD).await;
        h.heading("Connecting to Pied Piper Bank").await;
        h.heading("Answer your bank's security question").await;
        let answer = h.field("What's your first company?").await;
        h.assert_focus("bc-step-heading", "focus follows to the challenge").await;
        assert!(
            h.find(By::XPath("//*[starts-with(normalize-space(), 'Time left to answer:')]"))
                .await
                .is_displayed()
                .await
                .unwrap()
        );
        h.check_screen("mfa", &secrets).await;
        answer.send_keys("Aviato").await.unwrap();
        h.click_button("Continue").await;
        h.find(By::XPath(
            "//*[@role='alert'][normalize-space()=\"That answer wasn't accepted. Please try again.\"]"
                ,
        ))
        .await;
        h.check_screen("mfa-wrong-answer", &secrets).await;
        let answer = h.field("What's your first company?").await;
        assert_eq!(answer.value().await.unwrap().as_deref(), Some(""));
        answer.send_keys("Hooli").await.unwrap();
        h.click_button("Continue").await;
        h.heading("Pied Piper Bank is connected").await;
        h.find(By::Css("ul[aria-label='Accounts'] > li")).await;
        h.assert_no_secrets_stored("mfa answered", &secrets).await;
    })
    .await;
}

/// Logs in as a persona that fails and returns the failure screen's message.
async fn failing_persona(h: &Harness, login: &str, password: &str, title: &str, shot: &str) {
    open_bank(h, "hooli", "Hooli Bank").await;
    h.log_in(login, password).await;
    h.heading(title).await;
    h.check_screen(shot, &[password]).await;
}

#[tokio::test]
async fn erlich_is_asked_to_act_at_the_bank() {
    Harness::run(|h| async move {
        failing_persona(
            &h,
            "erlich",
            "aviato",
            "Your bank needs something from you",
            "user-action-required",
        )
        .await;
        assert!(
            h.find(By::Css("[role='alert']"))
                .await
                .text()
                .await
                .unwrap()
                .contains("Log in to your bank")
        );
        h.button("Choose another bank").await;
        h.click_button("Back to the login form").await;
        h.heading("Log in to Hooli Bank").await;
        assert_eq!(
            h.field("Login").await.value().await.unwrap().as_deref(),
            Some("erlich")
        );
    })
    .await;
}

#[tokio::test]
async fn jian_yang_is_offered_a_retry() {
    Harness::run(|h| async move {
        failing_persona(
            &h,
            "jianYang",
            "nothotdog",
            "The service is busy",
            "service-unavailable",
        )
        .await;
        h.click_button("Try again").await;
        h.heading("Log in to Hooli Bank").await;
        assert_eq!(
            h.field("Password").await.value().await.unwrap().as_deref(),
            Some("")
        );
    })
    .await;
}

#[tokio::test]
async fn bighead_is_told_the_account_is_locked() {
    Harness::run(|h| async move {
        failing_persona(
            &h,
            "bighead",
            "password",
            "Your bank account is locked",
            "account-locked",
        )
        .await;
        assert!(
            h.find(By::Css("[role='alert']"))
                .await
                .text()
                .await
                .unwrap()
                .contains("Contact your bank")
        );
        h.click_button("Choose another bank").await;
        h.heading("Choose your bank").await;
    })
    .await;
}

#[tokio::test]
async fn a_major_outage_bank_is_shown_but_cannot_be_chosen() {
    Harness::run(|h| async move {
        h.driver.goto(h.url("/")).await.unwrap();
        h.click_button("+ Connect a bank").await;
        let search = h.find(By::Css("input[role='combobox']")).await;
        let down = h
            .driver
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
fetch('/api/institutions').then((r) => r.json()).then((d) => {
  const i = d.institutions.find((i) => i.status === 'major-outage');
  done(i ? i.name : '');
});"#,
                vec![],
            )
            .await
            .unwrap();
        let name = down.json().as_str().unwrap().to_string();
        assert!(
            !name.is_empty(),
            "the simulator has banks in a major outage"
        );
        search.send_keys(&name).await.unwrap();
        let option = h.option(&name).await;
        assert_eq!(
            option.attr("aria-disabled").await.unwrap().as_deref(),
            Some("true")
        );
        assert!(
            option
                .text()
                .await
                .unwrap()
                .contains("Unavailable right now")
        );
        h.check_screen("major-outage", &[]).await;
        option.click().await.unwrap();
        search.send_keys(Key::Enter).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        h.heading("Choose your bank").await;
        assert!(
            h.driver
                .find(By::XPath(
                    "//h2[starts-with(normalize-space(), 'Log in to')]"
                ))
                .await
                .is_err(),
            "an unavailable bank does not open the form"
        );
    })
    .await;
}

/// Connects Hooli with real-time jobs, revokes every token mid-job, and expects the accounts.
async fn connect_through_a_revoked_token(h: &Harness) {
    open_bank(h, "hooli", "Hooli Bank").await;
    h.log_in("gavinBelson", HOOLI_PASSWORD).await;
    h.heading("Connecting to Hooli Bank").await;
    h.find(By::XPath(
        "//ol[@aria-label='Steps']/li[contains(., 'In progress')]",
    ))
    .await;
    h.check_screen("progress", &[HOOLI_PASSWORD]).await;
    h.server
        .sandbox()
        .expect("sandbox mode")
        .expire_all_tokens();
    h.assert_no_secrets_stored("token expiry", &[HOOLI_PASSWORD])
        .await;
    let done = h
        .driver
        .query(By::XPath(
            "//h2[normalize-space()='Hooli Bank is connected' or normalize-space()='Your session expired']",
        ))
        .wait(std::time::Duration::from_secs(40), bank_connect_e2e::POLL)
        .first()
        .await
        .expect("the connection ends");
    assert_eq!(done.text().await.unwrap(), "Hooli Bank is connected");
    h.find(By::Css("ul[aria-label='Accounts'] > li")).await;
    h.assert_no_secrets_stored("connected after expiry", &[HOOLI_PASSWORD])
        .await;
}

#[tokio::test]
async fn short_lived_tokens_are_renewed_during_a_connection() {
    // Real-time jobs (several seconds) and 3-second tokens: the app renews shortly before each
    // expiry, and also copes with every token being revoked mid-job.
    Harness::run_with(
        &["--sandbox-speed", "1", "--sandbox-token-ttl", "3"],
        |h| async move {
            connect_through_a_revoked_token(&h).await;
        },
    )
    .await;
}

#[tokio::test]
async fn an_expired_token_mid_connection_is_renewed_without_the_person_noticing() {
    // Minute-long tokens, so no early renewal happens during the job: after the revocation the
    // next poll gets 403 "Token has expired", the app renews once and repeats the poll.
    Harness::run_with(
        &["--sandbox-speed", "1", "--sandbox-token-ttl", "60"],
        |h| async move {
            connect_through_a_revoked_token(&h).await;
        },
    )
    .await;
}

#[tokio::test]
async fn the_picker_works_from_the_cache_when_the_directory_cannot_be_fetched() {
    Harness::run(|h| async move {
        // A first visit fills the cache.
        h.driver.goto(h.url("/")).await.unwrap();
        h.click_button("+ Connect a bank").await;
        h.find(By::Css("[role='option']")).await;
        // Stored once the page is idle after showing the list.
        let mut stored = h.readable_storage().await;
        for _ in 0..50 {
            if stored.contains("bank-connect.institutions") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            stored = h.readable_storage().await;
        }
        assert!(
            stored.contains("bank-connect.institutions"),
            "the directory is cached"
        );
        // Then the directory endpoint fails.
        h.block_urls(&["*/api/institutions*"]).await;
        h.driver.refresh().await.unwrap();
        h.click_button("+ Connect a bank").await;
        let search = h.find(By::Css("input[role='combobox']")).await;
        search.send_keys("hooli").await.unwrap();
        h.click_option("Hooli Bank").await;
        h.heading("Log in to Hooli Bank").await;
        h.check_screen("form-from-cache", &[]).await;
    })
    .await;
}

#[tokio::test]
async fn the_widget_fits_320_pixels_in_dark_mode() {
    Harness::run(|h| async move {
        h.emulate_small_dark_screen().await;
        open_bank(&h, "hooli", "Hooli Bank").await;
        assert!(
            h.fits_320().await,
            "no horizontal scrolling at 320 px (form)"
        );
        h.check_screen("dark-320-form", &[]).await;
        h.click_button("Choose another bank").await;
        h.heading("Choose your bank").await;
        h.find(By::Css("[role='option']")).await;
        assert!(
            h.fits_320().await,
            "no horizontal scrolling at 320 px (picker)"
        );
        h.check_screen("dark-320-picker", &[]).await;
    })
    .await;
}
