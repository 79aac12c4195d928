//! Users, connections, jobs, MFA, refresh, update, delete.

use std::time::Duration;

use crate::common::*;
use basiq_sim::Simulator;
use serde_json::{Value, json};

#[tokio::test]
async fn user_lifecycle_and_errors() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let e = expect_error(
        post(&sim, &t, "/users", &json!({"firstName": "x"})).await,
        400,
        "parameter-not-supplied",
    )
    .await;
    assert_eq!(
        e.detail.as_deref(),
        Some("One of 'email' or 'mobile' is required.")
    );
    assert_eq!(e.title, "Required parameter not supplied");
    let e = expect_error(
        post(&sim, &t, "/users", &json!({"email": "nope"})).await,
        400,
        "parameter-not-valid",
    )
    .await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Provided email is in bad format.")
    );
    let e = expect_error(
        post(&sim, &t, "/users", &json!({"mobile": "12ab"})).await,
        400,
        "parameter-not-valid",
    )
    .await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Provided mobile is in bad format.")
    );
    // Not JSON at all, and the wrong content type.
    let r = client()
        .post(format!("{}/users", sim.base_url()))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    expect_error(r, 400, "invalid-content").await;
    let r = client()
        .post(format!("{}/users", sim.base_url()))
        .bearer_auth(&t)
        .header("content-type", "text/plain")
        .body("email=a@b.co")
        .send()
        .await
        .expect("send");
    expect_error(r, 415, "unsupported-content-type").await;

    let r = post(
        &sim,
        &t,
        "/users",
        &json!({"email": "gavin@hooli.com", "mobile": "+61410888666"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let u: Value = r.json().await.expect("json");
    let id = u["id"].as_str().expect("id").to_string();
    assert_eq!(u["type"], "user");
    assert_eq!(u["email"], "gavin@hooli.com");
    assert!(
        u["links"]["self"]
            .as_str()
            .expect("self")
            .ends_with(&format!("/users/{id}"))
    );

    let g: Value = get(&sim, &t, &format!("/users/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(g["mobile"], "+61410888666");
    assert_eq!(g["connections"]["count"], 0);
    assert_eq!(g["accounts"]["type"], "list");

    let r = post(
        &sim,
        &t,
        &format!("/users/{id}"),
        &json!({"email": "gavin2@hooli.com"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let g: Value = get(&sim, &t, &format!("/users/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(g["email"], "gavin2@hooli.com");

    assert_eq!(
        delete(&sim, &t, &format!("/users/{id}")).await.status(),
        204
    );
    let e = expect_error(
        get(&sim, &t, &format!("/users/{id}")).await,
        404,
        "resource-not-found",
    )
    .await;
    assert_eq!(e.detail.as_deref(), Some("Requested user does not exist."));
    expect_error(
        get(&sim, &t, "/users/bad%20id!").await,
        400,
        "parameter-not-valid",
    )
    .await;
}

#[tokio::test]
async fn scopes_and_user_binding() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let a = create_user(&sim, &t, "a@example.com").await;
    let b = create_user(&sim, &t, "b@example.com").await;
    let ca = client_token(&sim, Some(&a)).await;
    // CLIENT_ACCESS may read its own user, not another one, and no server-only endpoints.
    assert_eq!(get(&sim, &ca, &format!("/users/{a}")).await.status(), 200);
    expect_error(
        get(&sim, &ca, &format!("/users/{b}")).await,
        401,
        "unauthorized-access",
    )
    .await;
    expect_error(
        get(&sim, &ca, &format!("/users/{a}/accounts")).await,
        403,
        "forbidden-access",
    )
    .await;
    expect_error(
        post(&sim, &ca, "/users", &json!({"email": "c@example.com"})).await,
        403,
        "forbidden-access",
    )
    .await;
    expect_error(
        get(&sim, &ca, &format!("/users/{a}/connections")).await,
        403,
        "forbidden-access",
    )
    .await;
    // A client token may create a connection for its own user only.
    let (s, _) = connect(&sim, &ca, &a, "AU00000", "gavinBelson", "hooli2016").await;
    assert_eq!(s, 202);
    let r = post(
        &sim,
        &ca,
        &format!("/users/{b}/connections"),
        &json!({"loginId": "x", "password": "y", "institution": {"id": "AU00000"}}),
    )
    .await;
    expect_error(r, 401, "unauthorized-access").await;
    // MFA answers need CLIENT_ACCESS.
    let (_, job) = connect(&sim, &t, &b, "AU00000", "jared", "django").await;
    let r = post(
        &sim,
        &t,
        &format!("/jobs/{job}/mfa"),
        &json!({"mfa-response": ["1234"]}),
    )
    .await;
    expect_error(r, 403, "forbidden-access").await;
    // And a client token bound to A cannot read B's job.
    expect_error(
        get(&sim, &ca, &format!("/jobs/{job}")).await,
        401,
        "unauthorized-access",
    )
    .await;
}

#[tokio::test]
async fn connection_request_errors() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "e@example.com").await;
    let path = format!("/users/{u}/connections");
    let cases = [
        (
            json!({"password": "p", "institution": {"id": "AU00000"}}),
            "Login ID parameter is required.",
        ),
        (
            json!({"loginId": "l", "institution": {"id": "AU00000"}}),
            "Password parameter is required.",
        ),
        (
            json!({"loginId": "l", "password": "p"}),
            "Institution ID parameter is required.",
        ),
    ];
    for (body, detail) in cases {
        let e = expect_error(
            post(&sim, &t, &path, &body).await,
            400,
            "parameter-not-supplied",
        )
        .await;
        assert_eq!(e.detail.as_deref(), Some(detail));
    }
    let e = expect_error(
        post(
            &sim,
            &t,
            &path,
            &json!({"loginId": "l", "password": "p", "institution": {"id": "AU99999"}}),
        )
        .await,
        400,
        "parameter-not-valid",
    )
    .await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Requested institution does not exist.")
    );
    expect_error(
        post(
            &sim,
            &t,
            &path,
            &json!({"loginId": 5, "password": "p", "institution": {"id": "AU00000"}}),
        )
        .await,
        400,
        "parameter-not-valid",
    )
    .await;
    expect_error(
        post(&sim, &t, &path, &json!([1, 2])).await,
        400,
        "invalid-content",
    )
    .await;
    expect_error(
        post(&sim, &t, "/users/nobody/connections", &json!({})).await,
        404,
        "resource-not-found",
    )
    .await;
    expect_error(
        get(&sim, &t, "/jobs/not-a-job").await,
        404,
        "resource-not-found",
    )
    .await;
    expect_error(
        get(&sim, &t, "/jobs/bad$id").await,
        400,
        "parameter-not-valid",
    )
    .await;
}

#[tokio::test]
async fn happy_connection_runs_all_steps_and_creates_data() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "w@example.com").await;
    let (s, job_id) = connect(&sim, &t, &u, "AU00000", "Wentworth-Smith", "whislter").await;
    assert_eq!(s, 202);
    let j = wait_job(&sim, &t, &job_id, finished).await;
    assert!(j.steps.iter().all(|s| s.status == "success"), "{j:?}");
    let conn_url = step(&j, "verify-credentials")
        .result
        .as_ref()
        .expect("result")["url"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(conn_url.starts_with(&format!("/users/{u}/connections/")));
    assert_eq!(
        step(&j, "retrieve-accounts").result.as_ref().expect("r")["url"],
        format!("/users/{u}/accounts?filter=institution.id.eq('AU00000')")
    );
    assert!(
        j.links["source"]
            .as_str()
            .expect("source")
            .ends_with(&conn_url)
    );

    let c: Value = get(&sim, &t, &conn_url)
        .await
        .json()
        .await
        .expect("connection");
    assert_eq!(c["status"], "active");
    assert_eq!(c["profile"]["fullName"], "Max Wentworth-Smith");
    assert!(c.get("password").is_none() && !c.to_string().contains("whislter"));
    assert_eq!(c["accounts"]["data"].as_array().expect("accounts").len(), 5);

    let a: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("accounts");
    let data = a["data"].as_array().expect("data");
    let card = data.iter().find(|x| x["accountNo"] == "1").expect("card");
    assert_eq!(card["name"], "Credit Card 13000");
    assert_eq!(card["class"]["type"], "credit-card");
    assert_eq!(card["class"]["product"], "Hooli Visa");
    assert_eq!(card["balance"], "-6081.50");
    assert_eq!(card["availableFunds"], "13918.50");
    assert_eq!(card["accountHolder"], "Max Wentworth-Smith");
    let mortgage = data
        .iter()
        .find(|x| x["accountNo"] == "4")
        .expect("mortgage");
    assert_eq!(
        mortgage["accountHolder"],
        "Max Wentworth-Smith & Paul Wentworth-Smith"
    );
    let one: Value = get(
        &sim,
        &t,
        &format!("/users/{u}/accounts/{}", card["id"].as_str().expect("id")),
    )
    .await
    .json()
    .await
    .expect("one");
    assert_eq!(one["id"], card["id"]);
    expect_error(
        get(&sim, &t, &format!("/users/{u}/accounts/nope")).await,
        404,
        "resource-not-found",
    )
    .await;

    let g: Value = get(&sim, &t, &format!("/users/{u}"))
        .await
        .json()
        .await
        .expect("user");
    assert_eq!(g["connections"]["count"], 1);
    assert_eq!(g["accounts"]["count"], 5);

    let jobs: Value = get(&sim, &t, &format!("/users/{u}/jobs"))
        .await
        .json()
        .await
        .expect("jobs");
    assert_eq!(jobs["size"], 1);
    assert_eq!(jobs["data"][0]["institution"]["id"], "AU00000");
}

#[tokio::test]
async fn transactions_paging_and_filters() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "r@example.com").await;
    let (_, job_id) = connect(&sim, &t, &u, "AU00000", "richard", "tabsnotspaces").await;
    wait_job(&sim, &t, &job_id, finished).await;
    let base = format!("/users/{u}/transactions");
    let first: Value = get(&sim, &t, &base).await.json().await.expect("page");
    let size = first["size"].as_u64().expect("size") as usize;
    assert!(size > 500, "months of transactions: {size}");
    assert_eq!(first["count"], 500);
    assert!(first["links"]["next"].is_string());
    // Walk with limit=200 and collect every id exactly once.
    let mut seen = std::collections::HashSet::new();
    let mut url = format!("{base}?limit=200");
    loop {
        let p: Value = get(&sim, &t, &url).await.json().await.expect("page");
        assert_eq!(p["size"].as_u64(), Some(size as u64));
        for x in p["data"].as_array().expect("data") {
            assert!(seen.insert(x["id"].as_str().expect("id").to_string()));
            let amount = x["amount"].as_str().expect("amount is a string");
            assert!(amount.parse::<f64>().is_ok());
            assert_eq!(
                x["direction"],
                if amount.starts_with('-') {
                    "debit"
                } else {
                    "credit"
                }
            );
        }
        match p["links"]["next"].as_str() {
            Some(n) => url = n.trim_start_matches(sim.base_url()).to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), size);
    let e = expect_error(
        get(&sim, &t, &format!("{base}?limit=501")).await,
        400,
        "parameter-not-valid",
    )
    .await;
    assert_eq!(e.detail.as_deref(), Some("Maximum limit allowed is 500"));
    let e = expect_error(
        get(&sim, &t, &format!("{base}?next=bogus")).await,
        400,
        "parameter-not-valid",
    )
    .await;
    assert_eq!(e.detail.as_deref(), Some("Next value is not valid"));
    // Filters.
    let enc = |f: &str| {
        f.replace('\'', "%27")
            .replace(',', "%2C")
            .replace('(', "%28")
            .replace(')', "%29")
    };
    let credits: Value = get(
        &sim,
        &t,
        &format!(
            "{base}?filter={}",
            enc("transaction.direction.eq('credit')")
        ),
    )
    .await
    .json()
    .await
    .expect("credits");
    assert!(
        credits["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|x| x["direction"] == "credit")
    );
    let today = chrono_today();
    let from = format!("{}-01", &today[..7]);
    let f = format!("transaction.postDate.bt('{from}','{today}'),transaction.class.eq('payment')");
    let month: Value = get(&sim, &t, &format!("{base}?filter={}", enc(&f)))
        .await
        .json()
        .await
        .expect("month");
    for x in month["data"].as_array().expect("data") {
        let d = &x["postDate"].as_str().expect("posted")[..10];
        assert!(d >= from.as_str() && d <= today.as_str());
        assert_eq!(x["class"], "payment");
    }
    let acct: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("acc");
    let aid = acct["data"][0]["id"].as_str().expect("id").to_string();
    let only: Value = get(
        &sim,
        &t,
        &format!("{base}?filter={}", enc(&format!("account.id.eq('{aid}')"))),
    )
    .await
    .json()
    .await
    .expect("only");
    assert!(
        only["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|x| x["account"] == aid.as_str())
    );
    let tid = only["data"][0]["id"].as_str().expect("id");
    let one: Value = get(&sim, &t, &format!("{base}/{tid}"))
        .await
        .json()
        .await
        .expect("one");
    assert_eq!(one["id"], tid);
    expect_error(
        get(
            &sim,
            &t,
            &format!("{base}?filter={}", enc("transaction.colour.eq('x')")),
        )
        .await,
        400,
        "parameter-not-valid",
    )
    .await;
}

fn chrono_today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    // Civil date from days since epoch (Howard Hinnant's algorithm).
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[tokio::test]
async fn duplicate_submission_returns_the_running_job() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(1.0)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "d@example.com").await;
    let (s1, j1) = connect(&sim, &t, &u, "AU00000", "jared", "django").await;
    let (s2, j2) = connect(&sim, &t, &u, "AU00000", "jared", "django").await;
    assert_eq!((s1, s2), (202, 200));
    assert_eq!(j1, j2);
    let l: Value = get(&sim, &t, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(l["data"].as_array().expect("data").len(), 1);
}

#[tokio::test]
async fn mfa_token_challenge_wrong_then_right() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(50.0)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "m@example.com").await;
    let ct = client_token(&sim, Some(&u)).await;
    let (_, job_id) = connect(&sim, &ct, &u, "AU00002", "jared", "django").await;
    let j = wait_job(&sim, &ct, &job_id, |j| awaiting_mfa(j) || finished(j)).await;
    let titles: Vec<&str> = j.steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "verify-credentials",
            "mfa-challenge",
            "retrieve-accounts",
            "retrieve-transactions"
        ]
    );
    let r = step(&j, "mfa-challenge").result.clone().expect("challenge");
    assert_eq!(r["type"], "mfa");
    assert_eq!(r["method"], "token");
    assert_eq!(r["input"], json!(["OTP Password"]));
    // Two minutes of simulated time, stated in real time at 50×: when it really expires.
    assert_eq!(r["expiryMs"], 120_000 / 50);
    assert!(
        r["links"]["response"]
            .as_str()
            .expect("link")
            .ends_with(&format!("/jobs/{job_id}/mfa"))
    );

    let path = format!("/jobs/{job_id}/mfa");
    let wrong = post(&sim, &ct, &path, &json!({"mfa-response": ["0000"]})).await;
    assert_eq!(wrong.status(), 202);
    let j = job(&sim, &ct, &job_id).await;
    assert!(
        awaiting_mfa(&j),
        "challenge again after a wrong answer: {j:?}"
    );
    expect_error(
        post(&sim, &ct, &path, &json!({"nothing": 1})).await,
        400,
        "parameter-not-supplied",
    )
    .await;

    let ok = post(&sim, &ct, &path, &json!({"mfa-response": ["1234"]})).await;
    assert_eq!(ok.status(), 202);
    let body: JobRef = ok.json().await.expect("ref");
    assert_eq!(body.id, job_id);
    let j = wait_job(&sim, &ct, &job_id, finished).await;
    assert!(j.steps.iter().all(|s| s.status == "success"), "{j:?}");
    let c: Value = get(&sim, &t, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("conns");
    assert_eq!(c["data"][0]["mfaEnabled"], true);
    // Not awaiting any more.
    expect_error(
        post(&sim, &ct, &path, &json!({"mfa-response": ["1234"]})).await,
        400,
        "parameter-not-valid",
    )
    .await;
}

