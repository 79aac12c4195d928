//! No credentialed CORS for anyone; hosts and origins are compared with PUBLIC_ORIGIN (or, on a
//! loopback bind, loopback names only), so DNS rebinding cannot reach the API.

use reqwest::Method;

use crate::support::{app_with, code_of};

#[tokio::test]
async fn no_origin_gets_credentialed_cors_not_even_an_allowed_host_page() {
    let app = app_with(&["--allowed-origins", "http://host.example:8090"]).await;
    for path in ["/api/token", "/api/accounts", "/api/connections"] {
        let preflight = app
            .http
            .request(Method::OPTIONS, app.url(path))
            .header("origin", "http://host.example:8090")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert!(
            preflight
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{path}"
        );
        let get = app
            .http
            .get(app.url(path))
            .header("origin", "http://host.example:8090")
            .send()
            .await
            .unwrap();
        assert!(
            get.headers().get("access-control-allow-origin").is_none(),
            "{path}"
        );
        assert!(
            get.headers()
                .get("access-control-allow-credentials")
                .is_none(),
            "{path}"
        );
    }
    let csp = app.get("/").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.ends_with("frame-ancestors 'self' http://host.example:8090"),
        "the allowed host may still frame the widget: {csp}"
    );
}

#[tokio::test]
async fn a_dns_rebound_host_is_refused_on_a_loopback_bind() {
    let app = app_with(&[]).await;
    let port = app.server.addr().port();
    for path in ["/api/config", "/api/institutions", "/", "/embed.js"] {
        let res = app
            .http
            .get(app.url(path))
            .header("host", format!("rebound.example:{port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 421, "{path}");
    }
    let token = app
        .http
        .post(app.url("/api/token"))
        .header("host", format!("rebound.example:{port}"))
        .header("origin", format!("http://rebound.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 421);
    assert_eq!(code_of(token).await, "wrong-host");
    let probe = app
        .http
        .get(app.url("/healthz"))
        .header("host", "10.0.0.7:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), 200, "probes answer on any host");
    let local = app
        .http
        .get(app.url("/api/config"))
        .header("host", format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(local.status(), 200);
}

#[tokio::test]
async fn public_origin_is_what_hosts_and_origins_are_compared_with() {
    let app = app_with(&["--public-origin", "https://connect.example.com"]).await;
    let ok = app
        .http
        .post(app.url("/api/token"))
        .header("host", "connect.example.com")
        .header("origin", "https://connect.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let http_origin = app
        .http
        .post(app.url("/api/token"))
        .header("host", "connect.example.com")
        .header("origin", "http://connect.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        http_origin.status(),
        403,
        "another scheme is another origin"
    );
    let direct = app.get("/api/config").await;
    assert_eq!(direct.status(), 421, "only the public host is served");
}
