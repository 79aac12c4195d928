//! The connect flow end to end against the server and its simulator: every screen is checked
//! for secrets in script-readable storage and for axe-core violations, and photographed.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

const HOOLI_PASSWORD: &str = "hooli2016";

/// Opens the widget, picks `bank` by typing `search`, and waits for its login form.
async fn open_bank(h: &Harness, search: &str, bank: &str) {
    h.driver.goto(h.url("/")).await.unwrap();
    h.button("+ Connect a bank").await.click().await.unwrap();
    let input = h.find(By::Css("input[role='combobox']")).await;
    input.send_keys(search).await.unwrap();
    h.option(bank).await.click().await.unwrap();
    h.heading(&format!("Log in to {bank}")).await;
}

async fn log_in(h: &Harness, login: &str, password: &str) {
    let login_input = h.field("Login").await;
    login_input.clear().await.unwrap();
    login_input.send_keys(login).await.unwrap();
    h.field("Password").await.send_keys(password).await.unwrap();
    h.button("Connect").await.click().await.unwrap();
}

#[tokio::test]
async fn happy_path_connects_hooli_and_lists_the_accounts() {
    Harness::run(|h| async move {
        let secrets = [HOOLI_PASSWORD];
        open_bank(&h, "hooli", "Hooli Bank").await;
        assert_eq!(
            h.focused_id().await,
            "bc-step-heading",
            "focus moves to the step heading"
        );
        h.check_screen("form", &secrets).await;
        log_in(&h, "gavinBelson", HOOLI_PASSWORD).await;
        h.heading("Hooli Bank is connected").await;
        let accounts = h.find(By::Css("ul[aria-label='Accounts'] > li")).await;
        let text = accounts.text().await.unwrap();
        assert!(text.contains("account"), "account types are shown: {text}");
        assert!(text.contains('$'), "balances are shown: {text}");
        h.check_screen("accounts", &secrets).await;
        // The password input is gone with the form; nothing kept it.
        h.button("Connect another bank")
            .await
            .click()
            .await
            .unwrap();
        h.heading("Choose your bank").await;
        h.assert_no_secrets_stored("connect another", &secrets)
            .await;
    })
    .await;
}
