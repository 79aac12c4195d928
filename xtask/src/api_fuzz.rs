//! The server's API document and its third-party check: `cargo xtask openapi` writes
//! `docs/openapi.json` (from `bank-connect-server openapi`), and `cargo xtask test` runs
//! schemathesis against a real sandbox server with the document the server serves.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::setup::ToolEnv;
use crate::{Failure, cmd, root, run_ok};

/// The schemathesis release the test command installs (PyPI) and runs.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// Generated cases per operation and phase: every error path, in about a minute for both runs.
const MAX_EXAMPLES: &str = "60";

/// `cargo xtask openapi`: builds the server and writes its document to `docs/openapi.json`.
pub fn write_document(env: &ToolEnv) -> Result<(), Failure> {
    let server = build_server(env)?;
    let out = Command::new(&server)
        .arg("openapi")
        .current_dir(root())
        .output()?;
    if !out.status.success() {
        return Err(Failure(format!(
            "bank-connect-server openapi failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let path = root().join("docs/openapi.json");
    std::fs::write(&path, &out.stdout)?;
    println!("wrote {} ({} bytes)", path.display(), out.stdout.len());
    Ok(())
}

/// The debug server binary, built.
fn build_server(env: &ToolEnv) -> Result<PathBuf, Failure> {
    run_ok(
        cmd(env, "cargo", &["build", "-q", "-p", "bank-connect-server"]),
        "cargo build -p bank-connect-server",
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    Ok(target.join("debug/bank-connect-server"))
}

/// The venv under `target/` with schemathesis at [`SCHEMATHESIS_VERSION`]: created, or
/// (re)installed, only when its `st --version` says otherwise. Its `st`.
fn schemathesis(env: &ToolEnv) -> Result<PathBuf, Failure> {
    let venv = root().join("target/schemathesis-venv");
    let st = venv.join("bin/st");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS_VERSION));
    if installed {
        return Ok(st);
    }
    println!(
        "==> installing schemathesis {SCHEMATHESIS_VERSION} from PyPI into target/schemathesis-venv (about a minute, once)"
    );
    let started = Instant::now();
    if !venv.join("bin/python").is_file() {
        let venv_arg = venv.to_string_lossy().into_owned();
        run_ok(
            cmd(env, "python3", &["-m", "venv", &venv_arg]),
            "python3 -m venv (install python3-venv)",
        )?;
    }
    let pip = venv.join("bin/pip");
    let spec = format!("schemathesis=={SCHEMATHESIS_VERSION}");
    let mut install = Command::new(pip);
    install.args(["install", "-q", "--disable-pip-version-check", &spec]);
    run_ok(install, "pip install schemathesis")?;
    println!(
        "    schemathesis {SCHEMATHESIS_VERSION}: installed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(st)
}

/// A server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The host secret the fuzzed server is started with (and schemathesis sends).
const HOST_SECRET: &str = "schemathesis-host-secret";

/// Starts the sandbox server on 127.0.0.1 port 0 (`basiq_version` 2.1 or 3.0) with the
/// per-client limits off, so generated cases reach the handlers; its URL from its first line.
fn start_server(binary: &PathBuf, basiq_version: &str) -> Result<(Server, String), Failure> {
    let mut child = Command::new(binary)
        .args(["--bind", "127.0.0.1:0", "--basiq-version", basiq_version])
        .args(["--sandbox-speed", "50"])
        .current_dir(root().join("target"))
        .env_remove("BASIQ_API_KEY")
        .env_remove("DATABASE_URL")
        .env_remove("DATA_DIR")
        .env_remove("METRICS_BIND")
        .env("HOST_API_SECRET", HOST_SECRET)
        .env("SESSION_RATE", "0")
        .env("TOKEN_RATE_PER_IP", "0")
        .env("NEW_USERS_PER_IP_PER_HOUR", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Failure(format!("cannot start {}: {e}", binary.display())))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let server = Server(child);
    let mut lines = BufReader::new(stdout);
    let mut first = String::new();
    lines.read_line(&mut first)?;
    // The rest of its stdout is drained, so a later line never meets a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let url = first
        .trim()
        .strip_prefix("bank-connect is running at ")
        .ok_or_else(|| Failure(format!("the server did not start: {first:?}")))?
        .to_owned();
    Ok((server, url))
}

/// What one schemathesis run reported.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Operations tested.
    pub operations: u64,
    /// Test cases generated.
    pub cases: u64,
}

/// Reads `Tested: N` (operations) and `N generated` (test cases) from schemathesis's summary.
pub fn parse_summary(text: &str) -> Option<Figures> {
    let mut figures = Figures::default();
    let (mut operations, mut cases) = (None, None);
    for line in text.lines().map(str::trim) {
        if let Some(n) = line.strip_prefix("Tested: ") {
            operations = n.trim().parse().ok();
        }
        if let Some((n, _)) = line.split_once(" generated") {
            cases = n.trim().parse().ok();
        }
    }
    figures.operations = operations?;
    figures.cases = cases?;
    Some(figures)
}

/// One schemathesis run against a fresh server in `basiq_version`: success and its figures.
fn run_once(
    st: &PathBuf,
    server: &PathBuf,
    basiq_version: &str,
) -> Result<(bool, Figures), Failure> {
    let (_server, url) = start_server(server, basiq_version)?;
    println!("    Basiq {basiq_version}: server at {url}");
    let hooks = root().join("xtask");
    let mut c = Command::new(st);
    c.args([
        "run",
        &format!("{url}/api/openapi.json"),
        "--checks",
        "all",
        "--max-examples",
        MAX_EXAMPLES,
        "--workers",
        "2",
        "--request-timeout",
        "10",
        "--seed",
        "1",
        "--no-color",
        "--warnings",
        "off",
        "-H",
        &format!("Authorization: Bearer {HOST_SECRET}"),
    ])
    .current_dir(root().join("target"))
    .env("BANK_CONNECT_URL", &url)
    .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
    .env("PYTHONPATH", &hooks)
    .env("PYTHONDONTWRITEBYTECODE", "1")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn()?;
    let mut text = String::new();
    child
        .stdout
        .take()
        .ok_or("no stdout")?
        .read_to_string(&mut text)?;
    let mut errors = String::new();
    child
        .stderr
        .take()
        .ok_or("no stderr")?
        .read_to_string(&mut errors)?;
    let ok = child.wait()?.success();
    print!("{text}{errors}");
    let figures = parse_summary(&text).ok_or_else(|| {
        Failure(format!(
            "schemathesis printed no summary (Basiq {basiq_version})"
        ))
    })?;
    Ok((ok, figures))
}

/// The test command's schemathesis stage, in 2.1 and in 3.0 (the Consent UI routes answer
/// only there): its name for the summary line, and whether every check held.
pub fn stage(env: &ToolEnv) -> (String, bool) {
    let started = Instant::now();
    let result = (|| {
        let st = schemathesis(env)?;
        let server = build_server(env)?;
        let mut total = Figures::default();
        let mut ok = true;
        for version in ["2.1", "3.0"] {
            let (passed, figures) = run_once(&st, &server, version)?;
            ok &= passed;
            total.operations = total.operations.max(figures.operations);
            total.cases += figures.cases;
        }
        Ok::<_, Failure>((ok, total))
    })();
    let secs = started.elapsed().as_secs_f64();
    match result {
        Ok((ok, f)) => (
            format!(
                "schemathesis {SCHEMATHESIS_VERSION} (no 5xx, every response as documented; Basiq 2.1 and 3.0): {} operations, {} generated cases in {secs:.0}s",
                f.operations, f.cases
            ),
            ok,
        ),
        Err(e) => {
            println!("cannot run schemathesis: {}", e.0);
            (format!("schemathesis {SCHEMATHESIS_VERSION}"), false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_operations_and_cases_from_the_summary() {
        let text = "API Operations:\n  Selected: 17/17\n  Tested: 17\n\nTest cases:\n  721 generated, 1 found 1 unique failure, 6 skipped\n";
        assert_eq!(
            parse_summary(text),
            Some(Figures {
                operations: 17,
                cases: 721
            })
        );
        assert_eq!(parse_summary("Tested: 3\n"), None);
    }
}
