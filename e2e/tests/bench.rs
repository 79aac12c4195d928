//! `cargo xtask bench app` runs this (`--ignored`): time from navigation to a usable picker with
//! a warm cache (localStorage directory and HTTP cache filled by a first visit), in Chromium.
//! Prints `BENCH picker_usable …` lines.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

const RUNS: usize = 15;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::test]
#[ignore = "a benchmark: cargo xtask bench app"]
async fn navigation_to_a_usable_picker_with_a_warm_cache() {
    Harness::run(|h| async move {
        // The first visit fills the caches.
        h.driver.goto(h.url("/")).await.unwrap();
        h.button("+ Connect a bank").await.click().await.unwrap();
        h.find(By::Css("[role='option']")).await;

        let (mut mounted, mut usable) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            h.driver.goto(h.url("/")).await.unwrap();
            let ret = h
                .driver
                .execute_async(
                    r#"
const done = arguments[arguments.length - 1];
const wait = () => {
  const plus = document.getElementById('bc-plus');
  if (!plus) { requestAnimationFrame(wait); return; }
  const mark = performance.getEntriesByName('bank-connect:mounted')[0];
  const t0 = performance.now();
  plus.click();
  const check = () => {
    if (document.querySelector('[role=option]')) {
      const open = performance.now() - t0;
      const m = mark ? mark.startTime : t0;
      done(JSON.stringify({ mounted: m, usable: m + open }));
    } else { requestAnimationFrame(check); }
  };
  check();
};
wait();
"#,
                    vec![],
                )
                .await
                .unwrap();
            let v: serde_json::Value = serde_json::from_str(ret.json().as_str().unwrap()).unwrap();
            mounted.push(v["mounted"].as_f64().unwrap());
            usable.push(v["usable"].as_f64().unwrap());
        }
        mounted.sort_by(f64::total_cmp);
        usable.sort_by(f64::total_cmp);
        println!(
            "BENCH widget_mounted median_ms={:.1} p95_ms={:.1} runs={RUNS}",
            percentile(&mounted, 50.0),
            percentile(&mounted, 95.0)
        );
        println!(
            "BENCH picker_usable median_ms={:.1} p95_ms={:.1} runs={RUNS}",
            percentile(&usable, 50.0),
            percentile(&usable, 95.0)
        );
        assert!(usable.iter().all(|u| u.is_finite() && *u > 0.0));
    })
    .await;
}
