//! What the page asks the network for: each resource once per page, however early the person
//! opens the picker (the browser's Resource Timing entries list every request it made).

use std::time::Duration;

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

/// Every URL the page requested so far, in order (one entry per request).
async fn requested(h: &Harness) -> Vec<String> {
    h.driver
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap()
}

/// 150 ms each way on every request, so the directory is still on its way when "+" is pressed.
async fn slow_link(h: &Harness) {
    let cdp = h.driver.cdp();
    cdp.send_raw("Network.enable", serde_json::json!({}))
        .await
        .unwrap();
    cdp.send_raw(
        "Network.emulateNetworkConditions",
        serde_json::json!({ "offline": false, "latency": 150,
                "downloadThroughput": -1, "uploadThroughput": -1 }),
    )
    .await
    .unwrap();
}

/// Opens the picker the moment "+" is there, waits for its options and for the requests that
/// follow to settle, and returns every URL requested.
async fn open_the_picker_at_once(h: &Harness) -> Vec<String> {
    h.driver.goto(h.url("/")).await.unwrap();
    h.button("+ Connect a bank").await.click().await.unwrap();
    h.find(By::Css("[role='option']")).await;
    // Whatever opening the picker starts (token, later modules) has time to be sent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    requested(h).await
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
        slow_link(&h).await;
        // A fresh profile: nothing cached, "+" pressed before the directory arrives.
        let first = open_the_picker_at_once(&h).await;
        assert_each_once(&first, "first visit");
        // Again with the directory cached in localStorage (revalidated with its ETag).
        let second = open_the_picker_at_once(&h).await;
        assert_each_once(&second, "second visit");
    })
    .await;
}
