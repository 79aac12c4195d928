//! Component tests in headless Chromium: elements are found by role and accessible name.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use bank_connect::components::{
    ConnectionProgress, CredentialForm, CredentialSubmit, FailureAction, FailureScreen,
    InstitutionPicker, MAX_SHOWN, MfaPrompt, PlusButton, ROWS_PER_PASS, SEARCH_FAILED, SEARCHING,
    option_id, rows_in_first_pass,
};
use bank_connect_core::basiq::Job;
use bank_connect_core::basiq::MfaChallenge;
use bank_connect_core::errors::{self, ErrorKind, Recovery, UserError};
use bank_connect_core::job::JobView;
use bank_connect_core::validation::FormCheck;
use bank_connect_core::{Filters, InstitutionSummary, SearchIndex, Searcher};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit};

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

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

struct Picker {
    root: HtmlElement,
    selected: RwSignal<Option<String>>,
    escaped: RwSignal<u32>,
    query: RwSignal<String>,
    searcher: RwSignal<Option<Searcher>>,
    search_failed: RwSignal<bool>,
    _mounted: Box<dyn std::any::Any>,
}

impl Picker {
    /// The search box (the combobox).
    fn search_box(&self) -> HtmlInputElement {
        by_role(&self.root, "combobox", "")
            .pop()
            .expect("a combobox")
            .unchecked_into()
    }
}

fn mount_picker(banks: Vec<InstitutionSummary>) -> Picker {
    let root = container();
    let selected = RwSignal::new(None::<String>);
    let escaped = RwSignal::new(0u32);
    let query = RwSignal::new(String::new());
    let searcher = RwSignal::new(Some(SearchIndex::search as Searcher));
    let search_failed = RwSignal::new(false);
    let list = Arc::new(banks);
    let mounted = leptos::mount::mount_to(root.clone(), move || {
        let list = list.clone();
        view! {
            <InstitutionPicker
                institutions=Signal::derive(move || list.clone())
                filters=Signal::derive(Filters::none)
                query=query
                searcher=searcher
                search_failed=search_failed
                on_query=move |q| query.set(q)
                on_select=move |i: InstitutionSummary| selected.set(Some(i.id))
                on_escape=move |_| escaped.update(|e| *e += 1)
            />
        }
    });
    Picker {
        root,
        selected,
        escaped,
        query,
        searcher,
        search_failed,
        _mounted: Box::new(mounted),
    }
}

fn four_banks() -> Vec<InstitutionSummary> {
    vec![
        summary("AU00001", "Alpha Bank", "operational", None),
        summary("AU00002", "Bravo Bank", "major-outage", None),
        summary("AU00003", "Charlie Bank", "under-maintenance", None),
        summary("AU00004", "Delta Bank", "degraded-performance", None),
    ]
}

#[wasm_bindgen_test]
async fn picker_is_a_combobox_driving_a_listbox_with_the_keyboard() {
    let p = mount_picker(four_banks());
    leptos::task::tick().await;
    let combo = by_role(&p.root, "combobox", "").pop().expect("a combobox");
    let listbox = by_role(&p.root, "listbox", "Banks")
        .pop()
        .expect("a listbox named Banks");
    assert_eq!(
        combo.get_attribute("aria-controls"),
        listbox.get_attribute("id")
    );
    assert_eq!(by_label(&p.root, "Search for your bank").id(), combo.id());
    let options = by_role(&listbox, "option", "");
    assert_eq!(options.len(), 4);
    assert_eq!(combo.get_attribute("aria-activedescendant"), None);

    let active = |p: &Picker| {
        let c = by_role(&p.root, "combobox", "").pop().unwrap();
        c.get_attribute("aria-activedescendant")
    };
    key(&combo, "ArrowDown");
    leptos::task::tick().await;
    assert_eq!(active(&p), Some(option_id("AU00001")));
    let first = p
        .root
        .query_selector(&format!("#{}", option_id("AU00001")))
        .unwrap()
        .unwrap();
    assert_eq!(
        first.get_attribute("aria-selected").as_deref(),
        Some("true")
    );

    key(&combo, "ArrowDown");
    leptos::task::tick().await;
    assert_eq!(active(&p), Some(option_id("AU00002")));
    key(&combo, "End");
    leptos::task::tick().await;
    assert_eq!(active(&p), Some(option_id("AU00004")));
    key(&combo, "ArrowDown");
    leptos::task::tick().await;
    assert_eq!(
        active(&p),
        Some(option_id("AU00004")),
        "stays on the last option"
    );
    key(&combo, "Home");
    leptos::task::tick().await;
    assert_eq!(active(&p), Some(option_id("AU00001")));
    key(&combo, "ArrowUp");
    leptos::task::tick().await;
    assert_eq!(
        active(&p),
        Some(option_id("AU00001")),
        "stays on the first option"
    );

    // The major-outage bank is disabled with its reason and cannot be chosen.
    key(&combo, "ArrowDown");
    leptos::task::tick().await;
    let bravo = p
        .root
        .query_selector(&format!("#{}", option_id("AU00002")))
        .unwrap()
        .unwrap();
    assert_eq!(
        bravo.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );
    assert!(text_of(&bravo).contains("Unavailable right now"));
    key(&combo, "Enter");
    leptos::task::tick().await;
    assert_eq!(p.selected.get_untracked(), None);
    bravo.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(p.selected.get_untracked(), None);

    // Maintenance and slowness are warned but selectable.
    let charlie = p
        .root
        .query_selector(&format!("#{}", option_id("AU00003")))
        .unwrap()
        .unwrap();
    assert!(text_of(&charlie).contains("Under maintenance"));
    assert_eq!(charlie.get_attribute("aria-disabled"), None);
    key(&combo, "ArrowDown");
    key(&combo, "Enter");
    leptos::task::tick().await;
    assert_eq!(p.selected.get_untracked().as_deref(), Some("AU00003"));

    // Escape: first leaves the active option, then clears the search, then leaves the picker.
    p.query.set("bank".into());
    leptos::task::tick().await;
    key(&combo, "ArrowDown");
    leptos::task::tick().await;
    key(&combo, "Escape");
    leptos::task::tick().await;
    assert_eq!(active(&p), None);
    assert_eq!(p.query.get_untracked(), "bank");
    key(&combo, "Escape");
    leptos::task::tick().await;
    assert_eq!(p.query.get_untracked(), "");
    assert_eq!(p.escaped.get_untracked(), 0);
    key(&combo, "Escape");
    leptos::task::tick().await;
    assert_eq!(p.escaped.get_untracked(), 1);
}

