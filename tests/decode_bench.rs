//! The directory's decoding in wasm in Chromium: `/api/institutions`' answer as the browser's
//! `JSON.parse` makes it, read into core's [`InstitutionDirectory`] (what every page load does
//! before the picker shows, from the answer or from the localStorage cache), timed with
//! `performance.now()`. Prints one `BENCH decode_302 …` line (run it with `--release` for
//! figures); in the normal debug run it takes one round and checks what it read.
#![cfg(target_arch = "wasm32")]

use bank_connect::api::parse_object;
use bank_connect_core::InstitutionDirectory;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

#[wasm_bindgen_test]
fn decoding_the_default_directory() {
    // As many institutions as the simulator's default directory.
    let institutions = bank_connect_core::synthetic::directory(302);
    let text = InstitutionDirectory::list_json(7, &institutions);
    let rounds = if cfg!(debug_assertions) { 1 } else { 30 };
    let mut samples = Vec::new();
    for _ in 0..rounds {
        let object = parse_object(&text).unwrap();
        let t0 = now();
        let directory = InstitutionDirectory::from_object(&object).unwrap();
        samples.push(now() - t0);
        assert_eq!(directory.version, 7);
        assert_eq!(directory.institutions, institutions);
    }
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    console_log!(
        "BENCH decode_302 median_ms={median:.2} min_ms={:.2} max_ms={:.2} rounds={rounds} release={}",
        samples[0],
        samples[samples.len() - 1],
        !cfg!(debug_assertions)
    );
    assert!(median.is_finite() && median >= samples[0]);
}
