//! Work that waits for the page: after the next painted frame, or when the page is idle.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::{request_animation_frame, set_timeout, window};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Work for later. The public functions box it first, so the browser bindings under them exist once
/// in the wasm rather than once per caller's closure.
type Later = Box<dyn FnOnce()>;

/// Runs `f` in a task after the next frame is painted.
fn paint_then(f: Later) {
    request_animation_frame(move || set_timeout(f, std::time::Duration::ZERO));
}

/// Runs `f` once the next frame is painted and the page is idle after it: behind every task
/// already waiting (a key press, a timer), so work a person is not waiting for never delays
/// what they are.
pub fn idle_after_next_paint(f: impl FnOnce() + 'static) {
    let f: Later = Box::new(f);
    request_animation_frame(move || idle_then(f));
}

/// The longest work waits for the page to be idle before it runs as an ordinary task
/// (requestIdleCallback's `timeout`). Without one, "once idle" can be never: in headless
/// Chromium, idle callbacks asked for while the page drew nothing waited until something else
/// asked for a frame (the picker's rows below the fold and its logos stayed undrawn for as long
/// as a test watched), and a page or a host page that fills every frame leaves no idle period
/// either. Long enough that a keystroke or a frame already waiting goes first.
pub const IDLE_DEADLINE_MS: u32 = 200;

/// Runs `f` once when the page is next idle, or after [`IDLE_DEADLINE_MS`] at the latest
/// (without requestIdleCallback, e.g. Safari: in a task after the next frame).
pub fn when_idle(f: impl FnOnce() + 'static) {
    idle_then(Box::new(f));
}

fn idle_then(f: Later) {
    let once = Rc::new(Cell::new(Some(f)));
    let run = move || {
        if let Some(f) = once.take() {
            f();
        }
    };
    let fallback = run.clone();
    let run: Box<dyn Fn()> = Box::new(run);
    let options = web_sys::IdleRequestOptions::new();
    options.set_timeout(IDLE_DEADLINE_MS);
    let asked = window().request_idle_callback_with_options(
        Closure::wrap(run).into_js_value().unchecked_ref(),
        &options,
    );
    if asked.is_err() {
        paint_then(Box::new(fallback));
    }
}