/// Positions (in the listbox) of the rows that `records` wrote to.
fn rows_written(listbox: &Element, records: Vec<JsValue>) -> Vec<usize> {
    let rows = all(listbox, "li");
    let mut written: Vec<usize> = records
        .into_iter()
        .filter_map(|r| {
            let target = r.unchecked_into::<web_sys::MutationRecord>().target()?;
            let element = match target.dyn_into::<Element>() {
                Ok(e) => e,
                Err(node) => node.parent_element()?,
            };
            let row = element.closest("li").ok()??;
            rows.iter().position(|r| r.is_same_node(Some(&row)))
        })
        .collect();
    written.sort_unstable();
    written.dedup();
    written
}

/// A key writes to the rows whose bank, state or activity it changes and to no other row: an
/// arrow key to the rows it moves the active option between, a keystroke that leaves the shown
/// banks as they were to none (each read once the key's task and its microtasks are done).
#[wasm_bindgen_test]
async fn a_key_writes_only_to_the_rows_it_changes() {
    let p = mount_picker(four_banks());
    leptos::task::tick().await;
    let combo = p.search_box();
    let listbox = by_role(&p.root, "listbox", "Banks").pop().unwrap();
    let records = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let keep = records.clone();
    let on_change = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(
        move |batch: js_sys::Array| {
            keep.borrow_mut().extend(batch.iter());
        },
    );
    let observer = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()).unwrap();
    let init = web_sys::MutationObserverInit::new();
    init.set_subtree(true);
    init.set_child_list(true);
    init.set_attributes(true);
    init.set_character_data(true);
    observer.observe_with_options(&listbox, &init).unwrap();
    let written = || {
        records.borrow_mut().extend(observer.take_records().iter());
        rows_written(&listbox, records.take())
    };

    key(&combo, "ArrowDown");
    sleep(0).await;
    assert_eq!(written(), vec![0], "the first option becomes active");
    key(&combo, "ArrowDown");
    sleep(0).await;
    assert_eq!(written(), vec![0, 1], "the active option moves down");

    type_into(&combo, "charlie");
    sleep(0).await;
    let shown = by_role(&p.root, "option", "");
    assert_eq!(shown.len(), 1);
    assert!(text_of(&shown[0]).contains("Charlie Bank"));
    assert_eq!(
        written(),
        vec![0, 1, 2, 3],
        "Charlie comes first, the others go"
    );
    type_into(&combo, "charli");
    sleep(0).await;
    assert_eq!(by_role(&p.root, "option", "").len(), 1);
    assert_eq!(
        written(),
        Vec::<usize>::new(),
        "the same bank shown: nothing written"
    );
    type_into(&combo, "");
    sleep(0).await;
    assert_eq!(by_role(&p.root, "option", "").len(), 4);
    assert_eq!(written(), vec![0, 1, 2, 3], "the four banks come back");
    observer.disconnect();
}

#[wasm_bindgen_test]
async fn a_query_typed_before_the_search_arrives_keeps_the_list_then_finds() {
    let p = mount_picker(four_banks());
    p.searcher.set(None);
    leptos::task::tick().await;
    let combo = p.search_box();
    let status = || text_of(&by_role(&p.root, "status", "").pop().unwrap());
    let options = || by_role(&p.root, "option", "").len();
    assert_eq!(status(), "4 banks", "the first list needs no search");
    type_into(&combo, "delta");
    leptos::task::tick().await;
    assert_eq!(status(), SEARCHING);
    assert_eq!(
        options(),
        4,
        "the whole list stays while the search is on its way"
    );
    p.search_failed.set(true);
    leptos::task::tick().await;
    assert_eq!(status(), SEARCH_FAILED);
    // Punctuation finds everything: no search needed for it.
    type_into(&combo, " . ");
    leptos::task::tick().await;
    assert_eq!(status(), "4 banks match");
    type_into(&combo, "delta");
    p.search_failed.set(false);
    p.searcher.set(Some(SearchIndex::search as Searcher));
    leptos::task::tick().await;
    assert_eq!(status(), "1 bank matches");
    assert_eq!(options(), 1);
}

