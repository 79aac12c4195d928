//! The widget's side of embedding (`embed.js` on the host page opens it in an iframe).
//!
//! Embedded mode is `?embed=modal|inline` inside a frame. The widget listens only to messages
//! from its parent window whose origin is on the allowlist from `/api/config`, parsed strictly
//! by core's protocol; it posts only to that parent origin, never to a wildcard. Before the
//! host's `init` names the origin, `ready` goes to each allowed origin by name (the browser
//! drops any that do not match the parent). The link token arrives in `init`, never in a URL.

use std::cell::RefCell;
use std::rc::Rc;

use bank_connect_core::embed::{self, HostMessage, Theme, ThemeMode, WidgetMessage};
use bank_connect_core::flow::{FlowEvent, FlowState};
use futures::channel::oneshot;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::split::{ChunkError, call_split};

/// How the host shows the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A dialog over the host page.
    Modal,
    /// A frame inside the host page that grows with its content.
    Inline,
}

#[derive(Default)]
struct State {
    allowed: Vec<String>,
    parent_origin: Option<String>,
    link_token: Option<String>,
    initialised: bool,
    waiters: Vec<oneshot::Sender<()>>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Embedded mode, when the page was opened by `embed.js` inside a frame.
pub fn mode() -> Option<Mode> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    if js_sys::Object::is(&parent, &window) {
        return None;
    }
    let search = window.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| match kv {
            "embed=modal" => Some(Mode::Modal),
            "embed=inline" => Some(Mode::Inline),
            _ => None,
        })
}

fn parent() -> Option<web_sys::Window> {
    web_sys::window()?.parent().ok().flatten()
}

fn post_to(origin: &str, message: &serde_json::Value) {
    let Some(parent) = parent() else { return };
    if let Ok(value) = js_sys::JSON::parse(&message.to_string()) {
        let _ = parent.post_message(&value, origin);
    }
}

/// True once a host's `init` was accepted (the widget is talking to its embedder).
pub fn active() -> bool {
    STATE.with(|s| s.borrow().parent_origin.is_some())
}

/// Sends `message` to the host, once the host's origin is known (otherwise drops it).
pub fn post(message: &WidgetMessage) {
    let origin = STATE.with(|s| s.borrow().parent_origin.clone());
    if let Some(origin) = origin {
        post_to(&origin, &message.to_value());
    }
}

/// Reports one flow transition to the host (no-op when not embedded). The protocol code is in
/// the `embed` module, which `start` already loaded before any host could be talking to us.
pub fn observe(before: FlowState, event: FlowEvent, after: FlowState) {
    if !active() {
        return;
    }
    spawn_local(async move {
        let _ = call_split!(observe_in_module(before, event, after));
    });
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(embed, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn observe_in_module(
    before: FlowState,
    event: FlowEvent,
    after: FlowState,
) -> Result<(), ChunkError> {
    for message in embed::messages_for(&before, &event, &after) {
        post(&message);
    }
    Ok(())
}

/// The link token from the host's `init`, once (waits for `init` when embedded).
pub async fn link_token() -> Option<String> {
    mode()?;
    let waiter = STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.initialised {
            None
        } else {
            let (tx, rx) = oneshot::channel();
            s.waiters.push(tx);
            Some(rx)
        }
    });
    if let Some(rx) = waiter {
        let _ = rx.await;
    }
    STATE.with(|s| s.borrow_mut().link_token.take())
}

/// Applies a validated host theme through CSS custom properties on the root element.
pub fn apply_theme(theme: &Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() else {
        return;
    };
    let style = root.style();
    for (name, value) in theme.css_properties() {
        let _ = style.set_property(name, &value);
    }
    let mode = match theme.mode {
        ThemeMode::Light => "light",
        ThemeMode::Dark => "dark",
        ThemeMode::Auto => "auto",
    };
    let _ = root.set_attribute("data-bc-theme", mode);
}

