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
        Some("app") => crate::bench_app::app(),
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