#[wasm_bindgen_test]
async fn picker_searches_with_typos_and_offers_help_when_nothing_matches() {
    let p = mount_picker(vec![
        summary("AU00100", "Westpac", "operational", None),
        summary(
            "AU00101",
            "Commonwealth Bank of Australia",
            "operational",
            None,
        ),
    ]);
    leptos::task::tick().await;
    let combo = p.search_box();
    type_into(&combo, "westpak");
    leptos::task::tick().await;
    let names = || -> Vec<String> {
        by_role(&p.root, "option", "")
            .iter()
            .filter_map(|o| o.query_selector(".bc-option-name").unwrap())
            .map(|n| text_of(&n))
            .collect()
    };
    assert_eq!(names(), ["Westpac"]);
    assert_eq!(
        text_of(&by_role(&p.root, "status", "").pop().unwrap()),
        "1 bank matches"
    );
    type_into(&combo, "cba");
    leptos::task::tick().await;
    assert_eq!(names(), ["Commonwealth Bank of Australia"]);
    key(&combo, "Enter");
    leptos::task::tick().await;
    assert_eq!(
        p.selected.get_untracked().as_deref(),
        Some("AU00101"),
        "Enter picks a single match"
    );

    type_into(&combo, "zzzz bank of nowhere");
    leptos::task::tick().await;
    assert!(by_role(&p.root, "option", "").is_empty());
    assert_eq!(
        by_role(&p.root, "heading", "Can't find your bank?").len(),
        1
    );
    let clear = by_role(&p.root, "button", "Clear the search")
        .pop()
        .expect("a way out");
    clear.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(p.query.get_untracked(), "");
    assert_eq!(by_role(&p.root, "option", "").len(), 2);
}

/// The options the picker shows.
fn shown_rows(p: &Picker) -> usize {
    by_role(&p.root, "option", "").len()
}

/// Waits (up to 2 s) until the picker shows `want` options.
async fn rows_filled(p: &Picker, want: usize) {
    for _ in 0..200 {
        if shown_rows(p) == want {
            return;
        }
        sleep(10).await;
    }
    panic!("{} rows, not {want}", shown_rows(p));
}

#[wasm_bindgen_test]
async fn a_long_list_paints_its_first_rows_with_the_keystroke_and_the_rest_after_the_frame() {
    let p = mount_picker(bank_connect_core::synthetic::directory(500));
    let count = || shown_rows(&p);
    let first_pass = rows_in_first_pass;
    assert!(first_pass() >= ROWS_PER_PASS && first_pass() < MAX_SHOWN);
    let filled = |want: usize| rows_filled(&p, want);
    leptos::task::tick().await;
    assert_eq!(
        count(),
        first_pass(),
        "the first frame has the first pass only"
    );
    let first = by_role(&p.root, "option", "").remove(0);
    filled(MAX_SHOWN).await;
    assert!(
        by_role(&p.root, "option", "")[0].is_same_node(Some(&first)),
        "the later passes add rows and keep the first ones"
    );

    // Each new search starts again from one pass.
    let combo = p.search_box();
    for query in ["a", "an", ""] {
        type_into(&combo, query);
        leptos::task::tick().await;
        assert_eq!(count(), first_pass(), "first pass of {query:?}");
        filled(MAX_SHOWN).await;
    }
}

