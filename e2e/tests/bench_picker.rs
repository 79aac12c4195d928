//! `cargo xtask bench app` runs these (`--ignored`): the picker as a person on a phone meets it,
//! measured in Chromium through CDP. Each cold run uses a fresh browser profile; "slow 4G" is
//! `Network.emulateNetworkConditions` (150 ms, 1.6 Mbit/s down, 750 kbit/s up) with
//! `Emulation.setCPUThrottlingRate` 4. Prints `BENCH <name> median=… min=… max=… n=…` lines.
//!
//! "Usable" is navigation start → the first task after the frame that paints the search box
//! with options, "+ Connect a bank" clicked the moment it appears (a script installed before the
//! page's own). Bytes are Resource Timing transfer sizes (headers included) of what finished by
//! then, plus the document; requests are those started by then, the document included.
//! `BENCH_TIMELINE=1` prints each load's requests that had finished by then (start, end,
//! bytes), each wasm compile and instantiation, each long animation frame, the page's User
//! Timing marks, and when the document arrived, "+" was clicked, and the options were seen.

use std::time::Duration;

use bank_connect_e2e::thirtyfour::prelude::*;
use bank_connect_e2e::{Harness, launch_chromium};
use serde_json::{Value, json};

/// Cold runs per row (`BENCH_RUNS` overrides; at least 10 for the README's figures).
fn runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// Installed before the page's scripts: clicks "+" once it is there and records when the
/// picker is usable, with the bytes and requests before that.
const WATCH: &str = r#"
(() => {
  const out = (window.__bcBench = {});
  const done = () => {
    out.usable = performance.now();
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    out.bytes = (nav ? nav.transferSize : 0) +
      res.filter(e => e.responseEnd <= out.usable).reduce((s, e) => s + e.transferSize, 0);
    out.requests = 1 + res.filter(e => e.startTime <= out.usable).length;
    const ms = t => (t || 0).toFixed(0);
    out.timeline = res
      .map(e => `${e.name.replace(location.origin, '')} start=${ms(e.startTime)} sent=${ms(e.requestStart)} first=${ms(e.responseStart)} end=${ms(e.responseEnd)} bytes=${e.transferSize}`)
      .concat(window.__bcTakeFrames ? (window.__bcTakeFrames(), window.__bcSpans) : [])
      .concat(window.__bcTakeFrames ? performance.getEntriesByType('mark').map(m => `mark ${m.name} at=${ms(m.startTime)}`) : [])
      .concat([`document=${ms(nav && nav.responseEnd)} dcl=${ms(nav && nav.domContentLoadedEventEnd)} ` +
               `clicked=${ms(out.clicked)} seen=${ms(out.seen)} usable=${ms(out.usable)}`])
      .join('\n');
  };
  const look = () => {
    if (!out.clicked) {
      const plus = document.getElementById('bc-plus');
      if (plus) { out.clicked = performance.now(); plus.click(); }
    } else if (!out.seen && document.querySelector("input[role='combobox']") &&
               document.querySelector("[role='option']")) {
      out.seen = performance.now();
      requestAnimationFrame(() => setTimeout(done, 0));
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true });
})();
"#;

/// With `BENCH_TIMELINE=1`, installed before [`WATCH`]: each wasm compile and instantiation
/// (start → end) and each long animation frame (start, duration, blocking time), added to the
/// load's timeline.
const TIMELINE_HOOK: &str = r#"
(() => {
  const spans = (window.__bcSpans = []);
  const ms = t => t.toFixed(0);
  for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
    const f = WebAssembly[name];
    WebAssembly[name] = (...a) => {
      const t0 = performance.now();
      const p = f(...a);
      p.then(() => spans.push(`wasm ${name} start=${ms(t0)} end=${ms(performance.now())}`), () => {});
      return p;
    };
  }
  const frames = new PerformanceObserver(l => window.__bcFrames(l.getEntries()));
  window.__bcFrames = entries => {
    for (const e of entries) {
      const scripts = (e.scripts || []).map(s => `${s.invokerType}:${s.invoker || ''} ${ms(s.duration)}ms`).join('; ');
      spans.push(`frame start=${ms(e.startTime)} duration=${ms(e.duration)} blocking=${ms(e.blockingDuration)} render=${ms(e.renderStart)} ${scripts}`);
    }
  };
  frames.observe({ type: 'long-animation-frame', buffered: true });
  window.__bcTakeFrames = () => window.__bcFrames(frames.takeRecords());
})();
"#;

