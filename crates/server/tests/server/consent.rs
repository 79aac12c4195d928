//! Basiq 3.0 through the server and the simulator as real servers: the hand-off URL, the
//! simulator's Consent UI walked over HTTP (its forms posted as a browser would), the return
//! route, the relay, jobs, connections with their method, refresh-all, consents and revoke.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{TestApp, app_with};

/// A 3.0 sandbox server with the simulator's admin routes.
async fn app_v3() -> TestApp {
    app_with(&["--basiq-version", "3.0"]).await
}

/// A browser: keeps cookies, does not follow redirects (each hop is checked).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A browser with a session (an anonymous Basiq user).
async fn signed_in(app: &TestApp) -> reqwest::Client {
    let c = browser();
    app.grant(&c).await;
    c
}

/// One answer: status, `Location`, body, headers.
struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
    headers: reqwest::header::HeaderMap,
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let location = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    Answer {
        status,
        location,
        body: r.text().await.unwrap_or_default(),
        headers,
    }
}

/// First value of query parameter `key` of `url`.
fn param(url: &str, key: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// `url` with its query parameter `key` set to `value`.
fn with_param(url: &str, key: &str, value: &str) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != key)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(key, value);
    u.to_string()
}

/// The claims of a JWT (its payload, unverified: the simulator signed it).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The person in the simulator's Consent UI: a separate client (another site), no redirects.
struct ConsentUi {
    c: reqwest::Client,
    base: String,
}

