//! The alias and abbreviation table ("cba", "nab") of the big Australian and New Zealand banks.

/// Alias groups: compact keys (what people type, folded, without spaces or punctuation) and the
/// folded whole-word phrases that identify the institution in its name or short name.
pub(super) const ALIASES: &[(&[&str], &[&str])] = &[
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
