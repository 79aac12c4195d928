//! Static files and deploys: no dotfiles, `immutable` only for content-hashed paths, and a new
//! build under a running server is picked up (page and CSP together).

use std::time::Duration;

use crate::support::{app_with, dist_with_index};

#[tokio::test]
async fn dotfiles_are_never_served_and_only_hashed_assets_are_immutable() {
    let dist = dist_with_index("<!doctype html><html><body>v1</body></html>");
    std::fs::write(dist.join(".env"), "BASIQ_API_KEY=oops").unwrap();
    std::fs::create_dir_all(dist.join(".git")).unwrap();
    std::fs::write(dist.join(".git/config"), "[core]").unwrap();
    std::fs::write(dist.join("robots.txt"), "User-agent: *").unwrap();
    let dist_arg = dist.to_string_lossy().into_owned();
    let app = app_with(&["--dist-dir", &dist_arg]).await;
    for path in ["/.env", "/.git/config", "/%2Eenv"] {
        for accept in ["*/*", "text/html"] {
            let res = app
                .http
                .get(app.url(path))
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{path} ({accept})");
            assert!(!res.text().await.unwrap().contains("oops"), "{path}");
        }
    }
    let robots = app.get("/robots.txt").await;
    assert_eq!(robots.status(), 200);
    assert_eq!(
        robots.headers()["cache-control"],
        "no-cache",
        "not content-hashed"
    );
    let hashed = app.get("/app-0123456789abcdef.js").await;
    assert!(
        hashed.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    std::fs::remove_dir_all(dist).ok();
}

#[tokio::test]
async fn a_new_build_is_picked_up_without_a_restart() {
    let old = "<!doctype html><html><head><script type=\"module\">import('/app-0123456789abcdef.js');</script></head></html>";
    let dist = dist_with_index(old);
    let dist_arg = dist.to_string_lossy().into_owned();
    let app = app_with(&["--dist-dir", &dist_arg]).await;
    let first = app.get("/").await;
    let old_csp = first.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(first.text().await.unwrap(), old);

    let new = "<!doctype html><html><head><script type=\"module\">import('/app-fedcba9876543210.js');</script></head></html>";
    tokio::time::sleep(Duration::from_millis(50)).await;
    std::fs::write(dist.join("index.html.next"), new).unwrap();
    std::fs::rename(dist.join("index.html.next"), dist.join("index.html")).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = app.get("/").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(res.text().await.unwrap(), new, "the new index.html");
    assert_ne!(csp, old_csp, "and the CSP hash of its new bootstrap script");
    let api_csp = app.get("/api/config").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api_csp, "default-src 'none'; frame-ancestors 'none'",
        "not a page: none of the page's policy"
    );
    std::fs::remove_dir_all(dist).ok();
}

#[tokio::test]
async fn only_a_document_carries_the_pages_policies() {
    let html = "<!doctype html><html><head><script type=\"module\">import('/app-0123456789abcdef.js');</script></head></html>";
    let dist = dist_with_index(html);
    let dist_arg = dist.to_string_lossy().into_owned();
    let app = app_with(&["--dist-dir", &dist_arg]).await;
    for path in ["/", "/index.html"] {
        let page = app.get(path).await;
        let csp = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{path}: {csp}"
        );
        assert!(
            page.headers()["permissions-policy"]
                .to_str()
                .unwrap()
                .contains("camera=()"),
            "{path}"
        );
        assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    }
    for path in [
        "/app-0123456789abcdef.js",
        "/api/config",
        "/api/institutions",
        "/api/nothing-here",
    ] {
        let res = app.get(path).await;
        assert_eq!(
            res.headers()["content-security-policy"],
            "default-src 'none'; frame-ancestors 'none'",
            "{path}"
        );
        assert!(res.headers().get("permissions-policy").is_none(), "{path}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer", "{path}");
    }
    std::fs::remove_dir_all(dist).ok();
}
