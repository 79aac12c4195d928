//! The release build's split modules (src/split.rs): later screens download on demand, and a
//! failed download says so and offers "Try again" instead of leaving a blank step.

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{Harness, dist_dir};

/// The app directory dist/index.html loads (`dist/app-<hash>/`).
fn app_dir() -> std::path::PathBuf {
    let index = std::fs::read_to_string(dist_dir().join("index.html")).expect("dist/ is built");
    let at = index
        .find("/app-")
        .expect("dist/ holds the split release build (cargo xtask build)");
    let dir = index[at + 1..].split('/').next().unwrap_or_default();
    dist_dir().join(dir)
}

/// Waits for the notice a failed module download shows.
async fn download_failed_notice(h: &Harness) -> WebElement {
    h.find(By::XPath(
        "//*[@role='alert'][contains(., 'could not be downloaded')]",
    ))
    .await
}

#[tokio::test]
async fn the_picker_and_its_list_come_back_after_a_failed_download() {
    Harness::run(|h| async move {
        h.block_urls(&["*bundle_picker.bin*"]).await;
        h.driver.goto(h.url("/")).await.unwrap();
        h.button("+ Connect a bank").await.click().await.unwrap();
        download_failed_notice(&h).await;
        // "×" still closes it (though the flow's machine is in the missing module): back at
        // "+", focused, which opens it again.
        h.click(By::Css("button[aria-label='Close']")).await;
        h.button("+ Connect a bank").await;
        h.assert_focus("bc-plus", "focus is back on +").await;
        h.click_button("+ Connect a bank").await;
        download_failed_notice(&h).await;
        h.block_urls(&[]).await;
        h.button("Try again").await.click().await.unwrap();
        // The list (whose loading is in the same module) arrives without a second "Try again".
        h.heading("Choose your bank").await;
        let search = h.find(By::Css("input[role='combobox']")).await;
        search.send_keys("hooli").await.unwrap();
        h.option("Hooli Bank").await;
    })
    .await;
}

#[tokio::test]
async fn a_search_that_could_not_be_downloaded_says_so_and_the_next_key_tries_again() {
    Harness::run(|h| async move {
        h.block_urls(&["*bundle_settled.bin*", "*split_settled.wasm*"])
            .await;
        h.driver.goto(h.url("/")).await.unwrap();
        h.click_button("+ Connect a bank").await;
        h.heading("Choose your bank").await;
        let search = h.find(By::Css("input[role='combobox']")).await;
        search.send_keys("hoo").await.unwrap();
        h.find(By::XPath(
            "//*[@role='status'][contains(., 'search could not be downloaded')]",
        ))
        .await;
        // The list is still there to scroll and choose from.
        let shown = h
            .driver
            .find_all(By::Css("[role='option']"))
            .await
            .unwrap()
            .len();
        assert!(shown > 1, "the whole list stays: {shown} options");
        h.block_urls(&[]).await;
        search.send_keys("li").await.unwrap();
        h.find(By::XPath("//*[@role='status'][contains(., 'match')]"))
            .await;
        h.option("Hooli Bank").await;
    })
    .await;
}

