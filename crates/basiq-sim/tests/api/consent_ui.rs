//! The Consent UI over plain HTTP: launch errors, each action, the web form with personas and
//! MFA, the data holder's test switches, expiry and renewal, headers, and the Redirect URL.

use std::time::Duration;

use basiq_sim::Simulator;
use serde_json::{Value, json};

use crate::common::consent::*;
use crate::common::*;

#[tokio::test]
async fn an_unbound_or_bad_token_is_refused() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let unbound = client_token(&sim, None).await;
    let (a, _) = ui.open(&format!("token={unbound}")).await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("missing-attributes"), "{}", a.body);
    let (a, _) = ui.open("token=not-a-token").await;
    assert_eq!(a.status, 401);
    assert!(a.body.contains("invalid-authorization-token"));
    let (a, _) = ui.open(&format!("token={}", server_v3(&sim).await)).await;
    assert_eq!(a.status, 403);
    let u = new_user(&sim, "exp@example.com").await;
    let t = client_v3(&sim, &u).await;
    sim.expire_all_tokens();
    let (a, _) = ui.open(&format!("token={t}")).await;
    assert_eq!(a.status, 403);
    assert!(a.body.contains("Token has expired"));
    let t = client_v3(&sim, &u).await;
    let (a, _) = ui.open(&format!("token={t}&action=payment")).await;
    assert_eq!(a.status, 400);
    let (a, _) = ui.open(&format!("token={t}&institutionId=AU99999")).await;
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn actions_that_need_a_consent_say_so_without_one() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "none@example.com").await;
    let t = client_v3(&sim, &u).await;
    for action in ["connect", "extend", "update", "reauthorise"] {
        let (a, _) = ui.open(&format!("token={t}&action={action}")).await;
        assert_eq!(a.status, 404, "{action}");
        assert!(a.body.contains("resource-not-found"), "{action}");
    }
    let (a, at) = ui.open(&format!("token={t}&action=manage")).await;
    assert_eq!(a.status, 200);
    assert!(at.ends_with("/manage"));
    assert!(a.body.contains("You have no active consent."));
}

