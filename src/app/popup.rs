//! The Basiq window of popup mode (the widget is in a host's frame, which the Consent UI may
//! never be): opened blank in the person's click, sent to the Consent UI once the server gave
//! its URL, watched for closing. The handle lives here, in memory; the URL is never stored
//! anywhere else than the hand-off's state.

use std::cell::{Cell, RefCell};

use bank_connect_core::flow::FlowEvent;
use bank_connect_core::handoff::{self, HandoffEffect, HandoffEvent, LaunchMode, Target};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::Ctx;
use crate::browser;

thread_local! {
    static POPUP: RefCell<Option<web_sys::Window>> = const { RefCell::new(None) };
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

/// Listens (once per page) for our return page's word from the popup, the fast path when the
/// consent site left `window.opener` in place: only from the popup we opened, only from our
/// own origin, only the two messages core's `popup_message` accepts. The relay stays the path
/// that always works.
pub(crate) fn listen(ctx: Ctx) {
    if LISTENING.with(|l| l.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let own_origin = window.location().origin().unwrap_or_default();
    let listener =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let from_popup = POPUP.with(|p| match (p.borrow().as_ref(), event.source()) {
                (Some(popup), Some(source)) => js_sys::Object::is(&source, popup),
                _ => false,
            });
            if !from_popup {
                return;
            }
            let Some(value) = crate::browser::message_json(&event) else {
                return;
            };
            if let Some(said) = handoff::popup_message(&event.origin(), &own_origin, &value) {
                ctx.dispatch(FlowEvent::Handoff(said));
            }
        });
    let _ = window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    listener.forget();
}

/// The window's name: a second open reuses the window while the browser still links it to us.
const NAME: &str = "bank-connect-basiq";

/// `width=…,height=…,left=…,top=…`: about 480 × 720, centred on the widget's window.
fn features() -> String {
    let (width, height) = (480_i32, 720_i32);
    let (mut left, mut top) = (0, 0);
    if let Some(w) = web_sys::window() {
        let size = |v: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>| {
            v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as i32
        };
        let (x, y) = (size(w.screen_x()), size(w.screen_y()));
        left = (x + (size(w.outer_width()) - width) / 2).max(0);
        top = (y + (size(w.outer_height()) - height) / 2).max(0);
    }
    format!("popup=yes,width={width},height={height},left={left},top={top}")
}

/// Opens the window at `url` (blank: `""`) in the person's click; false when the browser
/// blocked it.
pub(crate) fn open(url: &str) -> bool {
    let opened = web_sys::window()
        .and_then(|w| {
            w.open_with_url_and_target_and_features(url, NAME, &features())
                .ok()
        })
        .flatten();
    let ok = opened.is_some();
    POPUP.with(|p| *p.borrow_mut() = opened);
    ok
}

/// True when there is no window, or it reads as closed (closed, or cut off by the consent
/// site's opener policy: the hand-off's state tells which it likely was).
pub(crate) fn gone() -> bool {
    POPUP.with(|p| {
        p.borrow()
            .as_ref()
            .is_none_or(|w| w.closed().unwrap_or(true))
    })
}

/// Carries out the window's effects, at once (a click's gesture may be needed).
pub(crate) fn run(effect: &HandoffEffect) -> bool {
    match effect {
        HandoffEffect::SendPopup(url) => {
            POPUP.with(|p| {
                if let Some(w) = p.borrow().as_ref() {
                    let _ = w.location().set_href(url);
                }
            });
        }
        HandoffEffect::ReopenPopup(url) => {
            if gone() {
                open(url);
            } else {
                focus();
            }
        }
        HandoffEffect::FocusPopup => focus(),
        HandoffEffect::ClosePopup => {
            POPUP.with(|p| {
                if let Some(w) = p.borrow_mut().take() {
                    let _ = w.close();
                }
            });
        }
        _ => return false,
    }
    true
}

impl Ctx {
    /// A visit to the Consent UI for `target` straight away ("Renew", "Reconnect", "Manage
    /// consent"): in a frame the popup opens blank in this very click, as a page the page goes.
    pub(crate) fn begin_handoff(&self, target: Target) {
        let mode = if browser::framed() {
            LaunchMode::Popup
        } else {
            LaunchMode::Page
        };
        let window_opened = mode == LaunchMode::Popup && open("");
        if window_opened {
            listen(*self);
        }
        if mode == LaunchMode::Page {
            // The page leaves for Basiq: what the visit is for, to say the right thing back.
            browser::set_handoff_purpose(target.action.map(|a| a.as_str()));
        }
        self.dispatch(FlowEvent::Handoff(HandoffEvent::Begin {
            target,
            mode,
            window_opened,
        }));
    }
}

fn focus() {
    POPUP.with(|p| {
        if let Some(w) = p.borrow().as_ref() {
            let _ = w.focus();
        }
    });
}
