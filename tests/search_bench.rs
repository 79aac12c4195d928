//! The picker's filter time in wasm in Chromium: core's search over 5,000 synthetic
//! institutions, timed with `performance.now()`. Prints one `BENCH filter_5000 …` line that
//! `cargo xtask bench app` reads (it runs this file with `--release`); in the normal debug test
//! run it takes a few rounds and checks the search still finds what people type.
#![cfg(target_arch = "wasm32")]

use bank_connect_core::InstitutionSummary;
use bank_connect_core::search::{Filters, SearchIndex};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const FIRST: &[&str] = &[
    "Northern",
    "Southern",
    "Coastal",
    "Heritage",
    "Pioneer",
    "Regional",
    "Summit",
    "Harbour",
    "Golden",
    "Unity",
    "Riverina",
    "Capricorn",
    "Illawarra",
    "Tasman",
    "Otago",
    "Waikato",
    "Gippsland",
    "Murray",
    "Hunter",
    "Société",
];
const SECOND: &[&str] = &[
    "Mutual",
    "Community",
    "Teachers",
    "Police",
    "Health",
    "Farmers",
    "Miners",
    "Defence",
    "Family",
    "Peoples",
    "Members",
    "Savings",
    "Trust",
    "Citizens",
    "Federal",
    "Country",
];
const KIND: &[&str] = &[
    "Bank",
    "Credit Union",
    "Building Society",
    "Banking Group",
    "Financial Services",
    "Super Fund",
    "Card Services",
    "Cooperative",
];
const REAL: &[&str] = &[
    "Commonwealth Bank of Australia",
    "National Australia Bank",
    "ANZ",
    "Westpac",
    "St.George Bank",
    "Bank of Queensland",
    "ING",
    "HSBC Australia",
    "AMP Bank",
    "Bank of Melbourne",
    "Bankwest",
    "UBank",
    "Macquarie Bank",
    "Kiwibank",
    "ASB Bank",
    "Bank of New Zealand",
    "Hooli Bank",
];

/// `n` institutions with made-up but realistic names, deterministic (as core's criterion bench).
fn synthetic(n: usize) -> Vec<InstitutionSummary> {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    (0..n)
        .map(|i| {
            let name = if i < REAL.len() {
                REAL[i].to_string()
            } else {
                format!(
                    "{} {} {}",
                    FIRST[next() % FIRST.len()],
                    SECOND[next() % SECOND.len()],
                    KIND[next() % KIND.len()]
                )
            };
            let short = name.split(' ').take(2).collect::<Vec<_>>().join(" ");
            InstitutionSummary {
                id: format!("AU{i:05}"),
                name,
                short_name: short,
                service_type: ["Personal Banking", "Business Banking"][next() % 2].into(),
                country: ["Australia", "New Zealand"][next() % 2].into(),
                tier: ((next() % 4) + 1).to_string(),
                status: "operational".into(),
                authorization: "user".into(),
                login_id_caption: "Login".into(),
                password_caption: "Password".into(),
                security_code_caption: None,
                secondary_login_id_caption: None,
                forgotten_password_url: None,
                logo: None,
                average_duration_ms: None,
            }
        })
        .collect()
}

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
    let institutions = synthetic(5_000);
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
