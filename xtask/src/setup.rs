//! `cargo xtask setup`: every tool the build and tests need, installed when missing or at the
//! wrong version, and nothing downloaded from GitHub. Prints one line per tool. `build` and
//! `dev` ask only for what building the app needs ([`Needs::Build`]).

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use crate::{Failure, root};

/// The trunk release this project builds with (0.22 needs a newer rustc than 1.95).
pub const TRUNK_VERSION: &str = "0.21.14";
/// binaryen's major version; package.json pins the npm package, Trunk.toml asks for it.
pub const WASM_OPT_MAJOR: &str = "132";

/// What later steps need from setup: a PATH with node_modules/.bin and ~/.cargo/bin first.
pub struct ToolEnv {
    /// The PATH to run tools with.
    pub path: OsString,
}

/// Which tools a command needs: each installs only what it uses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// `build` and `dev`: the wasm target, `wasm-bindgen-cli` and `wasm-opt` (the release
    /// pipeline in `app_build` calls neither trunk nor a browser).
    Build,
    /// `setup`, `test` and `bench`: also Chromium with its driver, brotli and trunk (the test
    /// command checks that `trunk build` still works).
    Everything,
}

/// Installs what is missing for `needs`; returns the environment to run the tools with.
pub fn run(needs: Needs) -> Result<ToolEnv, Failure> {
    let env = tool_env();
    println!(
        "==> setup ({})",
        match needs {
            Needs::Build => "what building the app needs",
            Needs::Everything => "everything the tests need",
        }
    );
    wasm_target()?;
    if needs == Needs::Everything {
        chromium(&env)?;
        trunk(&env)?;
        python_venv(&env)?;
    }
    wasm_bindgen(&env)?;
    wasm_opt(&env)?;
    say(
        "crates",
        "cargo fetch (so offline builds find every dependency)",
    );
    crate::run_ok(
        crate::cmd(&env, "cargo", &["fetch", "--quiet"]),
        "cargo fetch",
    )?;
    Ok(env)
}

/// The PATH the tools run with (node_modules/.bin and cargo's bin first), installing nothing.
pub fn tool_env() -> ToolEnv {
    let mut dirs = vec![root().join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(Path::new(&home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    let existing = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&existing));
    ToolEnv {
        path: std::env::join_paths(dirs).unwrap_or(existing),
    }
}

/// True when `program arg` runs successfully.
pub fn runs(env: &ToolEnv, program: &str, arg: &str) -> bool {
    version_of(env, program, arg).is_some()
}

/// The first line a tool prints for `--version`, if it runs.
fn version_of(env: &ToolEnv, program: &str, arg: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(arg)
        .env("PATH", &env.path)
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_owned()
    })
}

fn say(tool: &str, what: &str) {
    println!("    {tool:<18} {what}");
}

fn wasm_target() -> Result<(), Failure> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match out {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "wasm32-unknown-unknown") =>
        {
            say("wasm32 target", "present");
            Ok(())
        }
        Ok(_) => {
            say(
                "wasm32 target",
                "installing (rustup target add wasm32-unknown-unknown)",
            );
            crate::run_ok(
                {
                    let mut c = Command::new("rustup");
                    c.args(["target", "add", "wasm32-unknown-unknown"]);
                    c
                },
                "rustup target add wasm32-unknown-unknown",
            )
        }
        Err(e) => Err(Failure(format!(
            "rustup is needed to add the wasm32 target: {e}"
        ))),
    }
}

/// True when running as root (apt-get works; PostgreSQL must run as another user).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Installs Debian packages (as root), or says how.
pub fn apt_install(packages: &[&str], why: &str) -> Result<(), Failure> {
    let list = packages.join(" ");
    if !is_root() {
        return Err(Failure(format!(
            "{why} is not installed. Install it with:\n    sudo apt-get install -y {list}\nthen run this command again."
        )));
    }
    say(
        why,
        &format!("installing (apt-get install -y {list}) — about 1 min"),
    );
    let mut update = Command::new("apt-get");
    update
        .args(["update", "-qq"])
        .env("DEBIAN_FRONTEND", "noninteractive");
    crate::run_ok(update, "apt-get update")?;
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-qq"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive");
    crate::run_ok(install, &format!("apt-get install {list}"))
}

fn chromium(env: &ToolEnv) -> Result<(), Failure> {
    let browser = version_of(env, "chromium", "--version");
    let driver = version_of(env, "chromedriver", "--version");
    let brotli = runs(env, "brotli", "--version");
    match (&browser, &driver) {
        (Some(b), Some(d)) => {
            say("chromium", b);
            say("chromedriver", d);
            if !brotli {
                if is_root() {
                    apt_install(&["brotli"], "brotli (precompressed assets)")?;
                } else {
                    say(
                        "brotli",
                        "not installed: assets get gzip only (sudo apt-get install -y brotli)",
                    );
                }
            }
            Ok(())
        }
        _ => {
            // One apt transaction for everything Debian provides.
            let mut packages = vec!["chromium", "chromium-driver"];
            if !brotli {
                packages.push("brotli");
            }
            apt_install(&packages, "Chromium (with chromium-driver)")?;
            let b = version_of(env, "chromium", "--version")
                .ok_or_else(|| Failure("chromium still does not run after installing it".into()))?;
            say("chromium", &b);
            Ok(())
        }
    }
}

