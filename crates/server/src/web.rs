//! The built app: `index.html` with a strict Content-Security-Policy, static assets, and the
//! security headers every response carries. The app comes from `DIST_DIR`, or from the binary
//! itself when it was built with the app embedded (`cargo xtask dist`) and `DIST_DIR` is unset.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::http::HeaderValue;

pub use crate::csp_hash::inline_script_hashes;
use crate::embedded::{self, EmbeddedApp};
use crate::sync::lock;

/// The app's `index.html` and the CSP that goes with it, as of one build.
pub struct Page {
    /// `index.html`, or a short page explaining how to build the app.
    pub index_html: String,
    /// The Content-Security-Policy header value.
    pub csp: HeaderValue,
    modified: Option<SystemTime>,
}

/// Where the app's files come from.
pub enum Source {
    /// A `dist/` folder on disk (`DIST_DIR`), re-read when a new build replaces it.
    Dir(PathBuf),
    /// The build embedded in this binary, fixed for its life.
    Embedded(&'static EmbeddedApp),
}

impl Source {
    /// `DIST_DIR` when it is set, else the embedded app when there is one, else `./dist`.
    pub fn choose(dist_dir: Option<&Path>) -> Self {
        match (dist_dir, embedded::app()) {
            (Some(dir), _) => Self::Dir(dir.to_owned()),
            (None, Some(app)) => Self::Embedded(app),
            (None, None) => Self::Dir(PathBuf::from("dist")),
        }
    }
}

/// The built app: the current page (for `dist/` re-read when a new build replaces
/// `index.html`, checked at most once a second, so a deploy needs no restart).
pub struct Site {
    /// Where the app's files come from.
    pub source: Source,
    frame_ancestors: Vec<String>,
    basiq_origin: String,
    consent_origin: Option<String>,
    page: Mutex<(Arc<Page>, Instant)>,
}

/// Origins the page may talk to besides itself.
pub struct CspInputs<'a> {
    /// Basiq's origin (connect-src, img-src for logos).
    pub basiq_origin: &'a str,
    /// Who may frame the widget.
    pub frame_ancestors: &'a [String],
    /// Basiq's Consent UI (3.0): the one origin a form may be sent to (the app reaches it by
    /// top-level navigation or a popup; it is never framed, so never in `frame-src`).
    pub consent_origin: Option<&'a str>,
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bank-connect</title></head>\
<body><main><h1>bank-connect</h1><p>The app is not built in this server's DIST_DIR. Run <code>cargo xtask dev</code>, \
or <code>cargo xtask build</code> and point DIST_DIR at its dist/ folder, or run the single binary \
<code>cargo xtask dist</code> builds (the app inside it).</p></main></body></html>";

impl Site {
    /// Loads the page from `source` (for a folder, `index.html` or the explanation page) and
    /// derives the CSP from it (for the embedded app, from hashes computed at build time).
    pub fn load(source: Source, inputs: &CspInputs<'_>) -> Self {
        let site = Self {
            source,
            frame_ancestors: inputs.frame_ancestors.to_vec(),
            basiq_origin: inputs.basiq_origin.to_owned(),
            consent_origin: inputs.consent_origin.map(str::to_owned),
            page: Mutex::new((
                Arc::new(Page {
                    index_html: String::new(),
                    csp: HeaderValue::from_static("default-src 'none'"),
                    modified: None,
                }),
                Instant::now(),
            )),
        };
        let page = match site.source {
            Source::Embedded(app) => {
                tracing::info!(
                    app = app.app_dir,
                    sha256 = app.content_hash,
                    "serving the app embedded in this binary"
                );
                site.page_of(app.index_html.to_owned(), app.script_hashes(), None)
            }
            Source::Dir(_) => site.read_page(true),
        };
        *lock(&site.page) = (Arc::new(page), Instant::now());
        site
    }

