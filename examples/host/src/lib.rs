//! The example host site: a shop page on its own origin that opens the bank-connect widget with
//! `embed.js`, and a backend route that mints link tokens for its "signed-in" user with the
//! host secret (which never reaches the browser). [`react_app`] is the same shop written in
//! React with bank-connect-embed's `useBankConnect` hook (TypeScript compiled by tsc, no bundler).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};

struct Host {
    widget: String,
    secret: SecretString,
    http: reqwest::Client,
    page: String,
    csp: String,
}

const PAGE: &str = include_str!("../static/index.html");
const SCRIPT: &str = include_str!("../static/host.js");
const STYLE: &str = include_str!("../static/host.css");

const REACT_PAGE: &str = include_str!("../static/react.html");
const REACT_SHIM: &str = include_str!("../static/react-shim.js");
const REACT_DOM_SHIM: &str = include_str!("../static/react-dom-client-shim.js");
const HOOK: &str = include_str!("../../../packages/bank-connect-embed/react.js");

fn csp(widget: &str, extra_script: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' {widget}{extra_script}; frame-src {widget}; connect-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
    )
}

fn javascript(body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The host site's routes: the page, its script and style, and `POST /mint`.
pub fn app(widget_url: &str, host_api_secret: SecretString) -> Router {
    let widget = widget_url.trim_end_matches('/').to_owned();
    let host = Arc::new(Host {
        page: PAGE.replace("{{WIDGET}}", &widget),
        csp: csp(&widget, ""),
        widget,
        secret: host_api_secret,
        http: reqwest::Client::new(),
    });
    Router::new()
        .route("/", get(page))
        .route("/host.js", get(|| async { javascript(SCRIPT) }))
        .route("/host.css", get(style))
        .route("/mint", post(mint))
        .with_state(host)
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// Where the React host's files are: the example compiled by
/// `tsc -p examples/host --outDir DIR` (`DIR/react-host.js`) and the `node_modules` that has
/// React's UMD builds.
#[derive(Debug, Clone)]
pub struct ReactAssets {
    /// tsc's output directory.
    pub compiled: PathBuf,
    /// The `node_modules` directory with `react` and `react-dom`.
    pub node_modules: PathBuf,
}

/// The React host's routes, all under `/react/` (so they merge with [`app`]): the page,
/// React's UMD builds and their module shims, the hook, the compiled app, `POST /react/mint`.
/// The import map that names the modules is inline, allowed by its hash.
pub fn react_app(widget_url: &str, host_api_secret: SecretString, assets: ReactAssets) -> Router {
    let widget = widget_url.trim_end_matches('/').to_owned();
    let import_map = json!({"imports": {
        "react": "/react/shim/react.js",
        "react-dom/client": "/react/shim/react-dom-client.js",
        "bank-connect-embed/react": "/react/pkg/react.js",
    }})
    .to_string();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&import_map));
    let host = Arc::new(Host {
        page: REACT_PAGE
            .replace("{{WIDGET}}", &widget)
            .replace("{{IMPORTMAP}}", &import_map),
        csp: csp(&widget, &format!(" 'sha256-{hash}'")),
        widget,
        secret: host_api_secret,
        http: reqwest::Client::new(),
    });
    let assets = Arc::new(assets);
    let file = |path: PathBuf| async move {
        match tokio::fs::read(&path).await {
            Ok(body) => (
                [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                body,
            )
                .into_response(),
            Err(_) => (
                StatusCode::NOT_FOUND,
                format!(
                    "{} is missing (compile the example with tsc, install React with npm install)",
                    path.display()
                ),
            )
                .into_response(),
        }
    };
    let (a, b, c) = (assets.clone(), assets.clone(), assets);
    Router::new()
        .route("/react/", get(page))
        .route("/react/mint", post(mint))
        .route("/react/host.css", get(style))
        .route(
            "/react/shim/react.js",
            get(|| async { javascript(REACT_SHIM) }),
        )
        .route(
            "/react/shim/react-dom-client.js",
            get(|| async { javascript(REACT_DOM_SHIM) }),
        )
        .route("/react/pkg/react.js", get(|| async { javascript(HOOK) }))
        .route(
            "/react/vendor/react.js",
            get(move || file(a.node_modules.join("react/umd/react.production.min.js"))),
        )
        .route(
            "/react/vendor/react-dom.js",
            get(move || {
                file(
                    b.node_modules
                        .join("react-dom/umd/react-dom.production.min.js"),
                )
            }),
        )
        .route(
            "/react/app/react-host.js",
            get(move || file(c.compiled.join("react-host.js"))),
        )
        .with_state(host)
}

async fn page(State(host): State<Arc<Host>>) -> Response {
    let mut res = Html(host.page.clone()).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&host.csp).expect("ASCII"),
    );
    res
}

/// The host's backend asks bank-connect for a link token for its signed-in user.
async fn mint(State(host): State<Arc<Host>>) -> Response {
    let res = host
        .http
        .post(format!("{}/api/link-tokens", host.widget))
        .bearer_auth(host.secret.expose_secret())
        .json(&json!({"user_ref": "example-shop-user-1", "email": "shopper@example.com"}))
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => match r.json::<serde_json::Value>().await {
            Ok(v) => (
                [(header::CACHE_CONTROL, "no-store")],
                axum::Json(json!({"link_token": v["link_token"]})),
            )
                .into_response(),
            Err(_) => (
                StatusCode::BAD_GATEWAY,
                "bank-connect sent an unreadable answer",
            )
                .into_response(),
        },
        Ok(r) => (
            StatusCode::BAD_GATEWAY,
            format!(
                "bank-connect refused the link token request ({})",
                r.status()
            ),
        )
            .into_response(),
        Err(_) => (StatusCode::BAD_GATEWAY, "bank-connect is not reachable").into_response(),
    }
}
