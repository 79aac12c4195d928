//! The app built into the binary (`--features embed-app`, what `cargo xtask dist` builds): its
//! files with their precompressed `.br`/`.gz` copies, each file's SHA-256 (its ETag), and what
//! the build script worked out once — the CSP hashes of `index.html`'s inline script and a
//! content hash of the whole app for `--version`. Without the feature there is no app here and
//! the server serves `DIST_DIR` only.

use std::borrow::Cow;

/// One embedded file: its bytes and their SHA-256.
pub struct File {
    /// The file's bytes.
    pub data: Cow<'static, [u8]>,
    /// SHA-256 of `data`.
    pub sha256: [u8; 32],
}

/// The embedded build of the app.
pub struct EmbeddedApp {
    /// `index.html` of the build.
    pub index_html: &'static str,
    /// 16 hex digits of SHA-256 over every embedded file's path and contents.
    pub content_hash: &'static str,
    /// The `app-<hash>` folder the build came from.
    pub app_dir: &'static str,
    script_hashes: &'static [&'static str],
    get: fn(&str) -> Option<File>,
}

impl EmbeddedApp {
    /// The file at `path` (relative, `/`-separated, e.g. `app-0123…/main.css`).
    pub fn get(&self, path: &str) -> Option<File> {
        (self.get)(path)
    }

    /// The CSP `script-src` hashes of `index.html`'s inline scripts, computed at build time.
    pub fn script_hashes(&self) -> Vec<String> {
        self.script_hashes.iter().map(|h| (*h).to_owned()).collect()
    }
}

#[cfg(feature = "embed-app")]
mod built {
    use super::{EmbeddedApp, File};

    /// The files the build script copied into `$OUT_DIR/app` (the live build of dist/ only).
    #[derive(rust_embed::Embed)]
    #[folder = "$OUT_DIR/app"]
    struct Files;

    // APP_DIR, CONTENT_HASH, SCRIPT_HASHES and VERSION, written by build.rs.
    include!(concat!(env!("OUT_DIR"), "/embedded_app.rs"));

    fn get(path: &str) -> Option<File> {
        <Files as rust_embed::RustEmbed>::get(path).map(|f| File {
            sha256: f.metadata.sha256_hash(),
            data: f.data,
        })
    }

    /// The app as embedded.
    pub static APP: EmbeddedApp = EmbeddedApp {
        index_html: include_str!(concat!(env!("OUT_DIR"), "/app/index.html")),
        content_hash: CONTENT_HASH,
        app_dir: APP_DIR,
        script_hashes: SCRIPT_HASHES,
        get,
    };
}

/// The app embedded in this binary, if it was built with one.
pub fn app() -> Option<&'static EmbeddedApp> {
    #[cfg(feature = "embed-app")]
    return Some(&built::APP);
    #[cfg(not(feature = "embed-app"))]
    None
}

/// The version `--version` prints: the crate's, and the embedded app's content hash or
/// "no app embedded".
#[cfg(feature = "embed-app")]
pub const VERSION: &str = built::VERSION;
/// The version `--version` prints: the crate's, and the embedded app's content hash or
/// "no app embedded".
#[cfg(not(feature = "embed-app"))]
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (no app embedded)");

/// An app for tests: `index_html` with `script_hashes`, its other files from `get`.
#[cfg(test)]
pub fn for_tests(
    index_html: &'static str,
    script_hashes: &'static [&'static str],
    get: fn(&str) -> Option<File>,
) -> EmbeddedApp {
    EmbeddedApp {
        index_html,
        content_hash: "0123456789abcdef",
        app_dir: "app-0123456789abcdef",
        script_hashes,
        get,
    }
}
