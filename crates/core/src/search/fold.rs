//! Folding names and queries: case, accents and punctuation removed, plus the letter and
//! pair masks that rule matches out cheaply.

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
            out.push(crate::case::lower(c));
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
pub(super) struct Folded {
    /// Words joined without separators: "stgeorgebank".
    pub(super) compact: String,
    /// Byte offset in `compact` where each word starts (the first is 0).
    pub(super) starts: Vec<usize>,
    /// Which letters and digits occur, as from [`char_mask`].
    pub(super) mask: u64,
    /// [`char_mask`] of the words' first letters.
    pub(super) initials: u64,
    /// The first two bytes of `compact` (0 when shorter).
    pub(super) head: [u8; 2],
    /// [`pair_mask`] of `compact`.
    pub(super) pairs: u64,
}

/// A 64-bit Bloom filter of the adjacent byte pairs of `s`: a text contains `s` only if its own
/// pair mask covers this one.
pub(super) fn pair_mask(s: &str) -> u64 {
    s.as_bytes().windows(2).fold(0, |m, w| {
        let h = (u32::from(w[0]).wrapping_mul(31) ^ u32::from(w[1]).wrapping_mul(131)) % 64;
        m | 1 << h
    })
}

/// A bit per ASCII letter and digit present in `s` (bit 63 for anything else); a cheap way to
/// rule out a match before comparing strings.
pub(super) fn char_mask(s: &str) -> u64 {
    s.chars().fold(0, |m, c| {
        m | match c {
            'a'..='z' => 1 << (c as u32 - 'a' as u32),
            '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
            _ => 1 << 63,
        }
    })
}

impl Folded {
    pub(super) fn new(text: &str) -> Self {
        Self::with_spaced(text).0
    }

    /// The folded form and the spaced [`fold`] it was made from.
    pub(super) fn with_spaced(text: &str) -> (Self, String) {
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
            .map(|&s| char_mask(compact.get(s..s + 1).unwrap_or("\u{80}")))
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

    pub(super) fn words(&self) -> impl Iterator<Item = &str> {
        self.starts.iter().enumerate().map(|(i, &s)| {
            let end = self
                .starts
                .get(i + 1)
                .copied()
                .unwrap_or(self.compact.len());
            // `get`: no slicing panic (and its formatting) in the picker's module.
            self.compact.get(s..end).unwrap_or("")
        })
    }
}
