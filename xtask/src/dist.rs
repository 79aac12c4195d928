//! `cargo xtask dist`: one self-contained server binary for an operator to copy — the release
//! app (`app_build`, into dist/) embedded in a release `bank-connect-server`
//! (`--features embed-app`), which then serves it with no `DIST_DIR`.
//!
//! It is the release profile `cargo xtask bench` builds too, so only the server crate itself
//! (and rust-embed) is compiled again; the binary is copied out of `target/release/` to
//! `target/dist/`, where a later plain release build (the bench's) cannot replace it.
//!
//! `cargo xtask test` builds the same binary in the dev profile ([`Profile::Dev`]): the tests
//! have built every dependency for it already, so only the server crate is compiled again
//! (about 2 minutes on two busy cores, against 5 to 12 for a release build from cold). The
//! embedding, the build script and the serving code are the same in both.

use std::path::PathBuf;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::setup::ToolEnv;
use crate::{Failure, app_build, cmd, root, run_ok};

/// The cargo profile the binary is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// What an operator deploys (`cargo xtask dist`).
    Release,
    /// What the test command starts (its dependencies are built already).
    Dev,
}

impl Profile {
    /// cargo's output folder for the profile.
    fn dir(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Dev => "debug",
        }
    }
}

/// Where the self-contained binary of `profile` is written.
pub fn binary_path(profile: Profile) -> PathBuf {
    let dir = app_build::target_dir().join("dist");
    match profile {
        Profile::Release => dir.join("bank-connect-server"),
        Profile::Dev => dir.join("dev/bank-connect-server"),
    }
}

/// Builds the app and the server with it embedded; returns the binary's path.
pub fn build(env: &ToolEnv) -> Result<PathBuf, Failure> {
    crate::build_app(env)?;
    embed_in_server(env, Profile::Release)
}

/// `cargo` (a build or clippy of the server with `--features embed-app`) pointed at the app in
/// dist/, named by its index.html's SHA-256: the build script reruns (and the server crate
/// recompiles) only when the app changed, not whenever dist/ was rewritten.
pub fn with_app_to_embed(
    mut cargo: std::process::Command,
) -> Result<std::process::Command, Failure> {
    let index = std::fs::read(root().join("dist/index.html"))
        .map_err(|e| Failure(format!("dist/index.html: {e}")))?;
    let index_sha256: String = Sha256::digest(&index)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    cargo
        .env("BANK_CONNECT_APP_DIR", root().join("dist"))
        .env("BANK_CONNECT_APP_HASH", index_sha256);
    Ok(cargo)
}

/// Builds the server in `profile` with the app now in dist/ embedded; returns the binary's path.
pub fn embed_in_server(env: &ToolEnv, profile: Profile) -> Result<PathBuf, Failure> {
    let out = binary_path(profile);
    // Never leave an older binary where this build's should be, should this one fail.
    if out.exists() {
        std::fs::remove_file(&out)?;
    }
    println!(
        "==> building the server ({}) with the app embedded (--features embed-app)",
        profile.dir()
    );
    let started = Instant::now();
    let mut args = vec!["build", "--quiet", "-p", "bank-connect-server"];
    args.extend(["--features", "embed-app"]);
    if profile == Profile::Release {
        args.push("--release");
    }
    let cargo = with_app_to_embed(cmd(env, "cargo", &args))?;
    run_ok(cargo, "cargo build --features embed-app")?;
    let built = app_build::target_dir()
        .join(profile.dir())
        .join("bank-connect-server");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(&built, &out).map_err(|e| {
        Failure(format!(
            "cannot copy {} to {}: {e}",
            built.display(),
            out.display()
        ))
    })?;
    let version = std::process::Command::new(&out)
        .arg("--version")
        .output()
        .map_err(|e| Failure(format!("{} does not run: {e}", out.display())))?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    if !version.contains("app sha256:") {
        return Err(Failure(format!(
            "{} has no app embedded (--version: {version:?})",
            out.display()
        )));
    }
    let size = std::fs::metadata(&out)?.len();
    println!(
        "    {version} ({:.0}s)\n==> the server, with the app inside: {} ({:.1} MB)\n    copy that one file and run it (no DIST_DIR needed; DIST_DIR still overrides)",
        started.elapsed().as_secs_f64(),
        display(&out),
        size as f64 / 1e6
    );
    Ok(out)
}

/// `path` relative to the workspace when it is inside it.
fn display(path: &std::path::Path) -> String {
    path.strip_prefix(root())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}
