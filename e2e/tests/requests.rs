//! What the page asks the network for: each resource once per page, however early the person
//! opens the picker (the browser's Resource Timing entries list every request it made).

use std::time::Duration;

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

/// Opens the picker the moment "+" is there, waits for its options and for the requests that
/// follow to settle, and returns every URL requested.
async fn open_the_picker_at_once(h: &Harness) -> Vec<String> {
    h.driver.goto(h.url("/")).await.unwrap();
    h.button("+ Connect a bank").await.click().await.unwrap();
    h.find(By::Css("[role='option']")).await;
    // Whatever opening the picker starts (token, later modules) has time to be sent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    h.requested_urls().await
}

fn assert_each_once(urls: &[String], visit: &str) {
    let mut repeated: Vec<&String> = urls
        .iter()
        .filter(|u| urls.iter().filter(|v| v == u).count() > 1)
        .collect();
    repeated.dedup();
    assert!(
        repeated.is_empty(),
        "{visit}: requested more than once: {repeated:?}\nall: {urls:?}"
    );
    for api in ["/api/config", "/api/institutions"] {
        assert_eq!(
            urls.iter().filter(|u| u.ends_with(api)).count(),
            1,
            "{visit}: {api} once: {urls:?}"
        );
    }
}

#[tokio::test]
async fn opening_the_picker_early_requests_each_resource_once() {
    Harness::run(|h| async move {
        // 150 ms on every request, so the directory is still on its way when "+" is pressed.
        h.emulate_latency(150).await;
        // A fresh profile: nothing cached, "+" pressed before the directory arrives.
        let first = open_the_picker_at_once(&h).await;
        assert_each_once(&first, "first visit");
        // Again with the directory cached in localStorage (revalidated with its ETag).
        let second = open_the_picker_at_once(&h).await;
        assert_each_once(&second, "second visit");
    })
    .await;
}
