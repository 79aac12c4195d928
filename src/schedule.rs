//! Work that waits for the page: after the next painted frame, or when the page is idle.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::{request_animation_frame, request_idle_callback_with_handle, set_timeout};

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

/// Runs `f` once when the page is next idle (without requestIdleCallback, e.g. Safari: in a
/// task after the next frame).
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
    if request_idle_callback_with_handle(run).is_err() {
        paint_then(Box::new(fallback));
    }
}
