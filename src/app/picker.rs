//! The institution directory (shown from the localStorage cache at once, revalidated in the
//! background) and the picker screen.

use std::sync::Arc;

use bank_connect_core::cache::CacheRead;
use bank_connect_core::flow::{FlowEvent, FlowState};
use bank_connect_core::{Filters, SearchIndex, Searcher};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
#[cfg(feature = "split")]
use super::handoff::preload_handoff;
use super::session::early_token;
#[cfg(feature = "split")]
use super::steps::preload_flow;
use crate::api::{self, DirectoryAnswer};
use crate::browser::{self, now_ms};
use crate::components::{InstitutionPicker, Notice, StepHeading};
#[cfg(feature = "split")]
use crate::split::preload;
use crate::split::{ChunkError, call_split};

/// How long a cached directory is used without refetching first (the server keeps it 6 h).
pub const DIRECTORY_TTL_MS: u64 = 6 * 60 * 60 * 1000;

impl Ctx {
    /// The page's start-up work, once: the settings (then, in a host's frame, the embedding
    /// protocol) and the directory. True when it began now.
    fn start_once(&self) -> bool {
        if self.started.get_value() {
            return false;
        }
        self.started.set_value(true);
        let ctx = *self;
        spawn_local(async move {
            if let Ok(c) = ctx.config().await {
                // Embedded by `embed.js`: open the flow once the host's init arrives.
                crate::embed::start(
                    c.allowed_parent_origins.clone(),
                    // Opening the picker exchanges the host's link token (`PreparePicker`).
                    move || ctx.dispatch_in_picker(FlowEvent::Open),
                    move || ctx.dispatch_in_picker(FlowEvent::Close),
                );
            }
        });
        self.load_directory();
        true
    }

    /// Entering the picker: the directory (a no-op while the first view's fetch is still on its
    /// way) and an early token, from the `settled` module once the list is on screen (the
    /// token's code never shares the link with what the picker needs). Embedded, at once: the
    /// host's link token is exchanged before the person starts choosing (a used or expired one
    /// gets its own screen).
    fn prepare_picker_now(&self) {
        if self.directory.with_untracked(Option::is_none) {
            self.load_directory();
        }
        if self.session.with_untracked(Option::is_none) {
            let ctx = *self;
            let early = move || {
                spawn_local(async move {
                    let _ = call_split!(early_token(ctx));
                });
            };
            if crate::embed::mode().is_some() {
                early();
            } else {
                self.after_directory(early);
            }
        }
    }

    /// Runs `f` once the directory is settled (shown, or its failure is) and the page has
    /// painted it and is idle: work the picker does not need waits behind it.
    pub(crate) fn after_directory(&self, f: impl FnOnce() + 'static) {
        let ctx = *self;
        let settled = move || {
            ctx.directory.with(Option::is_some) || ctx.directory_error.with(Option::is_some)
        };
        let mut f = Some(f);
        if settled() {
            if let Some(f) = f.take() {
                crate::schedule::idle_after_next_paint(f);
            }
            return;
        }
        // Tracks the two signals until they settle, then nothing (it never runs again).
        Effect::new(move |_| {
            if f.is_some()
                && settled()
                && let Some(f) = f.take()
            {
                crate::schedule::idle_after_next_paint(f);
            }
        });
    }

    /// Shows the cached directory at once and revalidates it (or fetches it on a miss); does
    /// nothing while a fetch is already on its way (its answer serves every caller).
    pub(super) fn load_directory(&self) {
        if self.directory_loading.get_value() {
            return;
        }
        self.directory_loading.set_value(true);
        let ctx = *self;
        let read = browser::read_cache(now_ms(), DIRECTORY_TTL_MS);
        let fresh = matches!(read, CacheRead::Fresh(_));
        // The cached list goes into the `Arc` the page shows: never two copies of it.
        let cached = read.into_entry().map(|entry| {
            (
                entry.etag,
                entry.directory.version,
                Arc::new(entry.directory.institutions),
            )
        });
        if let Some((_, _, institutions)) = &cached
            && (fresh || !browser::online())
        {
            ctx.directory.set(Some(institutions.clone()));
        }
        spawn_local(async move {
            let etag = cached.as_ref().and_then(|(etag, _, _)| etag.as_deref());
            let answer = api::fetch_institutions(etag).await;
            ctx.directory_loading.set_value(false);
            match answer {
                Ok(DirectoryAnswer::NotModified) => {
                    if let Some((etag, version, institutions)) = cached {
                        if ctx.directory.with_untracked(Option::is_none) {
                            ctx.directory.set(Some(institutions.clone()));
                        }
                        browser::write_cache_when_idle(now_ms(), etag, version, institutions);
                    }
                }
                Ok(DirectoryAnswer::Fresh { directory, etag }) => {
                    let version = directory.version;
                    let institutions = Arc::new(directory.institutions);
                    ctx.directory.set(Some(institutions.clone()));
                    ctx.directory_error.set(None);
                    browser::write_cache_when_idle(now_ms(), etag, version, institutions);
                }
                Err(e) => {
                    // A stale copy beats nothing when the network fails.
                    if let Some((_, _, institutions)) = cached {
                        if ctx.directory.with_untracked(Option::is_none) {
                            ctx.directory.set(Some(institutions));
                        }
                    } else if ctx.directory.with_untracked(Option::is_none) {
                        ctx.directory_error.set(Some(e));
                    }
                }
            }
        });
    }
}