#[tokio::test]
async fn pages_refuse_framing_and_openers() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "h@example.com").await;
    let (a, _) = ui
        .open(&format!("token={}", client_v3(&sim, &u).await))
        .await;
    assert_eq!(a.status, 200);
    let h = |k: &str| {
        a.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(h("x-frame-options"), "DENY");
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(h("content-security-policy").contains("form-action 'self' http://127.0.0.1:9"));
    assert_eq!(h("cross-origin-opener-policy"), "same-origin");
    assert!(
        a.body
            .contains("<label for=\"scope-customer.person.detail\"")
    );
    // Even an error page.
    let (e, _) = ui.open("token=x").await;
    assert_eq!(
        e.headers
            .get("x-frame-options")
            .and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
}

#[tokio::test]
async fn deny_and_cancel_go_back_with_state() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "deny@example.com").await;
    let (_, at) = ui
        .open(&format!(
            "token={}&state=a%20b%26c",
            client_v3(&sim, &u).await
        ))
        .await;
    let sid = sid_of(&at);
    let a = ui
        .post(&format!("/consent/s/{sid}/terms"), &[("decision", "deny")])
        .await;
    let to = a.location.expect("redirect");
    assert!(to.starts_with(RETURN), "{to}");
    assert_eq!(param(&to, "state").as_deref(), Some("a b&c"));
    assert!(param(&to, "jobId").is_none());
    let leave = ui.get(&format!("/consent/s/{sid}/leave")).await;
    assert!(leave.body.contains("Are you sure you want to leave?"));
    let c = ui.get(&format!("/consent/s/{sid}/cancel")).await;
    assert_eq!(
        param(&c.location.expect("redirect"), "state").as_deref(),
        Some("a b&c")
    );
    let t3 = server_v3(&sim).await;
    let consents: Value = get(&sim, &t3, &format!("/users/{u}/consents"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(consents["size"], 0);
}

#[tokio::test]
async fn hooli_ob_redirects_with_job_ids_and_state() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "redir@example.com").await;
    let back = connect_hooli_ob(&ui, &client_v3(&sim, &u).await, "xyz").await;
    assert!(back.starts_with(RETURN), "{back}");
    let job = param(&back, "jobId").expect("jobId");
    assert_eq!(param(&back, "jobIds").as_deref(), Some(job.as_str()));
    assert_eq!(param(&back, "state").as_deref(), Some("xyz"));
    let t3 = server_v3(&sim).await;
    let j = wait_job(&sim, &t3, &job, finished).await;
    assert_eq!(step(&j, "verify-credentials").status, "success");
    let accounts: Value = get(&sim, &t3, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(accounts["data"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn wrong_member_number_or_code_are_asked_again_and_accounts_are_chosen() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "pick@example.com").await;
    let (_, at) = ui
        .open(&format!(
            "token={}&institutionId=AU00000",
            client_v3(&sim, &u).await
        ))
        .await;
    let sid = sid_of(&at);
    let (a, _) = ui
        .follow(
            ui.post(
                &format!("/consent/s/{sid}/terms"),
                &[("decision", "consent")],
            )
            .await,
        )
        .await;
    assert!(a.body.contains("Log in to Hooli OB"));
    let a = ui
        .post(
            &format!("/consent/holder/{sid}/login"),
            &[("member", "111111")],
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("role=\"alert\""));
    ui.post(
        &format!("/consent/holder/{sid}/login"),
        &[("member", "374829")],
    )
    .await;
    let a = ui
        .post(
            &format!("/consent/holder/{sid}/code"),
            &[("code", "000000")],
        )
        .await;
    assert_eq!(a.status, 400);
    ui.post(
        &format!("/consent/holder/{sid}/code"),
        &[("code", "227470")],
    )
    .await;
    let a = ui
        .post(&format!("/consent/holder/{sid}/accounts"), &[])
        .await;
    assert_eq!(a.status, 400);
    ui.post(
        &format!("/consent/holder/{sid}/accounts"),
        &[("account", "2")],
    )
    .await;
    let a = ui
        .post(
            &format!("/consent/holder/{sid}/review"),
            &[("decision", "approve")],
        )
        .await;
    let back = finish_job_page(&ui, &a.location.expect("job page")).await;
    let t3 = server_v3(&sim).await;
    wait_job(&sim, &t3, &param(&back, "jobId").expect("jobId"), finished).await;
    let accounts: Value = get(&sim, &t3, &format!("/users/{u}/accounts"))
        .await
        .json()
        .await
        .expect("json");
    let nos: Vec<&str> = accounts["data"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["accountNo"].as_str())
        .collect();
    assert_eq!(nos, ["2"]);
}

#[tokio::test]
async fn declined_at_the_bank_fails_verify_credentials_with_authorization_failed() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "decline@example.com").await;
    let sid = consented(
        &ui,
        &client_v3(&sim, &u).await,
        "&institutionId=AU00000&state=d",
    )
    .await;
    let back = hooli_ob_holder(&ui, &sid, false).await;
    let t3 = server_v3(&sim).await;
    let j = wait_job(&sim, &t3, &param(&back, "jobId").expect("jobId"), finished).await;
    let v = step(&j, "verify-credentials");
    assert_eq!(v.status, "failed");
    let r = v.result.as_ref().expect("result");
    assert_eq!(r["code"], "authorization-failed");
    assert_eq!(r["detail"], "access_denied");
    assert_eq!(param(&back, "state").as_deref(), Some("d"));
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(conns["data"][0]["status"], "pre-init");
    // The switch: the data holder declines even an approval.
    let r = admin_post(&sim, "/__admin/consent-ui/switches")
        .json(&json!({"holderDeclines": true}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let (_, at) = ui
        .open(&format!(
            "token={}&action=connect&institutionId=AU00000",
            client_v3(&sim, &u).await
        ))
        .await;
    let back = hooli_ob_holder(&ui, &sid_of_holder(&at), true).await;
    let j = wait_job(&sim, &t3, &param(&back, "jobId").expect("jobId"), finished).await;
    assert_eq!(
        step(&j, "verify-credentials")
            .result
            .as_ref()
            .expect("result")["code"],
        "authorization-failed"
    );
}

fn sid_of_holder(path: &str) -> String {
    path.split('/').nth(3).unwrap_or_default().to_string()
}

#[tokio::test]
async fn abandoned_at_the_bank_stays_pre_init_without_redirect() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(200.0)
        .redirect_url(RETURN)
        .abandon_at_bank(true)
        .spawn()
        .await
        .expect("sim");
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "gone@example.com").await;
    let sid = consented(&ui, &client_v3(&sim, &u).await, "&institutionId=AU00000").await;
    let a = ui
        .post(
            &format!("/consent/holder/{sid}/login"),
            &[("member", "374829")],
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(a.location.is_none());
    assert!(a.body.contains("You have left Hooli OB"));
    assert!(
        !a.body.contains("<a ") && !a.body.contains("<form"),
        "no way back: {}",
        a.body
    );
    let t3 = server_v3(&sim).await;
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(conns["data"][0]["status"], "pre-init");
    let jobs: Value = get(&sim, &t3, &format!("/users/{u}/jobs"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(jobs["size"], 0);
}

#[tokio::test]
async fn web_personas_and_pied_piper_mfa_in_the_consent_ui() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "web@example.com").await;
    let (a, at) = ui
        .open(&format!("token={}", client_v3(&sim, &u).await))
        .await;
    assert!(a.body.contains("I consent"));
    let sid = sid_of(&at);
    let (list, _) = ui
        .follow(
            ui.post(
                &format!("/consent/s/{sid}/terms"),
                &[("decision", "consent")],
            )
            .await,
        )
        .await;
    assert!(list.body.contains("Hooli OB"));
    assert!(list.body.contains("Pied Piper Bank"));
    let search = ui
        .get(&format!("/consent/s/{sid}/institutions?q=pied"))
        .await;
    assert!(search.body.contains("Pied Piper Bank") && !search.body.contains("Hooli OB"));
    // bighead: locked, the error screen with the job's title and detail.
    let a = ui
        .post(
            &format!("/consent/s/{sid}/connect/AU00000/web"),
            &[("loginId", "bighead"), ("password", "password")],
        )
        .await;
    let page = a.location.expect("job page");
    let mut body = String::new();
    for _ in 0..200 {
        body = ui.get(&page).await.body;
        if !body.contains("http-equiv=\"refresh\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(body.contains("Account is locked"), "{body}");
    assert!(body.contains("Try again"));
    // Pied Piper: asked, wrong answer asked again, right answer connects.
    let a = ui
        .post(
            &format!("/consent/s/{sid}/connect/AU00002/web"),
            &[("loginId", "gavinBelson"), ("password", "hooli2016")],
        )
        .await;
    let page = a.location.expect("job page");
    let mfa = wait_for(&ui, &page, "What&#39;s your first company?").await;
    assert!(mfa.contains("<label for=\"answer0\">"));
    let job = page.rsplit('/').next().expect("job").to_string();
    ui.post(&format!("{page}/mfa"), &[("answer0", "Aviato")])
        .await;
    wait_for(&ui, &page, "That answer wasn&#39;t accepted").await;
    ui.post(&format!("{page}/mfa"), &[("answer0", "Hooli")])
        .await;
    wait_for(&ui, &page, "Pied Piper Bank is connected").await;
    let done = ui
        .get(&format!("/consent/s/{sid}/done"))
        .await
        .location
        .expect("redirect");
    let ids = param(&done, "jobIds").expect("jobIds");
    assert_eq!(ids.split(',').count(), 2);
    assert_eq!(param(&done, "jobId").as_deref(), Some(job.as_str()));
    let t3 = server_v3(&sim).await;
    let j = wait_job(&sim, &t3, &job, finished).await;
    assert!(j.steps.iter().all(|s| s.status == "success"));
}

async fn wait_for(ui: &Ui, page: &str, text: &str) -> String {
    for _ in 0..300 {
        let a = ui.get(page).await;
        if a.body.contains(text) {
            return a.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{page} never showed {text}");
}

#[tokio::test]
async fn skip_screens_and_multiple_connections() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(200.0)
        .redirect_url(RETURN)
        .skip_success_screen(true)
        .skip_error_screen(true)
        .allow_multiple_connections(true)
        .organisation("Acme Lending")
        .consent_duration_days(30)
        .spawn()
        .await
        .expect("sim");
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "skip@example.com").await;
    let (a, at) = ui
        .open(&format!("token={}", client_v3(&sim, &u).await))
        .await;
    assert!(a.body.contains("Acme Lending") && a.body.contains("30 days"));
    let sid = sid_of(&at);
    ui.post(
        &format!("/consent/s/{sid}/terms"),
        &[("decision", "consent")],
    )
    .await;
    let a = ui
        .post(
            &format!("/consent/s/{sid}/connect/AU00000/web"),
            &[("loginId", "jared"), ("password", "django")],
        )
        .await;
    let back = finish_job_page(&ui, &a.location.expect("job page")).await;
    assert!(
        back.starts_with(RETURN),
        "skip success goes straight back: {back}"
    );
    let a = ui
        .post(
            &format!("/consent/s/{sid}/connect/AU00000/web"),
            &[("loginId", "jared"), ("password", "wrong")],
        )
        .await;
    let back = finish_job_page(&ui, &a.location.expect("job page")).await;
    assert!(
        back.starts_with(RETURN),
        "skip error goes straight back: {back}"
    );
    assert_eq!(
        param(&back, "jobIds").map(|j| j.split(',').count()),
        Some(2)
    );
}

#[tokio::test]
async fn manage_deletes_one_and_revokes_all() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "manage@example.com").await;
    connect_hooli_ob(&ui, &client_v3(&sim, &u).await, "m").await;
    let (a, at) = ui
        .open(&format!(
            "token={}&action=manage&state=m2",
            client_v3(&sim, &u).await
        ))
        .await;
    assert!(a.body.contains("Your consent") && a.body.contains("Delete Hooli OB"));
    let sid = sid_of(&at);
    let a = ui
        .post(&format!("/consent/s/{sid}/manage/revoke"), &[])
        .await;
    assert!(a.body.contains("Consent revoked"));
    let t3 = server_v3(&sim).await;
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(conns["data"].as_array().map(Vec::len), Some(0));
    let close = ui
        .get(&format!("/consent/s/{sid}/done"))
        .await
        .location
        .expect("redirect");
    assert_eq!(param(&close, "state").as_deref(), Some("m2"));
    let (a, _) = ui
        .open(&format!(
            "token={}&action=manage",
            client_v3(&sim, &u).await
        ))
        .await;
    assert!(a.body.contains("Consent history") && a.body.contains("revoked"));
}

