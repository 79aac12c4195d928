//! Every sandbox persona's job ends in the documented state; persona data is deterministic.

use crate::common::*;
use basiq_sim::{SimHandle, Simulator};
use serde_json::{Value, json};

const HAPPY: &[(&str, &str, usize, &[&str])] = &[
    ("Wentworth-Smith", "whislter", 5, &["Basiq", "AU00000"]),
    ("Whistler", "ShowBox", 3, &["Basiq", "AU00002"]),
    ("Gilfoyle", "PiedPiper", 2, &["Hooli"]),
    ("gavinBelson", "hooli2016", 4, &["Hooli"]),
    ("jared", "django", 4, &["1234"]),
    ("richard", "tabsnotspaces", 11, &["1234"]),
    ("laurieBream", "business2024", 3, &["1234"]),
    ("ashMann", "hooli2024", 2, &["1234"]),
];

async fn connection_of(sim: &SimHandle, t: &str, j: &Job) -> Value {
    let url = step(j, "verify-credentials")
        .result
        .as_ref()
        .expect("result")["url"]
        .as_str()
        .expect("url")
        .to_string();
    get(sim, t, &url).await.json().await.expect("connection")
}

#[tokio::test]
async fn happy_personas_succeed_with_distinct_data() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let mut seen_balances = Vec::new();
    for (login, password, n_accounts, _) in HAPPY {
        let u = create_user(&sim, &t, &format!("{}@example.com", login.to_lowercase())).await;
        let (_, id) = connect(&sim, &t, &u, "AU00000", login, password).await;
        let j = wait_job(&sim, &t, &id, finished).await;
        assert!(
            j.steps.iter().all(|s| s.status == "success"),
            "{login}: {j:?}"
        );
        let c = connection_of(&sim, &t, &j).await;
        assert_eq!(c["status"], "active", "{login}");
        let a: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
            .await
            .json()
            .await
            .expect("accounts");
        let accounts = a["data"].as_array().expect("data");
        assert_eq!(accounts.len(), *n_accounts, "{login}");
        let balances: Vec<String> = accounts
            .iter()
            .map(|x| x["balance"].as_str().expect("b").to_string())
            .collect();
        assert!(
            !seen_balances.contains(&balances),
            "{login} has its own accounts"
        );
        seen_balances.push(balances);
        let tx: Value = get(&sim, &t, &format!("/users/{u}/transactions?limit=1"))
            .await
            .json()
            .await
            .expect("txns");
        assert!(
            tx["size"].as_u64().expect("size") > 100,
            "{login} has months of transactions"
        );
    }
}

#[tokio::test]
async fn unhappy_personas_fail_at_verify_credentials() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "unhappy@example.com").await;
    let cases = [
        ("bighead", "password", "invalid-credentials", Some("locked")),
        (
            "erlich",
            "aviato",
            "account-not-accessible-requires-user-action",
            None,
        ),
        ("jianYang", "nothotdog", "service-unavailable", None),
        ("somebody", "whatever", "invalid-credentials", None),
        ("jared", "wrong-password", "invalid-credentials", None),
    ];
    for (login, password, code, detail_has) in cases {
        let (_, id) = connect(&sim, &t, &u, "AU00000", login, password).await;
        let j = wait_job(&sim, &t, &id, finished).await;
        let v = step(&j, "verify-credentials");
        assert_eq!(v.status, "failed", "{login}");
        let r = v.result.as_ref().expect("result");
        assert_eq!(r["code"], code, "{login}");
        assert!(r["title"].is_string() && r["detail"].is_string());
        if let Some(d) = detail_has {
            assert!(
                r["detail"].as_str().expect("d").to_lowercase().contains(d),
                "{login}: {r}"
            );
        }
        assert!(
            j.steps[1..]
                .iter()
                .all(|s| s.status == "pending" && s.result.is_none()),
            "{login}: {j:?}"
        );
    }
    // Credential failures leave the connection invalid; an outage of the persona service does not.
    let l: Value = get(&sim, &t, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("l");
    let statuses: Vec<(String, String)> = l["data"]
        .as_array()
        .expect("d")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_string(),
                c["status"].as_str().expect("s").to_string(),
            )
        })
        .collect();
    assert_eq!(statuses.len(), 5);
    assert_eq!(
        statuses.iter().filter(|(_, s)| s == "invalid").count(),
        4,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn personas_answer_mfa_at_pied_piper() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(50.0)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    for (login, password, _, answer) in HAPPY {
        let u = create_user(
            &sim,
            &t,
            &format!("mfa-{}@example.com", login.to_lowercase()),
        )
        .await;
        let ct = client_token(&sim, Some(&u)).await;
        let (_, id) = connect(&sim, &ct, &u, "AU00002", login, password).await;
        let j = wait_job(&sim, &ct, &id, |j| awaiting_mfa(j) || finished(j)).await;
        assert!(awaiting_mfa(&j), "{login} meets MFA at Pied Piper: {j:?}");
        let inputs = step(&j, "mfa-challenge").result.as_ref().expect("c")["input"]
            .as_array()
            .expect("input")
            .len();
        assert_eq!(inputs, answer.len(), "{login}");
        let r = post(
            &sim,
            &ct,
            &format!("/jobs/{id}/mfa"),
            &json!({"mfa-response": answer}),
        )
        .await;
        assert_eq!(r.status(), 202);
        let j = wait_job(&sim, &ct, &id, finished).await;
        assert!(
            j.steps.iter().all(|s| s.status == "success"),
            "{login}: {j:?}"
        );
    }
}