/// Python with its venv module (schemathesis is installed from PyPI into a venv): Debian's
/// `python3-venv` when `python3 -m venv` would not work.
fn python_venv(env: &ToolEnv) -> Result<(), Failure> {
    let found = Command::new("python3")
        .args([
            "-c",
            "import ensurepip, venv, sys; print(sys.version.split()[0])",
        ])
        .env("PATH", &env.path)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match found {
        Some(version) => {
            say("python3 venv", &version);
            Ok(())
        }
        None => apt_install(
            &["python3", "python3-venv"],
            "Python's venv (for schemathesis)",
        ),
    }
}

/// Installs with `cargo install`; `minutes` is roughly how long it takes on two cores.
fn cargo_install(args: &[&str], what: &str, minutes: &str) -> Result<(), Failure> {
    say(
        what,
        &format!(
            "installing (cargo install {}) — about {minutes} min on two cores, once",
            args.join(" ")
        ),
    );
    let mut c = Command::new("cargo");
    c.arg("install").args(args);
    crate::run_ok(c, &format!("cargo install {what}"))
}

fn trunk(env: &ToolEnv) -> Result<(), Failure> {
    let want = format!("trunk {TRUNK_VERSION}");
    match version_of(env, "trunk", "--version") {
        Some(v) if v == want => {
            say("trunk", &v);
            Ok(())
        }
        found => {
            if let Some(v) = found {
                say("trunk", &format!("{v} found, {TRUNK_VERSION} needed"));
            }
            cargo_install(
                &["trunk", "--locked", "--version", TRUNK_VERSION],
                "trunk",
                "12",
            )
        }
    }
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String, Failure> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| Failure(format!("cannot read Cargo.lock: {e}")))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(v.to_owned());
        }
    }
    Err(Failure("Cargo.lock has no wasm-bindgen package".into()))
}

fn wasm_bindgen(env: &ToolEnv) -> Result<(), Failure> {
    let version = locked_wasm_bindgen_version()?;
    let want = format!("wasm-bindgen {version}");
    let cli = version_of(env, "wasm-bindgen", "--version");
    let runner = version_of(env, "wasm-bindgen-test-runner", "--version");
    if cli.as_deref() == Some(want.as_str()) && runner.is_some_and(|r| r.ends_with(&version)) {
        say("wasm-bindgen-cli", &want);
        return Ok(());
    }
    // No --locked: the CLI's own lock file pins a crate version this registry mirror lacks.
    cargo_install(
        &["wasm-bindgen-cli", "--version", &version],
        "wasm-bindgen-cli",
        "5",
    )
}

fn wasm_opt(env: &ToolEnv) -> Result<(), Failure> {
    let wanted = format!("version {WASM_OPT_MAJOR}");
    let local = root().join("node_modules/.bin/wasm-opt");
    let current = || version_of(env, local.to_str().unwrap_or_default(), "--version");
    let axe = root().join("node_modules/axe-core/axe.min.js");
    let typed = npm_tools_missing();
    if let Some(v) = current().filter(|v| v.contains(&wanted))
        && axe.is_file()
        && typed.is_none()
    {
        say("wasm-opt", &v);
        say("axe-core", "present (node_modules/axe-core)");
        say(
            "terser, typescript, react, standardwebhooks",
            "present (node_modules)",
        );
        return Ok(());
    }
    if version_of(env, "npm", "--version").is_none() {
        apt_install(&["nodejs", "npm"], "npm (for binaryen's wasm-opt)")?;
    }
    say(
        "wasm-opt",
        "installing binaryen, axe-core, terser, typescript and react from the npm registry (npm install) — seconds",
    );
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(root())
        .env("PATH", &env.path);
    crate::run_ok(npm, "npm install")?;
    if !axe.is_file() {
        return Err(Failure(format!(
            "npm install did not provide {} (package.json lists axe-core)",
            axe.display()
        )));
    }
    say("axe-core", "installed (node_modules/axe-core)");
    if let Some(missing) = npm_tools_missing() {
        return Err(Failure(format!(
            "npm install did not provide {missing} (package.json lists it)"
        )));
    }
    say(
        "terser, typescript, react, standardwebhooks",
        "installed (node_modules)",
    );
    match current() {
        Some(v) if v.contains(&wanted) => {
            say("wasm-opt", &v);
            Ok(())
        }
        other => Err(Failure(format!(
            "wasm-opt after npm install reports {other:?}, expected {wanted}"
        ))),
    }
}

/// The first file the build and the typed-embedding checks need from `npm install` that is
/// missing: terser (the app's JS is minified with it), tsc, React's UMD builds and types, and
/// bank-connect-embed linked from packages/.
fn npm_tools_missing() -> Option<String> {
    [
        "node_modules/.bin/terser",
        "node_modules/.bin/tsc",
        "node_modules/react/umd/react.production.min.js",
        "node_modules/react-dom/umd/react-dom.production.min.js",
        "node_modules/@types/react/index.d.ts",
        "node_modules/@types/react-dom/client.d.ts",
        "node_modules/bank-connect-embed/index.d.ts",
        // The third-party Standard Webhooks verifier of the server's host-webhook tests.
        "node_modules/standardwebhooks/dist/index.js",
    ]
    .into_iter()
    .find(|f| !root().join(f).is_file())
    .map(str::to_owned)
}
