//! Component tests in headless Chromium: elements are found by role and accessible name.
#![cfg(target_arch = "wasm32")]

use bank_connect::components::{InstitutionList, PlusButton};
use bank_connect_core::InstitutionSummary;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> HtmlElement {
    let doc = document();
    let div = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into())
        .collect()
}

/// Elements with an implicit or explicit `role` whose accessible name (aria-label or text) matches.
fn by_role(root: &Element, role: &str, name: &str) -> Vec<Element> {
    let selector = match role {
        "button" => "button, [role=button]",
        "list" => "ul, ol, [role=list]",
        "listitem" => "li, [role=listitem]",
        other => panic!("unsupported role {other}"),
    };
    all(root, selector)
        .into_iter()
        .filter(|e| {
            let label = e
                .get_attribute("aria-label")
                .unwrap_or_else(|| e.text_content().unwrap_or_default());
            name.is_empty() || label.split_whitespace().collect::<Vec<_>>().join(" ") == name
        })
        .collect()
}

fn summary(id: &str, name: &str, status: &str, logo: Option<&str>) -> InstitutionSummary {
    InstitutionSummary {
        id: id.into(),
        name: name.into(),
        short_name: name.split(' ').next().unwrap().into(),
        service_type: "Personal Banking".into(),
        country: "Australia".into(),
        tier: "1".into(),
        status: status.into(),
        authorization: "user".into(),
        login_id_caption: "Login".into(),
        password_caption: "Password".into(),
        security_code_caption: None,
        secondary_login_id_caption: None,
        forgotten_password_url: None,
        logo: logo.map(Into::into),
        average_duration_ms: None,
    }
}

#[wasm_bindgen_test]
async fn plus_button_is_a_real_button_that_reports_each_click() {
    let root = container();
    let clicks = RwSignal::new(0);
    let _mounted = leptos::mount::mount_to(
        root.clone(),
        move || view! { <PlusButton on_click=move |_| clicks.update(|c| *c += 1) /> },
    );
    let buttons = by_role(&root, "button", "+ Connect a bank");
    assert_eq!(buttons.len(), 1, "one button named '+ Connect a bank'");
    assert_eq!(buttons[0].tag_name(), "BUTTON");
    assert_eq!(buttons[0].get_attribute("type").as_deref(), Some("button"));
    buttons[0].unchecked_ref::<HtmlElement>().click();
    buttons[0].unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(clicks.get_untracked(), 2);
}

#[wasm_bindgen_test]
async fn institution_list_names_each_bank_and_flags_outages() {
    let root = container();
    let heading = document().create_element("h2").unwrap();
    heading.set_id("banks-heading");
    heading.set_text_content(Some("Choose your bank"));
    root.append_child(&heading).unwrap();
    let data = vec![
        summary("AU00000", "Hooli Bank", "operational", None),
        summary("AU00001", "Down Bank", "major-outage", None),
        summary("AU00002", "Slow Bank", "degraded-performance", None),
    ];
    let _mounted = leptos::mount::mount_to(
        root.clone(),
        move || view! { <InstitutionList institutions=data.clone() labelled_by="banks-heading" /> },
    );
    leptos::task::tick().await;
    let lists = by_role(&root, "list", "");
    assert_eq!(lists.len(), 1);
    assert_eq!(
        lists[0].get_attribute("aria-labelledby").as_deref(),
        Some("banks-heading")
    );
    let items = by_role(&lists[0], "listitem", "");
    assert_eq!(items.len(), 3);
    let names: Vec<_> = all(&lists[0], ".institution-name")
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect();
    assert_eq!(names, ["Hooli Bank", "Down Bank", "Slow Bank"]);
    assert!(
        items[0].query_selector(".badge").unwrap().is_none(),
        "operational banks carry no badge"
    );
    assert_eq!(
        items[1]
            .query_selector(".badge")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Unavailable"
    );
    assert_eq!(
        items[2]
            .query_selector(".badge")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Slow"
    );
}

#[wasm_bindgen_test]
async fn a_logo_that_fails_to_load_falls_back_to_initials() {
    let root = container();
    let data = vec![summary(
        "AU00000",
        "Hooli Bank",
        "operational",
        Some("/definitely-missing-logo.svg"),
    )];
    let _mounted = leptos::mount::mount_to(
        root.clone(),
        move || view! { <InstitutionList institutions=data.clone() labelled_by="x" /> },
    );
    leptos::task::tick().await;
    assert!(
        root.query_selector("img.logo").unwrap().is_some(),
        "the image is tried first"
    );
    // Wait for the browser to report the failed load (bounded).
    for _ in 0..50 {
        if root.query_selector(".logo-initials").unwrap().is_some() {
            break;
        }
        gloo_timers_sleep(20).await;
    }
    let initials = root
        .query_selector(".logo-initials")
        .unwrap()
        .expect("initials replace the broken image");
    assert_eq!(initials.text_content().unwrap(), "H");
    assert!(root.query_selector("img.logo").unwrap().is_none());
}

async fn gloo_timers_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
