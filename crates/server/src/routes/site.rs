//! The app itself: `index.html`, its static assets, and `embed.js` for host pages.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;

use crate::directory::{etag_of, etag_of_digest, if_none_match_hits};
use crate::embedded::EmbeddedApp;
use crate::state::AppState;
use crate::web::{Site, Source, is_content_hashed, is_dotfile};

/// The host-side script: served to other origins, revalidated every few minutes.
const EMBED_JS: &str = include_str!("../../../../packages/bank-connect-embed/embed.js");

/// `GET /embed.js`.
pub async fn embed_js(headers: HeaderMap) -> Response {
    static ETAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let etag = ETAG.get_or_init(|| etag_of(EMBED_JS.as_bytes()));
    let etag_value = HeaderValue::from_str(etag).expect("etag is ASCII");
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    let corp = (
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    let hit = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| if_none_match_hits(v, etag));
    if hit {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), cache, corp],
        )
            .into_response();
    }
    let content_type = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    (
        [(header::ETAG, etag_value), cache, corp, content_type],
        EMBED_JS,
    )
        .into_response()
}

/// `GET /` and `/index.html`.
pub async fn index(State(state): State<Arc<AppState>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        state.site.current().index_html.clone(),
    )
        .into_response()
}

/// Where the fallback finds built assets: a `dist/` folder, or the app embedded in the binary.
#[derive(Clone)]
pub enum Assets {
    /// `DIST_DIR`, with its precompressed copies.
    Dir(ServeDir),
    /// The embedded app.
    Embedded(&'static EmbeddedApp),
}

impl Assets {
    /// The assets of the app `site` serves.
    pub fn of(site: &Site) -> Self {
        match &site.source {
            Source::Embedded(app) => Self::Embedded(app),
            Source::Dir(dist) => Self::Dir(
                ServeDir::new(dist)
                    .append_index_html_on_directories(false)
                    .precompressed_br()
                    .precompressed_gzip(),
            ),
        }
    }