    fn inputs(&self) -> CspInputs<'_> {
        CspInputs {
            basiq_origin: &self.basiq_origin,
            frame_ancestors: &self.frame_ancestors,
            consent_origin: self.consent_origin.as_deref(),
        }
    }

    fn page_of(
        &self,
        index_html: String,
        script_hashes: Vec<String>,
        modified: Option<SystemTime>,
    ) -> Page {
        let csp = policy_with_script_hashes(&script_hashes, &self.inputs());
        Page {
            csp: HeaderValue::from_str(&csp)
                .unwrap_or(HeaderValue::from_static("default-src 'none'")),
            index_html,
            modified,
        }
    }

    fn read_page(&self, first: bool) -> Page {
        let Source::Dir(dist) = &self.source else {
            return self.page_of(NOT_BUILT.to_owned(), Vec::new(), None);
        };
        let path = dist.join("index.html");
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let index_html = match std::fs::read_to_string(&path) {
            Ok(html) => html,
            Err(e) => {
                if first {
                    tracing::warn!(dist = %dist.display(), error = %e, "no built app; serving an explanation page at /");
                }
                NOT_BUILT.to_owned()
            }
        };
        let hashes = inline_script_hashes(&index_html);
        self.page_of(index_html, hashes, modified)
    }

    /// The page of the build being served (for `dist/`, the one there now).
    pub fn current(&self) -> Arc<Page> {
        let (page, checked) = lock(&self.page).clone();
        let Source::Dir(dist) = &self.source else {
            return page;
        };
        if checked.elapsed() < Duration::from_secs(1) {
            return page;
        }
        let modified = std::fs::metadata(dist.join("index.html"))
            .and_then(|m| m.modified())
            .ok();
        let page = if modified == page.modified {
            page
        } else {
            tracing::info!("a new build of the app is in place; serving it");
            Arc::new(self.read_page(false))
        };
        *lock(&self.page) = (page.clone(), Instant::now());
        page
    }
}