#[tokio::test]
async fn mfa_security_questions_and_three_strikes() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(50.0)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "q@example.com").await;
    let ct = client_token(&sim, Some(&u)).await;
    // Whistler: two questions; the institution asking is AU00002.
    let (_, j1) = connect(&sim, &ct, &u, "AU00002", "Whistler", "ShowBox").await;
    let j = wait_job(&sim, &ct, &j1, |j| awaiting_mfa(j) || finished(j)).await;
    let r = step(&j, "mfa-challenge").result.clone().expect("challenge");
    assert_eq!(r["method"], "security-questions");
    assert_eq!(r["input"].as_array().expect("input").len(), 2);
    post(
        &sim,
        &ct,
        &format!("/jobs/{j1}/mfa"),
        &json!({"mfa-response": ["Basiq", "AU00002"]}),
    )
    .await;
    let j = wait_job(&sim, &ct, &j1, finished).await;
    assert!(j.steps.iter().all(|s| s.status == "success"));

    // gavinBelson answers wrongly three times.
    let (_, j2) = connect(&sim, &ct, &u, "AU00002", "gavinBelson", "hooli2016").await;
    let j = wait_job(&sim, &ct, &j2, |j| awaiting_mfa(j) || finished(j)).await;
    assert_eq!(
        step(&j, "mfa-challenge").result.as_ref().expect("c")["input"],
        json!(["What's your first company?"])
    );
    for _ in 0..3 {
        assert_eq!(
            post(
                &sim,
                &ct,
                &format!("/jobs/{j2}/mfa"),
                &json!({"mfa-response": ["Aviato"]})
            )
            .await
            .status(),
            202
        );
    }
    let j = job(&sim, &ct, &j2).await;
    let m = step(&j, "mfa-challenge");
    assert_eq!(m.status, "failed");
    assert_eq!(m.result.as_ref().expect("r")["code"], "invalid-credentials");
    assert_eq!(step(&j, "retrieve-accounts").status, "pending");
}

