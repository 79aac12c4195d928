//! The React example host (examples/host/ts/react-host.tsx, compiled here with tsc) on its own
//! origin opens the widget with bank-connect-embed's `useBankConnect` hook, in headless
//! Chromium: open → connect Hooli → the success event → the host page shows the connected
//! accounts; Escape closes the widget and the host says so. Also with 150 ms of latency on
//! every request (Chrome DevTools network emulation).

use std::path::{Path, PathBuf};
use std::process::Command;

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{Harness, POLL, WAIT};
use bank_connect_example_host::{ReactAssets, react_app};
use secrecy::SecretString;

const HOST_SECRET: &str = "e2e-host-secret-0123456789";
const PASSWORD: &str = "hooli2016";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compiles the TypeScript example hosts with tsc into a fresh directory.
fn compile_example(name: &str) -> PathBuf {
    let out =
        std::env::temp_dir().join(format!("bank-connect-react-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let tsc = root().join("node_modules/.bin/tsc");
    assert!(
        tsc.is_file(),
        "{} is missing: run `cargo xtask setup` (npm install)",
        tsc.display()
    );
    let done = Command::new(tsc)
        .args(["-p", "examples/host", "--outDir"])
        .arg(&out)
        .current_dir(root())
        .output()
        .expect("tsc runs");
    assert!(
        done.status.success(),
        "tsc could not compile the example hosts:\n{}",
        String::from_utf8_lossy(&done.stdout)
    );
    assert!(
        out.join("react-host.js").is_file(),
        "tsc wrote react-host.js"
    );
    out
}

async fn text_of(h: &Harness, css: &str) -> String {
    h.find(By::Css(css)).await.text().await.unwrap()
}

/// Waits until `#status` reads `want`.
async fn wait_for_status(h: &Harness, want: &str) {
    let started = std::time::Instant::now();
    loop {
        let now = text_of(h, "#status").await;
        if now == want {
            return;
        }
        assert!(
            started.elapsed() < WAIT,
            "the host's status stayed {now:?}, expected {want:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

async fn react_host_connects(latency_ms: u64, shots: &str) {
    let compiled = compile_example(shots);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let flags = [
        "--allowed-origins",
        &origin,
        "--host-api-secret",
        HOST_SECRET,
    ];
    let dir = compiled.clone();
    let page = format!("{origin}/react/");
    Harness::run_with(&flags, |h| async move {
        let assets = ReactAssets {
            compiled: dir,
            node_modules: root().join("node_modules"),
        };
        let app = react_app(
            &h.url(""),
            SecretString::from(HOST_SECRET.to_owned()),
            assets,
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        if latency_ms > 0 {
            let cdp = h.driver.cdp();
            cdp.send_raw("Network.enable", serde_json::json!({}))
                .await
                .unwrap();
            cdp.send_raw(
                "Network.emulateNetworkConditions",
                serde_json::json!({ "offline": false, "latency": latency_ms,
                    "downloadThroughput": -1, "uploadThroughput": -1 }),
            )
            .await
            .unwrap();
        }

        h.driver.goto(&page).await.unwrap();
        let connect = h.button("Connect a bank").await;
        assert_eq!(text_of(&h, "#status").await, "Not connected yet.");
        h.check_screen(&format!("{shots}-start"), &[]).await;

        connect.click().await.unwrap();
        let dialog = h.find(By::Css("[role='dialog'][aria-modal='true']")).await;
        assert_eq!(
            dialog.attr("aria-label").await.unwrap().as_deref(),
            Some("Connect your bank")
        );
        wait_for_status(&h, "The bank-connect window is open.").await;
        let busy = connect.attr("aria-busy").await.unwrap();
        assert_eq!(
            busy.as_deref(),
            Some("true"),
            "the button says the widget is open"
        );

        h.driver.enter_frame(0).await.unwrap();
        h.pick_bank("hooli", "Hooli Bank").await;
        h.log_in("gavinBelson", PASSWORD).await;
        h.heading("Hooli Bank is connected").await;
        h.find(By::Css("ul[aria-label='Accounts'] > li")).await;
        let mut in_widget = Vec::new();
        for li in h
            .driver
            .find_all(By::Css("ul[aria-label='Accounts'] > li"))
            .await
            .unwrap()
        {
            in_widget.push(li.text().await.unwrap());
        }
        h.driver.enter_default_frame().await.unwrap();

        // The success event reached the hook: the host page lists the accounts.
        h.find(By::XPath(
            "//h2[normalize-space()='Connected to Hooli Bank']",
        ))
        .await;
        let rows = h
            .driver
            .find_all(By::Css("ul[aria-label='Connected accounts'] > li"))
            .await
            .unwrap();
        assert_eq!(
            rows.len(),
            in_widget.len(),
            "the host shows every account the widget found"
        );
        for row in &rows {
            let mut parts = Vec::new();
            for css in [".name", ".number", ".balance"] {
                let text = row.find(By::Css(css)).await.unwrap().text().await.unwrap();
                assert!(
                    !text.trim().is_empty(),
                    "the host shows each account's {css}"
                );
                parts.push(text);
            }
            assert!(
                in_widget
                    .iter()
                    .any(|w| parts.iter().all(|p| w.contains(p.as_str()))),
                "the host's account {parts:?} is one the widget shows: {in_widget:?}"
            );
        }

        // Escape closes the widget: the hook hears the exit, focus returns to the button.
        h.driver
            .action_chain()
            .send_keys(Key::Escape)
            .perform()
            .await
            .unwrap();
        let gone = h
            .driver
            .query(By::Css("[role='dialog']"))
            .wait(WAIT, POLL)
            .not_exists()
            .await
            .unwrap();
        assert!(gone, "the dialog is removed");
        wait_for_status(&h, "Done.").await;
        h.assert_focus("connect", "focus returns to the host's button")
            .await;
        assert_eq!(
            connect.attr("aria-busy").await.unwrap().as_deref(),
            Some("false")
        );
        let page = text_of(&h, "body").await;
        assert!(
            !page.contains(PASSWORD),
            "no credential reaches the host page"
        );
        assert!(
            page.contains("Connected to Hooli Bank"),
            "the accounts stay after closing"
        );
        h.check_screen(&format!("{shots}-connected"), &[PASSWORD])
            .await;
    })
    .await;
    let _ = std::fs::remove_dir_all(&compiled);
}

#[tokio::test]
async fn react_host_opens_the_widget_and_shows_the_connected_accounts() {
    react_host_connects(0, "react-host").await;
}

#[tokio::test]
async fn react_host_connects_with_150_ms_latency() {
    react_host_connects(150, "react-host-slow").await;
}