#[tokio::test]
async fn the_first_view_loads_without_the_later_modules_and_a_failed_download_can_be_retried() {
    let dir = app_dir();
    for module in [
        "split_picker.wasm",
        "split_flow.wasm",
        "split_job.wasm",
        "split_connections.wasm",
        // Each step's modules in one file, fetched in one request.
        "bundle_picker.bin",
        "bundle_flow.bin",
        "bundle_job.bin",
        "bundle_connections.bin",
    ] {
        assert!(dir.join(module).is_file(), "{module} is built");
    }
    Harness::run(|h| async move {
        // The later steps' module cannot be downloaded (as when offline or mid-deploy).
        h.block_urls(&["*bundle_flow.bin*"]).await;
        h.driver.goto(h.url("/")).await.unwrap();
        let plus = h.button("+ Connect a bank").await;
        let fetched: Vec<String> = h
            .driver
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)",
                vec![],
            )
            .await
            .unwrap()
            .convert()
            .unwrap();
        assert!(
            !fetched
                .iter()
                .any(|u| u.contains("_flow") || u.contains("_job")),
            "the later steps are not part of the first view: {fetched:?}"
        );

        plus.click().await.unwrap();
        let search = h.find(By::Css("input[role='combobox']")).await;
        search.send_keys("hooli").await.unwrap();
        h.option("Hooli Bank").await.click().await.unwrap();
        let alert = download_failed_notice(&h).await;
        let text = alert.text().await.unwrap();
        assert!(text.contains("try again"), "a way out is offered: {text}");
        h.assert_focus("bc-step-heading", "focus lands on the notice")
            .await;
        h.check_screen("module-download-failed", &[]).await;

        // Back online: "Try again" downloads it and the step appears, focused, and works.
        h.block_urls(&[]).await;
        h.button("Try again").await.click().await.unwrap();
        h.heading("Log in to Hooli Bank").await;
        let body = h.find(By::Tag("body")).await.text().await.unwrap();
        assert!(
            !body.contains("Loading…"),
            "no loading line is left: {body}"
        );
        assert!(!body.contains("could not be downloaded"), "{body}");
        h.log_in("gavinBelson", "hooli2016").await;
        h.heading("Hooli Bank is connected").await;
    })
    .await;
}

#[tokio::test]
async fn the_steps_after_the_form_come_back_after_a_failed_download() {
    Harness::run(|h| async move {
        // The job's module (progress, MFA, accounts, failure) cannot be downloaded: the form
        // still works, and submitting it says so instead of a blank step.
        h.block_urls(&["*bundle_job.bin*", "*split_job.wasm*"])
            .await;
        h.driver.goto(h.url("/")).await.unwrap();
        h.button("+ Connect a bank").await.click().await.unwrap();
        h.pick_bank("hooli", "Hooli Bank").await;
        h.log_in("gavinBelson", "hooli2016").await;
        let alert = download_failed_notice(&h).await;
        let text = alert.text().await.unwrap();
        assert!(text.contains("try again"), "a way out is offered: {text}");
        h.assert_focus("bc-step-heading", "focus lands on the notice")
            .await;

        // Back online: "Try again" brings the progress, and the job that started meanwhile is
        // followed (its poll could not run without the module) through to its accounts.
        h.block_urls(&[]).await;
        h.button("Try again").await.click().await.unwrap();
        h.heading("Hooli Bank is connected").await;
        let body = h.find(By::Tag("body")).await.text().await.unwrap();
        assert!(!body.contains("could not be downloaded"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn a_slow_module_shows_loading_until_its_step_is_there() {
    Harness::run(|h| async move {
        h.driver.goto(h.url("/")).await.unwrap();
        let plus = h.button("+ Connect a bank").await;
        // The picker's module is fetched right after the first view; wait until it is in.
        for _ in 0..100 {
            let picker_in: bool = h
                .driver
                .execute(
                    "return performance.getEntriesByType('resource')\
                       .some(e => e.name.includes('bundle_picker') && e.responseEnd > 0)",
                    vec![],
                )
                .await
                .unwrap()
                .convert()
                .unwrap();
            if picker_in {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // From here every request takes 3 s: the later steps' module too, which opening the
        // picker asks for.
        let cdp = h.driver.cdp();
        cdp.send_raw("Network.enable", serde_json::json!({}))
            .await
            .unwrap();
        cdp.send_raw(
            "Network.emulateNetworkConditions",
            serde_json::json!({ "offline": false, "latency": 3000,
                    "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await
        .unwrap();
        plus.click().await.unwrap();
        let search = h.find(By::Css("input[role='combobox']")).await;
        h.option("ANZ").await;
        // The first bank, by the keyboard (typing would wait 3 s for the search's module, and
        // the form's would be in by then).
        search.send_keys(Key::Down).await.unwrap();
        search.send_keys(Key::Enter).await.unwrap();
        let loading = h
            .find(By::XPath(
                "//p[@role='status'][normalize-space()='Loading…']",
            ))
            .await;
        assert!(loading.is_displayed().await.unwrap());
        h.check_screen("module-loading", &[]).await;
        h.heading("Log in to ANZ").await;
        let body = h.find(By::Tag("body")).await.text().await.unwrap();
        assert!(
            !body.contains("Loading…"),
            "the line goes with the wait: {body}"
        );
    })
    .await;
}
