//! Institutions directory, filters and logos.

use crate::common::*;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct List {
    #[serde(rename = "type")]
    kind: String,
    total_count: usize,
    data: Vec<Inst>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Inst {
    id: String,
    name: String,
    short_name: String,
    country: String,
    tier: String,
    service_type: String,
    institution_type: String,
    authorization: String,
    stage: String,
    status: String,
    login_id_caption: String,
    password_caption: String,
    security_code_caption: Option<String>,
    secondary_login_id_caption: Option<String>,
    forgotten_password_url: Option<String>,
    stats: serde_json::Value,
    logo: serde_json::Value,
}

async fn list(sim: &basiq_sim::SimHandle, token: &str, query: &str) -> List {
    let r = get(sim, token, &format!("/institutions{query}")).await;
    assert_eq!(r.status(), 200, "{query}");
    r.json().await.expect("list")
}

#[tokio::test]
async fn directory_has_300_varied_institutions() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let l = list(&sim, &t, "").await;
    assert_eq!(l.kind, "list");
    assert_eq!(l.total_count, l.data.len());
    assert!(l.data.len() >= 300, "{}", l.data.len());
    let has = |f: &dyn Fn(&Inst) -> bool| l.data.iter().any(f);
    assert!(has(&|i| i.country == "New Zealand"));
    assert!(has(&|i| i.institution_type == "Credit Union"));
    assert!(has(&|i| i.institution_type == "Building Society"));
    assert!(has(&|i| i.institution_type == "Superannuation"));
    assert!(has(&|i| i.service_type == "Card Access"));
    assert!(has(&|i| i.security_code_caption.is_some()));
    assert!(has(&|i| i.secondary_login_id_caption.is_some()));
    assert!(has(&|i| i.forgotten_password_url.is_some()));
    for s in [
        "under-maintenance",
        "degraded-performance",
        "major-outage",
        "operational",
    ] {
        assert!(has(&|i| i.status == s), "{s}");
    }
    for a in ["user", "user-mfa", "user-mfa-intermittent"] {
        assert!(has(&|i| i.authorization == a), "{a}");
    }
    for i in &l.data {
        assert!(
            i.id.len() == 7 && (i.id.starts_with("AU") || i.id.starts_with("NZ")),
            "{}",
            i.id
        );
        assert!(i.stats["averageDurationMs"]["total"].as_u64().is_some());
        let square = i.logo["links"]["square"].as_str().expect("square logo");
        assert!(
            square.starts_with(sim.base_url()),
            "logo served by the simulator: {square}"
        );
        assert!(!i.login_id_caption.is_empty() && !i.password_caption.is_empty());
        assert!(
            !i.name.is_empty()
                && !i.short_name.is_empty()
                && !i.tier.is_empty()
                && !i.stage.is_empty()
        );
    }
}

