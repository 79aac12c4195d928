//! Small browser helpers for the container: the clock, an async sleep, focus, and the
//! institution cache in localStorage (through `gloo-storage`; any storage failure is a miss).

use bank_connect_core::InstitutionSummary;
use bank_connect_core::cache::{self, CACHE_KEY, CacheEntry, CacheRead};
use gloo_storage::Storage;
use wasm_bindgen::JsCast;

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(i32::MAX as u64) as i32,
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Focuses the element with this id, if it is there.
pub fn focus(id: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|e| e.focus().is_ok())
}

/// Focuses the element with this id once it is in the page: a screen from a split module can
/// appear a few frames after its step begins. Gives up after about two seconds, or as soon as
/// the person has put focus somewhere else meanwhile.
pub fn focus_when_shown(id: String) {
    fn active() -> Option<web_sys::Element> {
        web_sys::window()?.document()?.active_element()
    }
    fn moved_on(before: &Option<web_sys::Element>) -> bool {
        let body = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body());
        match active() {
            None => false,
            Some(now) => {
                before.as_ref() != Some(&now) && body.is_none_or(|b| !js_sys::Object::is(&b, &now))
            }
        }
    }
    fn attempt(id: String, before: Option<web_sys::Element>, frames_left: u32) {
        leptos::prelude::request_animation_frame(move || {
            if moved_on(&before) {
                return;
            }
            if !focus(&id) && frames_left > 0 {
                attempt(id, before, frames_left - 1);
            }
        });
    }
    attempt(id, active(), 120);
}

/// True when localStorage can be used (it throws when disabled, e.g. some private modes).
fn storage_available() -> bool {
    web_sys::window().is_some_and(|w| matches!(w.local_storage(), Ok(Some(_))))
}

/// `localStorage.getItem(key)` as a JS value (web_sys's copies the text into wasm memory).
fn stored_value(key: &str) -> Option<wasm_bindgen::JsValue> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let get = js_sys::Reflect::get(&storage, &"getItem".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    get.call1(&storage, &key.into())
        .ok()
        .filter(|v| !v.is_null() && !v.is_undefined())
}

/// The cached directory, parsed by the browser (`JSON.parse`, the text never copied into wasm
/// memory) and read by core (`Miss` on anything unusable).
pub fn read_cache(now_ms: u64, ttl_ms: u64) -> CacheRead {
    cache::decode_with(
        stored_value(CACHE_KEY),
        |v| crate::api::parse_js_object(&v),
        now_ms,
        ttl_ms,
    )
}

/// Stores the directory; a full or disabled storage is ignored (the list works from memory).
pub fn write_cache(entry: &CacheEntry) {
    if storage_available() {
        let _ = gloo_storage::LocalStorage::raw().set_item(CACHE_KEY, &cache::encode(entry));
    }
}

/// Stores the directory (its list shared with the page, not copied) once the page is idle, so
/// encoding and storing about 100 kB never delays the frame that shows the list; a full or
/// disabled storage is ignored.
pub fn write_cache_when_idle(
    fetched_at_ms: u64,
    etag: Option<String>,
    version: u32,
    institutions: std::sync::Arc<Vec<InstitutionSummary>>,
) {
    let write = move || {
        if storage_available() {
            let value =
                cache::encode_shared(fetched_at_ms, etag.as_deref(), version, &institutions);
            let _ = gloo_storage::LocalStorage::raw().set_item(CACHE_KEY, &value);
        }
    };
    crate::schedule::when_idle(write);
}

/// True unless the browser says it is offline.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// True when the page is in a frame (the Consent UI then opens in a popup).
pub fn framed() -> bool {
    web_sys::window().is_some_and(|w| {
        w.parent()
            .ok()
            .flatten()
            .is_some_and(|p| !js_sys::Object::is(&p, &w))
    })
}

/// Reads `key` from the address bar's query and removes it from the address bar and history
/// (`history.replaceState`), so it is never bookmarked, shared or reloaded.
pub fn take_query_param(key: &str) -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let search = location.search().ok()?;
    let mut value = None;
    let rest: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some((k, v)) if k == key => {
                value = Some(v.to_owned());
                false
            }
            _ => !kv.is_empty(),
        })
        .collect();
    let value = value.filter(|v| !v.is_empty() && v.len() <= 200)?;
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let url = if rest.is_empty() {
        path
    } else {
        format!("{path}?{}", rest.join("&"))
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
    Some(value)
}

/// Where page mode keeps what the visit to the Consent UI is for ("manage"), across the
/// page's trip to Basiq and back; never a token, an id or anything of the person's.
const PURPOSE_KEY: &str = "bank-connect.handoff-purpose";

/// Page mode: says (or, with `None`, forgets) what the visit leaving now is for.
pub fn set_handoff_purpose(purpose: Option<&str>) {
    let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) else {
        return;
    };
    let _ = match purpose {
        Some(p) => storage.set_item(PURPOSE_KEY, p),
        None => storage.remove_item(PURPOSE_KEY),
    };
}

/// Back from the Consent UI: what the visit was for, read once and forgotten.
pub fn take_handoff_purpose() -> Option<String> {
    let storage = web_sys::window()?.session_storage().ok()??;
    let value = storage.get_item(PURPOSE_KEY).ok().flatten();
    let _ = storage.remove_item(PURPOSE_KEY);
    value
}

/// A `message` event's data as JSON (what `postMessage` carried, structured-cloned); `None`
/// when it is not JSON-shaped.
pub fn message_json(event: &web_sys::MessageEvent) -> Option<serde_json::Value> {
    let text = js_sys::JSON::stringify(&event.data()).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}
