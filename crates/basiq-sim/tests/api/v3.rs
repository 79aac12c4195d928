//! Basiq 3.0 through the API: version from the request, user-bound client tokens, no
//! API-created connections, connectors, consents, refresh, purge, jobs with `jobType`.

use serde_json::{Value, json};

use crate::common::consent::*;
use crate::common::*;

async fn body(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    r.json().await.expect("json")
}

#[tokio::test]
async fn v3_client_tokens_are_bound_to_their_user() {
    let sim = sim_v3().await;
    let a = new_user(&sim, "a@example.com").await;
    let b = new_user(&sim, "b@example.com").await;
    let t = client_v3(&sim, &a).await;
    assert_eq!(claims(&t)["userid"], a.as_str());
    assert_eq!(claims(&t)["version"], "3.0");
    assert_eq!(get(&sim, &t, &format!("/users/{a}")).await.status(), 200);
    expect_error(
        get(&sim, &t, &format!("/users/{b}")).await,
        401,
        "unauthorized-access",
    )
    .await;
}

#[tokio::test]
async fn v3_refuses_api_created_connections_for_the_same_user() {
    let sim = sim_v3().await;
    let u = new_user(&sim, "v3c@example.com").await;
    let creds = json!({"loginId": "gavinBelson", "password": "hooli2016", "institution": {"id": "AU00000"}});
    let path = format!("/users/{u}/connections");
    // 3.0 server token: the route does not exist in 3.0.
    let t3 = server_v3(&sim).await;
    let e = expect_error(
        post(&sim, &t3, &path, &creds).await,
        404,
        "resource-not-found",
    )
    .await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Route not found for this API version.")
    );
    // A 2.1 token with a `basiq-version: 3.0` header speaks 3.0 too.
    let t2 = server_token(&sim).await;
    let r = client()
        .post(format!("{}{path}", sim.base_url()))
        .bearer_auth(&t2)
        .header("basiq-version", "3.0")
        .json(&creds)
        .send()
        .await
        .expect("send");
    expect_error(r, 404, "resource-not-found").await;
    // The same user, in 2.1: created.
    let r = post(&sim, &t2, &path, &creds).await;
    assert_eq!(r.status(), 202);
    let job: JobRef = r.json().await.expect("job");
    let j = wait_job(&sim, &t2, &job.id, finished).await;
    let conn = j.links["source"]
        .as_str()
        .expect("source")
        .rsplit('/')
        .next()
        .expect("id")
        .to_string();
    // Credential updates are refused in 3.0 as well.
    let e = expect_error(
        post(
            &sim,
            &t3,
            &format!("{path}/{conn}"),
            &json!({"password": "x"}),
        )
        .await,
        404,
        "resource-not-found",
    )
    .await;
    assert_eq!(
        e.detail.as_deref(),
        Some("Route not found for this API version.")
    );
    // 3.0 shows the connection with method and expiryDate (empty for web); 2.1 does not.
    let l3 = body(get(&sim, &t3, &path).await, 200).await;
    assert_eq!(l3["data"][0]["method"], "web");
    assert_eq!(l3["data"][0]["expiryDate"], "");
    let l2 = body(get(&sim, &t2, &path).await, 200).await;
    assert!(l2["data"][0].get("method").is_none());
    // Jobs carry jobType in 3.0 only.
    let j3 = body(get(&sim, &t3, &format!("/jobs/{}", job.id)).await, 200).await;
    assert_eq!(j3["jobType"], "connection");
    let j2 = body(get(&sim, &t2, &format!("/jobs/{}", job.id)).await, 200).await;
    assert!(j2.get("jobType").is_none());
    let list = body(get(&sim, &t3, &format!("/users/{u}/jobs")).await, 200).await;
    assert_eq!(list["data"][0]["jobType"], "connection");
}