#[tokio::test]
async fn sandbox_banks_as_documented() {
    let sim = sim().await;
    let t = client_token(&sim, None).await;
    let r = get(&sim, &t, "/institutions/AU00000").await;
    assert_eq!(r.status(), 200);
    let h: Inst = r.json().await.expect("inst");
    assert_eq!(
        (
            h.name.as_str(),
            h.short_name.as_str(),
            h.institution_type.as_str()
        ),
        ("Hooli Bank", "Hooli", "Test Bank")
    );
    assert_eq!((h.tier.as_str(), h.authorization.as_str()), ("4", "user"));
    let p: Inst = get(&sim, &t, "/institutions/AU00002")
        .await
        .json()
        .await
        .expect("inst");
    assert_eq!(
        (p.name.as_str(), p.authorization.as_str()),
        ("Pied Piper Bank", "user-mfa")
    );
    let n: Inst = get(&sim, &t, "/institutions/AU00003")
        .await
        .json()
        .await
        .expect("inst");
    assert_eq!(
        (n.name.as_str(), n.authorization.as_str()),
        ("Nucleus Bank", "user-mfa-intermittent")
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let e = expect_error(
        get(&sim, &t, "/institutions/AU99999").await,
        404,
        "resource-not-found",
    )
    .await;
    assert_eq!(e.title, "Requested resource is not found");
    assert_eq!(
        e.detail.as_deref(),
        Some("Requested institution does not exist.")
    );
    expect_error(
        get(&sim, &t, "/institutions/nope").await,
        400,
        "parameter-not-valid",
    )
    .await;
}

#[tokio::test]
async fn filter_grammar() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let all = list(&sim, &t, "").await.data;
    let q = |f: &str| format!("?filter={}", urlencode(f));
    let nz = list(&sim, &t, &q("institution.country.eq('New Zealand')"))
        .await
        .data;
    assert!(!nz.is_empty() && nz.iter().all(|i| i.country == "New Zealand"));
    let not_nz = list(&sim, &t, &q("institution.country.ne('New Zealand')"))
        .await
        .data;
    assert_eq!(nz.len() + not_nz.len(), all.len());
    let t12 = list(
        &sim,
        &t,
        &q("institution.stage.eq('live'),institution.tier.in('1','2')"),
    )
    .await
    .data;
    assert!(!t12.is_empty());
    assert!(
        t12.iter()
            .all(|i| i.stage == "live" && (i.tier == "1" || i.tier == "2"))
    );
    for (f, check) in [
        (
            "institution.serviceType.eq('Business Banking')",
            Box::new(|i: &Inst| i.service_type == "Business Banking") as Box<dyn Fn(&Inst) -> bool>,
        ),
        (
            "institution.institutionType.eq('Credit Union')",
            Box::new(|i: &Inst| i.institution_type == "Credit Union"),
        ),
        (
            "institution.authorization.in('user-mfa','user-mfa-intermittent')",
            Box::new(|i: &Inst| i.authorization.starts_with("user-mfa")),
        ),
        (
            "institution.status.ne('operational')",
            Box::new(|i: &Inst| i.status != "operational"),
        ),
        (
            "institution.stage.ne('alpha')",
            Box::new(|i: &Inst| i.stage != "alpha"),
        ),
    ] {
        let got = list(&sim, &t, &q(f)).await.data;
        assert!(!got.is_empty(), "{f}");
        assert!(got.iter().all(&check), "{f}");
        assert_eq!(got.len(), all.iter().filter(|i| check(i)).count(), "{f}");
    }
    let e = expect_error(
        get(
            &sim,
            &t,
            &format!("/institutions{}", q("institution.colour.eq('red')")),
        )
        .await,
        400,
        "parameter-not-valid",
    )
    .await;
    assert!(e.detail.expect("detail").contains("Filter"));
    expect_error(
        get(
            &sim,
            &t,
            &format!("/institutions{}", q("institution.tier.eq('1'")),
        )
        .await,
        400,
        "parameter-not-valid",
    )
    .await;
}

#[tokio::test]
async fn public_institutions_need_no_token() {
    let sim = sim().await;
    let r = client()
        .get(format!(
            "{}/public/institutions?filter={}",
            sim.base_url(),
            urlencode("institution.tier.eq('1')")
        ))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let l: List = r.json().await.expect("list");
    assert!(!l.data.is_empty() && l.data.iter().all(|i| i.tier == "1"));
}

#[tokio::test]
async fn logos_are_svg() {
    let sim = sim().await;
    let t = server_token(&sim).await;
    let l = list(&sim, &t, "").await;
    for i in l.data.iter().take(5) {
        for key in ["square", "full"] {
            let url = i.logo["links"][key].as_str().expect("url");
            let r = client().get(url).send().await.expect("logo");
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["content-type"], "image/svg+xml");
            let body = r.text().await.expect("svg");
            assert!(body.starts_with("<svg") && body.ends_with("</svg>"));
        }
    }
    let r = client()
        .get(format!("{}/logos/XX00000.svg", sim.base_url()))
        .send()
        .await
        .expect("send");
    expect_error(r, 404, "resource-not-found").await;
}

#[tokio::test]
async fn same_seed_same_directory_bytes() {
    let a = basiq_sim::directory_json(9, 10, "http://x");
    let b = basiq_sim::directory_json(9, 10, "http://x");
    assert_eq!(a, b);
    assert_ne!(a, basiq_sim::directory_json(10, 10, "http://x"));
    // Over HTTP, too (modulo the port in links).
    let s1 = basiq_sim::Simulator::builder()
        .seed(9)
        .spawn()
        .await
        .expect("s1");
    let s2 = basiq_sim::Simulator::builder()
        .seed(9)
        .spawn()
        .await
        .expect("s2");
    let b1 = client()
        .get(format!("{}/public/institutions", s1.base_url()))
        .send()
        .await
        .expect("1")
        .text()
        .await
        .expect("t");
    let b2 = client()
        .get(format!("{}/public/institutions", s2.base_url()))
        .send()
        .await
        .expect("2")
        .text()
        .await
        .expect("t");
    assert_eq!(
        b1.replace(s1.base_url(), "BASE"),
        b2.replace(s2.base_url(), "BASE")
    );
}

#[tokio::test]
async fn synthetic_institutions_on_top() {
    let sim = basiq_sim::Simulator::builder()
        .institutions(1000)
        .spawn()
        .await
        .expect("sim");
    let r = client()
        .get(format!("{}/public/institutions", sim.base_url()))
        .send()
        .await
        .expect("send");
    let l: List = r.json().await.expect("list");
    assert!(l.data.len() >= 1300);
}

fn urlencode(s: &str) -> String {
    form_urlencoded_encode(s)
}

fn form_urlencoded_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