/// While keys come, a keystroke's frame is the only one the list paints: the rows below the
/// fold (the later passes) wait until the text has been still for the quiet period.
#[wasm_bindgen_test]
async fn the_rows_below_the_fold_wait_while_the_person_types() {
    use bank_connect_core::search::typing::TYPING_QUIET_MS;
    let p = mount_picker(bank_connect_core::synthetic::directory(500));
    let count = || shown_rows(&p);
    let first_pass = rows_in_first_pass;
    // The whole first list before any typing.
    rows_filled(&p, MAX_SHOWN).await;

    // Ten keys 60 ms apart, each query matching more than the most shown.
    let combo = p.search_box();
    let mut last_key = 0.0;
    for i in 0..10 {
        type_into(&combo, if i % 2 == 0 { "b" } else { "ba" });
        last_key = js_sys::Date::now();
        sleep(60).await;
        assert_eq!(count(), first_pass(), "key {i}: the first pass only");
    }
    let mut grew = None;
    for _ in 0..200 {
        if grew.is_none() && count() > first_pass() {
            grew = Some(js_sys::Date::now());
        }
        if count() == MAX_SHOWN {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(count(), MAX_SHOWN, "the rest come once the typing stops");
    let after = grew.expect("the list grew") - last_key;
    assert!(
        after >= TYPING_QUIET_MS - 1.0,
        "the list grew {after} ms after the last key"
    );
}

/// A window made taller while the picker is open: the next keystroke's first pass fills the
/// listbox of the new height, not of the height the picker opened at.
#[wasm_bindgen_test]
async fn a_keystrokes_first_pass_follows_the_windows_height_now() {
    use bank_connect_core::search::typing::first_pass_rows;
    let p = mount_picker(bank_connect_core::synthetic::directory(500));
    rows_filled(&p, MAX_SHOWN).await;
    let taller = 2_000.0;
    assert_ne!(
        first_pass_rows(taller),
        rows_in_first_pass(),
        "a height with another count"
    );
    let height = WindowHeight::pretend(taller);
    assert_eq!(rows_in_first_pass(), first_pass_rows(taller));

    type_into(&p.search_box(), "b");
    sleep(60).await;
    let rows = shown_rows(&p);
    drop(height);
    assert_eq!(
        rows,
        first_pass_rows(taller),
        "the first pass of the window's height now"
    );
}

/// `window.innerHeight` reads `px` until dropped (the window's own `innerHeight` accessor is
/// configurable: a plain value stands in for it, and the accessor is put back after).
struct WindowHeight(JsValue);

impl WindowHeight {
    fn pretend(px: f64) -> Self {
        let window = web_sys::window().expect("a window");
        let key = JsValue::from_str("innerHeight");
        let was = js_sys::Object::get_own_property_descriptor(&window, &key);
        let now = js_sys::Object::new();
        for (k, v) in [
            ("value", JsValue::from_f64(px)),
            ("configurable", JsValue::TRUE),
            ("writable", JsValue::TRUE),
        ] {
            js_sys::Reflect::set(&now, &k.into(), &v).expect("a plain object");
        }
        js_sys::Object::define_property(&window, &key, &now);
        Self(was)
    }
}

impl Drop for WindowHeight {
    fn drop(&mut self) {
        if let (Some(window), Some(was)) = (web_sys::window(), self.0.dyn_ref::<js_sys::Object>()) {
            js_sys::Object::define_property(&window, &JsValue::from_str("innerHeight"), was);
        }
    }
}

/// The rows a keystroke rewrites show their bank at once and their logo only once the page is
/// idle: drawing new (SVG) logos is never part of the keystroke's frame.
#[wasm_bindgen_test]
async fn a_keystroke_draws_no_new_logo_in_its_frame() {
    let logo =
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/%3E";
    let p = mount_picker(vec![
        summary("AU00000", "Hooli Bank", "operational", Some(logo)),
        summary("AU00001", "Pied Piper Bank", "operational", Some(logo)),
        summary("AU00002", "Raviga Bank", "operational", None),
    ]);
    let images = |p: &Picker| all(&p.root, "li:not([hidden]) img.bc-logo").len();
    let pending = |p: &Picker| all(&p.root, "li:not([hidden]) .bc-logo-pending").len();
    let idle = async |p: &Picker, want: usize| {
        for _ in 0..100 {
            if images(p) == want {
                return;
            }
            sleep(20).await;
        }
        panic!("{} logos drawn, {want} expected", images(p));
    };
    leptos::task::tick().await;
    idle(&p, 2).await;
    assert_eq!(pending(&p), 0);

    // "pied": the first row now holds Pied Piper, whose logo waits; the bank's name is there.
    let combo = p.search_box();
    type_into(&combo, "pied");
    leptos::task::tick().await;
    let shown = by_role(&p.root, "option", "");
    assert_eq!(shown.len(), 1);
    assert!(text_of(&shown[0]).contains("Pied Piper Bank"));
    assert_eq!(
        pending(&p),
        1,
        "the new row's logo is not drawn in the keystroke's frame"
    );
    assert!(shown[0].query_selector("img").unwrap().is_none());
    idle(&p, 1).await;
    assert_eq!(pending(&p), 0);
    assert!(shown[0].query_selector("img.bc-logo").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn no_new_logo_is_drawn_while_the_person_types() {
    use bank_connect_core::search::typing::TYPING_QUIET_MS;
    let logo =
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/%3E";
    let p = mount_picker(vec![
        summary("AU00000", "Hooli Bank", "operational", Some(logo)),
        summary("AU00001", "Pied Piper Bank", "operational", Some(logo)),
        summary("AU00002", "Raviga Bank", "operational", Some(logo)),
    ]);
    let images = |p: &Picker| all(&p.root, "li:not([hidden]) img.bc-logo").len();
    leptos::task::tick().await;
    for _ in 0..100 {
        if images(&p) == 3 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(images(&p), 3, "the logos are drawn before any typing");

    // When each image is put in the list (a MutationObserver's records come right after).
    let listbox = by_role(&p.root, "listbox", "Banks").pop().unwrap();
    let drawn = std::rc::Rc::new(std::cell::RefCell::new(Vec::<f64>::new()));
    let keep = drawn.clone();
    let on_change = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(
        move |batch: js_sys::Array| {
            for record in batch.iter() {
                let record: web_sys::MutationRecord = record.unchecked_into();
                let added = record.added_nodes();
                let images = (0..added.length())
                    .filter_map(|i| added.item(i))
                    .filter_map(|n| n.dyn_into::<Element>().ok())
                    .filter(|e| {
                        e.tag_name() == "IMG" || e.query_selector("img").ok().flatten().is_some()
                    })
                    .count();
                keep.borrow_mut()
                    .extend(std::iter::repeat_n(js_sys::Date::now(), images));
            }
        },
    );
    let observer = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()).unwrap();
    let init = web_sys::MutationObserverInit::new();
    init.set_subtree(true);
    init.set_child_list(true);
    observer.observe_with_options(&listbox, &init).unwrap();

    // Ten keys 60 ms apart: the only row shown holds Pied Piper, then Raviga, and so on (a bank
    // that row has not drawn yet); no logo is drawn until the text has been still for the
    // quiet period.
    let combo = p.search_box();
    let mut keys = Vec::new();
    for i in 0..10 {
        type_into(&combo, if i % 2 == 0 { "pied" } else { "raviga" });
        keys.push(js_sys::Date::now());
        sleep(60).await;
    }
    let shown = by_role(&p.root, "option", "");
    assert_eq!(shown.len(), 1);
    assert!(text_of(&shown[0]).contains("Raviga Bank"));
    assert!(
        shown[0]
            .query_selector(".bc-logo-pending")
            .unwrap()
            .is_some(),
        "its new logo waits while keys come"
    );
    for _ in 0..100 {
        if images(&p) == 1 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(images(&p), 1, "the logo comes once the typing stops");
    observer.disconnect();
    let drawn = drawn.borrow().clone();
    assert!(!drawn.is_empty(), "the new logos were drawn after the keys");
    for t in drawn {
        let last_key = keys
            .iter()
            .copied()
            .filter(|k| *k <= t)
            .fold(f64::MIN, f64::max);
        assert!(
            t - last_key >= TYPING_QUIET_MS - 1.0,
            "a logo was drawn {} ms after a key (keys at {keys:?})",
            t - last_key
        );
    }
}

#[wasm_bindgen_test]
async fn a_logo_that_fails_to_load_falls_back_to_initials() {
    let p = mount_picker(vec![summary(
        "AU00000",
        "Hooli Bank",
        "operational",
        Some("/definitely-missing-logo.svg"),
    )]);
    leptos::task::tick().await;
    assert!(
        p.root.query_selector(".bc-logo-pending").unwrap().is_some(),
        "the logo's box waits for an idle moment"
    );
    for _ in 0..50 {
        if p.root.query_selector("img.bc-logo").unwrap().is_some() {
            break;
        }
        sleep(20).await;
    }
    assert!(
        p.root.query_selector("img.bc-logo").unwrap().is_some()
            || p.root
                .query_selector(".bc-logo-initials")
                .unwrap()
                .is_some(),
        "the image is tried first, once the page is idle"
    );
    for _ in 0..50 {
        if p.root
            .query_selector(".bc-logo-initials")
            .unwrap()
            .is_some()
        {
            break;
        }
        sleep(20).await;
    }
    let initials = p
        .root
        .query_selector(".bc-logo-initials")
        .unwrap()
        .expect("initials replace the broken image");
    assert_eq!(initials.text_content().unwrap(), "H");
    assert!(p.root.query_selector("img.bc-logo").unwrap().is_none());
}

struct Form {
    root: HtmlElement,
    submits: RwSignal<Vec<CredentialSubmit>>,
    check: RwSignal<FormCheck>,
    _mounted: Box<dyn std::any::Any>,
}

fn mount_form(inst: InstitutionSummary) -> Form {
    let root = container();
    let submits = RwSignal::new(Vec::<CredentialSubmit>::new());
    let check = RwSignal::new(FormCheck::default());
    let mounted = leptos::mount::mount_to(root.clone(), move || {
        let inst = inst.clone();
        view! {
            <CredentialForm
                institution=Signal::derive(move || inst.clone())
                login_prefill="kept-login".to_string()
                check=check
                submitting=Signal::derive(|| false)
                notice=Signal::derive(|| None)
                on_submit=move |s: CredentialSubmit| {
                    check.set(s.check.clone());
                    submits.update(|v| v.push(s));
                }
                on_back=|_| {}
            />
        }
    });
    Form {
        root,
        submits,
        check,
        _mounted: Box::new(mounted),
    }
}

fn described_text(root: &Element, input: &Element) -> String {
    input
        .get_attribute("aria-describedby")
        .unwrap_or_default()
        .split_whitespace()
        .map(|id| {
            root.query_selector(&format!("#{id}"))
                .unwrap()
                .map(|e| text_of(&e))
                .unwrap_or_else(|| panic!("aria-describedby names a missing #{id}"))
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[wasm_bindgen_test]
async fn form_has_one_labelled_input_per_caption_with_warnings_and_required_messages() {
    let mut inst = summary("AU00005", "Nucleus Bank", "operational", None);
    inst.login_id_caption = "Customer number".into();
    inst.secondary_login_id_caption = Some("Member ID".into());
    inst.password_caption = "Internet banking password".into();
    inst.security_code_caption = Some("Security code".into());
    inst.forgotten_password_url = Some("https://bank.example/forgot".into());
    let f = mount_form(inst);
    leptos::task::tick().await;

    let heading = by_role(&f.root, "heading", "Log in to Nucleus Bank");
    assert_eq!(heading.len(), 1);
    let login = by_label(&f.root, "Customer number");
    let member = by_label(&f.root, "Member ID");
    let password = by_label(&f.root, "Internet banking password");
    let code = by_label(&f.root, "Security code");
    assert_eq!(all(&f.root, "input").len(), 4, "one input per caption");
    assert_eq!(login.value(), "kept-login", "the login is pre-filled");
    assert_eq!(password.type_(), "password");
    assert_eq!(code.type_(), "password");
    assert_eq!(
        password.get_attribute("autocomplete").as_deref(),
        Some("current-password")
    );

    let link = by_role(&f.root, "link", "")
        .pop()
        .expect("forgot-password link");
    assert!(text_of(&link).starts_with("Forgot your password?"));
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://bank.example/forgot")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert!(text_of(&f.root).contains("never stored"));

    // Show / hide.
    let show = by_role(&f.root, "button", "Show password")
        .pop()
        .expect("show button");
    assert_eq!(
        show.get_attribute("aria-controls").as_deref(),
        Some(password.id().as_str())
    );
    show.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(password.type_(), "text");
    let hide = by_role(&f.root, "button", "Hide password")
        .pop()
        .expect("the button now hides");
    hide.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(password.type_(), "password");

    // Caps lock.
    let init = KeyboardEventInit::new();
    init.set_key("A");
    init.set_modifier_caps_lock(true);
    init.set_bubbles(true);
    password
        .dispatch_event(
            &KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap(),
        )
        .unwrap();
    leptos::task::tick().await;
    assert!(described_text(&f.root, &password).contains("Caps Lock is on."));

    // Leading/trailing spaces are warned as the person types.
    type_into(&member, " M123 ");
    leptos::task::tick().await;
    assert!(
        described_text(&f.root, &member).contains("starts or ends with a space"),
        "{}",
        described_text(&f.root, &member)
    );

    // Submitting with empty fields: messages linked by aria-describedby, nothing to send.
    type_into(&login, "");
    let form = f.root.query_selector("form").unwrap().unwrap();
    let submit = by_role(&form, "button", "Connect").pop().expect("submit");
    assert_eq!(submit.get_attribute("type").as_deref(), Some("submit"));
    submit.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    let first = f.submits.with_untracked(|s| s[0].clone());
    assert!(
        first.body.is_none(),
        "nothing is sent while fields are missing"
    );
    assert!(!f.check.get_untracked().can_submit());
    assert_eq!(
        described_text(&f.root, &login),
        "Enter your customer number"
    );
    assert_eq!(login.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(described_text(&f.root, &code).contains("Enter your security code"));

    // A complete submit sends a body and clears the secrets at once.
    type_into(&login, "gavinBelson");
    type_into(&password, "hooli2016");
    type_into(&code, "1234");
    leptos::task::tick().await;
    assert_eq!(
        described_text(&f.root, &login),
        "",
        "the error goes once the field is filled"
    );
    submit.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    let sent = f.submits.with_untracked(|s| s.last().cloned().unwrap());
    let body: serde_json::Value =
        serde_json::from_str(sent.body.as_deref().expect("a body")).unwrap();
    assert_eq!(body["loginId"], "gavinBelson");
    assert_eq!(body["password"], "hooli2016");
    assert_eq!(body["securityCode"], "1234");
    assert_eq!(body["secondaryLoginId"], " M123 ");
    assert_eq!(body["institution"]["id"], "AU00005");
    assert_eq!(sent.login_id, "gavinBelson");
    assert_eq!(
        password.value(),
        "",
        "the password input is cleared right after submit"
    );
    assert_eq!(code.value(), "");
    assert_eq!(login.value(), "gavinBelson", "the login stays");
    assert!(
        !format!("{sent:?}").contains("hooli2016"),
        "Debug never prints the body"
    );
}

fn job(json: &str) -> Job {
    serde_json::from_str(json).unwrap()
}

const JOB_RETRIEVING: &str = r#"{"type":"job","id":"j1","steps":[
  {"title":"verify-credentials","status":"success","result":{"type":"link","url":"/users/u/connections/c1"}},
  {"title":"retrieve-accounts","status":"in-progress","result":null},
  {"title":"retrieve-transactions","status":"pending","result":null}]}"#;

const JOB_VERIFYING: &str = r#"{"type":"job","id":"j1","steps":[
  {"title":"verify-credentials","status":"in-progress","result":null},
  {"title":"retrieve-accounts","status":"pending","result":null},
  {"title":"retrieve-transactions","status":"pending","result":null}]}"#;

const JOB_FAILED: &str = r#"{"type":"job","id":"j1","steps":[
  {"title":"verify-credentials","status":"failed","result":{"code":"service-unavailable","title":"Service unavailable","detail":"Service is currently unavailable. Please try again later."}},
  {"title":"retrieve-accounts","status":"pending","result":null},
  {"title":"retrieve-transactions","status":"pending","result":null}]}"#;

#[wasm_bindgen_test]
async fn progress_renders_each_step_from_job_fixtures() {
    let root = container();
    let view_signal = RwSignal::new(JobView::from_job(&job(JOB_VERIFYING)));
    let cancelled = RwSignal::new(false);
    let background = RwSignal::new(false);
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <ConnectionProgress
                institution_name="Hooli Bank"
                view=view_signal
                usual_secs=Some(32)
                elapsed_secs=Signal::derive(|| 3)
                on_cancel=move |_| cancelled.set(true)
                on_background=move |_| background.set(true)
            />
        }
    });
    leptos::task::tick().await;
    assert_eq!(
        by_role(&root, "heading", "Connecting to Hooli Bank").len(),
        1
    );
    // Each step: its label and its state, as read out (the icon is aria-hidden).
    let steps = || -> Vec<String> {
        all(&root, "ol[aria-label='Steps'] > li")
            .iter()
            .map(|li| {
                all(li, "span:not([aria-hidden])")
                    .iter()
                    .map(text_of)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    assert_eq!(
        steps(),
        [
            "Verifying your credentials In progress",
            "Retrieving your accounts Waiting",
            "Retrieving your transactions Waiting"
        ]
    );
    let live = root
        .query_selector("[aria-live='polite']")
        .unwrap()
        .expect("a live region");
    assert_eq!(text_of(&live), "Verifying your credentials…");
    assert!(text_of(&root).contains("usually takes about 32 s"));
    assert!(
        by_role(&root, "button", "Continue in background").is_empty(),
        "not before the credentials are verified"
    );
    let bar = root
        .query_selector("progress")
        .unwrap()
        .expect("a progress bar");
    assert_eq!(bar.get_attribute("value").as_deref(), Some("0"));

    view_signal.set(JobView::from_job(&job(JOB_RETRIEVING)));
    leptos::task::tick().await;
    assert_eq!(
        steps(),
        [
            "Verifying your credentials Done",
            "Retrieving your accounts In progress",
            "Retrieving your transactions Waiting"
        ]
    );
    assert_eq!(text_of(&live), "Retrieving your accounts…");
    assert_eq!(bar.get_attribute("value").as_deref(), Some("33"));
    let bg = by_role(&root, "button", "Continue in background")
        .pop()
        .expect("background button");
    bg.unchecked_ref::<HtmlElement>().click();
    by_role(&root, "button", "Cancel")[0]
        .unchecked_ref::<HtmlElement>()
        .click();
    leptos::task::tick().await;
    assert!(background.get_untracked());
    assert!(cancelled.get_untracked());

    view_signal.set(JobView::from_job(&job(JOB_FAILED)));
    leptos::task::tick().await;
    assert_eq!(steps()[0], "Verifying your credentials Failed");
}

fn challenge(method: &str, inputs: &[&str]) -> MfaChallenge {
    MfaChallenge {
        kind: "mfa".into(),
        method: method.into(),
        description: None,
        input: inputs.iter().map(|s| s.to_string()).collect(),
        expiry_ms: Some(120_000),
        links: None,
    }
}

/// An MFA prompt for Pied Piper Bank, never busy: its root, the bodies it sent, the mount.
fn mount_mfa(
    challenge: Signal<MfaChallenge>,
    error: Signal<Option<String>>,
    seconds_left: Signal<Option<u64>>,
) -> (HtmlElement, RwSignal<Vec<String>>, impl Sized) {
    let root = container();
    let sent = RwSignal::new(Vec::<String>::new());
    let mounted = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <MfaPrompt
                institution_name="Pied Piper Bank"
                challenge=challenge
                error=error
                seconds_left=seconds_left
                busy=Signal::derive(|| false)
                on_submit=move |body: String| sent.update(|v| v.push(body))
                on_cancel=|_| {}
            />
        }
    });
    (root, sent, mounted)
}

