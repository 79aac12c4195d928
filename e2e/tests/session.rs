//! The browser session's edges in Chromium: the "Sandbox" badge when the widget talks to the
//! simulator.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

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
        h.button("+ Connect a bank").await.click().await.unwrap();
        h.heading("Choose your bank").await;
        assert!(
            badge.is_displayed().await.unwrap(),
            "still visible when open"
        );
    })
    .await;
}
