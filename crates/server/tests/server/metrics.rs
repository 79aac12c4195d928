//! `GET /metrics` on the metrics listener: the counters move with real traffic against the
//! simulator, labels carry route templates (never ids), and the public listener has no /metrics.
//! The recorder is per process, so every check compares a scrape before with one after.

use crate::support::{TestApp, app_with, cookie_client};

/// The sum of the samples of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| {
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            metric == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|(_, value)| value.parse::<f64>().ok())
        .sum()
}

async fn scrape(app: &TestApp) -> String {
    let addr = app.server.metrics_addr().expect("a metrics listener");
    let res = app
        .http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain"), "{kind}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn counters_move_with_traffic_and_labels_carry_no_ids() {
    let app = app_with(&["--metrics-bind", "127.0.0.1:0"]).await;
    let before = scrape(&app).await;
    let browser = cookie_client();
    let grant = app.grant(&browser).await;
    let again = app.grant(&browser).await;
    assert_eq!(again.user_id, grant.user_id);
    let job = app
        .connect(&grant, "gavinBelson", "hooli2016", "AU00000")
        .await;
    let res = browser
        .get(app.url(&format!("/api/jobs/{}", job["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(app.connections(&browser).await.len(), 1);
    assert_eq!(app.get("/api/institutions").await.status(), 200);
    let after = scrape(&app).await;

    let moved = |name: &str, labels: &[(&str, &str)]| {
        sample(&after, name, labels) - sample(&before, name, labels)
    };
    let token_route = [
        ("route", "/api/token"),
        ("method", "POST"),
        ("status", "200"),
    ];
    assert!(moved("bank_connect_http_requests_total", &token_route) >= 2.0);
    let jobs_route = [("route", "/api/jobs/{id}"), ("status", "200")];
    assert!(moved("bank_connect_http_requests_total", &jobs_route) >= 1.0);
    assert!(
        moved(
            "bank_connect_http_request_duration_seconds_count",
            &token_route[..2]
        ) >= 2.0
    );
    let created = [
        ("method", "POST"),
        ("endpoint", "/users"),
        ("outcome", "ok"),
    ];
    assert!(moved("bank_connect_upstream_calls_total", &created) >= 1.0);
    let listed = [("endpoint", "/users/{id}/connections"), ("outcome", "ok")];
    assert!(moved("bank_connect_upstream_calls_total", &listed) >= 1.0);
    let minted = [("endpoint", "/token"), ("outcome", "ok")];
    assert!(moved("bank_connect_upstream_calls_total", &minted) >= 1.0);
    let client = |result| [("kind", "client"), ("result", result)];
    assert!(moved("bank_connect_token_cache_total", &client("miss")) >= 1.0);
    assert!(moved("bank_connect_token_cache_total", &client("hit")) >= 1.0);
    let allowed = [("use", "client"), ("decision", "allowed")];
    assert!(moved("bank_connect_token_cap_total", &allowed) >= 1.0);
    assert!(moved("bank_connect_job_outcomes_total", &[("outcome", "success")]) >= 1.0);
    assert!(
        after.contains("bank_connect_directory_cache_age_seconds "),
        "{after}"
    );
    assert!(!after.contains(&grant.user_id), "a label carries a user id");
    assert!(
        !after.contains(job["id"].as_str().unwrap()),
        "a label carries a job id"
    );
}

#[tokio::test]
async fn the_public_listener_does_not_serve_metrics() {
    let app = app_with(&["--metrics-bind", "127.0.0.1:0"]).await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    let html = app
        .http
        .get(app.url("/metrics"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("bank_connect_"), "{html}");
    let scraped = scrape(&app).await;
    assert!(scraped.contains("bank_connect_"), "{scraped}");
    let off = app_with(&[]).await;
    assert!(off.server.metrics_addr().is_none(), "off by default");
}