#[tokio::test]
async fn connectors_one_row_per_institution_and_method_filtered_by_method() {
    let sim = sim_v3().await;
    let t = server_v3(&sim).await;
    let all = body(get(&sim, &t, "/connectors").await, 200).await;
    let institutions = body(get(&sim, &t, "/institutions").await, 200).await;
    let n = institutions["data"].as_array().expect("list").len();
    assert_eq!(all["totalCount"].as_u64(), Some(n as u64 + 1));
    for f in [
        "connector.method.eq('open-banking')",
        "connector.method.eq('openbanking')",
    ] {
        let ob = body(get(&sim, &t, &format!("/connectors?filter={f}")).await, 200).await;
        let rows = ob["data"].as_array().expect("list");
        assert_eq!(rows.len(), 1, "{f}");
        assert_eq!(rows[0]["id"], "AU00000");
        assert_eq!(rows[0]["method"], "open-banking");
        assert_eq!(rows[0]["institution"]["name"], "Hooli OB");
        assert!(rows[0]["institution"]["cdrProviderNumber"].is_string());
    }
    let web = body(
        get(&sim, &t, "/connectors?filter=connector.method.eq('web')").await,
        200,
    )
    .await;
    assert_eq!(web["data"].as_array().map(Vec::len), Some(n));
    assert!(
        web["data"]
            .as_array()
            .expect("list")
            .iter()
            .all(|r| r["method"] == "web")
    );
    let mfa = body(
        get(&sim, &t, "/connectors?filter=connector.authorization.type.eq('user-mfa'),connector.institution.tier.eq('4')").await,
        200,
    )
    .await;
    assert!(
        mfa["data"]
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["id"] == "AU00002")
    );
    assert_eq!(
        mfa["data"][0]["authorization"]["meta"]["login_id_caption"],
        "Login"
    );
    let nz = body(
        get(
            &sim,
            &t,
            "/connectors?filter=connector.institution.country.eq('New Zealand')",
        )
        .await,
        200,
    )
    .await;
    assert!(
        nz["data"]
            .as_array()
            .expect("list")
            .iter()
            .all(|r| r["id"].as_str().is_some_and(|i| i.starts_with("NZ")))
    );
    expect_error(
        get(&sim, &t, "/connectors?filter=connector.colour.eq('red')").await,
        400,
        "parameter-not-valid",
    )
    .await;
    // Public list without a token; one connector by id and method (alias accepted).
    let public = client()
        .get(format!(
            "{}/public/connectors?filter=connector.id.eq('AU00002')",
            sim.base_url()
        ))
        .send()
        .await
        .expect("send");
    let public = body(public, 200).await;
    assert_eq!(public["data"][0]["id"], "AU00002");
    let one = body(get(&sim, &t, "/connectors/AU00000/openbanking").await, 200).await;
    assert_eq!(one["method"], "open-banking");
    let one = body(get(&sim, &t, "/connectors/AU00002/web").await, 200).await;
    assert_eq!(one["institution"]["shortName"], "Pied Piper");
    expect_error(
        get(&sim, &t, "/connectors/AU00002/open-banking").await,
        404,
        "resource-not-found",
    )
    .await;
    expect_error(
        get(&sim, &t, "/connectors/AU00002/csv").await,
        400,
        "parameter-not-valid",
    )
    .await;
    expect_error(
        get(&sim, &t, "/connectors/XX/web").await,
        400,
        "parameter-not-valid",
    )
    .await;
}

