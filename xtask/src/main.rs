//! `cargo xtask setup | build | dev | test` — the project's automation, in Rust so it runs
//! wherever cargo does.

mod bench;
mod setup;
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
  build   setup, then build the app into dist/ (trunk, release, offline)
  dev     setup, build, and run the widget at http://127.0.0.1:8080 (sandbox without BASIQ_API_KEY)
  test    setup, then every check and test suite; ends with 'N passed, N failed'
  bench server   load figures for the server (oha; server pinned to one core)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run().map(|_| ()),
        Some("build") => setup::run().and_then(|env| build_app(&env)),
        Some("dev") => dev(&args[1..]),
        Some("test") => testing::run(),
        Some("bench") => bench::run(&args[1..]),
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

/// `trunk build --release --offline` into dist/.
pub fn build_app(env: &setup::ToolEnv) -> Result<(), Failure> {
    println!("==> building the app (trunk build --release --offline)");
    run_ok(
        cmd(env, "trunk", &["build", "--release", "--offline"]),
        "trunk build",
    )?;
    precompress(env)
}

/// Writes `.gz` (and `.br` when brotli is installed) beside each asset of dist/, which the
/// server serves to browsers that accept them.
fn precompress(env: &setup::ToolEnv) -> Result<(), Failure> {
    let dist = root().join("dist");
    let has_brotli = setup::runs(env, "brotli", "--version");
    let mut assets = Vec::new();
    for entry in std::fs::read_dir(&dist)? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|e| e == "js" || e == "wasm" || e == "css")
        {
            assets.push(path);
        }
    }
    for asset in &assets {
        let name = asset.to_string_lossy().into_owned();
        run_ok(cmd(env, "gzip", &["-9", "-k", "-f", "-n", &name]), "gzip")?;
        if has_brotli {
            run_ok(
                cmd(env, "brotli", &["-q", "11", "-k", "-f", &name]),
                "brotli",
            )?;
        }
    }
    let note = if has_brotli {
        " + brotli"
    } else {
        "; brotli is not installed"
    };
    println!("    precompressed {} assets (gzip{note})", assets.len());
    Ok(())
}

fn dev(args: &[String]) -> Result<(), Failure> {
    if let Some(extra) = args.first() {
        return Err(Failure(format!(
            "cargo xtask dev takes no options yet (got {extra:?})"
        )));
    }
    let env = setup::run()?;
    build_app(&env)?;
    println!("==> building the server");
    run_ok(
        cmd(
            &env,
            "cargo",
            &["build", "--quiet", "-p", "bank-connect-server"],
        ),
        "building the server",
    )?;
    let exe = root().join("target/debug/bank-connect-server");
    let mut server = cmd(&env, exe.to_str().unwrap_or_default(), &[])
        .env("DIST_DIR", root().join("dist"))
        .env_remove("BANK_CONNECT_BIND")
        .arg("--bind")
        .arg("127.0.0.1:8080")
        .spawn()
        .map_err(|e| Failure(format!("cannot start the server: {e}")))?;
    let pid = server.id();
    ctrlc::set_handler(move || {
        // The terminal already sent Ctrl-C to the whole process group; SIGTERM (e.g. from a
        // supervisor) reaches only us, so pass it on to the server we started.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
    })
    .map_err(|e| Failure(format!("cannot install the Ctrl-C handler: {e}")))?;
    println!("==> the widget: http://127.0.0.1:8080   (Ctrl-C stops it)");
    let status = server.wait()?;
    if status.success() || status.code().is_none() {
        Ok(())
    } else {
        Err(Failure(format!("the server exited with {status}")))
    }
}
