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

/// The picker's whole first list and every row's logo come on a page that draws nothing else:
/// no screenshot, no accessibility check, nothing asking for a frame while the test watches.
/// They wait for the page to be idle, and in headless Chromium an idle page that is not drawing
/// gets no idle period until something asks for a frame: without a deadline on that wait, the
/// picker stayed at its first pass (8 rows, their logos undrawn) for as long as anyone looked.
#[tokio::test]
async fn the_whole_list_and_its_logos_come_on_a_page_that_draws_nothing_else() {
    Harness::run(|h| async move { list_and_logos_come_unprompted(&h).await }).await;
}

/// The same with 150 ms on every request.
#[tokio::test]
async fn the_whole_list_and_its_logos_come_unprompted_with_latency() {
    Harness::run(|h| async move {
        h.add_latency(150).await;
        list_and_logos_come_unprompted(&h).await
    })
    .await;
}

async fn list_and_logos_come_unprompted(h: &Harness) {
    h.driver.goto(h.url("/")).await.unwrap();
    h.button("+ Connect a bank").await.click().await.unwrap();
    h.find(By::Css("[role='option']")).await;
    let seen = h.picker_drawn(60).await;
    assert_eq!(
        seen,
        (60, 60, 0),
        "(options, logos drawn, logos waiting) 5 s after the list appeared"
    );
}