#[tokio::test]
async fn consents_purge_routes_do_not_exist_in_2_1() {
    let sim = sim_v3().await;
    let u = new_user(&sim, "v2@example.com").await;
    let t2 = server_token(&sim).await;
    let e = expect_error(
        get(&sim, &t2, &format!("/users/{u}/consents")).await,
        404,
        "resource-not-found",
    )
    .await;
    assert_eq!(e.detail.as_deref(), Some("Route not found."));
    expect_error(
        delete(&sim, &t2, &format!("/users/{u}/consents/abc")).await,
        404,
        "resource-not-found",
    )
    .await;
    expect_error(
        post(
            &sim,
            &t2,
            &format!("/users/{u}/connections/abc/purge"),
            &json!({}),
        )
        .await,
        404,
        "resource-not-found",
    )
    .await;
    let t3 = server_v3(&sim).await;
    let empty = body(get(&sim, &t3, &format!("/users/{u}/consents")).await, 200).await;
    assert_eq!(empty["size"], 0);
    expect_error(
        delete(&sim, &t3, &format!("/users/{u}/consents/abc")).await,
        404,
        "resource-not-found",
    )
    .await;
}

/// A user with a Hooli OB connection made in the Consent UI (its job finished); returns the
/// user and the connection id.
async fn with_open_banking(sim: &basiq_sim::SimHandle, ui: &Ui, email: &str) -> (String, String) {
    let u = new_user(sim, email).await;
    let t3 = server_v3(sim).await;
    let back = connect_hooli_ob(ui, &client_v3(sim, &u).await, "s1").await;
    let job = param(&back, "jobId").expect("jobId");
    let j = wait_job(sim, &t3, &job, finished).await;
    assert!(
        j.steps.iter().all(|s| s.status == "success"),
        "{:?}",
        j.steps
    );
    let conns = body(get(sim, &t3, &format!("/users/{u}/connections")).await, 200).await;
    (u, conns["data"][0]["id"].as_str().expect("id").to_string())
}

/// Opens Hooli OB again and leaves at the bank: a `pre-init` connection; returns its id.
async fn abandoned_open_banking(sim: &basiq_sim::SimHandle, ui: &Ui, u: &str) -> String {
    let (_, at) = ui
        .open(&format!(
            "token={}&action=connect&institutionId=AU00000",
            client_v3(sim, u).await
        ))
        .await;
    assert!(at.contains("/consent/holder/"), "{at}");
    let t3 = server_v3(sim).await;
    let conns = body(get(sim, &t3, &format!("/users/{u}/connections")).await, 200).await;
    let pre = conns["data"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["status"] == "pre-init");
    pre.and_then(|c| c["id"].as_str())
        .expect("a pre-init connection")
        .to_string()
}

