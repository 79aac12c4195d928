//! The simulator's answers have the shape of the responses Basiq's own test suite recorded
//! against the real sandbox (`../shared/basiq-reference/recorded/`): every key a recorded response has, ours has
//! too, with a compatible JSON type; recorded error texts are reproduced exactly.

use crate::common::*;
use serde_json::{Value, json};

fn recorded(path: &str) -> Value {
    let full = reference_root().join("recorded").join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Collects `path: problem` for every key of `want` missing from (or of another type in) `got`.
fn shape_diff(want: &Value, got: &Value, at: &str, out: &mut Vec<String>) {
    match (want, got) {
        (_, _) if want.is_null() || got.is_null() => {}
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                match g.get(k) {
                    None => out.push(format!("{at}/{k}: missing")),
                    Some(gv) => shape_diff(wv, gv, &format!("{at}/{k}"), out),
                }
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if let (Some(wf), Some(gf)) = (w.first(), g.first()) {
                shape_diff(wf, gf, &format!("{at}/0"), out);
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        _ => out.push(format!("{at}: recorded {want}, got {got}")),
    }
}

fn assert_shape(name: &str, got: &Value, problems: &mut Vec<String>) {
    let mut out = Vec::new();
    shape_diff(&recorded(name), got, "", &mut out);
    for p in out {
        problems.push(format!("{name}: {p}"));
    }
}

fn same_error(name: &str, got: &Value, problems: &mut Vec<String>) {
    let want = &recorded(name)["data"][0];
    let got = &got["data"][0];
    for k in ["type", "code", "title", "detail", "source"] {
        if want.get(k) != got.get(k) {
            problems.push(format!(
                "{name}: {k} recorded {:?}, got {:?}",
                want.get(k),
                got.get(k)
            ));
        }
    }
}

async fn body(r: reqwest::Response) -> Value {
    r.json().await.expect("json")
}

#[tokio::test]
async fn contract_answers_have_the_recorded_shapes() {
    let sim = sim().await;
    let mut p = Vec::new();
    let tok = body(token_raw(&sim, KEY, "scope=SERVER_ACCESS").await).await;
    assert_shape("token/postToken.json", &tok, &mut p);
    let t = tok["access_token"].as_str().expect("token").to_string();
    let r = client()
        .post(format!("{}/token", sim.base_url()))
        .header("Authorization", format!("Basic {KEY}"))
        .send()
        .await
        .expect("s");
    same_error("token/postTokenBadRequest.json", &body(r).await, &mut p);
    same_error(
        "token/postTokenNotFound.json",
        &body(token_raw(&sim, "nope", "scope=SERVER_ACCESS").await).await,
        &mut p,
    );

    assert_shape(
        "institutions/getInstitution.json",
        &body(get(&sim, &t, "/institutions/AU00000").await).await,
        &mut p,
    );
    assert_shape(
        "institutions/getInstitutions.json",
        &body(get(&sim, &t, "/institutions").await).await,
        &mut p,
    );
    let public = body(
        client()
            .get(format!("{}/public/institutions", sim.base_url()))
            .send()
            .await
            .expect("s"),
    )
    .await;
    assert_shape("institutions/getPublicInstitutions.json", &public, &mut p);
    same_error(
        "institutions/getInstitutionNotFound.json",
        &body(get(&sim, &t, "/institutions/AU99999").await).await,
        &mut p,
    );
    same_error(
        "institutions/getInstitutionsUnauthorized.json",
        &body(get(&sim, "x.y.z", "/institutions").await).await,
        &mut p,
    );

    let user = body(
        post(
            &sim,
            &t,
            "/users",
            &json!({"email": "gavin@hooli.com", "mobile": "+61410888666"}),
        )
        .await,
    )
    .await;
    assert_shape("user/postUser.json", &user, &mut p);
    let u = user["id"].as_str().expect("id").to_string();
    same_error(
        "user/createUserBadRequest.json",
        &body(post(&sim, &t, "/users", &json!({})).await).await,
        &mut p,
    );
    same_error(
        "user/userNotFound.json",
        &body(get(&sim, &t, "/users/8cda72db-b11f-4b8e-a4ca-3c5b1de4e4b5").await).await,
        &mut p,
    );
    assert_shape(
        "user/updateUser.json",
        &body(
            post(
                &sim,
                &t,
                &format!("/users/{u}"),
                &json!({"email": "gavin@hooli.com"}),
            )
            .await,
        )
        .await,
        &mut p,
    );

    assert_shape(
        "connections/getConnectionsEmpty.json",
        &body(get(&sim, &t, &format!("/users/{u}/connections")).await).await,
        &mut p,
    );
    assert_shape(
        "accounts/getAccountsEmpty.json",
        &body(get(&sim, &t, &format!("/users/{u}/accounts")).await).await,
        &mut p,
    );
    assert_shape(
        "transactions/getTransactionsEmpty.json",
        &body(get(&sim, &t, &format!("/users/{u}/transactions")).await).await,
        &mut p,
    );
    assert_shape(
        "jobs/getJobsEmpty.json",
        &body(get(&sim, &t, &format!("/users/{u}/jobs")).await).await,
        &mut p,
    );

    let created = body(post(&sim, &t, &format!("/users/{u}/connections"), &json!({"loginId": "Wentworth-Smith", "password": "whislter", "institution": {"id": "AU00000"}})).await).await;
    assert_shape("connections/createConnection.json", &created, &mut p);
    assert_shape(
        "connections/getNewPostedConnection.json",
        &body(get(&sim, &t, &format!("/users/{u}/connections")).await).await,
        &mut p,
    );
    let job_id = created["id"].as_str().expect("id").to_string();
    let j = wait_job(&sim, &t, &job_id, finished).await;
    assert_shape(
        "jobs/getJob.json",
        &body(get(&sim, &t, &format!("/jobs/{}", j.id)).await).await,
        &mut p,
    );
    assert_shape(
        "jobs/getJobs.json",
        &body(get(&sim, &t, &format!("/users/{u}/jobs")).await).await,
        &mut p,
    );
    assert_shape(
        "user/getUser.json",
        &body(get(&sim, &t, &format!("/users/{u}")).await).await,
        &mut p,
    );
    let conns = body(get(&sim, &t, &format!("/users/{u}/connections")).await).await;
    assert_shape("connections/getConnections.json", &conns, &mut p);
    let cid = conns["data"][0]["id"].as_str().expect("id").to_string();
    assert_shape(
        "connections/getConnection.json",
        &body(get(&sim, &t, &format!("/users/{u}/connections/{cid}")).await).await,
        &mut p,
    );
    let accounts = body(get(&sim, &t, &format!("/users/{u}/accounts")).await).await;
    assert_shape("accounts/getAccounts.json", &accounts, &mut p);
    let aid = accounts["data"][0]["id"].as_str().expect("id").to_string();
    assert_shape(
        "accounts/getAccount.json",
        &body(get(&sim, &t, &format!("/users/{u}/accounts/{aid}")).await).await,
        &mut p,
    );
    let txns = body(get(&sim, &t, &format!("/users/{u}/transactions?limit=1")).await).await;
    assert_shape("transactions/getTransactions.json", &txns, &mut p);
    let tid = txns["data"][0]["id"].as_str().expect("id").to_string();
    assert_shape(
        "transactions/getTransaction.json",
        &body(get(&sim, &t, &format!("/users/{u}/transactions/{tid}")).await).await,
        &mut p,
    );
    let refreshed = body(
        post(
            &sim,
            &t,
            &format!("/users/{u}/connections/{cid}/refresh"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_shape("connections/refreshConnection.json", &refreshed, &mut p);
    wait_job(&sim, &t, refreshed["id"].as_str().expect("id"), finished).await;
    let all = body(
        post(
            &sim,
            &t,
            &format!("/users/{u}/connections/refresh"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_shape("connections/refreshConnections.json", &all, &mut p);
    wait_job(
        &sim,
        &t,
        all["data"][0]["id"].as_str().expect("id"),
        finished,
    )
    .await;
    let updated = body(
        post(
            &sim,
            &t,
            &format!("/users/{u}/connections/{cid}"),
            &json!({"password": "whislter"}),
        )
        .await,
    )
    .await;
    assert_shape("connections/updateConnection.json", &updated, &mut p);

    // MFA answer.
    let ct = client_token(&sim, Some(&u)).await;
    let mfa = body(post(&sim, &ct, &format!("/users/{u}/connections"), &json!({"loginId": "gavinBelson", "password": "hooli2016", "institution": {"id": "AU00002"}})).await).await;
    let mid = mfa["id"].as_str().expect("id").to_string();
    wait_job(&sim, &ct, &mid, |j| awaiting_mfa(j) || finished(j)).await;
    assert_shape(
        "jobs/postMfa.json",
        &body(
            post(
                &sim,
                &ct,
                &format!("/jobs/{mid}/mfa"),
                &json!({"mfa-response": ["Hooli"]}),
            )
            .await,
        )
        .await,
        &mut p,
    );

    sim.expire_all_tokens();
    same_error(
        "user/getUserForbidden.json",
        &body(get(&sim, &t, &format!("/users/{u}")).await).await,
        &mut p,
    );

    assert!(
        p.is_empty(),
        "{} differences from the recorded responses:\n{}",
        p.len(),
        p.join("\n")
    );
}