#[wasm_bindgen_test]
async fn mfa_prompt_words_codes_and_questions_and_sends_trimmed_answers() {
    let current = RwSignal::new(challenge("token", &["OTP Password"]));
    let error = RwSignal::new(None::<String>);
    let (root, sent, _mounted) =
        mount_mfa(current.into(), error.into(), Signal::derive(|| Some(65)));
    leptos::task::tick().await;
    assert_eq!(
        by_role(&root, "heading", "Enter the code from your bank").len(),
        1
    );
    let code = by_label(&root, "OTP Password");
    assert_eq!(
        code.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    assert!(text_of(&root).contains("Time left to answer: 1:05"));

    let submit = by_role(&root, "button", "Continue").pop().expect("submit");
    submit.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert!(sent.get_untracked().is_empty(), "an empty code is not sent");
    assert_eq!(described_text(&root, &code), "Enter the code");
    assert_eq!(code.get_attribute("aria-invalid").as_deref(), Some("true"));
    type_into(&code, " 1234 ");
    submit.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(sent.get_untracked(), [r#"{"mfa-response":["1234"]}"#]);
    assert_eq!(code.value(), "", "the answer leaves the input once sent");

    // Two security questions, then a refused answer.
    current.set(challenge(
        "security-questions",
        &[
            "What's your favourite company?",
            "What's the ID of this institution?",
        ],
    ));
    error.set(Some(
        "That answer wasn't accepted. Please try again.".into(),
    ));
    leptos::task::tick().await;
    assert_eq!(
        by_role(&root, "heading", "Answer your bank's security questions").len(),
        1
    );
    let alert = root
        .query_selector("[role=alert]")
        .unwrap()
        .expect("the refusal is announced");
    assert_eq!(
        text_of(&alert),
        "That answer wasn't accepted. Please try again."
    );
    let first = by_label(&root, "What's your favourite company?");
    let second = by_label(&root, "What's the ID of this institution?");
    type_into(&first, "Basiq");
    let submit = by_role(&root, "button", "Continue").pop().expect("submit");
    submit.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(described_text(&root, &second), "Enter your answer");
    assert_eq!(sent.get_untracked().len(), 1);
    type_into(&second, "AU00002");
    submit.unchecked_ref::<HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(
        sent.get_untracked().last().map(String::as_str),
        Some(r#"{"mfa-response":["Basiq","AU00002"]}"#)
    );
}

/// A poll that lands while the person types (the parent's state changes, the challenge is the
/// same) keeps the inputs and what is in them; only a different challenge replaces them.
#[wasm_bindgen_test]
async fn mfa_prompt_keeps_a_half_typed_answer_while_polls_land() {
    let polls = RwSignal::new(0u32);
    let prompts = RwSignal::new(vec!["OTP Password"]);
    // Not memoized, as a parent deriving from its whole state is: every poll notifies.
    let current = Signal::derive(move || {
        polls.track();
        challenge("token", &prompts.get())
    });
    let (root, sent, _mounted) = mount_mfa(
        current,
        Signal::derive(move || polls.with(|_| None::<String>)),
        Signal::derive(move || Some(120 - u64::from(polls.get()))),
    );
    leptos::task::tick().await;
    let code = by_label(&root, "OTP Password");
    type_into(&code, "12");
    for _ in 0..3 {
        polls.update(|n| *n += 1);
        leptos::task::tick().await;
    }
    assert!(text_of(&root).contains("Time left to answer: 1:57"));
    let after = by_label(&root, "OTP Password");
    assert!(
        after.is_same_node(Some(&code)),
        "the input was rebuilt by a poll"
    );
    assert_eq!(after.value(), "12", "what was typed survives the polls");
    type_into(&after, "1234");
    by_role(&root, "button", "Continue")
        .pop()
        .expect("submit")
        .unchecked_ref::<HtmlElement>()
        .click();
    leptos::task::tick().await;
    assert_eq!(sent.get_untracked(), [r#"{"mfa-response":["1234"]}"#]);

    // A different challenge is a new question: new inputs.
    type_into(&after, "99");
    prompts.set(vec!["SMS code"]);
    leptos::task::tick().await;
    assert_eq!(by_label(&root, "SMS code").value(), "");
}

#[wasm_bindgen_test]
async fn failure_screens_offer_the_way_out_of_their_kind() {
    let cases: Vec<(UserError, &str, Vec<&str>)> = vec![
        (
            errors::from_job_code(
                "account-not-accessible-requires-user-action",
                None,
                Some("An action is required from end-user before account details can be returned."),
            ),
            "Your bank needs something from you",
            vec!["Back to the login form", "Choose another bank"],
        ),
        (
            errors::from_job_code("service-unavailable", None, None),
            "The service is busy",
            vec!["Try again", "Choose another bank"],
        ),
        (
            errors::from_job_code("maintenance", None, None),
            "Your bank is under maintenance",
            vec!["Choose another bank", "Try again"],
        ),
        (
            UserError::new(ErrorKind::SessionExpired),
            "Your session expired",
            vec!["Try again", "Choose another bank"],
        ),
        (
            errors::from_job_code("mystery-code", None, Some("Basiq says why")),
            "We couldn't connect your bank",
            vec!["Try again", "Choose another bank"],
        ),
    ];
    for (error, title, buttons) in cases {
        let root = container();
        let pressed = RwSignal::new(None::<FailureAction>);
        let recovery = match error.recovery() {
            Recovery::ReauthenticateOnce => Recovery::Retry,
            r => r,
        };
        let shown = error.clone();
        let _mounted = leptos::mount::mount_to(root.clone(), move || {
            view! {
                <FailureScreen
                    error=shown.clone()
                    recovery=recovery
                    institution_name=Some("Hooli Bank".to_string())
                    on_action=move |a| pressed.set(Some(a))
                />
            }
        });
        leptos::task::tick().await;
        assert_eq!(by_role(&root, "heading", title).len(), 1, "{title}");
        let names: Vec<String> = by_role(&root, "button", "").iter().map(text_of).collect();
        assert_eq!(names, buttons, "{title}");
        let alert = root
            .query_selector("[role=alert]")
            .unwrap()
            .expect("an alert");
        assert_eq!(text_of(&alert), error.message());
        by_role(&root, "button", "")[0]
            .unchecked_ref::<HtmlElement>()
            .click();
        leptos::task::tick().await;
        assert!(pressed.get_untracked().is_some());
        root.remove();
    }
}
