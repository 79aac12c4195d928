//! `cargo xtask test`: every check and suite, in order, then one line `N passed, N failed`.
//!
//! Test suites count their tests (parsed from libtest's and wasm-bindgen-test's `test result:`
//! lines); checks (fmt, clippy, wasm check, app build, first-view size budget, the
//! self-contained server binary) count as one each. A suite that fails before reporting (for
//! instance a compile error) counts as one failure.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::setup::{self, ToolEnv};
use crate::{Failure, cmd, root};

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
}

/// Parses `test result: ok. 5 passed; 1 failed; …` into (passed, failed).
pub fn parse_result_line(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let mut passed = None;
    let mut failed = None;
    for part in rest.split([';', '.']) {
        let mut words = part.split_whitespace();
        if let (Some(n), Some(label)) = (words.next(), words.next()) {
            match (n.parse::<u64>(), label) {
                (Ok(n), "passed") => passed = Some(n),
                (Ok(n), "failed") => failed = Some(n),
                _ => {}
            }
        }
    }
    Some((passed?, failed?))
}

/// Runs a command, echoing its output, and returns (success, summed test results if any).
fn run_streaming(mut c: Command) -> Result<(bool, Option<(u64, u64)>), Failure> {
    c.stdout(Stdio::piped());
    let mut child = c.spawn()?;
    let stdout = child.stdout.take().expect("piped");
    let mut sum: Option<(u64, u64)> = None;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some((p, f)) = parse_result_line(&line) {
            let (sp, sf) = sum.unwrap_or((0, 0));
            sum = Some((sp + p, sf + f));
        }
    }
    Ok((child.wait()?.success(), sum))
}

impl Tally {
    fn check(&mut self, name: &str, c: Command) {
        println!("\n==> {name}");
        let started = Instant::now();
        let ok = matches!(run_streaming(c), Ok((true, _)));
        self.record_check(name, ok, started);
    }

    fn record_check(&mut self, name: &str, ok: bool, started: Instant) {
        println!(
            "--- {name}: {} ({:.1}s)",
            if ok { "ok" } else { "FAILED" },
            started.elapsed().as_secs_f64()
        );
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failures.push(name.to_owned());
        }
    }

    fn suite(&mut self, name: &str, c: Command) {
        println!("\n==> {name}");
        let started = Instant::now();
        match run_streaming(c) {
            Ok((ok, Some((p, f)))) => {
                self.passed += p;
                self.failed += f;
                // A failing exit with all tests passing (e.g. a later test binary did not build).
                let broken = !ok && f == 0;
                if broken {
                    self.failed += 1;
                }
                if f > 0 || broken {
                    self.failures.push(name.to_owned());
                }
                println!(
                    "--- {name}: {p} passed, {} failed ({:.1}s)",
                    f + u64::from(broken),
                    started.elapsed().as_secs_f64()
                );
            }
            Ok((ok, None)) => self.record_check(name, ok, started),
            Err(e) => {
                println!("cannot run: {}", e.0);
                self.record_check(name, false, started);
            }
        }
    }
}

/// Runs everything; exits non-zero when anything failed.
pub fn run() -> Result<(), Failure> {
    let started = Instant::now();
    let env = setup::run(setup::Needs::Everything)?;
    let mut t = Tally::default();
    lints(&env, &mut t);
    let contract_note = native_and_browser(&env, &mut t);
    println!("\n==> schemathesis against the sandbox server (docs/openapi.json as served)");
    let fuzz_started = Instant::now();
    let (name, ok) = crate::api_fuzz::stage(&env);
    t.record_check(&name, ok, fuzz_started);
    app_and_e2e(&env, &mut t);

    println!("\nfinished in {:.0}s", started.elapsed().as_secs_f64());
    if !t.failures.is_empty() {
        println!("failed: {}", t.failures.join("; "));
    }
    match &contract_note {
        Some(note) => println!("{} passed, {} failed ({note})", t.passed, t.failed),
        None => println!("{} passed, {} failed", t.passed, t.failed),
    }
    if t.failed == 0 {
        Ok(())
    } else {
        Err(Failure(format!("{} failed", t.failed)))
    }
}

