//! Helpers shared by the browser tests: mount points, finding elements by role, accessible
//! name and label, and synthetic keyboard and input events.
#![allow(dead_code)] // each test binary uses its own subset

use leptos::prelude::document;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit};

/// A fresh `<div>` at the end of the page to mount into.
pub fn container() -> HtmlElement {
    let doc = document();
    let div = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

/// Every element under `root` matching `selector`.
pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into())
        .collect()
}

/// An element's text with whitespace collapsed.
pub fn text_of(e: &Element) -> String {
    e.text_content()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Elements with an implicit or explicit `role` whose accessible name (aria-label or text)
/// matches (`""` = any).
pub fn by_role(root: &Element, role: &str, name: &str) -> Vec<Element> {
    let selector = match role {
        "button" => "button, [role=button]",
        "link" => "a[href]",
        "heading" => "h1, h2, h3, [role=heading]",
        "option" => "[role=option]",
        "listbox" => "[role=listbox]",
        "combobox" => "[role=combobox]",
        "status" => "[role=status]",
        "alert" => "[role=alert]",
        "dialog" => "[role=dialog]",
        "list" => "ul",
        "listitem" => "li, [role=listitem]",
        other => panic!("unsupported role {other}"),
    };
    all(root, selector)
        .into_iter()
        .filter(|e| {
            let label = e.get_attribute("aria-label").unwrap_or_else(|| text_of(e));
            name.is_empty() || label == name
        })
        .collect()
}

/// The one element of `role` named `name`.
pub fn one(root: &Element, role: &str, name: &str) -> HtmlElement {
    let found = by_role(root, role, name);
    assert_eq!(found.len(), 1, "exactly one {role} named {name:?}");
    found[0].clone().unchecked_into()
}

/// The input labelled `label` through `<label for>`.
pub fn by_label(root: &Element, label: &str) -> HtmlInputElement {
    let l = all(root, "label")
        .into_iter()
        .find(|l| text_of(l) == label)
        .unwrap_or_else(|| panic!("no label {label:?}"));
    let id = l.get_attribute("for").expect("label has for");
    root.query_selector(&format!("#{id}"))
        .unwrap()
        .unwrap_or_else(|| panic!("label {label:?} points at a missing input"))
        .unchecked_into()
}

/// A `keydown` of `key` on `target`.
pub fn key(target: &Element, key: &str) {
    key_with_shift(target, key, false);
}

/// A `keydown` of `key` on `target`, with Shift held when `shift`.
pub fn key_with_shift(target: &Element, key: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&ev).unwrap();
}

/// Sets an input's value and fires `input`, as typing does.
pub fn type_into(input: &HtmlInputElement, value: &str) {
    input.set_value(value);
    let ev = web_sys::Event::new_with_event_init_dict("input", &{
        let i = web_sys::EventInit::new();
        i.set_bubbles(true);
        i
    })
    .unwrap();
    input.dispatch_event(&ev).unwrap();
}

/// The focused element's id ("" when none).
pub fn active_id() -> String {
    document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default()
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