/// The first view's start-up work (split point `startup`, whose modules lead the picker's bundle,
/// which the page fetches at once): the first view's own module then carries none of the
/// settings' and the directory's decoding, and they run while the rest of the picker's modules
/// are still on the wire.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(startup, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn start_up(ctx: Ctx) -> Result<(), ChunkError> {
    ctx.start_once();
    Ok(())
}

/// An event the first view's code sent, through the picker's part of the flow's machine (split
/// point `picker`; the rest of the machine is the later steps' or the hand-off's).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(picker, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn picker_dispatch(ctx: Ctx, event: FlowEvent) -> Result<(), ChunkError> {
    ctx.dispatch_in_picker(event);
    Ok(())
}

/// `PreparePicker` (split point `picker`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(picker, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn prepare_picker(ctx: Ctx) -> Result<(), ChunkError> {
    // Start-up too, when the module failed to download then and came only now.
    ctx.start_once();
    ctx.prepare_picker_now();
    Ok(())
}

/// The institution picker (split point `picker`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        picker,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_picker)
    )
)]
pub(super) fn picker_screen(ctx: Ctx) -> Result<AnyView, ChunkError> {
    // The module failed to download at start-up and came now ("Try again"): what start-up and
    // entering the picker would have done.
    if ctx.start_once() {
        ctx.prepare_picker_now();
    }
    Ok(picker_view(ctx).into_any())
}

/// Core's search from the `settled` module: the picker's first list needs none of the matching
/// code, so it is fetched once the list is painted (or at the first key).
#[derive(Clone, Copy)]
struct SearchModule {
    searcher: RwSignal<Option<Searcher>>,
    failed: RwSignal<bool>,
    loading: StoredValue<bool>,
}

impl SearchModule {
    fn new() -> Self {
        // Without the split build the search is simply there.
        #[cfg(not(feature = "split"))]
        let searcher = Some(SearchIndex::search as Searcher);
        #[cfg(feature = "split")]
        let searcher = None;
        Self {
            searcher: RwSignal::new(searcher),
            failed: RwSignal::new(false),
            loading: StoredValue::new(false),
        }
    }

    /// Fetches the module unless it is there or on its way (after a failure, again).
    fn load(self) {
        if self.searcher.try_with_untracked(Option::is_some) != Some(false)
            || self.loading.get_value()
        {
            return;
        }
        self.loading.set_value(true);
        spawn_local(async move {
            let loaded = call_split!(search_module());
            let _ = self.loading.try_set_value(false);
            match loaded {
                Ok(searcher) => {
                    let _ = self.searcher.try_set(Some(searcher));
                    let _ = self.failed.try_set(false);
                }
                Err(_) => {
                    let _ = self.failed.try_set(true);
                }
            }
        });
    }
}

/// [`SearchIndex::search`] (split point `settled`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(settled, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn search_module() -> Result<Searcher, ChunkError> {
    Ok(SearchIndex::search)
}

/// Starts downloading the later steps' module once the list is on screen and the page is idle,
/// so it never shares the link with the directory or the picker's own modules.
fn preload_later_steps(consent_ui: bool) {
    #[cfg(not(feature = "split"))]
    let _ = consent_ui;
    #[cfg(feature = "split")]
    {
        // Basiq 3.0: the hand-off's module instead of the credential form's.
        let start = move || {
            if consent_ui {
                preload!(preload_handoff);
            } else {
                preload!(preload_flow);
            }
        };
        crate::schedule::idle_after_next_paint(start);
    }
}

fn picker_view(ctx: Ctx) -> impl IntoView {
    let flow = ctx.flow;
    let query = Signal::derive(move || {
        flow.with(|f| match f {
            FlowState::Picking { query } => query.clone(),
            _ => String::new(),
        })
    });
    let filters = Signal::derive(move || {
        ctx.config
            .with(|c| c.as_ref().map(Filters::from_config))
            .unwrap_or_default()
    });
    let institutions =
        Signal::derive(move || ctx.directory.get().unwrap_or_else(|| Arc::new(Vec::new())));
    let search = SearchModule::new();
    let content = move || {
        if ctx.directory.with(Option::is_some) {
            preload_later_steps(ctx.consent_ui());
            crate::schedule::idle_after_next_paint(move || search.load());
            view! {
                <InstitutionPicker
                    institutions=institutions
                    filters=filters
                    query=query
                    searcher=search.searcher
                    search_failed=search.failed
                    on_query=move |q| {
                        search.load();
                        ctx.dispatch_in_picker(FlowEvent::Search(q))
                    }
                    on_select=move |i| ctx.select(i)
                    on_escape=move |_| ctx.dispatch_in_picker(FlowEvent::Back)
                />
            }
            .into_any()
        } else if let Some(e) = ctx.directory_error.get() {
            view! {
                <Notice
                    title="We couldn't load the list of banks"
                    message=e.message()
                    on_retry=move |_| {
                        ctx.directory_error.set(None);
                        ctx.load_directory();
                    }
                />
            }
            .into_any()
        } else {
            view! { <p class="bc-live" role="status">"Loading banks…"</p> }.into_any()
        }
    };
    view! {
        <StepHeading>"Choose your bank"</StepHeading>
        {content}
    }
}
