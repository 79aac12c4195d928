//! The example host site: a shop page on its own origin that opens the bank-connect widget with
//! `embed.js`, and a backend route that mints link tokens for its "signed-in" user with the
//! host secret (which never reaches the browser).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

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

/// The host site's routes: the page, its script and style, and `POST /mint`.
pub fn app(widget_url: &str, host_api_secret: SecretString) -> Router {
    let widget = widget_url.trim_end_matches('/').to_owned();
    let host = Arc::new(Host {
        page: PAGE.replace("{{WIDGET}}", &widget),
        csp: format!(
            "default-src 'self'; script-src 'self' {widget}; frame-src {widget}; connect-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
        ),
        widget,
        secret: host_api_secret,
        http: reqwest::Client::new(),
    });
    Router::new()
        .route("/", get(page))
        .route(
            "/host.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    SCRIPT,
                )
            }),
        )
        .route(
            "/host.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE) }),
        )
        .route("/mint", post(mint))
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