#[tokio::test]
async fn expiry_extend_and_reauthorise() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "renew@example.com").await;
    let back = connect_hooli_ob(&ui, &client_v3(&sim, &u).await, "r").await;
    let t3 = server_v3(&sim).await;
    wait_job(&sim, &t3, &param(&back, "jobId").expect("jobId"), finished).await;
    let accounts = |v: Value| -> Vec<String> {
        v["data"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|a| a["id"].as_str().map(String::from))
            .collect()
    };
    let before = accounts(
        get(&sim, &t3, &format!("/users/{u}/accounts"))
            .await
            .json()
            .await
            .expect("json"),
    );
    // Nothing expires soon yet.
    let (a, _) = ui
        .open(&format!(
            "token={}&action=reauthorise",
            client_v3(&sim, &u).await
        ))
        .await;
    assert!(a.body.contains("Nothing expires in the next 7 days."));
    // The switch: it expires in 3 days → listed with Renew.
    let r = admin_post(&sim, "/__admin/consents/expire-in")
        .json(&json!({"userId": u, "days": 3}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 204);
    let (a, at) = ui
        .open(&format!(
            "token={}&action=reauthorise&state=r2",
            client_v3(&sim, &u).await
        ))
        .await;
    assert!(a.body.contains("Renew Hooli OB"), "{}", a.body);
    let sid = sid_of(&at);
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    let conn = conns["data"][0]["id"].as_str().expect("id").to_string();
    let old_expiry = conns["data"][0]["expiryDate"]
        .as_str()
        .expect("expiry")
        .to_string();
    let a = ui
        .post(&format!("/consent/s/{sid}/reauthorise/{conn}"), &[])
        .await;
    assert!(
        a.location
            .expect("to the bank")
            .contains("/consent/holder/")
    );
    let back = hooli_ob_holder(&ui, &sid, true).await;
    assert_eq!(param(&back, "state").as_deref(), Some("r2"));
    wait_job(&sim, &t3, &param(&back, "jobId").expect("jobId"), finished).await;
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    assert!(conns["data"][0]["expiryDate"].as_str().expect("expiry") > old_expiry.as_str());
    let after = accounts(
        get(&sim, &t3, &format!("/users/{u}/accounts"))
            .await
            .json()
            .await
            .expect("json"),
    );
    assert_eq!(before, after, "account ids stay after a renewal");
    // Extend: a new expiry, straight back to the Redirect URL.
    let (a, at) = ui
        .open(&format!(
            "token={}&action=extend",
            client_v3(&sim, &u).await
        ))
        .await;
    assert!(a.body.contains("Your consent today"));
    let a = ui
        .post(&format!("/consent/s/{}/extend", sid_of(&at)), &[])
        .await;
    assert!(a.location.expect("redirect").starts_with(RETURN));
    // The clock past the expiry date: consent expired, the open-banking connection invalid.
    sim.advance_clock(Duration::from_secs(400 * 86_400));
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(conns["data"][0]["status"], "invalid");
    let consents: Value = get(&sim, &t3, &format!("/users/{u}/consents"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(consents["data"][0]["status"], "expired");
}

#[tokio::test]
async fn connection_id_updates_web_credentials_and_revoke_at_bank() {
    let sim = sim_v3().await;
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "upd@example.com").await;
    let sid = consented(&ui, &client_v3(&sim, &u).await, "").await;
    let a = ui
        .post(
            &format!("/consent/s/{sid}/connect/AU00000/web"),
            &[("loginId", "jared"), ("password", "django")],
        )
        .await;
    finish_job_page(&ui, &a.location.expect("job")).await;
    let t3 = server_v3(&sim).await;
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    let conn = conns["data"][0]["id"].as_str().expect("id").to_string();
    let (a, at) = ui
        .open(&format!(
            "token={}&connectionId={conn}",
            client_v3(&sim, &u).await
        ))
        .await;
    assert!(
        a.body.contains("Update your login to Hooli Bank"),
        "{}",
        a.body
    );
    assert!(a.body.contains("value=\"jared\""));
    let a = ui
        .post(
            &format!("/consent/s/{}/connect/AU00000/web", sid_of(&at)),
            &[("loginId", "jared"), ("password", "django")],
        )
        .await;
    finish_job_page(&ui, &a.location.expect("job")).await;
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        conns["data"].as_array().map(Vec::len),
        Some(1),
        "updated, not added"
    );
    let r = admin_post(&sim, "/__admin/consents/revoke-at-bank")
        .json(&json!({"userId": u}))
        .send()
        .await
        .expect("send");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["revoked"], 1);
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(conns["data"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn manage_deletes_one_connection_and_the_builder_test_switches() {
    let sim = Simulator::builder()
        .api_key(KEY)
        .speed(200.0)
        .redirect_url(RETURN)
        .consents_expire_in_days(5)
        .holder_declines(true)
        .spawn()
        .await
        .expect("sim");
    let ui = Ui::new(&sim);
    let u = new_user(&sim, "one@example.com").await;
    let sid = consented(&ui, &client_v3(&sim, &u).await, "").await;
    let a = ui
        .post(
            &format!("/consent/s/{sid}/connect/AU00000/web"),
            &[("loginId", "jared"), ("password", "django")],
        )
        .await;
    finish_job_page(&ui, &a.location.expect("job")).await;
    // The data holder declines even an approval.
    ui.get(&format!("/consent/s/{sid}/connect/AU00000/open-banking"))
        .await;
    let back = hooli_ob_holder(&ui, &sid, true).await;
    let t3 = server_v3(&sim).await;
    let j = wait_job(&sim, &t3, &param(&back, "jobId").expect("jobId"), finished).await;
    assert_eq!(
        step(&j, "verify-credentials")
            .result
            .as_ref()
            .expect("result")["code"],
        "authorization-failed"
    );
    // The consent lasts 5 days, not the dashboard's 365.
    let consents: Value = get(&sim, &t3, &format!("/users/{u}/consents"))
        .await
        .json()
        .await
        .expect("json");
    let day = |k: &str| {
        chrono::NaiveDate::parse_from_str(
            &consents["data"][0][k].as_str().expect("date")[..10],
            "%Y-%m-%d",
        )
        .expect("date")
    };
    assert_eq!((day("expiryDate") - day("created")).num_days(), 5);
    // Manage: delete the web connection only.
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(conns["data"].as_array().map(Vec::len), Some(2));
    let web = conns["data"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["method"] == "web")
        .and_then(|c| c["id"].as_str())
        .expect("web connection")
        .to_string();
    let (page, at) = ui
        .open(&format!(
            "token={}&action=manage",
            client_v3(&sim, &u).await
        ))
        .await;
    assert!(page.body.contains("Delete Hooli Bank"));
    let a = ui
        .post(
            &format!("/consent/s/{}/manage/delete/{web}", sid_of(&at)),
            &[],
        )
        .await;
    assert!(a.location.expect("back to manage").ends_with("/manage"));
    let conns: Value = get(&sim, &t3, &format!("/users/{u}/connections"))
        .await
        .json()
        .await
        .expect("json");
    let left: Vec<&str> = conns["data"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["method"].as_str())
        .collect();
    assert_eq!(left, ["open-banking"]);
    let consents: Value = get(&sim, &t3, &format!("/users/{u}/consents"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(consents["data"][0]["status"], "active");
}
