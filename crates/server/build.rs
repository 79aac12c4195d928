//! With `--features embed-app`: copies the live build of the app (dist/`index.html` and the
//! `app-<hash>/` folder it loads, not the previous build kept beside it) into `$OUT_DIR/app`
//! for rust-embed, and writes `$OUT_DIR/embedded_app.rs` with what is computed once here: the
//! CSP hashes of the inline bootstrap script, the app's content hash and the `--version` line.
//! The app comes from `BANK_CONNECT_APP_DIR`, else the workspace's dist/. Without the feature
//! this does nothing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[path = "src/csp_hash.rs"]
mod csp_hash;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/csp_hash.rs");
    println!("cargo::rerun-if-env-changed=BANK_CONNECT_APP_DIR");
    println!("cargo::rerun-if-env-changed=BANK_CONNECT_APP_HASH");
    if std::env::var_os("CARGO_FEATURE_EMBED_APP").is_none() {
        return;
    }
    if let Err(e) = embed() {
        println!("cargo::error=embed-app: {e}");
    }
}

fn embed() -> Result<(), String> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let source = std::env::var_os("BANK_CONNECT_APP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../dist"));
    let index_path = source.join("index.html");
    let index = std::fs::read_to_string(&index_path).map_err(|e| {
        format!(
            "no built app at {} ({e}): run `cargo xtask dist` (or `cargo xtask build` first), or set BANK_CONNECT_APP_DIR to a dist/ folder",
            index_path.display()
        )
    })?;
    let app_dir = live_app_dir(&index).ok_or_else(|| {
        format!(
            "{} loads no /app-<hash>/ folder: not a `cargo xtask build` output",
            index_path.display()
        )
    })?;
    let app_source = source.join(&app_dir);
    // `cargo xtask dist` names the build by the SHA-256 of its index.html (which names the
    // content-hashed app-<hash>/), so an identical rebuild of dist/ — new files, new mtimes —
    // does not recompile the server; built by hand, the files' mtimes decide.
    let index_sha256 = hex(&Sha256::digest(index.as_bytes()));
    match std::env::var("BANK_CONNECT_APP_HASH") {
        Ok(named) if named == index_sha256 => {}
        Ok(named) => {
            return Err(format!(
                "BANK_CONNECT_APP_HASH is {named}, but {} has SHA-256 {index_sha256}",
                index_path.display()
            ));
        }
        Err(_) => {
            println!("cargo::rerun-if-changed={}", index_path.display());
            println!("cargo::rerun-if-changed={}", app_source.display());
        }
    }

    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?).join("app");
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    std::fs::write(out.join("index.html"), &index).map_err(|e| e.to_string())?;
    let mut files = vec![("index.html".to_owned(), index.as_bytes().to_vec())];
    copy_dir(&app_source, &out.join(&app_dir), &app_dir, &mut files)?;
    files.sort();

    let mut hash = Sha256::new();
    for (path, bytes) in &files {
        hash.update(path.as_bytes());
        hash.update([0]);
        hash.update(bytes);
    }
    let content_hash = hex(&hash.finalize()[..8]);
    let scripts = csp_hash::inline_script_hashes(&index);
    if scripts.is_empty() {
        return Err(format!(
            "{} has no inline bootstrap script",
            index_path.display()
        ));
    }
    let version = format!(
        "{} (app sha256:{content_hash}, embedded from {app_dir})",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default()
    );
    let mut code = String::new();
    let _ = writeln!(
        code,
        "/// The `app-<hash>` folder the embedded build came from."
    );
    let _ = writeln!(code, "pub const APP_DIR: &str = {app_dir:?};");
    let _ = writeln!(
        code,
        "/// 16 hex digits of SHA-256 over the embedded files' paths and contents."
    );
    let _ = writeln!(code, "pub const CONTENT_HASH: &str = {content_hash:?};");
    let _ = writeln!(
        code,
        "/// The CSP `script-src` hashes of index.html's inline scripts."
    );
    let _ = writeln!(code, "pub const SCRIPT_HASHES: &[&str] = &{scripts:?};");
    let _ = writeln!(code, "/// What `--version` prints after the name.");
    let _ = writeln!(code, "pub const VERSION: &str = {version:?};");
    let generated = out.with_file_name("embedded_app.rs");
    std::fs::write(&generated, code)
        .map_err(|e| format!("cannot write {}: {e}", generated.display()))
}

/// `bytes` as lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `app-<hash>` folder `index.html` loads its assets from.
fn live_app_dir(index: &str) -> Option<String> {
    let at = index.find("\"/app-")?;
    let dir = index[at + 2..].split('/').next()?;
    (dir.len() > "app-".len()).then(|| dir.to_owned())
}

/// Copies `from` into `to`, recording each file as (`prefix`/relative path, bytes).
fn copy_dir(
    from: &Path,
    to: &Path,
    prefix: &str,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let rel = format!("{prefix}/{name}");
        if path.is_dir() {
            copy_dir(&path, &to.join(&name), &rel, files)?;
        } else {
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            std::fs::write(to.join(&name), &bytes).map_err(|e| e.to_string())?;
            files.push((rel, bytes));
        }
    }
    Ok(())
}