/// Records which of the app's files had arrived when the credential form was usable: the first
/// task after the frame that paints it with its submit button (as "usable" for the picker).
const FORM_WATCH: &str = r#"
(() => {
  const out = (window.__bcForm = {});
  const done = () => {
    const usable = performance.now();
    out.files = performance.getEntriesByType('resource')
      .filter(e => e.responseEnd <= usable)
      .map(e => new URL(e.name))
      .filter(u => u.origin === location.origin && u.pathname.startsWith('/app-'))
      .map(u => u.pathname.slice(1));
  };
  const watch = new MutationObserver(() => {
    if (document.querySelector("form.bc-form button[type='submit']")) {
      watch.disconnect();
      requestAnimationFrame(() => setTimeout(done, 0));
    }
  });
  watch.observe(document, { childList: true, subtree: true });
})();
"#;

/// One page load's figures.
#[derive(Clone, Copy)]
struct Load {
    usable: f64,
    bytes: f64,
    requests: f64,
}

async fn cdp(driver: &WebDriver, method: &str, params: Value) -> Value {
    driver
        .cdp()
        .send_raw(method, params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// Slow 4G and a CPU four times slower, as Chromium's DevTools presets.
async fn throttle(driver: &WebDriver) {
    cdp(driver, "Network.enable", json!({})).await;
    cdp(
        driver,
        "Network.emulateNetworkConditions",
        json!({ "offline": false, "latency": 150,
                "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8 }),
    )
    .await;
    cdp(
        driver,
        "Emulation.setCPUThrottlingRate",
        json!({ "rate": 4 }),
    )
    .await;
}

/// Loads `url` (the watcher installed) and waits until the picker is usable.
async fn load(driver: &WebDriver, url: &str) -> Load {
    driver.goto(url).await.unwrap();
    for _ in 0..600 {
        let v: Value = driver
            .execute("return window.__bcBench || null", vec![])
            .await
            .unwrap()
            .json()
            .clone();
        if let (Some(usable), Some(bytes), Some(requests)) = (
            v["usable"].as_f64(),
            v["bytes"].as_f64(),
            v["requests"].as_f64(),
        ) {
            if std::env::var_os("BENCH_TIMELINE").is_some() {
                println!("{}\n", v["timeline"].as_str().unwrap_or_default());
            }
            return Load {
                usable,
                bytes,
                requests,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the picker did not become usable in 30 s at {url}");
}

/// `loads` page loads of `url` in a browser with a fresh profile (slow 4G + CPU ×4 when
/// `throttled`): the first is cold, the next ones warm.
async fn fresh_browser(url: &str, throttled: bool, loads: usize) -> Vec<Load> {
    let (mut chromedriver, driver, profile) = launch_chromium().await;
    if throttled {
        throttle(&driver).await;
    }
    cdp(&driver, "Page.enable", json!({})).await;
    if std::env::var_os("BENCH_TIMELINE").is_some() {
        cdp(
            &driver,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": TIMELINE_HOOK }),
        )
        .await;
    }
    cdp(
        &driver,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": WATCH }),
    )
    .await;
    let mut out = Vec::new();
    for _ in 0..loads {
        out.push(load(&driver, url).await);
    }
    let _ = driver.quit().await;
    let _ = chromedriver.kill().await;
    let _ = std::fs::remove_dir_all(profile);
    out
}

/// Prints `BENCH name median=… min=… max=… n=…`.
fn report(name: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    assert!(
        n > 0 && values.iter().all(|v| v.is_finite()),
        "{name}: {values:?}"
    );
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    println!(
        "BENCH {name} median={median:.1} min={:.1} max={:.1} n={n}",
        values[0],
        values[n - 1]
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::test]
#[ignore = "a benchmark: cargo xtask bench app"]
async fn the_picker_cold_on_slow_4g_cold_and_warm() {
    Harness::run(|h| async move {
        let url = h.url("/");
        let (mut slow, mut cold, mut warm) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs() {
            slow.extend(fresh_browser(&url, true, 1).await);
            let unthrottled = fresh_browser(&url, false, 2).await;
            cold.push(unthrottled[0]);
            warm.push(unthrottled[1]);
        }
        let of = |loads: &[Load], f: fn(&Load) -> f64| loads.iter().map(f).collect::<Vec<_>>();
        report("usable_slow4g_ms", of(&slow, |l| l.usable));
        report("usable_cold_ms", of(&cold, |l| l.usable));
        report("usable_warm_ms", of(&warm, |l| l.usable));
        report("bytes_before_usable", of(&slow, |l| l.bytes));
        report("requests_before_usable", of(&slow, |l| l.requests));
        report("bytes_before_usable_warm", of(&warm, |l| l.bytes));
    })
    .await;
}

/// Installed on the search box once (each call empties the samples): for each key, key press →
/// the first task after the next frame; and that frame's time and when its callbacks ran
/// (`BENCH_TIMELINE=1` prints them: a frame time after the key means the key waited for the next
/// frame interval, one before it that the page had not painted in that interval yet).
const KEY_TIMER: &str = r#"
window.__bcKeys = [];
window.__bcKeyFrames = [];
if (!window.__bcKeyTimer) {
  window.__bcKeyTimer = true;
  document.getElementById('bc-search').addEventListener('keydown', e => {
    const t0 = e.timeStamp;
    requestAnimationFrame(frame => {
      window.__bcKeyFrames.push([t0, frame, performance.now()]);
      setTimeout(() => window.__bcKeys.push(performance.now() - t0), 0);
    });
  }, { capture: true });
}
"#;

/// Typed one key at a time, each word then cleared with Backspace.
const WORDS: &[&str] = &[
    "commonwealth",
    "westpac",
    "bank of",
    "anz",
    "hooli",
    "nab",
    "credit",
];

async fn keystrokes(h: &Harness) -> Vec<f64> {
    let search = h.find(By::Css("input[role='combobox']")).await;
    h.driver.execute(KEY_TIMER, vec![]).await.unwrap();
    let mut typed = 0usize;
    for word in WORDS {
        let keys: Vec<String> = word
            .chars()
            .map(String::from)
            .chain(word.chars().map(|_| Key::Backspace.value().to_string()))
            .collect();
        for key in keys {
            search.send_keys(key).await.unwrap();
            typed += 1;
            // One sample per key before the next one is pressed.
            for _ in 0..100 {
                let n: u64 = h
                    .driver
                    .execute("return window.__bcKeys.length", vec![])
                    .await
                    .unwrap()
                    .convert()
                    .unwrap();
                if n as usize >= typed {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    if std::env::var_os("BENCH_TIMELINE").is_some() {
        let frames: Vec<[f64; 3]> = h
            .driver
            .execute("return window.__bcKeyFrames", vec![])
            .await
            .unwrap()
            .convert()
            .unwrap();
        for (i, [t0, frame, ran]) in frames.iter().enumerate() {
            println!(
                "key {i}: frame time {:+.1} ms, its callbacks ran at +{:.1} ms",
                frame - t0,
                ran - t0
            );
        }
    }
    h.driver
        .execute("return window.__bcKeys", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap()
}

/// Installed before the page's scripts: keeps each wasm instance's exported memory, so the bench
/// can read its size (the page itself exposes none).
const WASM_MEMORIES: &str = r#"
(() => {
  const keep = r => {
    const m = (r.instance || r).exports && (r.instance || r).exports.memory;
    if (m && !(window.__bcMemories ||= []).includes(m)) window.__bcMemories.push(m);
    return r;
  };
  const streaming = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = (...a) => streaming(...a).then(keep);
  const plain = WebAssembly.instantiate;
  WebAssembly.instantiate = (...a) => plain(...a).then(keep);
})();
"#;

/// JS heap in use (`Runtime.getHeapUsage`, after a garbage collection) and the wasm memory's
/// size, in bytes.
async fn memory(driver: &WebDriver) -> (f64, f64) {
    cdp(driver, "HeapProfiler.enable", json!({})).await;
    cdp(driver, "HeapProfiler.collectGarbage", json!({})).await;
    let heap = cdp(driver, "Runtime.getHeapUsage", json!({})).await;
    let wasm: f64 = driver
        .execute(
            "return (window.__bcMemories || []).reduce((s, m) => s + m.buffer.byteLength, 0)",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    (heap["usedSize"].as_f64().unwrap_or(f64::NAN), wasm)
}

/// Opens the picker in the harness's (fresh) browser and prints `BENCH <name> js_heap=… wasm=…`
/// half a second after its first option appears.
async fn memory_after_picker(h: &Harness, name: &str) {
    cdp(&h.driver, "Page.enable", json!({})).await;
    cdp(
        &h.driver,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": WASM_MEMORIES }),
    )
    .await;
    h.driver.goto(h.url("/")).await.unwrap();
    h.button("+ Connect a bank").await.click().await.unwrap();
    h.find(By::Css("[role='option']")).await;
    // The whole first list, its logos drawn.
    let (options, _, waiting) = h.picker_drawn(60).await;
    assert_eq!((options, waiting), (60, 0), "the picker drawn");
    let (heap, wasm) = memory(&h.driver).await;
    println!("BENCH {name} js_heap={heap:.0} wasm={wasm:.0}");
}

#[tokio::test]
#[ignore = "a benchmark: cargo xtask bench app"]
async fn memory_with_the_default_directory() {
    Harness::run(|h| async move { memory_after_picker(&h, "memory_after_picker_default").await })
        .await;
}

/// Prints `BENCH name p95=… p95_min=… p95_max=… median=… n=… rounds=…` of key press → next
/// frame samples, one list per round of [`keystrokes`]: the median (min–max) of the rounds'
/// p95s, the median of their medians, the keys in a round. A single round's p95 is its fifth
/// slowest key and swings from run to run; the median of the rounds' is the figure.
fn report_keys(name: &str, rounds: Vec<Vec<f64>>) {
    let (mut p95s, mut medians) = (Vec::new(), Vec::new());
    let keys = rounds.first().map_or(0, Vec::len);
    for mut round in rounds {
        round.sort_by(f64::total_cmp);
        p95s.push(percentile(&round, 95.0));
        medians.push(percentile(&round, 50.0));
    }
    p95s.sort_by(f64::total_cmp);
    medians.sort_by(f64::total_cmp);
    println!(
        "BENCH {name} p95={:.1} p95_min={:.1} p95_max={:.1} median={:.1} n={keys} rounds={}",
        percentile(&p95s, 50.0),
        p95s[0],
        p95s[p95s.len() - 1],
        percentile(&medians, 50.0),
        p95s.len()
    );
}

/// [`runs`] rounds of [`keystrokes`] on the page that is open.
async fn key_rounds(h: &Harness) -> Vec<Vec<f64>> {
    let mut rounds = Vec::new();
    for _ in 0..runs() {
        rounds.push(keystrokes(h).await);
    }
    rounds
}

/// Key press → next frame in a bare `<input>` of the same browser: the floor of
/// [`keystrokes`]' figures on this machine (frame alignment and the machine's load), no app.
async fn bare_input_keystrokes(h: &Harness) -> Vec<Vec<f64>> {
    h.driver
        .goto("data:text/html,<input id=bc-search role=combobox>")
        .await
        .unwrap();
    key_rounds(h).await
}

#[tokio::test]
#[ignore = "a benchmark: cargo xtask bench app"]
async fn keystrokes_with_5000_institutions_memory_and_the_way_to_the_form() {
    Harness::run_with(&["--sandbox-institutions", "5000"], |h| async move {
        memory_after_picker(&h, "memory_after_picker").await;

        // Timed with the search's module there (a key before it arrives costs no search).
        let search = h.find(By::Css("input[role='combobox']")).await;
        search.send_keys("anz").await.unwrap();
        h.find(By::XPath(
            "//*[@id='bc-picker-count'][contains(., 'match')]",
        ))
        .await;
        for _ in 0..3 {
            search.send_keys(Key::Backspace).await.unwrap();
        }
        for (name, rate) in [("key_frame_ms", 1), ("key_frame_cpu4_ms", 4)] {
            cdp(
                &h.driver,
                "Emulation.setCPUThrottlingRate",
                json!({ "rate": rate }),
            )
            .await;
            report_keys(name, key_rounds(&h).await);
        }
        cdp(
            &h.driver,
            "Emulation.setCPUThrottlingRate",
            json!({ "rate": 1 }),
        )
        .await;

        // Through to the credential form: which of the app's files the page fetched by the time
        // the form was usable (not the job's module, which the form fetches once it is up).
        h.driver.execute(FORM_WATCH, vec![]).await.unwrap();
        h.pick_bank("hooli", "Hooli Bank").await;
        let mut app_files: Option<Vec<String>> = None;
        for _ in 0..100 {
            app_files = h
                .driver
                .execute("return window.__bcForm.files || null", vec![])
                .await
                .unwrap()
                .convert()
                .unwrap();
            if app_files.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let app_files = app_files.expect("the form was seen usable");
        assert!(!app_files.is_empty());
        println!("BENCH through_form files={}", app_files.join(","));

        report_keys("key_frame_floor_ms", bare_input_keystrokes(&h).await);
    })
    .await;
}