#[tokio::test]
async fn mfa_expires_on_the_sim_clock() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(50.0)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "x@example.com").await;
    let ct = client_token(&sim, Some(&u)).await;
    let (_, id) = connect(&sim, &ct, &u, "AU00002", "richard", "tabsnotspaces").await;
    wait_job(&sim, &ct, &id, |j| awaiting_mfa(j) || finished(j)).await;
    sim.advance_clock(Duration::from_secs(121));
    let j = job(&sim, &ct, &id).await;
    let m = step(&j, "mfa-challenge");
    assert_eq!(m.status, "failed");
    assert_eq!(
        m.result.as_ref().expect("r")["code"],
        "user-action-required"
    );
}

#[tokio::test]
async fn nucleus_asks_about_half_the_time_deterministically() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let sim = Simulator::builder()
            .api_key(KEY)
            .seed(seed)
            .speed(200.0)
            .spawn()
            .await
            .expect("sim");
        let t = server_token(&sim).await;
        let u = create_user(&sim, &t, "n@example.com").await;
        let mut out = Vec::new();
        for _ in 0..12 {
            let (_, id) = connect(&sim, &t, &u, "AU00003", "jared", "django").await;
            let j = wait_job(&sim, &t, &id, |j| awaiting_mfa(j) || finished(j)).await;
            out.push(awaiting_mfa(&j));
            // Clear the way for the next attempt.
            let c: Value = get(&sim, &t, &format!("/users/{u}/connections"))
                .await
                .json()
                .await
                .expect("conns");
            let cid = c["data"][0]["id"].as_str().expect("id").to_string();
            assert_eq!(
                delete(&sim, &t, &format!("/users/{u}/connections/{cid}"))
                    .await
                    .status(),
                204
            );
        }
        out
    }
    let a = pattern(11).await;
    assert_eq!(a, pattern(11).await);
    let asked = a.iter().filter(|x| **x).count();
    assert!((1..12).contains(&asked), "sometimes, not always: {a:?}");
}