#[tokio::test]
async fn personas_work_at_any_institution() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let dir: Value = get(&sim, &t, "/institutions")
        .await
        .json()
        .await
        .expect("dir");
    let inst = dir["data"]
        .as_array()
        .expect("d")
        .iter()
        .find(|i| {
            i["authorization"] == "user"
                && i["status"] == "operational"
                && i["institutionType"] == "Credit Union"
        })
        .expect("a plain credit union")
        .clone();
    let id = inst["id"].as_str().expect("id");
    let u = create_user(&sim, &t, "anywhere@example.com").await;
    let (_, job) = connect(&sim, &t, &u, id, "Gilfoyle", "PiedPiper").await;
    let j = wait_job(&sim, &t, &job, finished).await;
    assert!(j.steps.iter().all(|s| s.status == "success"), "{j:?}");
    let a: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("a");
    let product = a["data"][0]["class"]["product"].as_str().expect("product");
    assert!(
        product.starts_with(inst["shortName"].as_str().expect("short")),
        "{product}"
    );
    assert_eq!(a["data"][0]["institution"], id);
}

async fn persona_snapshot(seed: u64) -> String {
    let sim = Simulator::builder()
        .api_key(KEY)
        .seed(seed)
        .speed(200.0)
        .spawn()
        .await
        .expect("sim");
    let t = server_token(&sim).await;
    let u = create_user(&sim, &t, "det@example.com").await;
    let (_, id) = connect(&sim, &t, &u, "AU00000", "richard", "tabsnotspaces").await;
    wait_job(&sim, &t, &id, finished).await;
    let mut out = String::new();
    let mut a: Value = get(&sim, &t, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("a");
    for acc in a["data"].as_array_mut().expect("d") {
        acc["lastUpdated"] = json!("*");
    }
    out.push_str(&a.to_string());
    let mut url = format!("/users/{u}/transactions");
    loop {
        let p: Value = get(&sim, &t, &url).await.json().await.expect("page");
        out.push_str(&p["data"].to_string());
        match p["links"]["next"].as_str() {
            Some(n) => url = n.trim_start_matches(sim.base_url()).to_string(),
            None => break,
        }
    }
    out.replace(sim.base_url(), "BASE")
}

#[tokio::test]
async fn same_seed_byte_identical_persona_data() {
    let a = persona_snapshot(5).await;
    let b = persona_snapshot(5).await;
    assert!(a.len() > 10_000);
    assert_eq!(a, b);
    assert_ne!(a, persona_snapshot(6).await);
}

#[tokio::test]
async fn extra_captions_must_be_answered() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let dir: Value = get(&sim, &t, "/institutions")
        .await
        .json()
        .await
        .expect("dir");
    let inst = dir["data"]
        .as_array()
        .expect("d")
        .iter()
        .find(|i| {
            i["securityCodeCaption"].is_string()
                && i.get("secondaryLoginIdCaption").is_none()
                && i["authorization"] == "user"
                && i["status"] == "operational"
        })
        .expect("a bank with a security code")
        .clone();
    let id = inst["id"].as_str().expect("id");
    let u = create_user(&sim, &t, "code@example.com").await;
    let (_, job) = connect(&sim, &t, &u, id, "jared", "django").await;
    let j = wait_job(&sim, &t, &job, finished).await;
    let v = step(&j, "verify-credentials");
    assert_eq!(v.status, "failed");
    assert!(
        v.result.as_ref().expect("r")["detail"]
            .as_str()
            .expect("d")
            .contains("security code")
    );
    let body = json!({"loginId": "jared", "password": "django", "securityCode": "123456", "institution": {"id": id}});
    let r = post(&sim, &t, &format!("/users/{u}/connections"), &body).await;
    assert_eq!(r.status(), 202);
    let jr: JobRef = r.json().await.expect("ref");
    let j = wait_job(&sim, &t, &jr.id, finished).await;
    assert!(j.steps.iter().all(|s| s.status == "success"), "{j:?}");
}
