//! Money as Basiq sends it: decimal strings such as `"-6081.50"`, kept exact in minor units.

use thiserror::Error;

/// Why an amount string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    /// Not a decimal number with at most two fraction digits.
    #[error("not an amount: {0:?}")]
    Malformed(String),
}

/// Parses `"-6081.50"`, `"89.63"`, `"12"` or `"0.5"` into cents (minor units).
pub fn parse_minor_units(s: &str) -> Result<i64, MoneyError> {
    let bad = || MoneyError::Malformed(s.to_owned());
    let t = s.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let cents = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)?;
    Ok(if negative { -cents } else { cents })
}

/// Formats cents with a currency for display: `-$6,081.50`, `NZ$12.00`, `€3.10`, `12.00 XYZ`.
pub fn format_amount(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let number = format!("{grouped}.{:02}", abs % 100);
    match currency {
        "AUD" => format!("{sign}${number}"),
        "NZD" => format!("{sign}NZ${number}"),
        "USD" => format!("{sign}US${number}"),
        "EUR" => format!("{sign}€{number}"),
        "GBP" => format!("{sign}£{number}"),
        other => format!("{sign}{number} {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_basiq_amounts() {
        assert_eq!(parse_minor_units("-6081.50"), Ok(-608_150));
        assert_eq!(parse_minor_units("89.63"), Ok(8963));
        assert_eq!(parse_minor_units("12"), Ok(1200));
        assert_eq!(parse_minor_units("0.5"), Ok(50));
        for bad in [
            "",
            "-",
            "1.234",
            "1,000.00",
            "abc",
            ".5",
            "1e3",
            "99999999999999999999",
        ] {
            assert!(
                parse_minor_units(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn formats_with_grouping_and_currency() {
        assert_eq!(format_amount(-608_150, "AUD"), "-$6,081.50");
        assert_eq!(format_amount(29_929_225, "AUD"), "$299,292.25");
        assert_eq!(format_amount(5, "NZD"), "NZ$0.05");
        assert_eq!(format_amount(100, "XYZ"), "1.00 XYZ");
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(cents in -1_000_000_000_000i64..1_000_000_000_000) {
            let shown = format_amount(cents, "XYZ");
            let plain = shown.trim_end_matches(" XYZ").replace(',', "");
            prop_assert_eq!(parse_minor_units(&plain), Ok(cents));
        }

        #[test]
        fn accepted_input_round_trips(s in "[-+]?[0-9.,a-z]{0,12}") {
            if let Ok(cents) = parse_minor_units(&s) {
                let plain = format_amount(cents, "XYZ").trim_end_matches(" XYZ").replace(',', "");
                prop_assert_eq!(parse_minor_units(&plain), Ok(cents));
            }
        }
    }
}
