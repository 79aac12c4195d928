//! Matching a prepared query against one institution: direct (exact, prefix, word prefix,
//! contains), alias and one-typo matches, and the edit-distance helpers behind them.

use super::aliases::ALIASES;
use super::fold::{Folded, char_mask, pair_mask};
use super::{Entry, MatchKind};

/// A prepared query.
pub(super) struct Query {
    pub(super) compact: String,
    pub(super) words: Vec<String>,
    /// [`char_mask`] of the query.
    pub(super) mask: u64,
    /// [`pair_mask`] of the compact query.
    pub(super) pairs: u64,
    /// [`pair_mask`] of each query word.
    pub(super) word_pairs: Vec<u64>,
    /// How many query words are long enough (five letters) to be matched with a typo.
    pub(super) long_words: u32,
    /// Letters in the whole compact query.
    pub(super) compact_chars: usize,
    /// The first two bytes of `compact` (0 when shorter).
    pub(super) head: [u8; 2],
    /// Per word: the [`char_mask`] of the letters a matching word may start with, and whether
    /// the word is long enough for a typo.
    pub(super) word_starts: Vec<(u64, bool)>,
    /// Alias groups whose key the query is (or, from three letters on, starts).
    pub(super) alias_mask: u64,
    /// Alias groups whose key is one typo away (queries of five letters or more).
    pub(super) fuzzy_alias_mask: u64,
}

impl Query {
    pub(super) fn new(text: &str) -> Self {
        let folded = Folded::new(text);
        let words: Vec<String> = folded.words().map(str::to_owned).collect();
        let compact = folded.compact;
        let mut alias_mask = 0;
        let mut fuzzy_alias_mask = 0;
        let qlen = compact.chars().count();
        for (i, (keys, _)) in ALIASES.iter().enumerate() {
            for key in keys.iter() {
                if *key == compact || (qlen >= 3 && key.starts_with(compact.as_str())) {
                    alias_mask |= 1 << i;
                } else if qlen >= 5 && within_one_edit_str(&compact, key) {
                    fuzzy_alias_mask |= 1 << i;
                }
            }
        }
        let word_starts = words
            .iter()
            .map(|w| {
                let long = w.chars().count() >= 5;
                let take = if long { 2 } else { 1 };
                (char_mask(&w.chars().take(take).collect::<String>()), long)
            })
            .collect();
        let b = compact.as_bytes();
        Self {
            head: [
                b.first().copied().unwrap_or(0),
                b.get(1).copied().unwrap_or(0),
            ],
            compact_chars: qlen,
            word_starts,
            mask: char_mask(&compact),
            pairs: pair_mask(&compact),
            word_pairs: words.iter().map(|w| pair_mask(w)).collect(),
            long_words: words.iter().filter(|w| w.chars().count() >= 5).count() as u32,
            compact,
            words,
            alias_mask,
            fuzzy_alias_mask,
        }
    }
}

/// The best way `q` matches one institution, if any.
pub(super) fn match_entry(e: &Entry, q: &Query) -> Option<MatchKind> {
    let fields: &[&Folded] = if e.short_is_name {
        &[&e.name]
    } else {
        &[&e.name, &e.short]
    };
    let direct = fields.iter().filter_map(|f| match_direct(f, q)).min();
    if direct.is_some() {
        return direct;
    }
    if e.aliases & q.alias_mask != 0 {
        return Some(MatchKind::Alias);
    }
    if e.aliases & q.fuzzy_alias_mask != 0 || fields.iter().any(|f| match_fuzzy(f, q)) {
        return Some(MatchKind::Fuzzy);
    }
    None
}

/// Exact, prefix, word-prefix or contains match of the query against one folded text.
fn match_direct(f: &Folded, q: &Query) -> Option<MatchKind> {
    let text = f.compact.as_str();
    let qc = q.compact.as_str();
    if text.is_empty() || q.mask & !f.mask != 0 {
        return None;
    }
    // Matches on the run-together text need all the query's letter pairs in it; the any-order
    // word match needs each word's pairs.
    let whole = q.pairs & !f.pairs == 0;
    let by_words = q.words.len() > 1 && q.word_pairs.iter().all(|&p| p & !f.pairs == 0);
    if whole {
        if text == qc {
            return Some(MatchKind::Exact);
        }
        if has_prefix(text, qc) {
            return Some(MatchKind::Prefix);
        }
        if f.starts
            .iter()
            .skip(1)
            .any(|&s| text.get(s..).is_some_and(|t| has_prefix(t, qc)))
        {
            return Some(MatchKind::WordPrefix);
        }
    }
    if by_words
        && q.words
            .iter()
            .all(|qw| f.words().any(|w| has_prefix(w, qw)))
    {
        return Some(MatchKind::WordPrefix);
    }
    if whole && contains(text.as_bytes(), qc.as_bytes()) {
        return Some(MatchKind::Contains);
    }
    None
}

