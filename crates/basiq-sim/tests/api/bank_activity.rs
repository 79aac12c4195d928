//! The `bank_deposit` test switch (and its admin route): money that arrives at the bank shows
//! only after a refresh.

use crate::common::*;
use basiq_sim::{SimHandle, Simulator};
use serde_json::{Value, json};

fn first_balance(accounts: &Value) -> String {
    accounts["data"][0]["balance"]
        .as_str()
        .expect("balance")
        .to_string()
}

#[tokio::test]
async fn a_deposit_at_the_bank_shows_after_the_next_refresh() {
    let sim = sim().await;
    deposit_then_refresh(&sim, async |sim: &SimHandle| {
        sim.bank_deposit("gavinBelson", 12_345)
    })
    .await;
}

#[tokio::test]
async fn the_admin_route_deposits_too() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .seed(42)
        .speed(200.0)
        .admin(true)
        .spawn()
        .await
        .expect("sim starts");
    let r = admin_post(&sim, "/__admin/bank-deposit")
        .json(&json!({"loginId": "gavinBelson"}))
        .send()
        .await
        .expect("send");
    expect_error(r, 400, "parameter-not-supplied").await;
    deposit_then_refresh(&sim, async |sim: &SimHandle| {
        let r = admin_post(sim, "/__admin/bank-deposit")
            .json(&json!({"loginId": "gavinBelson", "cents": 12_345}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 204);
    })
    .await;
}

async fn deposit_then_refresh(sim: &SimHandle, deposit: impl AsyncFnOnce(&SimHandle)) {
    let t = server_token(sim).await;
    let u = create_user(sim, &t, "deposit@example.com").await;
    let (_, j) = connect(sim, &t, &u, "AU00000", "gavinBelson", "hooli2016").await;
    let j = wait_job(sim, &t, &j, finished).await;
    let conn_path = step(&j, "verify-credentials").result.as_ref().expect("r")["url"]
        .as_str()
        .expect("url")
        .to_string();
    let accounts = |t: String, u: String| async move {
        get(sim, &t, &format!("/users/{u}/accounts"))
            .await
            .json::<Value>()
            .await
            .expect("accounts")
    };
    let before = accounts(t.clone(), u.clone()).await;

    deposit(sim).await;
    let unchanged = accounts(t.clone(), u.clone()).await;
    assert_eq!(
        first_balance(&before),
        first_balance(&unchanged),
        "not before a refresh"
    );

    let r = post(sim, &t, &format!("{conn_path}/refresh"), &json!({})).await;
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.expect("job");
    wait_job(sim, &t, job["id"].as_str().expect("id"), finished).await;
    let after = accounts(t.clone(), u.clone()).await;
    let cents = |s: &str| (s.parse::<f64>().expect("number") * 100.0).round() as i64;
    assert_eq!(
        cents(&first_balance(&after)) - cents(&first_balance(&before)),
        12_345
    );
    let account = after["data"][0]["id"].as_str().expect("id").to_string();
    let txns: Value = get(
        sim,
        &t,
        &format!("/users/{u}/transactions?filter=account.id.eq('{account}')&limit=5"),
    )
    .await
    .json()
    .await
    .expect("txns");
    let first = &txns["data"][0];
    assert_eq!(first["description"], "Deposit");
    assert_eq!(first["amount"], "123.45");
    assert_eq!(first["balance"], first_balance(&after));
}
