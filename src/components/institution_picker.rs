//! The institution picker: an ARIA combobox (the search box) controlling a listbox of banks,
//! navigated with ↑/↓/Home/End, chosen with Enter or a click, left with Escape. Search and
//! filtering are core's ([`SearchIndex`], its search handed in as a [`Searcher`]); this
//! component only renders and emits events.

use std::sync::Arc;

use bank_connect_core::institution::InstitutionStatus;
use bank_connect_core::search::finds_all;
pub use bank_connect_core::search::typing::{MAX_SHOWN, ROWS_PER_PASS};
use bank_connect_core::search::typing::{first_pass_rows, logo_wait_ms, rows_after};
use bank_connect_core::{Filters, InstitutionSummary, SearchIndex, Searcher};
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;
use leptos::tachys::view::{Mountable, Render};
use wasm_bindgen::JsCast;

use super::{InstitutionLogo, logo_pending};
use crate::schedule::{idle_after_next_paint, when_idle};

thread_local! {
    /// When the person last changed the search text (`Date.now()`), for [`draw_when_quiet`].
    static LAST_QUERY_CHANGE: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

/// Runs `draw` once the page is idle and the search text has been still for core's
/// [`TYPING_QUIET_MS`](bank_connect_core::search::typing::TYPING_QUIET_MS): while the person
/// types, no key waits behind a logo of a result the next key replaces, nor for the next frame
/// interval because rows below the fold took this one.
fn draw_when_quiet(draw: impl FnOnce() + 'static) {
    when_idle(move || now_or_when_quiet(draw));
}

/// Runs `draw` now when the search text has been still for the quiet period, else as
/// [`draw_when_quiet`] once it has been.
fn now_or_when_quiet(draw: impl FnOnce() + 'static) {
    match logo_wait_ms(js_sys::Date::now(), LAST_QUERY_CHANGE.get()) {
        None => draw(),
        Some(ms) => set_timeout(
            move || draw_when_quiet(draw),
            std::time::Duration::from_millis(ms.ceil() as u64),
        ),
    }
}

/// Options a keystroke's frame renders in this window (core's [`first_pass_rows`] of its
/// height).
pub fn rows_in_first_pass() -> usize {
    first_pass_rows(
        window()
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0),
    )
}

/// The status line while a typed query waits for the search's module.
pub const SEARCHING: &str = "Searching…";
/// The status line when the search's module could not be downloaded.
pub const SEARCH_FAILED: &str =
    "The search could not be downloaded. Check your connection, then type again.";

/// Id of the listbox (the combobox's `aria-controls`).
pub const LISTBOX_ID: &str = "bc-listbox";
/// Id of the search input.
pub const SEARCH_ID: &str = "bc-search";

/// The DOM id of an institution's option.
pub fn option_id(institution_id: &str) -> String {
    format!("bc-opt-{institution_id}")
}

