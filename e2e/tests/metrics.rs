//! What an operator scrapes after people connect banks in headless Chromium (150 ms latency):
//! `/metrics` on its own listener (`--metrics-bind 127.0.0.1:0`) shows the requests by route
//! and status, the upstream Basiq calls, the token cache's hits and (3.0) the jobs' outcomes
//! moved; the public listener has no `/metrics`.

use bank_connect_e2e::Harness;
use bank_connect_e2e::thirtyfour::prelude::*;

mod handoff_support;
use handoff_support::*;

const METRICS: [&str; 2] = ["--metrics-bind", "127.0.0.1:0"];

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

/// `GET /metrics` on the metrics listener (the port the server bound, read back from it).
async fn scrape(h: &Harness) -> String {
    let addr = h.server.metrics_addr().expect("a metrics listener");
    let res = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// How much each series moved between two scrapes.
struct Moved {
    before: String,
    after: String,
}

impl Moved {
    fn by(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        sample(&self.after, name, labels) - sample(&self.before, name, labels)
    }

    fn at_least(&self, n: f64, name: &str, labels: &[(&str, &str)]) {
        let moved = self.by(name, labels);
        assert!(
            moved >= n,
            "{name}{labels:?} moved by {moved}, expected at least {n}; after:\n{}",
            self.after
        );
    }
}

/// Hooli in the widget's own form (2.1), twice in two page loads: the second load's token is
/// the server's cached one.
async fn connect_hooli(h: &Harness) {
    h.driver.goto(h.url("/")).await.unwrap();
    h.click_button("+ Connect a bank").await;
    h.pick_bank("hooli", "Hooli Bank").await;
    h.log_in("gavinBelson", "hooli2016").await;
    h.heading("Hooli Bank is connected").await;
    h.find(By::Css("ul[aria-label='Accounts'] > li")).await;
}

#[tokio::test]
async fn a_connect_flow_moves_the_request_upstream_and_token_cache_counters() {
    Harness::run_with(&METRICS, |h| async move {
        let before = scrape(&h).await;
        slow_network(&h).await;
        connect_hooli(&h).await;
        connect_hooli(&h).await;
        let moved = Moved {
            before,
            after: scrape(&h).await,
        };
        let requests = "bank_connect_http_requests_total";
        let token = [
            ("route", "/api/token"),
            ("method", "POST"),
            ("status", "200"),
        ];
        moved.at_least(2.0, requests, &token);
        let directory = [("route", "/api/institutions"), ("status", "200")];
        moved.at_least(1.0, requests, &directory);
        moved.at_least(
            1.0,
            requests,
            &[("route", "/api/config"), ("status", "200")],
        );
        moved.at_least(
            2.0,
            "bank_connect_http_request_duration_seconds_count",
            &token[..2],
        );
        // A new Basiq user for the browser, its CLIENT token, the directory: all answered.
        let upstream = "bank_connect_upstream_calls_total";
        for (method, endpoint) in [("POST", "/users"), ("POST", "/token")] {
            let labels = [
                ("method", method),
                ("endpoint", endpoint),
                ("outcome", "ok"),
            ];
            moved.at_least(1.0, upstream, &labels);
        }
        let cache = "bank_connect_token_cache_total";
        moved.at_least(1.0, cache, &[("kind", "client"), ("result", "hit")]);
        moved.at_least(
            1.0,
            "bank_connect_token_cap_total",
            &[("decision", "allowed")],
        );
        assert_eq!(
            moved.by(requests, &[("status", "500")]),
            0.0,
            "no 500 in the flow"
        );
        let public = reqwest::get(h.url("/metrics")).await.unwrap();
        assert_ne!(public.status(), 200, "the public listener has no /metrics");
    })
    .await;
}

#[tokio::test]
async fn a_consent_ui_connect_moves_the_job_outcome_counter() {
    let args: Vec<&str> = V3.iter().chain(METRICS.iter()).copied().collect();
    Harness::run_with(&args, |h| async move {
        let before = scrape(&h).await;
        slow_network(&h).await;
        continue_to_consent_ui(&h, "hooli", "Hooli Bank").await;
        consent_and_hooli_ob(&h, true).await;
        h1(&h, "Connected").await;
        link(&h, "Done").await.click().await.unwrap();
        h.heading("Hooli Bank is connected").await;
        let moved = Moved {
            before,
            after: scrape(&h).await,
        };
        let requests = "bank_connect_http_requests_total";
        for route in [
            "/api/consent/start",
            "/api/consent/result",
            "/api/jobs/{id}",
        ] {
            moved.at_least(1.0, requests, &[("route", route), ("status", "200")]);
        }
        moved.at_least(
            1.0,
            "bank_connect_job_outcomes_total",
            &[("outcome", "success")],
        );
        let jobs = [
            ("method", "GET"),
            ("endpoint", "/jobs/{id}"),
            ("outcome", "ok"),
        ];
        moved.at_least(1.0, "bank_connect_upstream_calls_total", &jobs);
    })
    .await;
}
