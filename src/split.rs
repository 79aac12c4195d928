//! Code splitting: screens the release build downloads on demand, each from its own wasm module.
//!
//! The first view (header, "+ Connect a bank", the connected-banks entry) is the main module.
//! Eight split points hold the rest, each fetched ahead of need so a person rarely waits:
//! - `startup`: the page's start-up (the settings' and the directory's decoding) — its modules
//!   lead the picker's bundle, so it runs while the rest of that bundle is on the wire;
//! - `picker`: the institution picker and its first list — fetched once the first view is up;
//! - `flow`: the credential form and submitting it — fetched once the picker's list is up;
//! - `job`: progress, MFA, accounts, failure and session-ended screens, the job's polling and
//!   its part of the flow's machine — fetched once the form is up;
//! - `settled`: what the page needs once the directory is settled and painted, not before: the
//!   early token, the returning person's connections list, core's search (the first list needs
//!   none of the matching; a key typed earlier fetches it at once) and the classification of a
//!   failed answer (an earlier failure fetches it);
//! - `connections`: the connected-banks view — fetched when there are connections to show;
//! - `handoff`: the hand-off to Basiq's Consent UI (3.0) and the return from it — fetched in
//!   place of `flow` once the picker's list is up;
//! - `embed`: the host-page protocol (src/embed.rs) — fetched only by a page in a frame.
//!
//! Split functions carry `#[cfg_attr(feature = "split", wasm_split(…))]`. With the `split`
//! feature (`cargo xtask build`) calling one downloads its module first; without it (`trunk
//! serve`, browser tests) it is an ordinary function. [`call_split!`] hides the difference, and
//! [`lazy_view`] turns a split view into something a parent can render, with a way out when the
//! download fails.

use leptos::prelude::*;

/// A split module could not be downloaded (offline, server gone, a deploy replaced it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("This part of the app could not be downloaded.")]
pub struct ChunkError;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkError
    }
}

/// Calls a split function inside an `async` block: awaits its module in the split build,
/// calls it directly otherwise.
macro_rules! call_split {
    ($f:ident ( $($arg:expr),* $(,)? )) => {{
        #[cfg(feature = "split")]
        let out = $f($($arg),*).await;
        #[cfg(not(feature = "split"))]
        let out = $f($($arg),*);
        out
    }};
}
pub(crate) use call_split;

/// Starts downloading a split module without waiting for it (a failure is retried on use).
macro_rules! preload {
    ($preload:ident) => {{
        #[cfg(feature = "split")]
        leptos::task::spawn_local(async move {
            let _ = $preload().await;
        });
    }};
}
pub(crate) use preload;

/// Calls `load` (a split function) until its module downloads: again after 0.5, 1, 2 and 4 s,
/// then no more (for work the page goes on without, e.g. the embedding protocol).
pub fn retrying<F, Fut>(mut load: F) -> impl std::future::Future<Output = ()>
where
    F: FnMut() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), ChunkError>> + 'static,
{
    // One loop in the wasm whoever calls: the caller's closure and future go behind pointers.
    retry_loop(Box::new(move || Box::pin(load())))
}

type Attempt = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ChunkError>>>>;

async fn retry_loop(mut load: Box<dyn FnMut() -> Attempt>) {
    for wait_ms in [500, 1_000, 2_000, 4_000, 0] {
        if load().await.is_ok() || wait_ms == 0 {
            return;
        }
        crate::browser::sleep(wait_ms).await;
    }
}

/// Renders the view `load` produces once its module is there ("Loading…" while it downloads,
/// nothing when it is already there); if the download fails, a notice with "Try again" (which
/// loads again) and "Reload the page".
pub fn lazy_view<L, Fut>(load: L) -> impl IntoView
where
    L: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<AnyView, ChunkError>> + Send + 'static,
{
    let attempt = RwSignal::new(0u32);
    // Cheaper than <Suspense> (4.5 kB of the first view): a ready module clears the flag in
    // the same task, before anything is painted.
    let pending = RwSignal::new(true);
    let content = move || {
        attempt.track();
        pending.set(true);
        let load = load.clone();
        Suspend::new(async move {
            let loaded = load().await;
            pending.set(false);
            match loaded {
                Ok(view) => view,
                Err(e) => chunk_failed(e, attempt).into_any(),
            }
        })
    };
    view! {
        {move || pending.get().then(|| view! { <p class="bc-live" role="status">"Loading…"</p> })}
        {content}
    }
}

fn chunk_failed(e: ChunkError, attempt: RwSignal<u32>) -> impl IntoView {
    view! {
        <div class="bc-notice" role="alert">
            // Where the step's focus lands (the step's own heading never arrived).
            <p id=crate::components::STEP_HEADING_ID class="bc-notice-title" tabindex="-1">
                {e.to_string()}
            </p>
            <p>"Check your connection, then try again. If this keeps happening, reload the page."</p>
            <div class="bc-actions">
                <button
                    type="button"
                    class="bc-button bc-primary"
                    on:click=move |_| attempt.update(|n| *n += 1)
                >
                    "Try again"
                </button>
                // A new release replaced the modules this page was built with.
                <button
                    type="button"
                    class="bc-button"
                    on:click=|_| {
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().reload();
                        }
                    }
                >
                    "Reload the page"
                </button>
            </div>
        </div>
    }
}
