//! Helpers for 3.0: tokens, and the Consent UI walked with plain HTTP (forms and redirects,
//! as a browser would, without one).

use basiq_sim::{SimHandle, Simulator};
use serde_json::Value;

use super::{KEY, client, create_user, server_token};

/// Where the simulators of these tests send the person back.
pub const RETURN: &str = "http://127.0.0.1:9/return";

/// A fast simulator with a Redirect URL and the admin routes.
pub async fn sim_v3() -> SimHandle {
    Simulator::builder()
        .api_key(KEY)
        .seed(42)
        .speed(200.0)
        .admin(true)
        .redirect_url(RETURN)
        .spawn()
        .await
        .expect("simulator starts")
}

/// A token for `version` and `body`.
pub async fn token(sim: &SimHandle, version: &str, body: &str) -> String {
    let r = client()
        .post(format!("{}/token", sim.base_url()))
        .header("Authorization", format!("Basic {KEY}"))
        .header("basiq-version", version)
        .body(body.to_string())
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200, "token for {version} {body}");
    let v: Value = r.json().await.expect("json");
    v["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// A 3.0 SERVER_ACCESS token.
pub async fn server_v3(sim: &SimHandle) -> String {
    token(sim, "3.0", "scope=SERVER_ACCESS").await
}

/// A 3.0 CLIENT_ACCESS token bound to `user`.
pub async fn client_v3(sim: &SimHandle, user: &str) -> String {
    token(sim, "3.0", &format!("scope=CLIENT_ACCESS&userId={user}")).await
}

/// A new user (made with a 2.1 server token, as users are version-independent).
pub async fn new_user(sim: &SimHandle, email: &str) -> String {
    let t = server_token(sim).await;
    create_user(sim, &t, email).await
}

/// A page answer: status, `Location` (redirects), body, headers.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

/// A client that does not follow redirects, so each step can be checked.
pub struct Ui {
    c: reqwest::Client,
    base: String,
}

impl Ui {
    pub fn new(sim: &SimHandle) -> Self {
        Ui {
            c: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: sim.base_url().to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
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

    pub async fn get(&self, path: &str) -> Answer {
        Self::answer(self.c.get(self.url(path)).send().await.expect("get")).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let r = self
            .c
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        Self::answer(r).await
    }

    /// Follows redirects on the simulator until a page (or a redirect elsewhere) answers.
    pub async fn follow(&self, mut a: Answer) -> (Answer, String) {
        let mut at = String::new();
        for _ in 0..10 {
            match &a.location {
                Some(l) if a.status == 303 && l.starts_with('/') => {
                    at = l.clone();
                    a = self.get(l).await;
                }
                _ => break,
            }
        }
        (a, at)
    }

    /// Opens `/consent/home` with `query` (token etc.) and follows redirects.
    pub async fn open(&self, query: &str) -> (Answer, String) {
        let a = self.get(&format!("/consent/home?{query}")).await;
        self.follow(a).await
    }
}

/// `/consent/s/{sid}/…` → `sid`.
pub fn sid_of(path: &str) -> String {
    path.split('/').nth(3).unwrap_or_default().to_string()
}

/// The query parameters of a URL.
pub fn params(url: &str) -> Vec<(String, String)> {
    url.split_once('?')
        .map(|(_, q)| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// First value of a query parameter of a URL.
pub fn param(url: &str, key: &str) -> Option<String> {
    params(url)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// Opens the Consent UI with `token` and `extra` query parameters and gives consent; returns
/// the session id (the browser is then where consent leads: the bank list, a form or the bank).
pub async fn consented(ui: &Ui, token: &str, extra: &str) -> String {
    let (a, at) = ui.open(&format!("token={token}{extra}")).await;
    assert!(
        at.ends_with("/terms"),
        "consent capture first: {at} {}",
        a.status
    );
    let sid = sid_of(&at);
    let a = ui
        .post(
            &format!("/consent/s/{sid}/terms"),
            &[("decision", "consent")],
        )
        .await;
    ui.follow(a).await;
    sid
}

/// Consents and goes through Hooli OB's data holder, approving every account; returns the
/// URL the person is sent back to (after the success screen's Done).
pub async fn connect_hooli_ob(ui: &Ui, token: &str, state: &str) -> String {
    let (a, at) = ui
        .open(&format!(
            "token={token}&state={state}&institutionId=AU00000"
        ))
        .await;
    assert!(at.ends_with("/terms"), "consent capture first: {at}");
    assert!(a.body.contains("I consent"));
    let sid = sid_of(&at);
    let a = ui
        .post(
            &format!("/consent/s/{sid}/terms"),
            &[("decision", "consent")],
        )
        .await;
    let (a, at) = ui.follow(a).await;
    assert!(at.contains("/consent/holder/"), "{at}");
    assert!(a.body.contains("Member number"), "{}", a.body);
    hooli_ob_holder(ui, &sid, true).await
}

/// At the data holder: member number, code, all accounts, then approve (or decline); then
/// waits for the success (or error) screen and presses Done / Back.
pub async fn hooli_ob_holder(ui: &Ui, sid: &str, approve: bool) -> String {
    let a = ui
        .post(
            &format!("/consent/holder/{sid}/login"),
            &[("member", "374829")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let a = ui
        .post(
            &format!("/consent/holder/{sid}/code"),
            &[("code", "227470")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let a = ui
        .post(
            &format!("/consent/holder/{sid}/accounts"),
            &[
                ("account", "1"),
                ("account", "2"),
                ("account", "3"),
                ("account", "4"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let decision = if approve { "approve" } else { "decline" };
    let a = ui
        .post(
            &format!("/consent/holder/{sid}/review"),
            &[("decision", decision)],
        )
        .await;
    let job_page = a.location.clone().expect("to the job page");
    finish_job_page(ui, &job_page).await
}

/// Waits on a job page until it settles, then presses Done (or Back) and returns where the
/// person is sent.
pub async fn finish_job_page(ui: &Ui, job_page: &str) -> String {
    for _ in 0..200 {
        let a = ui.get(job_page).await;
        if a.status == 303 {
            return a.location.unwrap_or_default();
        }
        if a.body.contains("/done\"") && !a.body.contains("http-equiv=\"refresh\"") {
            let sid = sid_of(job_page);
            let d = ui.get(&format!("/consent/s/{sid}/done")).await;
            return d.location.unwrap_or_default();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job page {job_page} never settled");
}
