//! `cargo xtask setup | build | dist | dev | test` — the project's automation, in Rust so it runs
//! wherever cargo does.

mod api_fuzz;
mod app_build;
mod asset_trim;
mod bench;
mod bench_app;
mod bench_load;
mod bench_store;
mod dist;
mod postgres;
mod setup;
mod split_bundles;
mod testing;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The one error type of xtask: a sentence for the person at the terminal.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup   install what building and testing need (idempotent; fast when present)
  build   install what building needs, then build the release app into dist/ (wasm split into
          lazily loaded chunks); no trunk, no browser
  dist    build the release app and one self-contained release bank-connect-server with the
          app embedded (target/dist/bank-connect-server: copy it, run it, no DIST_DIR)
  dev     install what building needs, build, and run the widget at http://127.0.0.1:8080
          (sandbox without BASIQ_API_KEY)
          --example-host: also the example host site at http://127.0.0.1:8090
          --basiq-version 3.0: connect through the simulator's Consent UI (default 2.1)
  test    setup, then every check and test suite; ends with 'N passed, N failed'
  openapi write the server's OpenAPI document to docs/openapi.json (a test fails when stale)
  schemathesis   only the test command's schemathesis stage (sandbox server, Basiq 2.1 and 3.0)
  postgres       start the throwaway PostgreSQL the store's tests use and print the variable
                 to export (for cargo test by hand); `postgres stop` stops it
  bench server   load figures for the server (oha; server pinned to one core)
  bench store    only the store's rows: token cache hits and link-token redemptions with
                 the in-memory, SQLite and PostgreSQL stores
  bench app      the app's budgets: first-view bytes, filter time in wasm, navigation → picker";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(setup::Needs::Everything).map(|_| ()),
        Some("build") => setup::run(setup::Needs::Build).and_then(|env| build_app(&env)),
        Some("dist") => setup::run(setup::Needs::Build).and_then(|env| dist::build(&env).map(drop)),
        Some("dev") => dev(&args[1..]),
        Some("test") => testing::run(),
        Some("schemathesis") => {
            let (name, ok) = api_fuzz::stage(&setup::tool_env());
            println!("{name}: {}", if ok { "ok" } else { "FAILED" });
            if ok {
                Ok(())
            } else {
                Err(Failure(format!("{name} failed")))
            }
        }
        Some("openapi") => api_fuzz::write_document(&setup::tool_env()),
        Some("bench") => bench::run(&args[1..]),
        Some("postgres") => postgres::command(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(Failure(format!("unknown command {other:?}\n\n{USAGE}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) => {
            eprintln!("xtask: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_owned()
}

/// A command run from the workspace root with the tool environment.
pub fn cmd(env: &setup::ToolEnv, program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args).current_dir(root()).env("PATH", &env.path);
    c
}

/// Runs `c`, failing with a message naming it when it does not succeed.
pub fn run_ok(mut c: Command, what: &str) -> Result<(), Failure> {
    let status = c
        .status()
        .map_err(|e| Failure(format!("{what}: cannot start: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure(format!("{what} failed ({status})")))
    }
}

/// The release app in dist/ (see `app_build`).
pub fn build_app(env: &setup::ToolEnv) -> Result<(), Failure> {
    app_build::build(env)
}

fn dev(args: &[String]) -> Result<(), Failure> {
    let (example_host, basiq_version) = dev_flags(args)?;
    let env = setup::run(setup::Needs::Build)?;
    build_app(&env)?;
    println!(
        "==> building the server{}",
        if example_host {
            " and the example host site"
        } else {
            ""
        }
    );
    let mut build = vec!["build", "--quiet", "-p", "bank-connect-server"];
    if example_host {
        build.extend(["-p", "bank-connect-example-host"]);
    }
    run_ok(cmd(&env, "cargo", &build), "building")?;

    let mut server = cmd(
        &env,
        app_build::target_dir()
            .join("debug/bank-connect-server")
            .to_str()
            .unwrap_or_default(),
        &[],
    );
    server
        .env("DIST_DIR", root().join("dist"))
        .env_remove("BANK_CONNECT_BIND")
        .args(["--bind", "127.0.0.1:8080"]);
    if let Some(version) = &basiq_version {
        server.env("BASIQ_VERSION", version);
    }
    let secret = random_hex(24)?;
    if example_host {
        server
            .env("ALLOWED_ORIGINS", "http://127.0.0.1:8090")
            .env("HOST_API_SECRET", &secret);
    }
    let mut children = vec![
        server
            .spawn()
            .map_err(|e| Failure(format!("cannot start the server: {e}")))?,
    ];
    if example_host {
        let mut host = cmd(
            &env,
            app_build::target_dir()
                .join("debug/bank-connect-example-host")
                .to_str()
                .unwrap_or_default(),
            &[],
        );
        host.env("HOST_API_SECRET", &secret)
            .env("WIDGET_URL", "http://127.0.0.1:8080");
        children.push(
            host.spawn()
                .map_err(|e| Failure(format!("cannot start the example host: {e}")))?,
        );
    }
    let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();
    ctrlc::set_handler(move || {
        // The terminal already sent Ctrl-C to the whole process group; SIGTERM (e.g. from a
        // supervisor) reaches only us, so pass it on to what we started.
        for pid in &pids {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
    })
    .map_err(|e| Failure(format!("cannot install the Ctrl-C handler: {e}")))?;
    println!("==> the widget: http://127.0.0.1:8080   (Ctrl-C stops it)");
    if example_host {
        println!("==> the example host site: http://127.0.0.1:8090");
    }
    let mut failed = None;
    for mut child in children {
        let status = child.wait()?;
        if !(status.success() || status.code().is_none()) {
            failed = Some(status);
        }
    }
    match failed {
        None => Ok(()),
        Some(status) => Err(Failure(format!("a process exited with {status}"))),
    }
}

/// `cargo xtask dev [--example-host] [--basiq-version 2.1|3.0]`: whether to run the example
/// host, and the Basiq version (3.0: connections through the simulator's Consent UI).
fn dev_flags(args: &[String]) -> Result<(bool, Option<String>), Failure> {
    let mut example_host = false;
    let mut version = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--example-host" => example_host = true,
            "--basiq-version" => match rest.next().map(String::as_str) {
                Some(v @ ("2.1" | "3.0")) => version = Some(v.to_owned()),
                other => {
                    return Err(Failure(format!(
                        "--basiq-version takes 2.1 or 3.0 (got {other:?})"
                    )));
                }
            },
            other => {
                return Err(Failure(format!(
                    "cargo xtask dev takes --example-host and --basiq-version 2.1|3.0 (got {other:?})"
                )));
            }
        }
    }
    Ok((example_host, version))
}

/// `n` random bytes from the OS, hex-encoded.
fn random_hex(n: usize) -> Result<String, Failure> {
    use std::io::Read;
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Runs `script` (an ES module) in Node.js (the machine's, as `npm` and `tsc` in the test
/// command) from a fresh temporary file; its trimmed stdout, after asserting it exited 0.
#[cfg(test)]
fn run_node(script: &str) -> String {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("bc-node-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("check.mjs");
    std::fs::write(&file, script).unwrap();
    let out = std::process::Command::new("node")
        .arg(&file)
        .output()
        .expect("node (the test command's Node.js) runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.trim().to_owned()
}

#[cfg(test)]
mod dev_flag_tests {
    use super::dev_flags;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn dev_takes_the_example_host_and_a_basiq_version() {
        assert_eq!(dev_flags(&args(&[])).unwrap(), (false, None));
        assert_eq!(
            dev_flags(&args(&["--basiq-version", "3.0", "--example-host"])).unwrap(),
            (true, Some("3.0".into()))
        );
        assert!(dev_flags(&args(&["--basiq-version"])).is_err());
        assert!(dev_flags(&args(&["--basiq-version", "4"])).is_err());
        assert!(dev_flags(&args(&["--verbose"])).is_err());
    }
}
