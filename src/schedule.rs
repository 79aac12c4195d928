//! Work that waits for the page: after the next painted frame, or when the page is idle.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::{request_animation_frame, request_idle_callback_with_handle, set_timeout};

/// Runs `f` in a task after the next frame is painted.
pub fn after_next_paint(f: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(f, std::time::Duration::ZERO));
}

/// Runs `f` once when the page is next idle (without requestIdleCallback, e.g. Safari: in a
/// task after the next frame).
pub fn when_idle(f: impl FnOnce() + 'static) {
    let once = Rc::new(Cell::new(Some(f)));
    let run = move || {
        if let Some(f) = once.take() {
            f();
        }
    };
    let fallback = run.clone();
    if request_idle_callback_with_handle(run).is_err() {
        after_next_paint(fallback);
    }
}
