//! Basiq's `filter=` grammar: `field.path.op('v'[,'v'…])`, comma-separated, AND-ed.

use crate::error::ApiError;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// One of.
    In,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Gteq,
    /// Less than.
    Lt,
    /// Less or equal.
    Lteq,
    /// Between (inclusive).
    Bt,
}

/// One condition of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    /// Dotted field path, e.g. `institution.country`.
    pub field: String,
    /// Operator.
    pub op: Op,
    /// Unquoted values.
    pub values: Vec<String>,
}

impl Cond {
    /// Whether `value` satisfies this condition (string comparison; dates compare lexically).
    pub fn matches(&self, value: &str) -> bool {
        let v = &self.values;
        match self.op {
            Op::Eq => v.first().is_some_and(|x| x == value),
            Op::Ne => v.first().is_some_and(|x| x != value),
            Op::In => v.iter().any(|x| x == value),
            Op::Gt => v.first().is_some_and(|x| value > x.as_str()),
            Op::Gteq => v.first().is_some_and(|x| value >= x.as_str()),
            Op::Lt => v.first().is_some_and(|x| value < x.as_str()),
            Op::Lteq => v.first().is_some_and(|x| value <= x.as_str()),
            Op::Bt => v.len() == 2 && value >= v[0].as_str() && value <= v[1].as_str(),
        }
    }
}

fn bad(filter: &str) -> ApiError {
    ApiError::not_valid(format!("Filter value is not valid: {filter}"))
        .with_source(serde_json::json!({"parameter": "filter"}))
}

/// Parses a whole filter expression; `allowed` lists the accepted field paths.
pub fn parse(filter: &str, allowed: &[&str]) -> Result<Vec<Cond>, ApiError> {
    let mut out = Vec::new();
    let s = filter.trim();
    if s.is_empty() {
        return Ok(out);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // field.op
        let start = i;
        while i < chars.len() && chars[i] != '(' {
            i += 1;
        }
        if i >= chars.len() {
            return Err(bad(filter));
        }
        let head: String = chars[start..i]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        let (field, op) = head.rsplit_once('.').ok_or_else(|| bad(filter))?;
        let op = match op {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "in" => Op::In,
            "gt" => Op::Gt,
            "gteq" => Op::Gteq,
            "lt" => Op::Lt,
            "lteq" => Op::Lteq,
            "bt" => Op::Bt,
            _ => return Err(bad(filter)),
        };
        if !allowed.contains(&field) {
            return Err(bad(filter));
        }
        i += 1; // past '('
        let mut values = Vec::new();
        loop {
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            if i >= chars.len() {
                return Err(bad(filter));
            }
            match chars[i] {
                ')' => {
                    i += 1;
                    break;
                }
                q @ ('\'' | '"') => {
                    i += 1;
                    let vs = i;
                    while i < chars.len() && chars[i] != q {
                        i += 1;
                    }
                    if i >= chars.len() {
                        return Err(bad(filter));
                    }
                    values.push(chars[vs..i].iter().collect());
                    i += 1;
                }
                _ => {
                    // unquoted value (numbers, booleans)
                    let vs = i;
                    while i < chars.len() && chars[i] != ',' && chars[i] != ')' {
                        i += 1;
                    }
                    values.push(chars[vs..i].iter().collect::<String>().trim().to_string());
                }
            }
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            if i < chars.len() && chars[i] == ',' {
                i += 1;
                continue;
            }
            if i < chars.len() && chars[i] == ')' {
                i += 1;
                break;
            }
            return Err(bad(filter));
        }
        let arity_ok = match op {
            Op::In => !values.is_empty(),
            Op::Bt => values.len() == 2,
            _ => values.len() == 1,
        };
        if !arity_ok {
            return Err(bad(filter));
        }
        out.push(Cond {
            field: field.to_string(),
            op,
            values,
        });
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        if i < chars.len() {
            if chars[i] != ',' {
                return Err(bad(filter));
            }
            i += 1;
            if i >= chars.len() {
                return Err(bad(filter));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let f = parse(
            "institution.stage.eq('live'),institution.tier.in('1','2')",
            &["institution.stage", "institution.tier"],
        )
        .expect("valid");
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].op, Op::In);
        assert_eq!(f[1].values, vec!["1", "2"]);
        assert!(f[1].matches("2"));
        assert!(!f[0].matches("beta"));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "institution.stage",
            "x.eq('a')",
            "institution.stage.zz('a')",
            "institution.stage.eq('a'",
            "institution.stage.eq('a'),",
        ] {
            assert!(parse(bad, &["institution.stage"]).is_err(), "{bad}");
        }
    }

    #[test]
    fn between_is_inclusive() {
        let f = parse(
            "transaction.postDate.bt('2020-01-01','2020-02-01')",
            &["transaction.postDate"],
        )
        .expect("valid");
        assert!(f[0].matches("2020-01-01"));
        assert!(f[0].matches("2020-02-01"));
        assert!(!f[0].matches("2020-02-02"));
    }
}
