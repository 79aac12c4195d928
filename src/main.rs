//! Mount only: everything else lives in the library.
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(bank_connect::App);
    // A User Timing mark for `cargo xtask bench app` (navigation → widget ready).
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark("bank-connect:mounted");
    }
}
