//! Institution search for the picker: case-, accent- and punctuation-insensitive, alias- and
//! typo-tolerant, ranked (exact → prefix → word prefix → contains → alias → fuzzy, then tier,
//! then name), with the service-type and country filters of the public config.
//!
//! Build a [`SearchIndex`] once per directory (it folds every name up front) and call
//! [`SearchIndex::search`] on every keystroke; [`search`] does both for one-off use.

mod aliases;
mod fold;
mod matching;
mod order;
#[cfg(test)]
mod tests;
pub mod typing;

use crate::config::PublicConfig;
use crate::directory::InstitutionSummary;
use aliases::ALIASES;
use fold::{Folded, char_mask, pair_mask};
use matching::{Query, match_entry};

pub use fold::fold;
pub(crate) use matching::contains;
pub use matching::{edit_distance, within_one_edit};

/// How a hit matched the query; the order of the variants is the ranking order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// The query is the whole name or short name.
    Exact,
    /// The name or short name starts with the query.
    Prefix,
    /// A later word of the name starts with the query, or every query word starts a name word.
    WordPrefix,
    /// The query appears inside the name.
    Contains,
    /// The query is a known alias or abbreviation of the institution ("cba", "nab").
    Alias,
    /// The query matches with one typo in a word of five letters or more.
    Fuzzy,
    /// Empty query: every institution that passes the filters.
    All,
}

/// One search result: the position in the searched slice and how it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index into the institution slice the index was built from.
    pub index: usize,
    /// How it matched.
    pub kind: MatchKind,
}

/// The picker's filters; an empty list lets everything through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Accepted `serviceType` values (compared case-insensitively); empty = all.
    pub service_types: Vec<String>,
    /// Accepted `country` values (compared case-insensitively); empty = all.
    pub countries: Vec<String>,
}

impl Filters {
    /// No filtering.
    pub fn none() -> Self {
        Self::default()
    }

    /// The filters configured at `/api/config`.
    pub fn from_config(config: &PublicConfig) -> Self {
        Self {
            service_types: config.service_types.clone(),
            countries: config.countries.clone(),
        }
    }

    /// True when an institution with this service type and country passes.
    pub fn accepts(&self, service_type: &str, country: &str) -> bool {
        fn ok(list: &[String], value: &str) -> bool {
            list.is_empty()
                || list
                    .iter()
                    .any(|v| v.trim().eq_ignore_ascii_case(value.trim()))
        }
        ok(&self.service_types, service_type) && ok(&self.countries, country)
    }
}

/// What the index keeps per institution.
#[derive(Debug, Clone)]
struct Entry {
    name: Folded,
    short: Folded,
    /// The short name folds to the name: match only once.
    short_is_name: bool,
    service_type: String,
    country: String,
    /// Bit `i` set when alias group `i` names this institution.
    aliases: u64,
}

/// A search index over a directory; it does not borrow the institutions.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    /// Entry indices in tier-then-name order.
    ordered: Vec<usize>,
}

impl SearchIndex {
    /// Folds every institution's name and short name and resolves its aliases.
    pub fn new(institutions: &[InstitutionSummary]) -> Self {
        // Per alias phrase: its words, and the letters and pairs a text must have to hold it.
        let alias_phrases: Vec<Vec<(Vec<&str>, u64, u64)>> = ALIASES
            .iter()
            .map(|(_, targets)| {
                targets
                    .iter()
                    .map(|t| {
                        let compact = t.replace(' ', "");
                        (
                            t.split(' ').collect(),
                            char_mask(&compact),
                            pair_mask(&compact),
                        )
                    })
                    .collect()
            })
            .collect();
        let mut sort_keys = Vec::with_capacity(institutions.len());
        let entries = institutions
            .iter()
            .map(|inst| {
                let (name, spaced_name) = Folded::with_spaced(&inst.name);
                let short = Folded::new(&inst.short_name);
                sort_keys.push(spaced_name);
                let has = |f: &Folded, (phrase, chars, pairs): &(Vec<&str>, u64, u64)| {
                    chars & !f.mask == 0
                        && pairs & !f.pairs == 0
                        && !phrase.is_empty()
                        && f.words()
                            .collect::<Vec<_>>()
                            .windows(phrase.len())
                            .any(|w| w == phrase.as_slice())
                };
                let mut aliases = 0u64;
                for (i, phrases) in alias_phrases.iter().enumerate() {
                    if phrases.iter().any(|p| has(&name, p) || has(&short, p)) {
                        aliases |= 1 << i;
                    }
                }
                Entry {
                    short_is_name: short.compact == name.compact,
                    name,
                    short,
                    service_type: inst.service_type.clone(),
                    country: inst.country.clone(),
                    aliases,
                }
            })
            .collect::<Vec<Entry>>();
        let tiers: Vec<u8> = institutions
            .iter()
            .map(|inst| inst.tier.trim().parse().unwrap_or(u8::MAX))
            .collect();
        // By tier, then name, then position.
        let ordered = order::sorted_positions(institutions.len(), |a, b| {
            (tiers[a], &sort_keys[a]) < (tiers[b], &sort_keys[b])
        });
        Self { entries, ordered }
    }

    /// Number of institutions indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the index holds no institution.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The institutions matching `query` and `filters`, best first. An empty (or
    /// punctuation-only) query returns every institution that passes the filters, by tier then name.
    pub fn search(&self, query: &str, filters: &Filters) -> Vec<Hit> {
        let q = Query::new(query);
        if q.compact.is_empty() {
            return self.all(filters);
        }
        // Walking in tier-then-name order and bucketing by kind sorts without comparing.
        let mut buckets: [Vec<Hit>; 7] = Default::default();
        for &index in &self.ordered {
            let e = &self.entries[index];
            if !filters.accepts(&e.service_type, &e.country) {
                continue;
            }
            if let Some(kind) = match_entry(e, &q) {
                buckets[kind as usize].push(Hit { index, kind });
            }
        }
        buckets.concat()
    }

    /// Every institution that passes `filters`, by tier then name: what a query that
    /// [`finds_all`] finds, without the matching code (the picker's first list needs none).
    pub fn all(&self, filters: &Filters) -> Vec<Hit> {
        self.ordered
            .iter()
            .filter(|&&index| {
                let e = &self.entries[index];
                filters.accepts(&e.service_type, &e.country)
            })
            .map(|&index| Hit {
                index,
                kind: MatchKind::All,
            })
            .collect()
    }
}

/// True when `query` finds every institution (empty, or only spaces and punctuation):
/// [`SearchIndex::all`] answers it.
pub fn finds_all(query: &str) -> bool {
    fold(query).is_empty()
}

/// [`SearchIndex::search`] as a value: the picker gets it from a module of its own.
pub type Searcher = fn(&SearchIndex, &str, &Filters) -> Vec<Hit>;

/// Searches `institutions` once (builds a throw-away [`SearchIndex`]).
pub fn search(institutions: &[InstitutionSummary], query: &str, filters: &Filters) -> Vec<Hit> {
    SearchIndex::new(institutions).search(query, filters)
}
