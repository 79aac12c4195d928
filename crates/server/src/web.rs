//! The built app: `index.html` with a strict Content-Security-Policy, static assets, and the
//! security headers every response carries.

use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

/// The app's `index.html` and the CSP that goes with it.
#[derive(Clone)]
pub struct Site {
    /// Directory of the built app.
    pub dist: PathBuf,
    /// `index.html`, or a short page explaining how to build the app.
    pub index_html: String,
    /// The Content-Security-Policy header value.
    pub csp: String,
}

/// Origins the page may talk to besides itself.
pub struct CspInputs<'a> {
    /// Basiq's origin (connect-src, img-src for logos).
    pub basiq_origin: &'a str,
    /// Who may frame the widget.
    pub frame_ancestors: &'a [String],
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bank-connect</title></head>\
<body><main><h1>bank-connect</h1><p>The app is not built in this server's DIST_DIR. Run <code>cargo xtask dev</code>, \
or <code>cargo xtask build</code> and point DIST_DIR at its dist/ folder.</p></main></body></html>";

impl Site {
    /// Loads `dist/index.html` (or the explanation page) and derives the CSP from it.
    pub fn load(dist: &Path, inputs: &CspInputs<'_>) -> Self {
        let index_html = match std::fs::read_to_string(dist.join("index.html")) {
            Ok(html) => html,
            Err(e) => {
                tracing::warn!(dist = %dist.display(), error = %e, "no built app; serving an explanation page at /");
                NOT_BUILT.to_owned()
            }
        };
        let csp = content_security_policy(&index_html, inputs);
        Self {
            dist: dist.to_owned(),
            index_html,
            csp,
        }
    }
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
         font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors {ancestors}",
        script_src.join(" "),
        basiq = inputs.basiq_origin,
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
            },
        );
        assert!(framed.ends_with("frame-ancestors 'self' https://host.example"));
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
