//! A person opens the widget, presses "+", and sees the banks the simulator lists.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

#[tokio::test]
async fn plus_button_lists_the_simulator_institutions() {
    Harness::run(|h| async move {
        h.driver.goto(h.url("/")).await.unwrap();
        let plus = h.button("+ Connect a bank").await;
        h.check_screen("start", &[]).await;
        plus.click().await.unwrap();

        let list = h.find(By::Css("ul[role='listbox']")).await;
        let search = h.find(By::Css("input[role='combobox']")).await;
        assert_eq!(
            search.attr("aria-controls").await.unwrap(),
            list.attr("id").await.unwrap(),
            "the search box controls the list"
        );
        h.heading("Choose your bank").await;
        h.find(By::Css("[role='option']")).await;
        let names = list.find_all(By::Css("[role='option']")).await.unwrap();
        assert!(
            names.len() >= 3,
            "the simulator lists several institutions, got {}",
            names.len()
        );
        h.check_screen("institutions", &[]).await;
        search.send_keys("hooli").await.unwrap();
        let hooli = h.option("Hooli Bank").await;
        assert!(hooli.is_displayed().await.unwrap());
    })
    .await;
}
