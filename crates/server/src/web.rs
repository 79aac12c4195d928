//! The built app: `index.html` with a strict Content-Security-Policy, static assets, and the
//! security headers every response carries.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::http::HeaderValue;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::sync::lock;

/// The app's `index.html` and the CSP that goes with it, as of one build.
pub struct Page {
    /// `index.html`, or a short page explaining how to build the app.
    pub index_html: String,
    /// The Content-Security-Policy header value.
    pub csp: HeaderValue,
    modified: Option<SystemTime>,
}

/// The built app in `dist/`: the current page, re-read when a new build replaces
/// `index.html` (checked at most once a second), so a deploy needs no restart.
pub struct Site {
    /// Directory of the built app.
    pub dist: PathBuf,
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
or <code>cargo xtask build</code> and point DIST_DIR at its dist/ folder.</p></main></body></html>";

impl Site {
    /// Loads `dist/index.html` (or the explanation page) and derives the CSP from it.
    pub fn load(dist: &Path, inputs: &CspInputs<'_>) -> Self {
        let site = Self {
            dist: dist.to_owned(),
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
        let page = site.read_page(true);
        *lock(&site.page) = (Arc::new(page), Instant::now());
        site
    }

    fn read_page(&self, first: bool) -> Page {
        let path = self.dist.join("index.html");
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let index_html = match std::fs::read_to_string(&path) {
            Ok(html) => html,
            Err(e) => {
                if first {
                    tracing::warn!(dist = %self.dist.display(), error = %e, "no built app; serving an explanation page at /");
                }
                NOT_BUILT.to_owned()
            }
        };
        let csp = content_security_policy(
            &index_html,
            &CspInputs {
                basiq_origin: &self.basiq_origin,
                frame_ancestors: &self.frame_ancestors,
                consent_origin: self.consent_origin.as_deref(),
            },
        );
        Page {
            csp: HeaderValue::from_str(&csp)
                .unwrap_or(HeaderValue::from_static("default-src 'none'")),
            index_html,
            modified,
        }
    }

    /// The page of the build now in `dist/`.
    pub fn current(&self) -> Arc<Page> {
        let (page, checked) = lock(&self.page).clone();
        if checked.elapsed() < Duration::from_secs(1) {
            return page;
        }
        let modified = std::fs::metadata(self.dist.join("index.html"))
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

/// The `script-src` hashes of every inline `<script>` in `html` (the app's bootstrap module).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_and_more = &after[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let body = &body_and_more[..close];
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_and_more[close + "</script>".len()..];
    }
    hashes
}

/// A strict policy: nothing inline but the hashed bootstrap script (no `unsafe-inline`, no
/// `unsafe-eval`), wasm allowed, Basiq the only other origin.
pub fn content_security_policy(html: &str, inputs: &CspInputs<'_>) -> String {
    let mut script_src = vec!["'self'".to_owned(), "'wasm-unsafe-eval'".to_owned()];
    script_src.extend(inline_script_hashes(html));
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
