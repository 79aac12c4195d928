//! The picker's filter time in wasm in Chromium: core's search over 5,000 synthetic
//! institutions, timed with `performance.now()`. Prints one `BENCH filter_5000 …` line that
//! `cargo xtask bench app` reads (it runs this file with `--release`); in the normal debug test
//! run it takes a few rounds and checks the search still finds what people type.
#![cfg(target_arch = "wasm32")]

use bank_connect_core::search::{Filters, SearchIndex};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// What people type, keystroke by keystroke, plus typos, aliases and misses.
const QUERIES: &[&str] = &[
    "",
    "c",
    "co",
    "com",
    "comm",
    "commb",
    "commbank",
    "cba",
    "n",
    "na",
    "nab",
    "w",
    "we",
    "wes",
    "west",
    "westp",
    "westpak",
    "st george",
    "bank",
    "bank of",
    "credit union",
    "harbour mutual",
    "socie",
    "gippslnd",
    "zzzzzz",
];

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[wasm_bindgen_test]
fn filtering_5000_institutions() {
    let institutions = bank_connect_core::synthetic::directory(5_000);
    let started = now();
    let index = SearchIndex::new(&institutions);
    let index_ms = now() - started;
    let filters = Filters::none();

    let find = |q: &str| -> Vec<String> {
        index
            .search(q, &filters)
            .into_iter()
            .take(3)
            .map(|h| institutions[h.index].name.clone())
            .collect()
    };
    assert_eq!(find("westpak").first().map(String::as_str), Some("Westpac"));
    assert_eq!(
        find("cba").first().map(String::as_str),
        Some("Commonwealth Bank of Australia")
    );
    assert!(find("zzzzzz").is_empty());

    // performance.now() is coarse (up to 100 µs) outside cross-origin isolation: time a batch
    // of identical calls and divide.
    let (rounds, batch) = if cfg!(debug_assertions) {
        (2, 2)
    } else {
        (20, 10)
    };
    let mut samples = Vec::new();
    let mut per_query = vec![Vec::new(); QUERIES.len()];
    for _ in 0..rounds {
        for (qi, q) in QUERIES.iter().enumerate() {
            let t0 = now();
            for _ in 0..batch {
                std::hint::black_box(index.search(std::hint::black_box(q), &filters));
            }
            let ms = (now() - t0) / f64::from(batch);
            samples.push(ms);
            per_query[qi].push(ms);
        }
    }
    // The slowest queries by median, for whoever tunes the search.
    let mut slowest: Vec<(f64, &str)> = per_query
        .iter_mut()
        .zip(QUERIES)
        .map(|(v, q)| {
            v.sort_by(f64::total_cmp);
            (percentile(v, 50.0), *q)
        })
        .collect();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slowest: Vec<String> = slowest
        .iter()
        .take(4)
        .map(|(ms, q)| format!("{q:?}:{ms:.3}"))
        .collect();
    samples.sort_by(f64::total_cmp);
    let (median, p95) = (percentile(&samples, 50.0), percentile(&samples, 95.0));
    console_log!(
        "BENCH filter_5000 median_ms={median:.3} p95_ms={p95:.3} max_ms={:.3} samples={} index_build_ms={index_ms:.1} release={} slowest={}",
        samples.last().unwrap(),
        samples.len(),
        !cfg!(debug_assertions),
        slowest.join(",")
    );
    assert!(median.is_finite() && p95 >= median);
}