/// fmt and clippy: native, wasm32, and the split release build.
fn lints(env: &ToolEnv, t: &mut Tally) {
    t.check(
        "cargo fmt --check",
        cmd(env, "cargo", &["fmt", "--all", "--", "--check"]),
    );
    t.check(
        "clippy (native)",
        cmd(
            env,
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    // The app with its browser tests; core as its dependency (core's own tests and benches use
    // proptest and criterion, which are native-only).
    t.check(
        "clippy (wasm32)",
        cmd(
            env,
            "cargo",
            &[
                "clippy",
                "-p",
                "bank-connect",
                "--all-targets",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    // The release build's split points (`--features split`, see src/split.rs).
    t.check(
        "clippy (wasm32, split build)",
        cmd(
            env,
            "cargo",
            &[
                "clippy",
                "-p",
                "bank-connect",
                "--bins",
                "--target",
                "wasm32-unknown-unknown",
                "--features",
                "split",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
}

/// Native tests (contract tests skipped when Basiq's reference data is absent: the returned
/// note says so), the core's wasm build, and the browser tests.
fn native_and_browser(env: &ToolEnv, t: &mut Tally) -> Option<String> {
    // Contract tests (named `contract_*`) read Basiq's reference data from ../shared/; without
    // it they are skipped, and the summary line says so.
    let reference = reference_dir();
    let mut native_args = vec![
        "test",
        "--workspace",
        "--exclude",
        "bank-connect-e2e",
        "--no-fail-fast",
    ];
    let contract_note = if reference.is_dir() {
        None
    } else {
        native_args.extend(["--", "--skip", "contract_"]);
        Some(format!(
            "contract tests: skipped, {} not found",
            reference.display()
        ))
    };
    // The store's tests run against a real PostgreSQL too: started here, stopped after. Without
    // it those tests fail (they never skip).
    let postgres = match crate::postgres::TestPostgres::start() {
        Ok(pg) => Some(pg),
        Err(e) => {
            println!(
                "PostgreSQL for the store's tests could not be started: {}",
                e.0
            );
            None
        }
    };
    let mut native = cmd(env, "cargo", &native_args);
    if let Some(pg) = &postgres {
        native.env(crate::postgres::URL_VAR, &pg.url);
    }
    t.suite("native tests", native);
    drop(postgres);
    // Typed embedding: the TypeScript example hosts and bank-connect-embed's declarations
    // against core's protocol (tsc --strict; no browser, so not behind the app build).
    t.suite(
        "typed embedding (tsc --strict: example hosts, protocol drift)",
        cmd(
            env,
            "cargo",
            &["test", "-p", "bank-connect-e2e", "--test", "embed_types"],
        ),
    );
    t.check(
        "core builds for wasm32",
        cmd(
            env,
            "cargo",
            &[
                "check",
                "-p",
                "bank-connect-core",
                "--target",
                "wasm32-unknown-unknown",
            ],
        ),
    );
    t.suite(
        "browser tests (wasm-bindgen-test, headless Chromium)",
        browser_tests(env),
    );

    contract_note
}

/// The unsplit trunk build, the split release build, its first-view budget, the server binary
/// with that build embedded, and the end-to-end tests against both.
fn app_and_e2e(env: &ToolEnv, t: &mut Tally) {
    // What `trunk serve` serves (unsplit, dev profile) still builds from index.html/Trunk.toml.
    t.check(
        "trunk build (dev, unsplit)",
        cmd(
            env,
            "trunk",
            &["build", "--offline", "--dist", "target/trunk-dist"],
        ),
    );
    println!("\n==> app build (release, split)");
    let build_started = Instant::now();
    let built = crate::build_app(env).is_ok();
    t.record_check("app build (release, split)", built, build_started);
    if built {
        println!("\n==> first-view size budget (brotli -q 11)");
        let started = Instant::now();
        match crate::bench_app::first_view_budget(env) {
            Ok((bytes, ok)) => t.record_check(
                &format!(
                    "first view ≤ {} B brotli ({bytes} B)",
                    crate::bench_app::FIRST_VIEW_BROTLI_BUDGET
                ),
                ok,
                started,
            ),
            Err(e) => {
                println!("cannot measure: {}", e.0);
                t.record_check("first view size budget", false, started);
            }
        }
        // The self-contained binary the dist_binary test starts from an empty folder (dev
        // profile, whose dependencies the tests built; `cargo xtask dist` makes the release one
        // the same way; a failed build leaves no binary, so that test fails).
        println!("\n==> server binary with the app embedded (dev profile, as cargo xtask dist)");
        let dist_started = Instant::now();
        let dist = crate::dist::embed_in_server(env, crate::dist::Profile::Dev);
        if let Err(e) = &dist {
            println!("{}", e.0);
        }
        t.record_check(
            "server binary with the app embedded (dev profile)",
            dist.is_ok(),
            dist_started,
        );
        // The code only that build compiles (the embedded files), linted like the rest.
        let clippy = cmd(
            env,
            "cargo",
            &[
                "clippy",
                "-p",
                "bank-connect-server",
                "--features",
                "embed-app",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        );
        match crate::dist::with_app_to_embed(clippy) {
            Ok(clippy) => t.check("clippy (server, --features embed-app)", clippy),
            Err(e) => {
                println!("{}", e.0);
                t.record_check(
                    "clippy (server, --features embed-app)",
                    false,
                    Instant::now(),
                );
            }
        }
        // Every e2e test file but the typed-embedding checks, which ran with the native tests.
        // (By target, not `--skip ts_`: libtest's skip matches substrings, and it skipped
        // every test whose name merely contained "ts_", such as `…_fits_320_pixels…`.)
        let targets = e2e_targets(&["embed_types"]);
        let mut args = vec!["test", "-p", "bank-connect-e2e", "--no-fail-fast"];
        for target in &targets {
            args.extend(["--test", target.as_str()]);
        }
        args.extend(["--", "--test-threads=1"]);
        let mut e2e = cmd(env, "cargo", &args);
        e2e.env("BANK_CONNECT_DIST", root().join("dist")).env(
            "BANK_CONNECT_DIST_BIN",
            crate::dist::binary_path(crate::dist::Profile::Dev),
        );
        t.suite(
            "end-to-end tests (server + simulator + headless Chromium)",
            e2e,
        );
    } else {
        t.failed += 1;
        t.failures
            .push("end-to-end tests (not run: the app did not build)".into());
    }
}

/// The e2e crate's test targets (one per file in `e2e/tests/`), except `without`.
fn e2e_targets(without: &[&str]) -> Vec<String> {
    let mut targets: Vec<String> = std::fs::read_dir(root().join("e2e/tests"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "rs"))
                .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
                .filter(|stem| !without.contains(&stem.as_str()))
                .collect()
        })
        .unwrap_or_default();
    targets.sort();
    targets
}

/// Basiq's reference data beside the checkout (`BASIQ_REFERENCE` overrides).
fn reference_dir() -> std::path::PathBuf {
    std::env::var_os("BASIQ_REFERENCE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/basiq-reference"))
}

fn browser_tests(env: &ToolEnv) -> Command {
    let mut c = cmd(
        env,
        "cargo",
        &[
            "test",
            "-p",
            "bank-connect",
            "--no-fail-fast",
            "--target",
            "wasm32-unknown-unknown",
        ],
    );
    if let Ok(driver) = which(env, "chromedriver") {
        c.env("CHROMEDRIVER", driver);
    }
    c.env("WASM_BINDGEN_TEST_TIMEOUT", "60");
    c
}

fn which(env: &ToolEnv, program: &str) -> Result<std::path::PathBuf, Failure> {
    std::env::split_paths(&env.path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .ok_or_else(|| Failure(format!("{program} not found on PATH")))
}

#[cfg(test)]
mod tests {
    use super::{e2e_targets, parse_result_line};

    #[test]
    fn e2e_targets_are_every_test_file_but_the_excluded() {
        let all = e2e_targets(&[]);
        let some = e2e_targets(&["embed_types"]);
        assert!(all.iter().any(|t| t == "flows"), "{all:?}");
        assert!(all.iter().any(|t| t == "embed_types"), "{all:?}");
        assert!(!some.iter().any(|t| t == "embed_types"), "{some:?}");
        assert_eq!(some.len() + 1, all.len());
    }

    #[test]
    fn parses_libtest_and_wasm_bindgen_test_summaries() {
        assert_eq!(
            parse_result_line(
                "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s"
            ),
            Some((12, 0))
        );
        assert_eq!(
            parse_result_line("test result: FAILED. 3 passed; 2 failed; 1 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_result_line("running 3 tests"), None);
        assert_eq!(parse_result_line("test result: garbage"), None);
    }
}
