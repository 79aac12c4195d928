//! Institution search for the picker: case-, accent- and punctuation-insensitive, alias- and
//! typo-tolerant, ranked (exact → prefix → word prefix → contains → alias → fuzzy, then tier,
//! then name), with the service-type and country filters of the public config.
//!
//! Build a [`SearchIndex`] once per directory (it folds every name up front) and call
//! [`SearchIndex::search`] on every keystroke; [`search`] does both for one-off use.

use crate::config::PublicConfig;
use crate::directory::InstitutionSummary;

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

/// Alias groups: compact keys (what people type, folded, without spaces or punctuation) and the
/// folded whole-word phrases that identify the institution in its name or short name.
const ALIASES: &[(&[&str], &[&str])] = &[
    (
        &[
            "cba",
            "commbank",
            "commonwealth",
            "commonwealthbank",
            "netbank",
        ],
        &["commonwealth bank", "commbank"],
    ),
    (
        &["nab", "nationalaustraliabank"],
        &["national australia bank", "nab"],
    ),
    (&["anz"], &["anz", "australia and new zealand banking"]),
    (&["westpac", "wbc"], &["westpac"]),
    (
        &["stgeorge", "saintgeorge", "stg", "stgeorgebank"],
        &["st george"],
    ),
    (&["boq", "bankofqueensland"], &["bank of queensland", "boq"]),
    (&["bom", "bankofmelbourne"], &["bank of melbourne"]),
    (
        &["banksa", "bsa", "bankofsouthaustralia"],
        &["banksa", "bank sa", "bank of south australia"],
    ),
    (&["ing", "ingdirect"], &["ing", "ing direct"]),
    (&["hsbc"], &["hsbc"]),
    (&["amp", "ampbank"], &["amp"]),
    (&["bankwest", "bwa"], &["bankwest"]),
    (&["ubank", "86400"], &["ubank", "86 400"]),
    (&["macquarie", "mqg", "macq"], &["macquarie"]),
    (&["bendigo", "bendigobank"], &["bendigo"]),
    (&["suncorp"], &["suncorp"]),
    (&["citi", "citibank"], &["citibank", "citi"]),
    (
        &["cua", "greatsouthern", "creditunionaustralia"],
        &["great southern bank", "credit union australia", "cua"],
    ),
    (
        &["me", "mebank", "membersequity"],
        &["me bank", "members equity"],
    ),
    (&["rabo", "rabobank"], &["rabobank"]),
    (&["kiwibank", "kiwi"], &["kiwibank"]),
    (&["asb", "asbbank"], &["asb"]),
    (
        &["bnz", "bankofnewzealand"],
        &["bank of new zealand", "bnz"],
    ),
    (&["tsb", "tsbbank"], &["tsb"]),
    (&["westpacnz"], &["westpac new zealand", "westpac nz"]),
    (&["anznz"], &["anz new zealand", "anz nz"]),
];

/// Appends the folded form of `c` (lowercase, accents removed) to `out`; returns false for a
/// separator. Dropped characters (apostrophes, combining accents) append nothing.
fn fold_char(c: char, out: &mut String) -> bool {
    if c.is_ascii_alphanumeric() {
        out.push(c.to_ascii_lowercase());
        return true;
    }
    if c.is_ascii() {
        // Apostrophes vanish ("People's" → "peoples"); other ASCII punctuation separates.
        return c == '\'';
    }
    let mapped: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' | 'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' | 'ð' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ'
        | 'Ė' | 'Ę' | 'Ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "g",
        'ĥ' | 'ħ' | 'Ĥ' | 'Ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī'
        | 'Ĭ' | 'Į' | 'İ' => "i",
        'ĵ' | 'Ĵ' => "j",
        'ķ' | 'Ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø'
        | 'Ō' | 'Ŏ' | 'Ő' => "o",
        'œ' | 'Œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' | 'Ŕ' | 'Ŗ' | 'Ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'Ś' | 'Ŝ' | 'Ş' | 'Š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'Ţ' | 'Ť' | 'Ŧ' => "t",
        'þ' | 'Þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ'
        | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "u",
        'ŵ' | 'Ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'Ý' | 'Ÿ' | 'Ŷ' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        '\u{2019}' | '\u{2018}' | '\u{02BC}' => return true,
        // Combining marks (a decomposed "é") vanish with the accent.
        '\u{0300}'..='\u{036F}' => return true,
        _ if c.is_alphanumeric() => {
            out.extend(c.to_lowercase());
            return true;
        }
        _ => return false,
    };
    out.push_str(mapped);
    true
}