#[tokio::test]
async fn refresh_update_delete_and_invalidation() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "f@example.com").await;
    let (_, j) = connect(&sim, &t, &u, "AU00000", "gavinBelson", "hooli2016").await;
    let j = wait_job(&sim, &t, &j, finished).await;
    let conn_path = step(&j, "verify-credentials").result.as_ref().expect("r")["url"]
        .as_str()
        .expect("url")
        .to_string();
    let cid = conn_path.rsplit('/').next().expect("id").to_string();
    let accounts_before: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("a");

    // Single refresh → 202 job, then again while running → 200 same job.
    let r = post(&sim, &t, &format!("{conn_path}/refresh"), &json!({})).await;
    assert_eq!(r.status(), 202);
    let j1: JobRef = r.json().await.expect("ref");
    let r = post(&sim, &t, &format!("{conn_path}/refresh"), &json!({})).await;
    if r.status() == 200 {
        let again: JobRef = r.json().await.expect("ref");
        assert_eq!(again.id, j1.id);
    }
    wait_job(&sim, &t, &j1.id, finished).await;
    let accounts_after: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("a");
    let ids = |v: &Value| {
        v["data"]
            .as_array()
            .expect("d")
            .iter()
            .map(|a| a["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&accounts_before),
        ids(&accounts_after),
        "refresh keeps account ids"
    );

    // Refresh all → list of jobs.
    let r = post(
        &sim,
        &t,
        &format!("/users/{u}/connections/refresh"),
        &json!({}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let all: Value = r.json().await.expect("list");
    assert_eq!(all["type"], "list");
    assert_eq!(all["data"].as_array().expect("d").len(), 1);
    wait_job(
        &sim,
        &t,
        all["data"][0]["id"].as_str().expect("id"),
        finished,
    )
    .await;

    // The bank invalidates the password: refresh is refused until the credentials are updated.
    assert_eq!(sim.invalidate_connections_of("gavinBelson"), 1);
    let c: Value = get(&sim, &t, &conn_path).await.json().await.expect("c");
    assert_eq!(c["status"], "invalid");
    expect_error(
        post(&sim, &t, &format!("{conn_path}/refresh"), &json!({})).await,
        400,
        "invalid-credentials",
    )
    .await;
    let all: Value = post(
        &sim,
        &t,
        &format!("/users/{u}/connections/refresh"),
        &json!({}),
    )
    .await
    .json()
    .await
    .expect("l");
    assert_eq!(all["data"].as_array().expect("d").len(), 0);
    expect_error(
        post(&sim, &t, &conn_path, &json!({})).await,
        400,
        "parameter-not-supplied",
    )
    .await;
    let r = post(&sim, &t, &conn_path, &json!({"password": "hooli2016"})).await;
    assert_eq!(r.status(), 202);
    let upd: JobRef = r.json().await.expect("ref");
    wait_job(&sim, &t, &upd.id, finished).await;
    let c: Value = get(&sim, &t, &conn_path).await.json().await.expect("c");
    assert_eq!(c["status"], "active");

    // Wrong password on update → invalid.
    let r = post(&sim, &t, &conn_path, &json!({"password": "nope"})).await;
    let upd: JobRef = r.json().await.expect("ref");
    let j = wait_job(&sim, &t, &upd.id, finished).await;
    assert_eq!(step(&j, "verify-credentials").status, "failed");
    let c: Value = get(&sim, &t, &conn_path).await.json().await.expect("c");
    assert_eq!(c["status"], "invalid");

    // Delete → 204; accounts stay readable; the connection is gone.
    assert_eq!(delete(&sim, &t, &conn_path).await.status(), 204);
    expect_error(get(&sim, &t, &conn_path).await, 404, "resource-not-found").await;
    let a: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("a");
    assert_eq!(ids(&a), ids(&accounts_before));
    let l: Value = get(&sim, &t, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("l");
    assert_eq!(l["data"].as_array().expect("d").len(), 0);
    assert!(!cid.is_empty());
}

#[tokio::test]
async fn institution_status_fails_jobs() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let dir: Value = get(&sim, &t, "/institutions")
        .await
        .json()
        .await
        .expect("dir");
    let u = create_user(&sim, &t, "o@example.com").await;
    for (status, code) in [
        ("major-outage", "institution-not-available"),
        ("under-maintenance", "maintenance"),
    ] {
        let inst = dir["data"]
            .as_array()
            .expect("d")
            .iter()
            .find(|i| i["status"] == status)
            .expect("one");
        let (_, id) = connect(
            &sim,
            &t,
            &u,
            inst["id"].as_str().expect("id"),
            "jared",
            "django",
        )
        .await;
        let j = wait_job(&sim, &t, &id, finished).await;
        let v = step(&j, "verify-credentials");
        assert_eq!(v.status, "failed");
        assert_eq!(v.result.as_ref().expect("r")["code"], code);
    }
}

#[tokio::test]
async fn list_filters_for_accounts_connections_and_jobs() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "filters@example.com").await;
    let (_, j1) = connect(&sim, &t, &u, "AU00000", "jared", "django").await;
    let (_, j2) = connect(&sim, &t, &u, "AU00004", "ashMann", "hooli2024").await;
    let (_, j3) = connect(&sim, &t, &u, "AU00000", "bighead", "password").await;
    for j in [&j1, &j2, &j3] {
        wait_job(&sim, &t, j, finished).await;
    }
    let enc = |f: &str| {
        f.replace('\'', "%27")
            .replace(',', "%2C")
            .replace('(', "%28")
            .replace(')', "%29")
    };
    let q = |path: &str, f: &str| format!("/users/{u}/{path}?filter={}", enc(f));

    let active: Value = get(&sim, &t, &q("connections", "status.eq('active')"))
        .await
        .json()
        .await
        .expect("c");
    assert_eq!(active["data"].as_array().expect("d").len(), 2);
    let invalid: Value = get(
        &sim,
        &t,
        &q("connections", "connection.status.eq('invalid')"),
    )
    .await
    .json()
    .await
    .expect("c");
    assert_eq!(invalid["data"].as_array().expect("d").len(), 1);
    let at_gov: Value = get(&sim, &t, &q("connections", "institution.id.eq('AU00004')"))
        .await
        .json()
        .await
        .expect("c");
    let gov_conn = at_gov["data"][0]["id"].as_str().expect("id").to_string();

    let all: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("a");
    assert_eq!(all["data"].as_array().expect("d").len(), 6);
    let gov: Value = get(
        &sim,
        &t,
        &q("accounts", &format!("connection.id.eq('{gov_conn}')")),
    )
    .await
    .json()
    .await
    .expect("a");
    assert_eq!(gov["data"].as_array().expect("d").len(), 2);
    let hooli: Value = get(&sim, &t, &q("accounts", "institution.id.ne('AU00004')"))
        .await
        .json()
        .await
        .expect("a");
    assert!(
        hooli["data"]
            .as_array()
            .expect("d")
            .iter()
            .all(|a| a["institution"] == "AU00000")
    );
    assert_eq!(hooli["data"].as_array().expect("d").len(), 4);
    expect_error(
        get(&sim, &t, &q("accounts", "account.colour.eq('x')")).await,
        400,
        "parameter-not-valid",
    )
    .await;

    let jobs: Value = get(
        &sim,
        &t,
        &q("jobs", &format!("connection.id.eq('{gov_conn}')")),
    )
    .await
    .json()
    .await
    .expect("j");
    assert_eq!(jobs["size"], 1);
    assert_eq!(jobs["data"][0]["id"], j2.as_str());
    let all_jobs: Value = get(&sim, &t, &format!("/users/{u}/jobs"))
        .await
        .json()
        .await
        .expect("j");
    assert_eq!(all_jobs["size"], 3);
}
