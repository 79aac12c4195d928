//! The app itself: `index.html`, its static assets, and `embed.js` for host pages.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;

use crate::directory::{etag_of, if_none_match_hits};
use crate::state::AppState;
use crate::web::{is_content_hashed, is_dotfile};

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

/// Everything else: a built asset, the app for a client-side route, or a plain 404. Dotfiles
/// are never served; only content-hashed assets are cached as immutable.
pub async fn static_or_index(state: Arc<AppState>, assets: ServeDir, req: Request) -> Response {
    use tower::ServiceExt;
    let path = req.uri().path().to_owned();
    if is_dotfile(&path) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let wants_page = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    match assets.oneshot(req).await {
        Ok(res) if res.status() != StatusCode::NOT_FOUND => {
            let mut res = res.map(Body::new);
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