/// Folds text to lowercase ASCII-ish words separated by single spaces: accents removed,
/// apostrophes dropped, any other punctuation or space a separator. "St.George Bank" →
/// "st george bank", "Crédit Agricole" → "credit agricole".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        let before = out.len();
        if pending_space && before > 0 {
            out.push(' ');
        }
        let after_space = out.len();
        if !fold_char(c, &mut out) {
            out.truncate(before);
            pending_space = true;
        } else if out.len() == after_space {
            out.truncate(before); // dropped character: keep any pending separator
        } else {
            pending_space = false;
        }
    }
    out
}

/// A folded text: its words, and the words run together (the "compact" form).
#[derive(Debug, Clone)]
struct Folded {
    /// Words joined without separators: "stgeorgebank".
    compact: String,
    /// Byte offset in `compact` where each word starts (the first is 0).
    starts: Vec<usize>,
    /// Which letters and digits occur, as from [`char_mask`].
    mask: u64,
    /// [`char_mask`] of the words' first letters.
    initials: u64,
    /// The first two bytes of `compact` (0 when shorter).
    head: [u8; 2],
    /// [`pair_mask`] of `compact`.
    pairs: u64,
}

/// A 64-bit Bloom filter of the adjacent byte pairs of `s`: a text contains `s` only if its own
/// pair mask covers this one.
fn pair_mask(s: &str) -> u64 {
    s.as_bytes().windows(2).fold(0, |m, w| {
        let h = (u32::from(w[0]).wrapping_mul(31) ^ u32::from(w[1]).wrapping_mul(131)) % 64;
        m | 1 << h
    })
}

/// A bit per ASCII letter and digit present in `s` (bit 63 for anything else); a cheap way to
/// rule out a match before comparing strings.
fn char_mask(s: &str) -> u64 {
    s.chars().fold(0, |m, c| {
        m | match c {
            'a'..='z' => 1 << (c as u32 - 'a' as u32),
            '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
            _ => 1 << 63,
        }
    })
}

impl Folded {
    fn new(text: &str) -> Self {
        Self::with_spaced(text).0
    }

    /// The folded form and the spaced [`fold`] it was made from.
    fn with_spaced(text: &str) -> (Self, String) {
        let spaced = fold(text);
        let mut compact = String::with_capacity(spaced.len());
        let mut starts = Vec::new();
        for word in spaced.split(' ').filter(|w| !w.is_empty()) {
            starts.push(compact.len());
            compact.push_str(word);
        }
        let mask = char_mask(&compact);
        let initials = starts
            .iter()
            .map(|&s| char_mask(compact[s..].get(..1).unwrap_or("\u{80}")))
            .fold(0, |a, b| a | b);
        let b = compact.as_bytes();
        let folded = Self {
            head: [
                b.first().copied().unwrap_or(0),
                b.get(1).copied().unwrap_or(0),
            ],
            pairs: pair_mask(&compact),
            compact,
            starts,
            mask,
            initials,
        };
        (folded, spaced)
    }

