//! A person opens the widget, presses "+", and sees the banks the simulator lists.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

#[tokio::test]
async fn plus_button_lists_the_simulator_institutions() {
    Harness::run(|h| async move {
        h.driver.goto(h.url("/")).await.unwrap();
        let plus = h.button("+ Connect a bank").await;
        h.screenshot("start").await;
        plus.click().await.unwrap();

        let list = h.find(By::Css("ul.institutions")).await;
        let heading_id = list
            .attr("aria-labelledby")
            .await
            .unwrap()
            .expect("the list is labelled");
        let heading = h.find(By::Id(heading_id)).await;
        assert_eq!(heading.text().await.unwrap(), "Choose your bank");
        let hooli = h
            .find(By::XPath(
                "//ul[@class='institutions']/li[.//*[normalize-space()='Hooli Bank']]".to_string(),
            ))
            .await;
        assert!(hooli.is_displayed().await.unwrap());
        let names = list.find_all(By::Css(".institution-name")).await.unwrap();
        assert!(
            names.len() >= 3,
            "the simulator lists several institutions, got {}",
            names.len()
        );
        h.screenshot("institutions").await;
    })
    .await;
}