    async fn serve(self, req: Request) -> Response {
        use tower::ServiceExt;
        match self {
            Self::Dir(dir) => match dir.oneshot(req).await {
                Ok(res) => res.map(Body::new),
                Err(never) => match never {},
            },
            Self::Embedded(app) => embedded_asset(app, &req),
        }
    }
}

/// Everything else: a built asset, the app for a client-side route, or a plain 404. Dotfiles
/// are never served; only content-hashed assets are cached as immutable.
pub async fn static_or_index(state: Arc<AppState>, assets: Assets, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if is_dotfile(&path) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let wants_page = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    match assets.serve(req).await {
        mut res if res.status() != StatusCode::NOT_FOUND => {
            let cache = if is_content_hashed(&path) {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            res
        }
        // Client-side routes get the app; anything else a plain 404.
        _ if wants_page => index(State(state)).await,
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// A file of the embedded app as `ServeDir` serves one from dist/: GET and HEAD only, the
/// precompressed copy the client accepts (brotli, then gzip) with `Vary: accept-encoding`, and
/// an ETag per representation (its SHA-256, computed at build time) that `If-None-Match`
/// turns into a 304. A path that is not in the app is a 404.
fn embedded_asset(app: &EmbeddedApp, req: &Request) -> Response {
    let name = req.uri().path().trim_start_matches('/');
    let Some(original) = app.get(name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let accepts = crate::encoding::accepted(req.headers());
    let compressed = [(accepts.brotli, "br", ".br"), (accepts.gzip, "gzip", ".gz")];
    let has_copies = compressed
        .iter()
        .any(|(_, _, ext)| app.get(&format!("{name}{ext}")).is_some());
    let (file, coding) = compressed
        .iter()
        .filter(|(accepted, _, _)| *accepted)
        .find_map(|(_, coding, ext)| Some((app.get(&format!("{name}{ext}"))?, Some(*coding))))
        .unwrap_or((original, None));
    let etag = etag_of_digest(&file.sha256);
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if has_copies {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let hit = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| if_none_match_hits(v, &etag));
    if hit {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, content_type(name));
    if let Some(coding) = coding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    (headers, Body::from(file.data)).into_response()
}

/// The media type of a built asset, by its extension (what `ServeDir` sends for dist/).
fn content_type(name: &str) -> HeaderValue {
    let ext = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    HeaderValue::from_static(match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    })
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use sha2::{Digest, Sha256};

    use super::*;
    use crate::embedded::{File, for_tests};

    const JS: &[u8] = b"export default function init() {}";
    const JS_BR: &[u8] = b"(brotli bytes)";
    const JS_GZ: &[u8] = b"(gzip bytes)";

    fn files(path: &str) -> Option<File> {
        let data: &'static [u8] = match path {
            "app-0123456789abcdef/bank-connect.js" => JS,
            "app-0123456789abcdef/bank-connect.js.br" => JS_BR,
            "app-0123456789abcdef/bank-connect.js.gz" => JS_GZ,
            "app-0123456789abcdef/m.wasm" => b"\0asm",
            "app-0123456789abcdef/m.wasm.gz" => b"(gzip wasm)",
            "robots.txt" => b"User-agent: *",
            _ => return None,
        };
        Some(File {
            data: Cow::Borrowed(data),
            sha256: Sha256::digest(data).into(),
        })
    }

    fn app() -> &'static EmbeddedApp {
        static APP: std::sync::OnceLock<EmbeddedApp> = std::sync::OnceLock::new();
        APP.get_or_init(|| for_tests("<html></html>", &[], files))
    }

    fn get(path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = Request::builder().uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        embedded_asset(app(), &req.body(Body::empty()).unwrap())
    }

    async fn body(res: Response) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn the_copy_the_client_accepts_with_its_own_etag() {
        let js = "/app-0123456789abcdef/bank-connect.js";
        let mut etags = Vec::new();
        for (accept, coding, bytes) in [
            ("gzip, deflate, br", Some("br"), JS_BR),
            ("gzip", Some("gzip"), JS_GZ),
            ("br;q=0, gzip", Some("gzip"), JS_GZ),
            ("identity", None, JS),
        ] {
            let res = get(js, &[("accept-encoding", accept)]);
            assert_eq!(res.status(), StatusCode::OK, "{accept}");
            let h = res.headers().clone();
            assert_eq!(
                h.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()),
                coding,
                "{accept}"
            );
            assert_eq!(h[header::CONTENT_TYPE], "text/javascript");
            assert_eq!(h[header::VARY], "accept-encoding");
            assert_eq!(
                h[header::ETAG].to_str().unwrap(),
                etag_of(bytes),
                "the ETag is the representation's"
            );
            etags.push(h[header::ETAG].to_str().unwrap().to_owned());
            assert_eq!(body(res).await, bytes, "{accept}");
        }
        etags.dedup();
        assert_eq!(etags.len(), 3, "one ETag per representation: {etags:?}");
    }

    #[tokio::test]
    async fn a_missing_copy_falls_back_to_the_next_accepted() {
        let wasm = "/app-0123456789abcdef/m.wasm";
        let res = get(wasm, &[("accept-encoding", "br, gzip")]);
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/wasm");
        let res = get(wasm, &[("accept-encoding", "br")]);
        assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body(res).await, b"\0asm");
        let plain = get("/robots.txt", &[("accept-encoding", "br, gzip")]);
        assert!(
            plain.headers().get(header::VARY).is_none(),
            "no copies, no Vary"
        );
        assert_eq!(plain.headers()[header::CONTENT_TYPE], "text/plain");
    }

    #[tokio::test]
    async fn if_none_match_is_a_304_and_other_methods_a_405() {
        let js = "/app-0123456789abcdef/bank-connect.js";
        let etag = etag_of(JS_BR);
        let res = get(js, &[("accept-encoding", "br"), ("if-none-match", &etag)]);
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(res.headers()[header::ETAG].to_str().unwrap(), etag);
        assert!(body(res).await.is_empty());
        // The brotli copy's ETag does not match the gzip copy.
        let res = get(js, &[("accept-encoding", "gzip"), ("if-none-match", &etag)]);
        assert_eq!(res.status(), StatusCode::OK);
        let post = embedded_asset(
            app(),
            &Request::builder()
                .method(Method::POST)
                .uri(js)
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(post.headers()[header::ALLOW], "GET, HEAD");
        for missing in [
            "/app-0123456789abcdef/nope.js",
            "/",
            "/app-0123456789abcdef",
        ] {
            assert_eq!(
                get(missing, &[]).status(),
                StatusCode::NOT_FOUND,
                "{missing}"
            );
        }
    }
}