/// The picker.
#[component]
pub fn InstitutionPicker(
    /// Every institution of the directory (the picker filters and searches them).
    #[prop(into)]
    institutions: Signal<Arc<Vec<InstitutionSummary>>>,
    /// Service-type and country filters from `/api/config`.
    #[prop(into)]
    filters: Signal<Filters>,
    /// The search text.
    #[prop(into)]
    query: Signal<String>,
    /// Core's search, once its module is there: until then a typed query keeps the whole list
    /// and the status line says the search is on its way.
    #[prop(into)]
    searcher: Signal<Option<Searcher>>,
    /// The search's module could not be downloaded (the status line says so).
    #[prop(into)]
    search_failed: Signal<bool>,
    /// The search text changed.
    #[prop(into)]
    on_query: Callback<String>,
    /// A selectable institution was chosen.
    #[prop(into)]
    on_select: Callback<InstitutionSummary>,
    /// Escape on an empty search box: leave the picker.
    #[prop(into)]
    on_escape: Callback<()>,
) -> impl IntoView {
    let index = Memo::new_with_compare(
        move |_| Arc::new(SearchIndex::new(&institutions.get())),
        |_, _| true,
    );
    let total = Memo::new(move |_| index.with(|i| i.all(&filters.get()).len()));
    let hits = Memo::new(move |_| {
        let (q, f) = (query.get(), filters.get());
        let found = index.with(|i| match searcher.get() {
            Some(search) if !finds_all(&q) => search(i, &q, &f),
            _ => i.all(&f),
        });
        found.into_iter().map(|h| h.index).collect::<Vec<_>>()
    });
    // The passes rendered for this search and directory: a new search starts at one, of as many
    // rows as the window's listbox shows (read as each pass renders, so a window resized since
    // the picker opened gets its own count); the others wait until the person pauses.
    let passes = RwSignal::new((String::new(), 0usize, 1usize));
    let directory_key = move || institutions.with(|all| Arc::as_ptr(all) as usize);
    let pass = move || {
        let (q, d) = (query.get(), directory_key());
        passes.with(|(pq, pd, n)| if *pq == q && *pd == d { *n } else { 1 })
    };
    let shown = Memo::new(move |_| {
        let rows = rows_after(pass(), rows_in_first_pass());
        hits.with(|h| h.iter().copied().take(rows).collect::<Vec<_>>())
    });
    Effect::new(move |_| {
        let n = shown.with(Vec::len);
        if n < hits.with(|h| h.len().min(MAX_SHOWN)) {
            let (q, d) = (query.get_untracked(), directory_key());
            let next = untrack(pass) + 1;
            // Idle, not merely the next task: a key pressed, or anything else waiting, goes first.
            idle_after_next_paint(move || {
                now_or_when_quiet(move || {
                    if query.try_get_untracked().as_ref() == Some(&q) {
                        let _ = passes.try_set((q, d, next));
                    }
                })
            });
        }
    });
    // Position of the active option within `shown`.
    let active = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        query.track();
        if active.with_untracked(Option::is_some) {
            active.set(None);
        }
    });

    let institution_at = move |pos: usize| -> Option<InstitutionSummary> {
        let i = shown.with(|s| s.get(pos).copied())?;
        institutions.with(|all| all.get(i).cloned())
    };
    let active_id = move || {
        active
            .get()
            .and_then(institution_at)
            .map(|inst| option_id(&inst.id))
    };

    // Keep the active option in view.
    Effect::new(move |_| {
        if let Some(id) = active_id()
            && let Some(el) = document().get_element_by_id(&id)
        {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });

    let choose = move |pos: usize| {
        if let Some(inst) = institution_at(pos)
            && InstitutionStatus::parse(&inst.status).is_selectable()
        {
            on_select.run(inst);
        }
    };

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let count = shown.with(Vec::len);
        on_key(&ev, count, active, query, on_query, on_escape, choose);
    };

    let status_text = move || {
        let query_empty = query.with(|q| q.trim().is_empty());
        if !query.with(|q| finds_all(q)) && searcher.with(Option::is_none) {
            return if search_failed.get() {
                SEARCH_FAILED.to_string()
            } else {
                SEARCHING.to_string()
            };
        }
        count_text(hits.with(Vec::len), total.get(), query_empty)
    };

    // One row per position, built once and kept across keystrokes: a keystroke rewrites in
    // place only the shown rows whose bank changed (their text, attributes and logo) and hides
    // the rows past the shown ones (no longer options) until a later pass shows them again.
    // Each row reads only its own state, which the two effects below set where it changed: a
    // keystroke wakes the rows it changes, not every row (the list's signals would otherwise
    // have several subscribers per row, each notified and re-subscribed on every key).
    let built = Memo::new(move |before: Option<&usize>| {
        before.copied().unwrap_or(0).max(shown.with(Vec::len))
    });
    let rows = StoredValue::new(Vec::<RowState>::new());
    let row_state = move |pos: usize| {
        rows.try_update_value(|rows| {
            while rows.len() <= pos {
                let p = rows.len();
                let now = shown.with_untracked(|s| s.get(p).copied());
                let directory = institutions.with_untracked(|all| Arc::as_ptr(all) as usize);
                rows.push(RowState {
                    entry: ArcRwSignal::new(now.map(|i| (directory, i))),
                    here: ArcRwSignal::new(now.is_some()),
                    active: ArcRwSignal::new(active.get_untracked() == Some(p)),
                });
            }
            rows[pos].clone()
        })
    };
    Effect::new(move |_| {
        let directory = directory_key();
        shown.with(|s| {
            rows.with_value(|rows| {
                for (pos, row) in rows.iter().enumerate() {
                    let entry = s.get(pos).map(|&i| (directory, i));
                    // A hidden row keeps what it showed (nothing to rewrite until it is shown
                    // again).
                    if entry.is_some() && row.entry.get_untracked() != entry {
                        row.entry.set(entry);
                    }
                    if row.here.get_untracked() != entry.is_some() {
                        row.here.set(entry.is_some());
                    }
                }
            })
        })
    });
    Effect::new(move |_| {
        let now = active.get();
        rows.with_value(|rows| {
            for (pos, row) in rows.iter().enumerate() {
                let is = now == Some(pos);
                if row.active.get_untracked() != is {
                    row.active.set(is);
                }
            }
        });
    });
    let row = move |pos: usize| {
        row_state(pos).map(|state| option_view(pos, institutions, state, active, choose))
    };
    // Rows are only ever added (one per position, kept), so they are built and appended to the
    // list as `built` grows, under the picker's owner: no keyed diff (leptos' `For`, with its
    // hash maps and move planning, was ~10 kB of the picker's wasm for a list that never
    // reorders or shrinks).
    let list = NodeRef::<leptos::html::Ul>::new();
    let owner = Owner::current();
    let mounted = StoredValue::new_local(Vec::<AnyViewState>::new());
    Effect::new(move |done: Option<usize>| {
        let from = done.unwrap_or(0);
        let upto = built.get();
        let Some(ul) = list.get() else {
            return from;
        };
        let append = || {
            for pos in from..upto {
                if let Some(view) = row(pos) {
                    let mut state = view.into_any().build();
                    state.mount(&ul, None);
                    mounted.update_value(|m| m.push(state));
                }
            }
        };
        match &owner {
            Some(owner) => owner.with(|| untrack(append)),
            None => untrack(append),
        }
        upto.max(from)
    });
    let empty = move || hits.with(Vec::is_empty);

    view! {
        <div class="bc-picker">
            <label class="bc-label" for=SEARCH_ID>"Search for your bank"</label>
            {search_box(query, on_query, active_id, on_keydown)}
            <p id="bc-picker-count" class="bc-count" role="status" aria-live="polite">
                {status_text}
            </p>
            <ul
                id=LISTBOX_ID
                role="listbox"
                class="bc-listbox"
                class:bc-hidden=empty
                aria-label="Banks"
                node_ref=list
            ></ul>
            <Show when=empty>
                {empty_state(on_query)}
            </Show>
        </div>
    }
}

