//! `cargo xtask bench server`: load figures for the server, rerunnable.
//!
//! The release server runs pinned to CPU 0 (`taskset -c 0`, so tokio gets one worker); oha runs
//! on CPU 1 against 127.0.0.1. Measured: `/api/token` cache hits (one session) and
//! `/api/institutions` answered 304 — first at full speed, then at a fixed 5,000 req/s for the
//! latency percentiles; then under hostile load (1,000 idle slow connections; an abusive
//! cookieless client from many loopback addresses); then with each store (`bench store`
//! runs only those rows). Each run lasts 10 s by default
//! (`BENCH_SECONDS`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Failure, root, run_ok};

/// oha, pinned: the version the figures in the README were taken with.
const OHA_VERSION: &str = "1.16.0";

pub(crate) struct Stop(Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the benchmark named by `args` (`server` or `app`).
pub fn run(args: &[String]) -> Result<(), Failure> {
    match args.first().map(String::as_str) {
        Some("server") => server(),
        Some("store") => {
            let seconds = prepare_server_bench()?;
            crate::bench_store::store_rows(seconds)
        }
        Some("app") => app(),
        other => Err(Failure(format!(
            "cargo xtask bench: unknown target {other:?} (try `cargo xtask bench server` or `cargo xtask bench app`)"
        ))),
    }
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// oha and the release server, built; the seconds per row.
fn prepare_server_bench() -> Result<u64, Failure> {
    if !have("oha", "--version") {
        println!("==> installing oha {OHA_VERSION} (cargo install --locked)");
        let mut c = Command::new("cargo");
        c.args(["install", "oha", "--locked", "--version", OHA_VERSION]);
        run_ok(c, "cargo install oha")?;
    }
    for tool in ["taskset", "curl"] {
        if !have(tool, "--version") {
            return Err(Failure(format!(
                "{tool} is needed (Debian: apt-get install -y util-linux curl)"
            )));
        }
    }
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    println!("==> building the server (release)");
    let mut build = Command::new("cargo");
    build
        .args(["build", "--release", "--quiet", "-p", "bank-connect-server"])
        .current_dir(root());
    run_ok(build, "cargo build --release")?;
    Ok(seconds)
}

fn server() -> Result<(), Failure> {
    let seconds = prepare_server_bench()?;
    let (base, port, _stop) = start_server(&["--token-rate-per-ip", "0"])?;
    let cookie = session_cookie(&base)?;
    let headers = curl(&[
        "-s",
        "-D",
        "-",
        "-o",
        "/dev/null",
        &format!("{base}/api/institutions"),
    ])?;
    let etag = header_value(&headers, "etag")
        .ok_or_else(|| Failure("no ETag from /api/institutions".into()))?;

    let token = ["-m", "POST", "-H", &format!("Cookie: {cookie}")].map(str::to_owned);
    let not_modified = ["-H", &format!("If-None-Match: {etag}")].map(str::to_owned);
    let cases: [(&str, &[String], String, Option<u32>); 4] = [
        (
            "POST /api/token (cache hit), max rate",
            &token,
            format!("{base}/api/token"),
            None,
        ),
        (
            "GET /api/institutions (304), max rate",
            &not_modified,
            format!("{base}/api/institutions"),
            None,
        ),
        (
            "POST /api/token (cache hit) at 5,000/s",
            &token,
            format!("{base}/api/token"),
            Some(5000),
        ),
        (
            "GET /api/institutions (304) at 5,000/s",
            &not_modified,
            format!("{base}/api/institutions"),
            Some(5000),
        ),
    ];
    println!(
        "\nserver on 1 core (taskset -c 0), oha on another, {seconds} s per row, 64 connections\n"
    );
    println!(
        "{:<42} {:>10} {:>9} {:>9} {:>9}  statuses",
        "case", "req/s", "p50 ms", "p99 ms", "max ms"
    );
    let mut unloaded_token_rate = 0.0;
    for (i, (name, extra, url, rate)) in cases.into_iter().enumerate() {
        let report = oha(extra, &url, seconds, rate)?;
        let rate = print_row(name, &report);
        if i == 0 {
            unloaded_token_rate = rate;
        }
    }
    crate::bench_load::hostile_rows(&base, port, &token, unloaded_token_rate, seconds)?;
    crate::bench_store::store_rows(seconds)
}

/// Starts the release server on a free loopback port, pinned to CPU 0, with `extra` flags;
/// returns its base URL and port once `/readyz` answers, and a guard that stops it.
pub(crate) fn start_server(extra: &[&str]) -> Result<(String, u16, Stop), Failure> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(root().join(format!("target/bench-server-{port}.log")))?;
    let server = Command::new("taskset")
        .args(["-c", "0"])
        .arg(root().join("target/release/bank-connect-server"))
        .args(["--bind", &format!("127.0.0.1:{port}"), "--dist-dir", "dist"])
        .args(extra)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()?;
    let stop = Stop(server);
    let started = Instant::now();
    while !curl_ok(&format!("{base}/readyz")) {
        if started.elapsed() > Duration::from_secs(20) {
            return Err(Failure(format!(
                "the server did not become ready in 20 s (see target/bench-server-{port}.log)"
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((base, port, stop))
}

/// A session cookie (`name=value`) from a first `POST /api/token`.
pub(crate) fn session_cookie(base: &str) -> Result<String, Failure> {
    let headers = curl(&[
        "-s",
        "-D",
        "-",
        "-o",
        "/dev/null",
        "-X",
        "POST",
        &format!("{base}/api/token"),
    ])?;
    header_value(&headers, "set-cookie")
        .and_then(|c| c.split(';').next().map(str::to_owned))
        .ok_or_else(|| Failure("no session cookie from /api/token".into()))
}

/// Prints one table row of an oha report; returns its req/s.
pub(crate) fn print_row(name: &str, report: &serde_json::Value) -> f64 {
    let s = &report["summary"];
    let p = &report["latencyPercentiles"];
    let ms = |v: &serde_json::Value| {
        v.as_f64()
            .map(|x| format!("{:.3}", x * 1000.0))
            .unwrap_or_else(|| "-".into())
    };
    let rate = s["requestsPerSec"].as_f64().unwrap_or(0.0);
    println!(
        "{:<42} {:>10.0} {:>9} {:>9} {:>9}  {}",
        name,
        rate,
        ms(&p["p50"]),
        ms(&p["p99"]),
        ms(&s["slowest"]),
        report["statusCodeDistribution"]
    );
    rate
}

pub(crate) fn oha(
    extra: &[String],
    url: &str,
    seconds: u64,
    rate: Option<u32>,
) -> Result<serde_json::Value, Failure> {
    let mut c = Command::new("taskset");
    c.args([
        "-c",
        "1",
        "oha",
        "--no-tui",
        "--output-format",
        "json",
        "-c",
        "64",
        "-z",
        &format!("{seconds}s"),
    ]);
    if let Some(q) = rate {
        c.args(["-q", &q.to_string()]);
    }
    c.args(extra).arg(url);
    let out = c.output()?;
    if !out.status.success() {
        return Err(Failure(format!(
            "oha failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| Failure(format!("cannot read oha's report: {e}")))
}

fn curl(args: &[&str]) -> Result<String, Failure> {
    let out = Command::new("curl").args(args).output()?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub(crate) fn curl_ok(url: &str) -> bool {
    Command::new("curl")
        .args(["-sf", "-o", "/dev/null", url])
        .status()
        .is_ok_and(|s| s.success())
}

fn header_value(headers: &str, name: &str) -> Option<String> {
    headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

// ---------------------------------------------------------------------------------------------
// cargo xtask bench app
// ---------------------------------------------------------------------------------------------

/// The app's budgets: first-view bytes, filter time, navigation to a usable picker.
const FIRST_VIEW_BROTLI_BUDGET: u64 = 150_000;
const FILTER_P95_BUDGET_MS: f64 = 1.0;
const PICKER_USABLE_BUDGET_MS: f64 = 150.0;

/// dist/index.html and the assets it loads up front.
fn first_view_files() -> Result<Vec<std::path::PathBuf>, Failure> {
    let dist = root().join("dist");
    let index = std::fs::read_to_string(dist.join("index.html"))
        .map_err(|e| Failure(format!("dist/index.html: {e}")))?;
    Ok(std::iter::once(dist.join("index.html"))
        .chain(
            crate::app_build::first_view_assets(&index)
                .iter()
                .map(|a| dist.join(a)),
        )
        .collect())
}

/// The size budget `cargo xtask test` enforces on the built dist/ (a byte count, so it cannot
/// flake): the first view's brotli bytes must stay within [`FIRST_VIEW_BROTLI_BUDGET`].
/// Returns (bytes, within budget).
pub fn first_view_budget(env: &crate::setup::ToolEnv) -> Result<(u64, bool), Failure> {
    let (_, _, br) = size_table(env, &first_view_files()?)?;
    println!("    first view {br} B brotli, budget ≤ {FIRST_VIEW_BROTLI_BUDGET} B");
    Ok((br, br <= FIRST_VIEW_BROTLI_BUDGET))
}

/// Bytes of one file compressed by `program args… -c` (gzip -9 / brotli -q 11).
fn compressed_len(
    env: &crate::setup::ToolEnv,
    program: &str,
    args: &[&str],
    file: &std::path::Path,
) -> Result<u64, Failure> {
    let out = crate::cmd(env, program, args)
        .arg(file)
        .output()
        .map_err(|e| Failure(format!("{program}: {e}")))?;
    if !out.status.success() {
        return Err(Failure(format!("{program} failed on {}", file.display())));
    }
    Ok(out.stdout.len() as u64)
}

/// The `BENCH <name> k=v …` line a test printed, as its key/value pairs.
fn bench_line(output: &str, name: &str) -> Option<Vec<(String, String)>> {
    output
        .lines()
        .find_map(|l| l.split_once(&format!("BENCH {name} ")))
        .map(|(_, rest)| {
            rest.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
}

fn value(pairs: &[(String, String)], key: &str) -> f64 {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn run_capture(mut c: Command, what: &str) -> Result<String, Failure> {
    c.current_dir(root()).stderr(Stdio::inherit());
    let out = c.output().map_err(|e| Failure(format!("{what}: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(Failure(format!("{what} failed:\n{text}")));
    }
    Ok(text)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "OVER BUDGET" }
}

/// Prints raw, gzip and brotli bytes of each file and the total; returns the totals.
fn size_table(
    env: &crate::setup::ToolEnv,
    files: &[std::path::PathBuf],
) -> Result<(u64, u64, u64), Failure> {
    println!(
        "    {:<44} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip", "brotli"
    );
    let (mut raw, mut gz, mut br) = (0u64, 0u64, 0u64);
    for f in files {
        let r = std::fs::metadata(f)
            .map_err(|e| Failure(format!("{}: {e}", f.display())))?
            .len();
        let g = compressed_len(env, "gzip", &["-9", "-n", "-c"], f)?;
        let b = compressed_len(env, "brotli", &["-q", "11", "-c"], f)?;
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        println!("    {name:<44} {r:>10} {g:>10} {b:>10}");
        raw += r;
        gz += g;
        br += b;
    }
    println!("    {:<44} {raw:>10} {gz:>10} {br:>10}", "total");
    Ok((raw, gz, br))
}

/// Release first-view bytes, filter time in wasm in Chromium, navigation → usable picker.
fn app() -> Result<(), Failure> {
    let env = crate::setup::run(crate::setup::Needs::Everything)?;
    crate::build_app(&env)?;

    // 1. The first view: index.html and what it loads before anything shows (its stylesheet,
    //    module preloads and wasm); then the modules fetched later, on demand.
    let first = first_view_files()?;
    let app_dir = first
        .last()
        .and_then(|p| p.parent())
        .ok_or_else(|| Failure("dist/index.html loads no assets".into()))?
        .to_owned();
    let mut later: Vec<std::path::PathBuf> = std::fs::read_dir(&app_dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm") && !first.contains(p))
        .collect();
    later.sort();
    println!("==> first view (release dist/; gzip -9, brotli -q 11)");
    let (raw, gz, br) = size_table(&env, &first)?;
    println!("==> loaded on demand: split modules, fetched ahead of need (not in the first view)");
    let (later_raw, _, later_br) = size_table(&env, &later)?;

    // 2. Search over 5,000 institutions, release wasm in headless Chromium.
    println!("==> filter time: 5,000 institutions, wasm (release) in Chromium");
    let mut wasm = crate::cmd(
        &env,
        "cargo",
        &[
            "test",
            "-p",
            "bank-connect",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "search_bench",
            "--",
            "--nocapture",
        ],
    );
    wasm.current_dir(root());
    let out = run_capture(wasm, "the wasm search benchmark")?;
    let filter = bench_line(&out, "filter_5000")
        .ok_or_else(|| Failure(format!("no BENCH filter_5000 line in:\n{out}")))?;

    // 3. Navigation → usable picker with a warm cache, through the e2e harness.
    println!("==> navigation → usable picker, warm cache (headless Chromium)");
    let mut e2e = crate::cmd(
        &env,
        "cargo",
        &[
            "test",
            "--quiet",
            "-p",
            "bank-connect-e2e",
            "--test",
            "bench",
            "--",
            "--ignored",
            "--nocapture",
        ],
    );
    e2e.current_dir(root());
    let out = run_capture(e2e, "the picker benchmark")?;
    let usable = bench_line(&out, "picker_usable")
        .ok_or_else(|| Failure(format!("no BENCH picker_usable line in:\n{out}")))?;
    let mounted = bench_line(&out, "widget_mounted").unwrap_or_default();

    let (f_med, f_p95) = (value(&filter, "median_ms"), value(&filter, "p95_ms"));
    let (u_med, u_p95) = (value(&usable, "median_ms"), value(&usable, "p95_ms"));
    println!();
    println!("app budget report");
    println!(
        "  first view (HTML+CSS+JS+wasm)  raw {raw} B, gzip {gz} B, brotli {br} B   budget ≤ {FIRST_VIEW_BROTLI_BUDGET} B brotli: {}",
        verdict(br <= FIRST_VIEW_BROTLI_BUDGET)
    );
    println!(
        "  filter 5,000 institutions      median {f_med:.3} ms, p95 {f_p95:.3} ms ({} samples; index build {:.1} ms)   budget p95 ≤ {FILTER_P95_BUDGET_MS} ms: {}",
        value(&filter, "samples"),
        value(&filter, "index_build_ms"),
        verdict(f_p95 <= FILTER_P95_BUDGET_MS)
    );
    if let Some((_, slowest)) = filter.iter().find(|(k, _)| k == "slowest") {
        println!("    slowest queries (median ms): {slowest}");
    }
    println!(
        "  later modules ({} files)        raw {later_raw} B, brotli {later_br} B (picker, later steps, connections view)",
        later.len()
    );
    println!(
        "  navigation → widget mounted    median {:.1} ms, p95 {:.1} ms",
        value(&mounted, "median_ms"),
        value(&mounted, "p95_ms")
    );
    println!(
        "  navigation → picker usable     median {u_med:.1} ms, p95 {u_p95:.1} ms ({} runs)   budget ≤ {PICKER_USABLE_BUDGET_MS} ms: {}",
        value(&usable, "runs"),
        verdict(u_med <= PICKER_USABLE_BUDGET_MS)
    );
    Ok(())
}