    fn words(&self) -> impl Iterator<Item = &str> {
        self.starts.iter().enumerate().map(|(i, &s)| {
            let end = self
                .starts
                .get(i + 1)
                .copied()
                .unwrap_or(self.compact.len());
            &self.compact[s..end]
        })
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

/// A prepared query.
struct Query {
    compact: String,
    words: Vec<String>,
    /// [`char_mask`] of the query.
    mask: u64,
    /// [`pair_mask`] of the compact query.
    pairs: u64,
    /// [`pair_mask`] of each query word.
    word_pairs: Vec<u64>,
    /// How many query words are long enough (five letters) to be matched with a typo.
    long_words: u32,
    /// Letters in the whole compact query.
    compact_chars: usize,
    /// The first two bytes of `compact` (0 when shorter).
    head: [u8; 2],
    /// Per word: the [`char_mask`] of the letters a matching word may start with, and whether
    /// the word is long enough for a typo.
    word_starts: Vec<(u64, bool)>,
    /// Alias groups whose key the query is (or, from three letters on, starts).
    alias_mask: u64,
    /// Alias groups whose key is one typo away (queries of five letters or more).
    fuzzy_alias_mask: u64,
}

impl Query {
    fn new(text: &str) -> Self {
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
        let mut by_rank: Vec<(u8, String, usize)> = institutions
            .iter()
            .zip(sort_keys)
            .enumerate()
            .map(|(i, (inst, key))| (inst.tier.trim().parse().unwrap_or(u8::MAX), key, i))
            .collect();
        by_rank.sort();
        let ordered = by_rank.into_iter().map(|(_, _, i)| i).collect();
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
        // Walking in tier-then-name order and bucketing by kind sorts without comparing.
        let mut buckets: [Vec<Hit>; 7] = Default::default();
        for &index in &self.ordered {
            let e = &self.entries[index];
            if !filters.accepts(&e.service_type, &e.country) {
                continue;
            }
            let kind = if q.compact.is_empty() {
                Some(MatchKind::All)
            } else {
                match_entry(e, &q)
            };
            if let Some(kind) = kind {
                buckets[kind as usize].push(Hit { index, kind });
            }
        }
        buckets.concat()
    }
}

/// Searches `institutions` once (builds a throw-away [`SearchIndex`]).
pub fn search(institutions: &[InstitutionSummary], query: &str, filters: &Filters) -> Vec<Hit> {
    SearchIndex::new(institutions).search(query, filters)
}

/// The best way `q` matches one institution, if any.
fn match_entry(e: &Entry, q: &Query) -> Option<MatchKind> {
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
        if f.starts.iter().skip(1).any(|&s| has_prefix(&text[s..], qc)) {
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
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
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
const FUZZY_MIN: usize = 5;

/// True when `query` is within one edit of `word` or of a prefix of `word` at least
/// [`FUZZY_MIN`] long whose length differs from the query's by at most one.
fn near_prefix(query: &str, word: &str) -> bool {
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

fn within_one_edit_str(a: &str, b: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inst(id: &str, name: &str, short: &str, tier: &str) -> InstitutionSummary {
        InstitutionSummary {
            tier: tier.into(),
            ..InstitutionSummary::basic(id, name, short)
        }
    }

    fn directory() -> Vec<InstitutionSummary> {
        let mut v = vec![
            inst("AU00000", "Hooli Bank", "Hooli", "4"),
            inst("AU00002", "Pied Piper Bank", "Pied Piper", "4"),
            inst("AU00101", "Commonwealth Bank of Australia", "CommBank", "1"),
            inst("AU00102", "National Australia Bank", "NAB", "1"),
            inst("AU00103", "ANZ", "ANZ", "1"),
            inst("AU00104", "Westpac", "Westpac", "1"),
            inst("AU00105", "St.George Bank", "St.George", "2"),
            inst("AU00106", "Bank of Queensland", "BOQ", "2"),
            inst("AU00107", "ING", "ING", "2"),
            inst("AU00108", "HSBC Australia", "HSBC", "2"),
            inst("AU00109", "AMP Bank", "AMP", "3"),
            inst("AU00110", "Bank of Melbourne", "Bank of Melbourne", "2"),
            inst("AU00111", "Bankwest", "Bankwest", "2"),
            inst("AU00112", "UBank", "UBank", "2"),
            inst("AU00113", "Macquarie Bank", "Macquarie", "2"),
            inst(
                "AU00114",
                "Banque Société Générale",
                "Société Générale",
                "3",
            ),
            inst(
                "AU00115",
                "People's Choice Credit Union",
                "People's Choice",
                "3",
            ),
            inst(
                "AU00116",
                "Newcastle Permanent Building Society",
                "Newcastle Permanent",
                "3",
            ),
            inst("AU00117", "Bendigo Bank", "Bendigo", "2"),
        ];
        let mut nz = vec![
            inst("NZ00001", "Kiwibank", "Kiwibank", "1"),
            inst("NZ00002", "ASB Bank", "ASB", "1"),
            inst("NZ00003", "Bank of New Zealand", "BNZ", "1"),
            inst("NZ00004", "Westpac New Zealand", "Westpac NZ", "1"),
        ];
        for i in &mut nz {
            i.country = "New Zealand".into();
        }
        v.append(&mut nz);
        v[8].service_type = "Business Banking".into();
        v
    }

    fn ids(dir: &[InstitutionSummary], hits: &[Hit]) -> Vec<String> {
        hits.iter().map(|h| dir[h.index].id.clone()).collect()
    }

    fn first(query: &str) -> (String, MatchKind) {
        let dir = directory();
        let hits = search(&dir, query, &Filters::none());
        let h = hits
            .first()
            .unwrap_or_else(|| panic!("no hit for {query:?}"));
        (dir[h.index].name.clone(), h.kind)
    }

    #[test]
    fn folding_removes_case_accents_and_punctuation() {
        assert_eq!(fold("St.George Bank"), "st george bank");
        assert_eq!(
            fold("  Banque Société  Générale!"),
            "banque societe generale"
        );
        assert_eq!(fold("People’s Choice"), "peoples choice");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Te Tāpui Ōtautahi"), "te tapui otautahi");
        assert_eq!(fold("Cafe\u{301}"), "cafe");
        assert_eq!(fold("---"), "");
    }

    #[test]
    fn aliases_find_the_big_banks() {
        for (query, expected) in [
            ("cba", "Commonwealth Bank of Australia"),
            ("commbank", "Commonwealth Bank of Australia"),
            ("Commonwealth", "Commonwealth Bank of Australia"),
            ("nab", "National Australia Bank"),
            ("anz", "ANZ"),
            ("stgeorge", "St.George Bank"),
            ("st.george", "St.George Bank"),
            ("st george", "St.George Bank"),
            ("St George", "St.George Bank"),
            ("boq", "Bank of Queensland"),
            ("ing", "ING"),
            ("hsbc", "HSBC Australia"),
            ("amp", "AMP Bank"),
            ("bom", "Bank of Melbourne"),
            ("bankwest", "Bankwest"),
            ("ubank", "UBank"),
            ("macquarie", "Macquarie Bank"),
            ("kiwibank", "Kiwibank"),
            ("asb", "ASB Bank"),
            ("bnz", "Bank of New Zealand"),
            ("westpac", "Westpac"),
        ] {
            assert_eq!(first(query).0, expected, "query {query:?}");
        }
    }

    #[test]
    fn pure_aliases_report_the_alias_kind() {
        assert_eq!(first("cba").1, MatchKind::Alias);
        assert_eq!(first("bom").1, MatchKind::Alias);
        assert_eq!(first("bnz").1, MatchKind::Exact, "BNZ is the short name");
    }

    #[test]
    fn one_typo_in_long_words_is_forgiven() {
        assert_eq!(first("westpak"), ("Westpac".to_string(), MatchKind::Fuzzy));
        assert_eq!(first("macqaurie").0, "Macquarie Bank");
        assert_eq!(first("comonwealth").0, "Commonwealth Bank of Australia");
        assert_eq!(first("queenslnd").0, "Bank of Queensland");
        assert_eq!(first("st goerge").0, "St.George Bank");
    }

    #[test]
    fn short_words_and_two_typos_are_not_fuzzy() {
        let dir = directory();
        assert!(
            search(&dir, "hoolx", &Filters::none())
                .iter()
                .all(|h| dir[h.index].id == "AU00000")
        );
        assert!(search(&dir, "wastpak", &Filters::none()).is_empty());
        assert!(search(&dir, "nub", &Filters::none()).is_empty());
        // A typo is forgiven against words of five letters or more only: "ubank" is not "bank".
        let ubank: Vec<_> = search(&dir, "ubank", &Filters::none())
            .iter()
            .map(|h| dir[h.index].id.clone())
            .collect();
        assert_eq!(ubank, ["AU00112"]);
    }

    #[test]
    fn ranking_is_exact_prefix_word_prefix_contains_then_tier_then_name() {
        let dir = vec![
            inst("A", "Xbank", "Xbank", "1"),         // contains "bank"
            inst("B", "Bank Two", "Bank Two", "3"),   // prefix
            inst("C", "Bank", "Bank", "4"),           // exact
            inst("D", "First Bank", "First", "1"),    // word prefix
            inst("E", "Bank One", "Bank One", "3"),   // prefix, same tier as B, sorts first
            inst("F", "Bank Zero", "Bank Zero", "2"), // prefix, better tier
        ];
        let hits = search(&dir, "BANK", &Filters::none());
        assert_eq!(ids(&dir, &hits), ["C", "F", "E", "B", "D", "A"]);
        let kinds: Vec<_> = hits.iter().map(|h| h.kind).collect();
        use MatchKind::*;
        assert_eq!(kinds, [Exact, Prefix, Prefix, Prefix, WordPrefix, Contains]);
    }

    #[test]
    fn direct_matches_beat_aliases_and_fuzzy() {
        let dir = directory();
        let hits = search(&dir, "westpac", &Filters::none());
        assert_eq!(hits[0].kind, MatchKind::Exact);
        assert_eq!(dir[hits[0].index].name, "Westpac");
        assert_eq!(dir[hits[1].index].name, "Westpac New Zealand");
        assert_eq!(hits[1].kind, MatchKind::Prefix);
    }

    #[test]
    fn accents_and_apostrophes_do_not_matter() {
        assert_eq!(first("societe generale").0, "Banque Société Générale");
        assert_eq!(first("SOCIÉTÉ").0, "Banque Société Générale");
        assert_eq!(first("peoples").0, "People's Choice Credit Union");
        assert_eq!(first("people's choice").0, "People's Choice Credit Union");
        assert_eq!(first("permanent").1, MatchKind::WordPrefix);
    }

    #[test]
    fn multi_word_queries_match_words_in_any_order() {
        let dir = directory();
        let hits = search(&dir, "bank melb", &Filters::none());
        assert_eq!(dir[hits[0].index].name, "Bank of Melbourne");
        let hits = search(&dir, "melbourne bank", &Filters::none());
        assert_eq!(dir[hits[0].index].name, "Bank of Melbourne");
        assert_eq!(hits[0].kind, MatchKind::WordPrefix);
    }

    #[test]
    fn empty_query_lists_everything_by_tier_then_name() {
        let dir = directory();
        for q in ["", "   ", " .-"] {
            let hits = search(&dir, q, &Filters::none());
            assert_eq!(hits.len(), dir.len());
            assert!(hits.iter().all(|h| h.kind == MatchKind::All));
            let keys: Vec<_> = hits
                .iter()
                .map(|h| (dir[h.index].tier.clone(), fold(&dir[h.index].name)))
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted);
        }
    }

    #[test]
    fn filters_restrict_service_types_and_countries() {
        let dir = directory();
        let nz = Filters {
            service_types: vec![],
            countries: vec!["new zealand".into()],
        };
        let hits = search(&dir, "", &nz);
        assert_eq!(hits.len(), 4);
        assert!(hits.iter().all(|h| dir[h.index].country == "New Zealand"));
        assert_eq!(ids(&dir, &search(&dir, "westpac", &nz)), ["NZ00004"]);

        let personal_au = Filters {
            service_types: vec!["Personal Banking".into()],
            countries: vec!["Australia".into()],
        };
        let hits = search(&dir, "", &personal_au);
        assert_eq!(hits.len(), dir.len() - 4 - 1);
        assert!(
            search(&dir, "ing", &personal_au)
                .iter()
                .all(|h| dir[h.index].id != "AU00107")
        );

        let cfg = PublicConfig {
            basiq_url: String::new(),
            basiq_version: "2.1".into(),
            service_types: vec!["Business Banking".into()],
            countries: vec![],
            allowed_parent_origins: vec![],
            sandbox: true,
            min_refresh_interval_secs: 0,
        };
        assert_eq!(
            ids(&dir, &search(&dir, "", &Filters::from_config(&cfg))),
            ["AU00107"]
        );
    }

    #[test]
    fn the_index_can_be_reused() {
        let dir = directory();
        let index = SearchIndex::new(&dir);
        assert_eq!(index.len(), dir.len());
        assert!(!index.is_empty());
        assert_eq!(
            index.search("hooli", &Filters::none()),
            search(&dir, "hooli", &Filters::none())
        );
        assert!(
            SearchIndex::new(&[])
                .search("x", &Filters::none())
                .is_empty()
        );
    }

    #[test]
    fn within_one_edit_examples() {
        let t = |a: &str, b: &str| within_one_edit_str(a, b);
        assert!(t("westpak", "westpac"));
        assert!(t("wetspac", "westpac"));
        assert!(t("westpa", "westpac"));
        assert!(t("wesstpac", "westpac"));
        assert!(!t("wastpak", "westpac"));
        assert!(!t("westpacxx", "westpac"));
        assert_eq!(edit_distance("ca", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    proptest! {
        #[test]
        fn within_one_edit_agrees_with_edit_distance(a in "[abc]{0,7}", b in "[abc]{0,7}") {
            prop_assert_eq!(within_one_edit_str(&a, &b), edit_distance(&a, &b) <= 1);
        }

        #[test]
        fn near_prefix_agrees_with_edit_distance(q in "[abc]{4,8}", w in "[abc]{0,10}") {
            let n = q.chars().count();
            let expected = (n.saturating_sub(1)..=n + 1)
                .filter(|&k| k >= FUZZY_MIN && k <= w.len())
                .any(|k| edit_distance(&q, &w[..k]) <= 1);
            prop_assert_eq!(near_prefix(&q, &w), expected);
        }

        #[test]
        fn contains_agrees_with_str_contains(h in "[ab]{0,12}", n in "[ab]{0,4}") {
            prop_assert_eq!(contains(h.as_bytes(), n.as_bytes()), h.contains(n.as_str()));
        }

        #[test]
        fn search_never_panics_and_hits_are_unique(q in "\\PC{0,20}") {
            let dir = directory();
            let hits = search(&dir, &q, &Filters::none());
            let mut seen: Vec<usize> = hits.iter().map(|h| h.index).collect();
            seen.sort_unstable();
            seen.dedup();
            prop_assert_eq!(seen.len(), hits.len());
            prop_assert!(hits.windows(2).all(|w| w[0].kind <= w[1].kind));
        }

        #[test]
        fn any_piece_of_a_name_finds_it_directly(
            names in proptest::collection::vec("[A-Za-zé' .]{1,24}", 1..8),
            pick in any::<proptest::sample::Index>(),
            from in any::<proptest::sample::Index>(),
            len in 1usize..6,
        ) {
            let dir: Vec<_> = names.iter().enumerate().map(|(i, n)| inst(&i.to_string(), n, "", "1")).collect();
            let i = pick.index(dir.len());
            let compact = Folded::new(&dir[i].name).compact;
            prop_assume!(!compact.is_empty());
            let start = from.index(compact.len());
            let piece = &compact[start..(start + len).min(compact.len())];
            let hits = search(&dir, piece, &Filters::none());
            prop_assert!(
                hits.iter().any(|h| h.index == i && h.kind <= MatchKind::Contains),
                "{:?} not found in {:?}: {:?}", piece, dir[i].name, hits
            );
        }

        #[test]
        fn a_whole_name_always_finds_itself_first(i in 0usize..23) {
            let dir = directory();
            let hits = search(&dir, &dir[i].name.to_uppercase(), &Filters::none());
            prop_assert_eq!(hits[0].kind, MatchKind::Exact);
            prop_assert!(hits.iter().any(|h| h.index == i && h.kind == MatchKind::Exact));
        }
    }
}