/// The search box: the combobox that controls the listbox and points at its active option.
fn search_box(
    query: Signal<String>,
    on_query: Callback<String>,
    active_id: impl Fn() -> Option<String> + Send + Sync + 'static,
    on_keydown: impl FnMut(web_sys::KeyboardEvent) + 'static,
) -> impl IntoView {
    view! {
    <input
        id=SEARCH_ID
        class="bc-input bc-search"
        type="search"
        role="combobox"
        autocomplete="off"
        spellcheck="false"
        aria-autocomplete="list"
        aria-expanded="true"
        aria-controls=LISTBOX_ID
        aria-describedby="bc-picker-count"
        aria-activedescendant=active_id
        placeholder="e.g. CommBank, Westpac, ANZ"
        prop:value=move || query.get()
        on:input=move |ev| {
            LAST_QUERY_CHANGE.set(Some(js_sys::Date::now()));
            on_query.run(event_target_value(&ev))
        }
        on:keydown=on_keydown
    />
    }
}

/// The key handling of the search box: ↑/↓/Home/End move the active option, Enter chooses it
/// (or the only match), Escape clears the active option, then the search, then leaves.
fn on_key(
    ev: &web_sys::KeyboardEvent,
    count: usize,
    active: RwSignal<Option<usize>>,
    query: Signal<String>,
    on_query: Callback<String>,
    on_escape: Callback<()>,
    choose: impl Fn(usize),
) {
    let key = ev.key();
    match key.as_str() {
        "ArrowDown" if count > 0 => {
            ev.prevent_default();
            active.set(Some(match active.get_untracked() {
                Some(p) if p + 1 < count => p + 1,
                Some(p) => p,
                None => 0,
            }));
        }
        "ArrowUp" if count > 0 => {
            ev.prevent_default();
            active.set(Some(match active.get_untracked() {
                Some(p) if p > 0 => p - 1,
                Some(_) => 0,
                None => count - 1,
            }));
        }
        "Home" if count > 0 && active.get_untracked().is_some() => {
            ev.prevent_default();
            active.set(Some(0));
        }
        "End" if count > 0 && active.get_untracked().is_some() => {
            ev.prevent_default();
            active.set(Some(count - 1));
        }
        "Enter" => {
            ev.prevent_default();
            match active.get_untracked() {
                Some(p) => choose(p),
                // Enter with a single match picks it.
                None if count == 1 => choose(0),
                None => {}
            }
        }
        "Escape" => {
            ev.prevent_default();
            if active.get_untracked().is_some() {
                active.set(None);
            } else if !query.get_untracked().is_empty() {
                on_query.run(String::new());
            } else {
                on_escape.run(());
            }
        }
        _ => {}
    }
}

/// The status line: how many banks match out of how many, and whether the list is cut short.
fn count_text(n: usize, total: usize, query_empty: bool) -> String {
    match (n, query_empty) {
        (0, _) => "No banks match your search".to_string(),
        (n, true) if n > MAX_SHOWN => {
            format!("{total} banks — showing the first {MAX_SHOWN}, type to find yours")
        }
        (n, true) => format!("{n} banks"),
        (1, false) => "1 bank matches".to_string(),
        (n, false) if n > MAX_SHOWN => {
            format!("{n} banks match — showing the first {MAX_SHOWN}")
        }
        (n, false) => format!("{n} banks match"),
    }
}