/// True for a path under a content-hashed name (`app-<hex>/…` or `name-<hex>.ext`, at least 8
/// hex digits): only those may be cached as immutable.
pub fn is_content_hashed(path: &str) -> bool {
    path.split('/').any(|segment| {
        let stem = segment.split('.').next().unwrap_or("");
        stem.rsplit_once('-').is_some_and(|(name, hash)| {
            !name.is_empty() && hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
    })
}

/// True when any segment of the (percent-decoded) path starts with a dot (`.env`, `.git/…`).
pub fn is_dotfile(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                decoded.push(b);
                i += 3;
            }
            (b, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    decoded
        .split(|b| *b == b'/' || *b == b'\\')
        .any(|s| s.first() == Some(&b'.'))
}

/// A strict policy: nothing inline but the hashed bootstrap script (no `unsafe-inline`, no
/// `unsafe-eval`), wasm allowed, Basiq the only other origin.
#[cfg(test)]
pub fn content_security_policy(html: &str, inputs: &CspInputs<'_>) -> String {
    policy_with_script_hashes(&inline_script_hashes(html), inputs)
}

/// [`content_security_policy`] with the inline scripts' hashes already computed (the embedded
/// app's, at build time).
pub fn policy_with_script_hashes(hashes: &[String], inputs: &CspInputs<'_>) -> String {
    let mut script_src = vec!["'self'".to_owned(), "'wasm-unsafe-eval'".to_owned()];
    script_src.extend(hashes.iter().cloned());
    let ancestors = if inputs.frame_ancestors.is_empty() {
        "'self'".to_owned()
    } else {
        std::iter::once("'self'".to_owned())
            .chain(inputs.frame_ancestors.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "default-src 'self'; script-src {}; style-src 'self'; img-src 'self' data: {basiq}; connect-src 'self' {basiq}; \
         font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action {form_action}; object-src 'none'; frame-ancestors {ancestors}",
        script_src.join(" "),
        basiq = inputs.basiq_origin,
        form_action = inputs.consent_origin.unwrap_or("'none'"),
    )
}

/// `scheme://host[:port]` of a URL.
pub fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            format!("{scheme}://{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    use super::*;

    const HTML: &str = r#"<html><head><script type="module">import init from '/app.js';init();</script>
<script src="/x.js"></script></head><body></body></html>"#;

    #[test]
    fn hashes_only_inline_scripts() {
        let h = inline_script_hashes(HTML);
        assert_eq!(h.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/app.js';init();"));
        assert_eq!(h[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn policy_is_strict() {
        let csp = content_security_policy(
            HTML,
            &CspInputs {
                basiq_origin: "https://au-api.basiq.io",
                frame_ancestors: &[],
                consent_origin: None,
            },
        );
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-")
        );
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("connect-src 'self' https://au-api.basiq.io;"));
        assert!(csp.ends_with("frame-ancestors 'self'"));
        let framed = content_security_policy(
            HTML,
            &CspInputs {
                basiq_origin: "https://b",
                frame_ancestors: &["https://host.example".into()],
                consent_origin: None,
            },
        );
        assert!(framed.ends_with("frame-ancestors 'self' https://host.example"));
        assert!(framed.contains("form-action 'none';"));
        let v3 = content_security_policy(
            HTML,
            &CspInputs {
                basiq_origin: "https://au-api.basiq.io",
                frame_ancestors: &[],
                consent_origin: Some("https://consent.basiq.io"),
            },
        );
        assert!(v3.contains("form-action https://consent.basiq.io;"), "{v3}");
        assert!(
            !v3.contains("frame-src") && v3.contains("default-src 'self';"),
            "the Consent UI is never framed: {v3}"
        );
    }

    #[test]
    fn the_embedded_app_is_served_with_its_build_time_hashes_unless_dist_dir_is_set() {
        // A hash that is not of this page's script: the policy uses what the build computed.
        let app: &'static EmbeddedApp = Box::leak(Box::new(crate::embedded::for_tests(
            HTML,
            &["'sha256-computed-at-build-time'"],
            |_| None,
        )));
        let inputs = CspInputs {
            basiq_origin: "https://au-api.basiq.io",
            frame_ancestors: &[],
            consent_origin: None,
        };
        let site = Site::load(Source::Embedded(app), &inputs);
        let page = site.current();
        assert_eq!(page.index_html, HTML);
        let csp = page.csp.to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-computed-at-build-time';"),
            "{csp}"
        );
        assert!(matches!(site.source, Source::Embedded(_)));
        // Without a DIST_DIR: the embedded app when there is one, else ./dist.
        match (Source::choose(None), embedded::app()) {
            (Source::Embedded(_), Some(_)) => {}
            (Source::Dir(dir), None) => assert_eq!(dir, Path::new("dist")),
            _ => panic!("the wrong source without DIST_DIR"),
        }
        let dir = Path::new("/srv/app");
        assert!(matches!(Source::choose(Some(dir)), Source::Dir(d) if d == dir));
    }

    #[test]
    fn hashed_and_hidden_paths() {
        assert!(is_content_hashed(
            "/app-0123456789abcdef/bank-connect_bg.wasm"
        ));
        assert!(is_content_hashed("/main-1a2b3c4d.css"));
        for plain in [
            "/robots.txt",
            "/app-123.js",
            "/favicon.ico",
            "/-abcdef12.js",
        ] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
        assert!(is_dotfile("/.env") && is_dotfile("/a/.git/config"));
        assert!(is_dotfile("/%2Eenv") && is_dotfile("/a%2f.env"));
        assert!(!is_dotfile("/app-1/main.css"));
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("http://127.0.0.1:9/x?y"), "http://127.0.0.1:9");
        assert_eq!(
            origin_of("https://au-api.basiq.io"),
            "https://au-api.basiq.io"
        );
    }
}
