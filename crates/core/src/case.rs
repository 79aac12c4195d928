//! Upper and lower case without the standard library's Unicode case tables (about 24 kB of
//! wasm data, 7.8 kB brotli, that every module folding a name or a message would download).
//!
//! Exact (the same as `char::to_lowercase` / `char::to_uppercase`) for ASCII, Latin-1, Latin
//! Extended-A, the Greek alphabet with its accented vowels, and Cyrillic (U+0400–U+052F): the
//! scripts of bank names, captions and Basiq's messages. Any other character, and the few
//! whose case is more than one character ('ß' → "SS", 'İ' → "i̇"), stays as it is.

/// `c` in lower case (itself when it has none, or outside the scripts above).
pub fn lower(c: char) -> char {
    let u = c as u32;
    let even = u & 1 == 0;
    let mapped = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => u + 0x20,
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if even => u + 1,
        0x139..=0x148 | 0x179..=0x17E if !even => u + 1,
        0x178 => 0xFF,
        0x386 => 0x3AC,
        0x388..=0x38A => u + 0x25,
        0x38C => 0x3CC,
        0x38E..=0x38F => u + 0x3F,
        0x391..=0x3A1 | 0x3A3..=0x3AB => u + 0x20,
        0x400..=0x40F => u + 0x50,
        0x410..=0x42F => u + 0x20,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F if even => u + 1,
        0x4C0 => 0x4CF,
        0x4C1..=0x4CE if !even => u + 1,
        _ => u,
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// `c` in upper case (itself when it has none, or outside the scripts above).
pub fn upper(c: char) -> char {
    let u = c as u32;
    let even = u & 1 == 0;
    let mapped = match u {
        0x61..=0x7A | 0xE0..=0xF6 | 0xF8..=0xFE => u - 0x20,
        0xB5 => 0x39C,
        0xFF => 0x178,
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if !even => u - 1,
        0x139..=0x148 | 0x179..=0x17E if even => u - 1,
        0x131 => 0x49,
        0x17F => 0x53,
        0x3AC => 0x386,
        0x3AD..=0x3AF => u - 0x25,
        0x3B1..=0x3C1 | 0x3C3..=0x3CB => u - 0x20,
        0x3C2 => 0x3A3,
        0x3CC => 0x38C,
        0x3CD..=0x3CE => u - 0x3F,
        0x430..=0x44F => u - 0x20,
        0x450..=0x45F => u - 0x50,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F if !even => u - 1,
        0x4CF => 0x4C0,
        0x4C1..=0x4CE if even => u - 1,
        _ => u,
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// `text` in lower case, character by character with [`lower`].
pub fn lowercase(text: &str) -> String {
    text.chars().map(lower).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard library's mapping when it is one character.
    fn single(mut m: impl Iterator<Item = char>) -> Option<char> {
        let first = m.next()?;
        m.next().is_none().then_some(first)
    }

    const EXACT: [std::ops::RangeInclusive<u32>; 4] =
        [0..=0x17F, 0x386..=0x3CE, 0x400..=0x481, 0x48A..=0x52F];

    #[test]
    fn exact_for_latin_greek_and_cyrillic_and_never_a_wrong_case_anywhere() {
        let mut checked = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let (std_lower, std_upper) = (single(c.to_lowercase()), single(c.to_uppercase()));
            // Anywhere: the standard library's single-character answer, or the character.
            assert!(
                lower(c) == c || Some(lower(c)) == std_lower,
                "lower({c:?}) = {:?}",
                lower(c)
            );
            assert!(
                upper(c) == c || Some(upper(c)) == std_upper,
                "upper({c:?}) = {:?}",
                upper(c)
            );
            if EXACT.iter().any(|r| r.contains(&(c as u32))) {
                assert_eq!(lower(c), std_lower.unwrap_or(c), "lower({c:?})");
                assert_eq!(upper(c), std_upper.unwrap_or(c), "upper({c:?})");
                checked += 1;
            }
        }
        assert_eq!(checked, 753);
    }

    #[test]
    fn words_in_these_scripts_change_case_like_the_standard_library() {
        for word in ["Crédit Agricole", "ŁÓDŹ", "Ελλάδα", "Сбербанк", "ÆØÅ"] {
            assert_eq!(lowercase(word), word.to_lowercase());
            let up: String = word.chars().map(upper).collect();
            assert_eq!(up, word.to_uppercase());
        }
    }
}