/// What the row at one position shows: the directory in hand and the bank's place in it (kept
/// while the row is hidden), whether it is an option now, and whether it is the active one.
#[derive(Clone)]
struct RowState {
    entry: ArcRwSignal<Option<(usize, usize)>>,
    here: ArcRwSignal<bool>,
    active: ArcRwSignal<bool>,
}

/// The option at position `pos` of the shown list, whichever bank is there now.
fn option_view(
    pos: usize,
    institutions: Signal<Arc<Vec<InstitutionSummary>>>,
    state: RowState,
    active: RwSignal<Option<usize>>,
    choose: impl Fn(usize) + 'static,
) -> impl IntoView {
    let RowState {
        entry,
        here,
        active: is_active,
    } = state;
    let entry: Signal<Option<(usize, usize)>> = entry.into();
    let (here, is_active): (Signal<bool>, Signal<bool>) = (here.into(), is_active.into());

    let field = move |f: fn(&InstitutionSummary) -> String| {
        move || {
            entry
                .get()
                .and_then(|(_, i)| institutions.with_untracked(|all| all.get(i).map(f)))
        }
    };
    let status = move || {
        entry.get().map(|(_, i)| {
            institutions.with_untracked(|all| {
                all.get(i)
                    .map(|inst| InstitutionStatus::parse(&inst.status))
                    .unwrap_or(InstitutionStatus::Unknown)
            })
        })
    };
    // Only a shown row has an id (a hidden one may hold a bank that is shown elsewhere).
    let id = move || {
        here.get()
            .then(|| field(|inst| option_id(&inst.id))())
            .flatten()
    };
    let disabled = move || status().is_some_and(|s| !s.is_selectable());
    // A new image logo is drawn once the page is idle and the person has stopped typing: a
    // (SVG) logo costs the frame that first draws it, and a keystroke never waits for one.
    // Until then its box stays empty.
    let drawn = RwSignal::new(None::<(usize, usize)>);
    Effect::new(move |_| {
        let now = entry.get();
        if now.is_some() && now != drawn.get_untracked() {
            draw_when_quiet(move || {
                if entry.try_get_untracked() == Some(now) {
                    let _ = drawn.try_set(now);
                }
            });
        }
    });
    let logo = move || {
        let e = entry.get()?;
        let inst = institutions.with_untracked(|all| all.get(e.1).cloned())?;
        Some(if inst.logo.is_none() || drawn.get() == Some(e) {
            view! { <InstitutionLogo institution=inst /> }.into_any()
        } else {
            logo_pending().into_any()
        })
    };
    let badge = move || {
        status().and_then(|status| {
            let class = if status.is_selectable() {
                "bc-badge bc-badge-warn"
            } else {
                "bc-badge bc-badge-down"
            };
            status
                .badge()
                .map(|text| view! { <span class=class>{text}</span> })
        })
    };
    view! {
        <li
            id=id
            role=move || here.get().then_some("option")
            hidden=move || !here.get()
            class="bc-option"
            class:bc-option-active=is_active
            class:bc-option-disabled=disabled
            aria-selected=move || if is_active.get() { "true" } else { "false" }
            aria-disabled=move || disabled().then_some("true")
            on:mousedown=move |ev: web_sys::MouseEvent| ev.prevent_default()
            on:click=move |_| {
                if here.get_untracked() {
                    active.set(Some(pos));
                    choose(pos);
                }
            }
        >
            {logo}
            <span class="bc-option-text">
                <span class="bc-option-name">{field(|inst| inst.name.clone())}</span>
                <span class="bc-option-meta">{field(|inst| inst.service_type.clone())}</span>
            </span>
            {badge}
        </li>
    }
}

/// What the picker shows when nothing matches: advice and a way to clear the search.
fn empty_state(on_query: Callback<String>) -> impl IntoView {
    view! {
        <div class="bc-empty">
            <h3 class="bc-empty-title">"Can't find your bank?"</h3>
            <p>
                "Check the spelling, or try its short name or initials (for example “CBA” or “NAB”). "
                "If your bank still isn't listed, it can't be connected here yet."
            </p>
            <button
                type="button"
                class="bc-button"
                on:click=move |_| {
                    on_query.run(String::new());
                    if let Some(input) = document().get_element_by_id(SEARCH_ID) {
                        let _ = input.unchecked_into::<web_sys::HtmlElement>().focus();
                    }
                }
            >
                "Clear the search"
            </button>
        </div>
    }
}