impl ConsentUi {
    fn new(app: &TestApp) -> Self {
        ConsentUi {
            c: browser(),
            base: app.server.basiq_url().to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn get(&self, path: &str) -> Answer {
        answer(self.c.get(self.url(path)).send().await.unwrap()).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        answer(self.c.post(self.url(path)).form(form).send().await.unwrap()).await
    }

    /// Follows the simulator's own redirects; returns the page and the path it is at.
    async fn follow(&self, mut a: Answer) -> (Answer, String) {
        let mut at = String::new();
        for _ in 0..10 {
            match a.location.clone() {
                Some(l) if a.status == 303 && l.starts_with('/') => {
                    a = self.get(&l).await;
                    at = l;
                }
                _ => break,
            }
        }
        (a, at)
    }

    /// Opens the hand-off URL, consents, and (Hooli OB) logs in at the mock data holder with
    /// member number and code, approves every account, waits for the job and presses Done:
    /// the URL Basiq sends the person back to.
    async fn connect_hooli_ob(&self, url: &str, capture_consent: bool) -> String {
        let (a, at) = self.follow(self.get(url).await).await;
        let sid = at.split('/').nth(3).unwrap_or_default().to_owned();
        let at = if capture_consent {
            assert!(
                at.ends_with("/terms"),
                "consent capture first: {at} {}",
                a.body
            );
            let a = self
                .post(
                    &format!("/consent/s/{sid}/terms"),
                    &[("decision", "consent")],
                )
                .await;
            self.follow(a).await.1
        } else {
            at
        };
        assert!(at.contains("/consent/holder/"), "to the data holder: {at}");
        let sid = at.split('/').nth(3).unwrap_or_default().to_owned();
        for (step, form) in [
            ("login", vec![("member", "374829")]),
            ("code", vec![("code", "227470")]),
            (
                "accounts",
                vec![
                    ("account", "1"),
                    ("account", "2"),
                    ("account", "3"),
                    ("account", "4"),
                ],
            ),
        ] {
            let a = self
                .post(&format!("/consent/holder/{sid}/{step}"), &form)
                .await;
            assert_eq!(a.status, 303, "{step}: {}", a.body);
        }
        let a = self
            .post(
                &format!("/consent/holder/{sid}/review"),
                &[("decision", "approve")],
            )
            .await;
        let job_page = a.location.expect("to the job page");
        for _ in 0..400 {
            let a = self.get(&job_page).await;
            if a.status == 303 {
                return a.location.unwrap_or_default();
            }
            if a.body.contains("/done\"") && !a.body.contains("http-equiv=\"refresh\"") {
                let d = self.get(&format!("/consent/s/{sid}/done")).await;
                return d.location.unwrap_or_default();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the job page never settled");
    }
}

/// `POST /api/consent/start` with `body` from `client`.
async fn start(app: &TestApp, client: &reqwest::Client, body: Value) -> Answer {
    answer(
        client
            .post(app.url("/api/consent/start"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A hand-off that must start: its Consent UI URL.
async fn start_ok(app: &TestApp, client: &reqwest::Client, body: Value) -> String {
    let a = start(app, client, body).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let v: Value = serde_json::from_str(&a.body).unwrap();
    v["url"].as_str().unwrap().to_owned()
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> Answer {
    answer(client.get(app.url(path)).send().await.unwrap()).await
}

/// Polls `/api/jobs/{id}` until every step succeeded (or one failed); the last job.
async fn follow_job(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    for _ in 0..400 {
        let a = get(app, client, &format!("/api/jobs/{id}")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let job: Value = serde_json::from_str(&a.body).unwrap();
        let steps = job["steps"].as_array().cloned().unwrap_or_default();
        if steps.iter().any(|s| s["status"] == "failed")
            || (!steps.is_empty() && steps.iter().all(|s| s["status"] == "success"))
        {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {id} did not finish");
}

/// Hands off in page mode, connects Hooli OB, comes back: the job ids the relay gives.
async fn connect_page_mode(app: &TestApp, client: &reqwest::Client, first: bool) -> Vec<String> {
    let url = start_ok(
        app,
        client,
        json!({"institution_id": "AU00000", "mode": "page"}),
    )
    .await;
    let back = ConsentUi::new(app).connect_hooli_ob(&url, first).await;
    let a = answer(client.get(&back).send().await.unwrap()).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let to = a.location.unwrap();
    let nonce = to.strip_prefix("/?handoff=").expect("back to the app");
    let r = get(app, client, &format!("/api/consent/result?nonce={nonce}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    v["job_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn config_says_the_mode_and_the_csp_allows_only_forms_to_the_consent_ui() {
    let v2 = app_with(&[]).await;
    let c: Value = v2.get("/api/config").await.json().await.unwrap();
    assert_eq!(c["connectMode"], "credentials");
    assert_eq!(c["basiqVersion"], "2.1");
    assert!(
        c["consentUiOrigin"].is_null() && c["basiqUrl"].is_string(),
        "{c}"
    );
    let csp = v2.get("/").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("form-action 'none'"), "{csp}");

    let app = app_v3().await;
    let c: Value = app.get("/api/config").await.json().await.unwrap();
    let sim = app.server.basiq_url().to_owned();
    assert_eq!(c["connectMode"], "consent-ui");
    assert_eq!(c["basiqVersion"], "3.0");
    assert_eq!(c["consentUiOrigin"], sim.as_str());
    let parsed: bank_connect_core::PublicConfig =
        serde_json::from_value(c.clone()).expect("today's app still reads /api/config");
    assert_eq!(parsed.basiq_version, "3.0");
    let index = app.get("/").await;
    assert_eq!(index.headers()["referrer-policy"], "no-referrer");
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains(&format!("form-action {sim};")), "{csp}");
    assert!(!csp.contains("frame-src"), "never framed: {csp}");
    // 2.1 has no consent routes.
    let c = browser();
    v2.grant(&c).await;
    assert_eq!(start(&v2, &c, json!({})).await.status, 404);
}

#[tokio::test]
async fn start_hands_off_with_a_fresh_token_bound_to_the_user_and_the_institution() {
    let app = app_v3().await;
    let client = browser();
    let grant = app.grant(&client).await;
    let a = start(
        &app,
        &client,
        json!({"institution_id": "AU00000", "mode": "page"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.headers["cache-control"], "no-store");
    assert_eq!(a.headers["referrer-policy"], "no-referrer");
    let v: Value = serde_json::from_str(&a.body).unwrap();
    let url = v["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/consent/home?", app.server.basiq_url())),
        "{url}"
    );
    let token = param(url, "token").unwrap();
    assert_ne!(token, grant.access_token, "never the widget's cached token");
    let claims = claims(&token);
    assert_eq!(claims["scope"], "CLIENT_ACCESS");
    assert_eq!(claims["userid"], grant.user_id.as_str());
    assert_eq!(claims["version"], "3.0");
    assert_eq!(param(url, "institutionId").as_deref(), Some("AU00000"));
    assert_eq!(param(url, "action"), None, "no consent yet: create");
    assert!(param(url, "state").unwrap().starts_with("h1."));
    assert!(v["nonce"].as_str().is_some_and(|n| n.len() >= 20));
    assert_eq!(
        get(
            &app,
            &client,
            &format!("/api/consent/result?nonce={}", v["nonce"].as_str().unwrap())
        )
        .await
        .status,
        204,
        "not back yet"
    );
    // A second hand-off gets another token.
    let again = start_ok(&app, &client, json!({"mode": "popup"})).await;
    assert_ne!(param(&again, "token").unwrap(), token);
    assert_eq!(param(&again, "institutionId"), None);
    for bad in [
        json!({"mode": "iframe"}),
        json!({"action": "payment"}),
        json!({"institution_id": "../x"}),
        json!({"connection_id": "00000000-0000-0000-0000-000000000000"}),
        json!({"unknown": 1}),
    ] {
        let a = start(&app, &client, bad.clone()).await;
        assert!(
            matches!(a.status, 400 | 404),
            "{bad}: {} {}",
            a.status,
            a.body
        );
    }
    assert_eq!(
        start(&app, &browser(), json!({})).await.status,
        401,
        "no session"
    );
}

#[tokio::test]
async fn a_round_trip_through_the_consent_ui_connects_hooli_ob_and_its_jobs_are_followed() {
    let app = app_v3().await;
    let client = signed_in(&app).await;
    let jobs = connect_page_mode(&app, &client, true).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let job = follow_job(&app, &client, &jobs[0]).await;
    assert!(
        job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "success"),
        "{job}"
    );
    let connections = app.connections(&client).await;
    assert_eq!(connections.len(), 1, "{connections:?}");
    assert_eq!(connections[0]["method"], "open-banking");
    assert_eq!(connections[0]["status"], "active");
    assert_eq!(connections[0]["institutionId"], "AU00000");
    assert!(
        connections[0]["expiryDate"]
            .as_str()
            .is_some_and(|d| d.len() >= 10),
        "{connections:?}"
    );
    assert!(!app.accounts(&client).await.is_empty());

    // With an active consent, the next hand-off skips consent capture (action=connect);
    // explicit actions and a connection id pass through.
    let url = start_ok(&app, &client, json!({"institution_id": "AU00000"})).await;
    assert_eq!(param(&url, "action").as_deref(), Some("connect"));
    let id = connections[0]["id"].as_str().unwrap();
    let url = start_ok(
        &app,
        &client,
        json!({"action": "reauthorise", "connection_id": id}),
    )
    .await;
    assert_eq!(param(&url, "action").as_deref(), Some("reauthorise"));
    assert_eq!(param(&url, "connectionId").as_deref(), Some(id));
    let url = start_ok(&app, &client, json!({"action": "manage"})).await;
    assert_eq!(param(&url, "action").as_deref(), Some("manage"));

    // A second bank visit with action=connect goes straight to the bank.
    let jobs = connect_page_mode(&app, &client, false).await;
    assert_eq!(
        follow_job(&app, &client, &jobs[0]).await["steps"][0]["status"],
        "success"
    );
}

#[tokio::test]
async fn bad_replayed_and_foreign_returns_are_refused_and_change_nothing() {
    let app = app_v3().await;
    let alice = signed_in(&app).await;
    let bob = signed_in(&app).await;
    // Bob connects, so there is a job that is not Alice's.
    let bobs_jobs = connect_page_mode(&app, &bob, true).await;

    let url = start_ok(
        &app,
        &alice,
        json!({"institution_id": "AU00000", "mode": "page"}),
    )
    .await;
    let back = ConsentUi::new(&app).connect_hooli_ob(&url, true).await;
    let state = param(&back, "state").unwrap();
    assert_eq!(param(&url, "state").as_deref(), Some(state.as_str()));
    let refused = |a: &Answer, code: &str| {
        assert_eq!(a.status, 400, "{code}: {}", a.body);
        assert!(
            a.body.contains(code) && a.body.contains("<h1>"),
            "{code}: {}",
            a.body
        );
        assert!(a.location.is_none());
        assert_eq!(a.headers["cache-control"], "no-store");
    };
    let visit = |c: &reqwest::Client, u: String| {
        let c = c.clone();
        async move { answer(c.get(u).send().await.unwrap()).await }
    };
    refused(
        &visit(&alice, with_param(&back, "state", "")).await,
        "state-missing",
    );
    let tampered = state.replacen("h1.", "h1.x", 1);
    refused(
        &visit(&alice, with_param(&back, "state", &tampered)).await,
        "state-invalid",
    );
    let mut flipped = state.clone();
    flipped.pop();
    flipped.push(if state.ends_with('A') { 'B' } else { 'A' });
    refused(
        &visit(&alice, with_param(&back, "state", &flipped)).await,
        "state-invalid",
    );
    // Bob's session cannot finish Alice's page hand-off.
    refused(&visit(&bob, back.clone()).await, "state-other-user");
    // Bob's job ids under Alice's state are refused…
    refused(
        &visit(&alice, with_param(&back, "jobIds", &bobs_jobs[0])).await,
        "job-not-yours",
    );
    refused(
        &visit(&alice, with_param(&back, "jobIds", "../etc")).await,
        "job-not-yours",
    );
    // …and none of that used the state: the real return still works, once.
    let a = visit(&alice, back.clone()).await;
    assert_eq!(a.status, 303, "{}", a.body);
    refused(&visit(&alice, back.clone()).await, "state-replayed");
    // Jobs are Alice's only.
    let nonce = a.location.unwrap().replace("/?handoff=", "");
    let r = get(&app, &alice, &format!("/api/consent/result?nonce={nonce}")).await;
    let ids: Value = serde_json::from_str(&r.body).unwrap();
    let alices_job = ids["job_ids"][0].as_str().unwrap().to_owned();
    assert_eq!(
        get(&app, &bob, &format!("/api/jobs/{alices_job}"))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&app, &alice, &format!("/api/jobs/{}", bobs_jobs[0]))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&app, &alice, &format!("/api/jobs/{alices_job}"))
            .await
            .status,
        200
    );
    assert_eq!(
        get(&app, &bob, &format!("/api/consent/result?nonce={nonce}"))
            .await
            .status,
        404,
        "another user's result"
    );
    assert_eq!(get(&app, &alice, "/api/jobs/nope%2F..").await.status, 404);
}

#[tokio::test]
async fn a_popup_return_is_relayed_to_the_widgets_own_session() {
    let app = app_v3().await;
    let widget = signed_in(&app).await;
    let a = start(
        &app,
        &widget,
        json!({"institution_id": "AU00000", "mode": "popup"}),
    )
    .await;
    let v: Value = serde_json::from_str(&a.body).unwrap();
    let (url, nonce) = (v["url"].as_str().unwrap(), v["nonce"].as_str().unwrap());
    let back = ConsentUi::new(&app).connect_hooli_ob(url, true).await;
    // The popup is first-party: it does not carry the frame's partitioned cookie.
    let popup = browser();
    let a = answer(popup.get(&back).send().await.unwrap()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("You can close this window"), "{}", a.body);
    assert!(
        a.body.contains(&format!("data-nonce=\"{nonce}\"")),
        "{}",
        a.body
    );
    assert!(a.body.contains("postMessage") && !a.body.contains("\"*\""));
    let csp = a.headers["content-security-policy"].to_str().unwrap();
    let script = a
        .body
        .split("<script>")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
    assert!(
        csp.starts_with("default-src 'none'; script-src 'sha256-")
            && csp.contains(&format!("'sha256-{hash}'"))
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(a.headers["x-frame-options"], "DENY");
    // The widget reads the result with its own session; the popup's (none) cannot.
    assert_eq!(
        get(&app, &popup, &format!("/api/consent/result?nonce={nonce}"))
            .await
            .status,
        401
    );
    let r = get(&app, &widget, &format!("/api/consent/result?nonce={nonce}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let job = v["job_id"].as_str().unwrap();
    assert_eq!(v["job_ids"], json!([job]));
    assert_eq!(
        follow_job(&app, &widget, job).await["steps"][2]["status"],
        "success"
    );
    // Replayed from the popup: refused.
    let again = answer(popup.get(&back).send().await.unwrap()).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("state-replayed"));
}

#[tokio::test]
async fn refresh_all_consents_and_revoke() {
    let app = app_v3().await;
    let client = signed_in(&app).await;
    let jobs = connect_page_mode(&app, &client, true).await;
    follow_job(&app, &client, &jobs[0]).await;

    let r = answer(
        client
            .post(app.url("/api/connections/refresh"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let ids = v["job_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "a job per active connection: {v}");
    follow_job(&app, &client, ids[0].as_str().unwrap()).await;
    let again = answer(
        client
            .post(app.url("/api/connections/refresh"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, 429, "once per interval: {}", again.body);

    let consents: Vec<Value> = client
        .get(app.url("/api/consents"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(consents.len(), 1, "{consents:?}");
    assert_eq!(consents[0]["status"], "active");
    assert!(consents[0]["expiryDate"].is_string());
    assert!(
        consents[0]["scopes"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    let id = consents[0]["id"].as_str().unwrap();

    let stranger = signed_in(&app).await;
    let del = |c: &reqwest::Client, id: &str| {
        let (c, url) = (c.clone(), app.url(&format!("/api/consents/{id}")));
        async move { c.delete(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(del(&stranger, id).await, 404, "another user's consent");
    assert_eq!(app.connections(&client).await.len(), 1);
    assert_eq!(del(&client, id).await, 204);
    assert!(
        app.connections(&client).await.is_empty(),
        "revoking deletes its connections"
    );
    let consents: Vec<Value> = client
        .get(app.url("/api/consents"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        consents.iter().all(|c| c["status"] != "active"),
        "{consents:?}"
    );
}

/// `GET /api/institutions` as JSON.
async fn directory(app: &TestApp) -> Value {
    let r = app.get("/api/institutions").await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn entry<'a>(dir: &'a Value, id: &str) -> &'a Value {
    dir["institutions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} in the directory"))
}

#[tokio::test]
async fn the_3_0_directory_carries_each_institutions_methods_from_the_connectors() {
    let app = app_v3().await;
    let dir = directory(&app).await;
    let parsed: bank_connect_core::InstitutionDirectory =
        serde_json::from_value(dir.clone()).expect("today's app still reads the directory");
    assert!(parsed.institutions.len() > 100);
    let hooli = entry(&dir, "AU00000");
    assert_eq!(hooli["methods"], json!(["open-banking", "web"]));
    assert_eq!(
        hooli["name"], "Hooli Bank",
        "the web row's record, with its captions"
    );
    assert!(hooli["loginIdCaption"].is_string());
    assert_eq!(entry(&dir, "AU00002")["methods"], json!(["web"]));

    let v2 = app_with(&[]).await;
    let dir = directory(&v2).await;
    assert!(
        entry(&dir, "AU00000").get("methods").is_none(),
        "2.1 unchanged"
    );

    // /connectors failing: /institutions alone (no methods) rather than no directory.
    let fallback = app_with(&["--basiq-version", "3.0"]).await;
    fallback
        .server
        .sandbox()
        .unwrap()
        .add_fault(basiq_sim::FaultRule::status(
            "GET",
            "/connectors",
            400,
            "parameter-not-valid",
            "Bad",
            "Simulated failure",
        ));
    let dir = directory(&fallback).await;
    let hooli = entry(&dir, "AU00000");
    assert!(
        hooli.get("methods").is_none() && hooli["name"] == "Hooli Bank",
        "{hooli}"
    );
}

#[tokio::test]
async fn a_denied_consent_comes_back_without_jobs_and_one_connection_refreshes_and_deletes() {
    let app = app_v3().await;
    let client = signed_in(&app).await;
    let url = start_ok(&app, &client, json!({"mode": "page"})).await;
    let ui = ConsentUi::new(&app);
    let (_, at) = ui.follow(ui.get(&url).await).await;
    assert!(at.ends_with("/terms"), "{at}");
    let a = ui.post(&at, &[("decision", "deny")]).await;
    let back = a.location.expect("Deny goes back to the Redirect URL");
    assert!(back.contains("/consent/return?"), "{back}");
    let a = answer(client.get(&back).send().await.unwrap()).await;
    assert_eq!(a.status, 303, "cancelled is a return too: {}", a.body);
    let nonce = a.location.unwrap().replace("/?handoff=", "");
    let r = get(&app, &client, &format!("/api/consent/result?nonce={nonce}")).await;
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["job_ids"], json!([]), "{v}");
    assert!(v["job_id"].is_null());

    let jobs = connect_page_mode(&app, &client, true).await;
    follow_job(&app, &client, &jobs[0]).await;
    let id = app.connections(&client).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.refresh(&client, &id).await;
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    follow_job(&app, &client, job["job_id"].as_str().unwrap()).await;
    assert_eq!(app.delete_connection(&client, &id).await.status(), 204);
    assert!(app.connections(&client).await.is_empty());
}

#[tokio::test]
async fn two_banks_in_one_visit_come_back_as_two_jobs_and_both_are_followed() {
    let app = app_with(&["--basiq-version", "3.0", "--sandbox-multiple-connections"]).await;
    let client = signed_in(&app).await;
    let url = start_ok(&app, &client, json!({"mode": "page"})).await;
    let ui = ConsentUi::new(&app);
    let (_, at) = ui.follow(ui.get(&url).await).await;
    let sid = at.split('/').nth(3).unwrap().to_owned();
    let (bank_list, _) = ui
        .follow(
            ui.post(
                &format!("/consent/s/{sid}/terms"),
                &[("decision", "consent")],
            )
            .await,
        )
        .await;
    assert!(bank_list.body.contains("Hooli"), "{}", bank_list.body);
    for bank in ["AU00000", "AU00004"] {
        let a = ui
            .post(
                &format!("/consent/s/{sid}/connect/{bank}/web"),
                &[("loginId", "gavinBelson"), ("password", "hooli2016")],
            )
            .await;
        let job_page = a.location.expect("to the job page");
        let mut settled = false;
        for _ in 0..400 {
            let a = ui.get(&job_page).await;
            if !a.body.contains("http-equiv=\"refresh\"") {
                assert!(a.body.contains("Connect another bank"), "{}", a.body);
                settled = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(settled, "{bank}'s job page settles");
    }
    let back = ui
        .get(&format!("/consent/s/{sid}/done"))
        .await
        .location
        .unwrap();
    let a = answer(client.get(&back).send().await.unwrap()).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let nonce = a.location.unwrap().replace("/?handoff=", "");
    let r = get(&app, &client, &format!("/api/consent/result?nonce={nonce}")).await;
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let jobs = v["job_ids"].as_array().unwrap();
    assert_eq!(jobs.len(), 2, "{v}");
    assert_eq!(v["job_id"], jobs[1], "jobId is the latest");
    for job in jobs {
        let done = follow_job(&app, &client, job.as_str().unwrap()).await;
        assert!(
            done["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["status"] == "success"),
            "{done}"
        );
    }
    let connections = app.connections(&client).await;
    let mut banks: Vec<&str> = connections
        .iter()
        .map(|c| c["institutionId"].as_str().unwrap())
        .collect();
    banks.sort();
    assert_eq!(banks, ["AU00000", "AU00004"]);
    assert!(connections.iter().all(|c| c["method"] == "web"));
}