#[tokio::test]
async fn a_consent_ui_connection_has_method_expiry_and_a_consent() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let (u, _) = with_open_banking(&sim, &ui, "ob@example.com").await;
    let t3 = server_v3(&sim).await;
    let conns = body(
        get(&sim, &t3, &format!("/users/{u}/connections")).await,
        200,
    )
    .await;
    let c = &conns["data"][0];
    assert_eq!(c["method"], "open-banking");
    assert_eq!(c["status"], "active");
    assert!(
        c["expiryDate"].as_str().is_some_and(|d| d.len() == 20),
        "{c}"
    );
    let consents = body(get(&sim, &t3, &format!("/users/{u}/consents")).await, 200).await;
    assert_eq!(consents["size"], 1);
    assert_eq!(consents["data"][0]["status"], "active");
    assert_eq!(
        consents["data"][0]["data"]["permissions"][0]["scope"],
        "account.basic"
    );
    // The client token of that user may read its consents too.
    let ct = client_v3(&sim, &u).await;
    assert_eq!(
        get(&sim, &ct, &format!("/users/{u}/consents"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn refresh_all_returns_a_job_per_active_connection() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let (u, conn) = with_open_banking(&sim, &ui, "refresh@example.com").await;
    let t3 = server_v3(&sim).await;
    // A second (web) connection through the Consent UI, and an abandoned pre-init one.
    let (_, at) = ui
        .open(&format!(
            "token={}&action=connect",
            client_v3(&sim, &u).await
        ))
        .await;
    let sid = sid_of(&at);
    let a = ui
        .post(
            &format!("/consent/s/{sid}/connect/AU00000/web"),
            &[("loginId", "Whistler"), ("password", "ShowBox")],
        )
        .await;
    finish_job_page(&ui, &a.location.expect("job page")).await;
    let pre_init = abandoned_open_banking(&sim, &ui, &u).await;
    wait_for_idle(&sim, &t3, &u).await;
    let r = post(
        &sim,
        &t3,
        &format!("/users/{u}/connections/refresh"),
        &json!({}),
    )
    .await;
    let list = body(r, 202).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(2), "{list}");
    // Refresh one while it runs: 200 with the same job.
    let r = post(
        &sim,
        &t3,
        &format!("/users/{u}/connections/{conn}/refresh"),
        &json!({}),
    )
    .await;
    let first = body(r, 200).await;
    let again = body(
        post(
            &sim,
            &t3,
            &format!("/users/{u}/connections/{conn}/refresh"),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(first["id"], again["id"]);
    expect_error(
        post(
            &sim,
            &t3,
            &format!("/users/{u}/connections/{pre_init}/refresh"),
            &json!({}),
        )
        .await,
        400,
        "parameter-not-valid",
    )
    .await;
}

#[tokio::test]
async fn purge_keeps_the_connection_and_revoking_a_consent_deletes_its_connections() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let (u, conn) = with_open_banking(&sim, &ui, "purge@example.com").await;
    let t3 = server_v3(&sim).await;
    let ob_accounts = |v: &Value| {
        v["data"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|a| a["connection"] == conn.as_str())
            .count()
    };
    let before = body(get(&sim, &t3, &format!("/users/{u}/accounts")).await, 200).await;
    assert_eq!(ob_accounts(&before), 4);
    assert_eq!(
        post(
            &sim,
            &t3,
            &format!("/users/{u}/connections/{conn}/purge"),
            &json!({})
        )
        .await
        .status(),
        204
    );
    let after = body(get(&sim, &t3, &format!("/users/{u}/accounts")).await, 200).await;
    assert_eq!(ob_accounts(&after), 0);
    let conns = body(
        get(&sim, &t3, &format!("/users/{u}/connections")).await,
        200,
    )
    .await;
    assert_eq!(conns["data"][0]["id"], conn.as_str());
    let pre_init = abandoned_open_banking(&sim, &ui, &u).await;
    expect_error(
        post(
            &sim,
            &t3,
            &format!("/users/{u}/connections/{pre_init}/purge"),
            &json!({}),
        )
        .await,
        400,
        "parameter-not-valid",
    )
    .await;
    // Revoking the consent deletes its connections (irreversibly).
    let consents = body(get(&sim, &t3, &format!("/users/{u}/consents")).await, 200).await;
    let id = consents["data"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(
        delete(&sim, &t3, &format!("/users/{u}/consents/{id}"))
            .await
            .status(),
        204
    );
    let conns = body(
        get(&sim, &t3, &format!("/users/{u}/connections")).await,
        200,
    )
    .await;
    assert_eq!(conns["data"].as_array().map(Vec::len), Some(0), "{conns}");
    let consents = body(get(&sim, &t3, &format!("/users/{u}/consents")).await, 200).await;
    assert_eq!(consents["data"][0]["status"], "revoked");
    assert!(consents["data"][0]["revoked"].is_string());
}

/// Waits until no job of the user is running.
async fn wait_for_idle(sim: &basiq_sim::SimHandle, t: &str, u: &str) {
    for _ in 0..200 {
        let jobs: Value = get(sim, t, &format!("/users/{u}/jobs"))
            .await
            .json()
            .await
            .expect("json");
        let running = jobs["data"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|j| {
                j["steps"].as_array().is_some_and(|s| {
                    !s.iter().any(|s| s["status"] == "failed")
                        && s.iter()
                            .any(|s| s["status"] == "pending" || s["status"] == "in-progress")
                })
            })
            .count();
        if running == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("jobs kept running");
}