/// Starts listening to the host: `on_init` runs once the host's `init` arrived (the app opens
/// the flow then); `on_escape` when the person presses Escape and nothing in the widget used
/// it (a modal dialog closes on Escape, and the host page cannot see keys typed in the frame).
/// `allowed` is the parent-origin allowlist from `/api/config`.
///
/// Only embedded pages need the protocol, so it lives in its own module (split point `embed`);
/// a failed download is retried a few times, backing off.
pub fn start(allowed: Vec<String>, on_init: impl Fn() + 'static, on_escape: impl Fn() + 'static) {
    let Some(mode) = mode() else { return };
    let on_init: Rc<dyn Fn()> = Rc::new(on_init);
    let on_escape: Rc<dyn Fn()> = Rc::new(on_escape);
    spawn_local(crate::split::retrying(move || {
        let (allowed, on_init, on_escape) = (allowed.clone(), on_init.clone(), on_escape.clone());
        async move { call_split!(listen(mode, allowed, on_init, on_escape)) }
    }));
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(embed, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn listen(
    mode: Mode,
    allowed: Vec<String>,
    on_init: Rc<dyn Fn()>,
    on_escape: Rc<dyn Fn()>,
) -> Result<(), ChunkError> {
    let Some(window) = web_sys::window() else {
        return Ok(());
    };
    if mode == Mode::Modal {
        let escape =
            Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
                if e.key() == "Escape" && !e.default_prevented() && active() {
                    on_escape();
                }
            });
        let _ = window.add_event_listener_with_callback("keydown", escape.as_ref().unchecked_ref());
        escape.forget();
    }
    STATE.with(|s| s.borrow_mut().allowed = allowed.clone());
    let listener =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let from_parent = match (event.source(), parent()) {
                (Some(source), Some(parent)) => js_sys::Object::is(&source, &parent),
                _ => false,
            };
            let origin = event.origin();
            if !from_parent
                || !embed::origin_allowed(&origin, &STATE.with(|s| s.borrow().allowed.clone()))
            {
                return;
            }
            let Some(value) = crate::browser::message_json(&event) else {
                return;
            };
            match HostMessage::parse(&value) {
                Ok(HostMessage::Init { link_token, theme }) => {
                    let first = STATE.with(|s| {
                        let mut s = s.borrow_mut();
                        if s.initialised {
                            return false;
                        }
                        s.initialised = true;
                        s.parent_origin = Some(origin.clone());
                        s.link_token = link_token;
                        for w in s.waiters.drain(..) {
                            let _ = w.send(());
                        }
                        true
                    });
                    if first {
                        if let Some(t) = theme {
                            apply_theme(&Theme::from_value(&t));
                        }
                        on_init();
                        if mode == Mode::Inline {
                            watch_height();
                        }
                    }
                }
                Ok(HostMessage::Close) | Err(_) => {}
            }
        });
    let _ = window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    listener.forget();

    // `ready` by name to the parent's origin when the browser tells it, else to each allowed
    // origin (a non-matching target origin is dropped by the browser, never delivered).
    let ancestor = ancestor_origin();
    let targets: Vec<String> = match ancestor {
        Some(a) if embed::origin_allowed(&a, &allowed) => vec![a],
        Some(_) => Vec::new(),
        None => allowed,
    };
    for origin in targets {
        post_to(&origin, &WidgetMessage::Ready.to_value());
    }
    Ok(())
}

/// The embedding page's origin as Chromium and Safari report it (`location.ancestorOrigins`,
/// which web-sys does not bind); `None` where the browser does not say.
fn ancestor_origin() -> Option<String> {
    let location = web_sys::window()?.location();
    let list = js_sys::Reflect::get(&location, &JsValue::from_str("ancestorOrigins")).ok()?;
    list.dyn_into::<web_sys::DomStringList>().ok()?.item(0)
}

/// Inline mode: tells the host the content's height whenever it changes.
fn watch_height() {
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    let report = Closure::<dyn Fn()>::new(|| {
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let height = body.scroll_height().max(0) as u32;
            post(&WidgetMessage::Resize { height });
        }
    });
    let Ok(observer) = web_sys::ResizeObserver::new(report.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(&body);
    report.forget();
    std::mem::forget(observer);
}