/// Element-wise equality as a plain loop: on the few bytes compared here a `memcmp` call costs
/// more than the comparison.
#[inline]
fn same<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// `text.starts_with(prefix)` without a `memcmp` call.
#[inline]
fn has_prefix(text: &str, prefix: &str) -> bool {
    let (t, p) = (text.as_bytes(), prefix.as_bytes());
    t.len() >= p.len() && same(&t[..p.len()], p)
}

/// Substring test for short texts: a plain scan beats `str::contains`'s set-up cost on names
/// of a few dozen bytes (and UTF-8 substrings are byte substrings).
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    haystack.len() >= needle.len()
        && haystack[..=haystack.len() - needle.len()]
            .iter()
            .enumerate()
            .any(|(i, &b)| b == first && same(&haystack[i + 1..i + needle.len()], rest))
}

/// One-typo match: every query word starts a word of the text, or — from five letters on — is
/// one edit away from the start of one; or the whole query is one edit from the text's start.
fn match_fuzzy(f: &Folded, q: &Query) -> bool {
    // Each typo can bring at most one letter the text does not have.
    if f.compact.is_empty() || (q.mask & !f.mask).count_ones() > q.long_words.max(1) {
        return false;
    }
    // Cheap pre-checks on inline data before touching the strings (see `near_prefix`).
    let (q0, q1) = (q.head[0], q.head[1]);
    let (w0, w1) = (f.head[0], f.head[1]);
    let whole_possible =
        q.compact_chars >= 5 && (q0 == w0 || q1 == w1 || q0 == w1 || q1 == w0 || q0 >= 0x80);
    let words_possible = q.long_words > 0
        && q.word_starts
            .iter()
            .all(|&(starts, _)| f.initials & starts != 0);
    let whole = whole_possible && near_prefix(&q.compact, &f.compact);
    whole
        || (words_possible
            && q.words
                .iter()
                .zip(&q.word_starts)
                .all(|(qw, &(starts, long))| {
                    // A matching word starts with the query word's first letter (or, with a typo
                    // in a long word, its second).
                    f.initials & starts != 0
                        && f.words()
                            .any(|w| has_prefix(w, qw) || (long && near_prefix(qw, w)))
                }))
}

/// Shortest word (query side and target side) that a typo is forgiven in.
pub(super) const FUZZY_MIN: usize = 5;

/// True when `query` is within one edit of `word` or of a prefix of `word` at least
/// [`FUZZY_MIN`] long whose length differs from the query's by at most one.
pub(super) fn near_prefix(query: &str, word: &str) -> bool {
    fn run<T: PartialEq>(q: &[T], w: &[T]) -> bool {
        let n = q.len();
        (n.saturating_sub(1)..=n + 1)
            .filter(|&k| k <= w.len() && k >= FUZZY_MIN)
            .any(|k| within_one_edit(q, &w[..k]))
    }
    if query.is_ascii() && word.is_ascii() {
        // Cheap reject: the first two letters of a word rarely both change with one typo.
        let (q, w) = (query.as_bytes(), word.as_bytes());
        if q.len() >= 2
            && w.len() >= 2
            && q[0] != w[0]
            && q[1] != w[1]
            && q[0] != w[1]
            && q[1] != w[0]
        {
            return false;
        }
        run(q, w)
    } else {
        let q: Vec<char> = query.chars().collect();
        let w: Vec<char> = word.chars().collect();
        run(&q, &w)
    }
}

pub(super) fn within_one_edit_str(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    within_one_edit(&a, &b)
}

/// True when the (restricted) Damerau-Levenshtein distance of `a` and `b` is at most 1: equal,
/// or one substitution, insertion, deletion or swap of two neighbours apart.
pub fn within_one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let p = long.iter().zip(short).take_while(|(x, y)| x == y).count();
    if p == short.len() {
        return true; // equal, or one extra trailing element
    }
    if long.len() == short.len() {
        same(&long[p + 1..], &short[p + 1..])
            || (p + 1 < long.len()
                && long[p] == short[p + 1]
                && long[p + 1] == short[p]
                && same(&long[p + 2..], &short[p + 2..]))
    } else {
        same(&long[p + 1..], &short[p..])
    }
}

/// The restricted Damerau-Levenshtein (optimal string alignment) distance of two strings, in
/// characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * w + j] = if i == 0 {
                j
            } else if j == 0 {
                i
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[(i - 1) * w + j] + 1)
                    .min(d[i * w + j - 1] + 1)
                    .min(d[(i - 1) * w + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[(i - 2) * w + j - 2] + 1);
                }
                v
            };
        }
    }
    d[a.len() * w + b.len()]
}
