//! Fault injection: per path pattern and method, by count or probability.

use serde::{Deserialize, Serialize};

/// What a matching request gets instead of (or on top of) the normal answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FaultKind {
    /// An error status with Basiq's envelope.
    Status {
        /// HTTP status.
        status: u16,
        /// Basiq error code.
        #[serde(default = "default_code")]
        code: String,
        /// Error title.
        #[serde(default = "default_title")]
        title: String,
        /// Error detail.
        #[serde(default = "default_detail")]
        detail: String,
    },
    /// 429 `too-many-requests` with a `Retry-After` header.
    RateLimit {
        /// Seconds in `Retry-After`.
        #[serde(default = "one")]
        retry_after: u64,
    },
    /// Added latency before the normal answer.
    Latency {
        /// Milliseconds (real time).
        ms: u64,
    },
    /// Never answers (until the simulator stops).
    Hang,
    /// The normal status and headers, but the connection closes half-way through the body.
    Truncated,
    /// The normal status with a complete but malformed JSON body.
    Malformed,
    /// The connection is dropped without an answer.
    Drop,
}

fn default_code() -> String {
    "service-unavailable".into()
}
fn default_title() -> String {
    "Service Unavailable".into()
}
fn default_detail() -> String {
    "Service is currently unavailable. Please try again later.".into()
}
fn one() -> u64 {
    1
}

/// A fault rule: which requests, what happens, how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// HTTP method to match (`None` = any).
    #[serde(default)]
    pub method: Option<String>,
    /// Path pattern; `*` matches any run of characters (e.g. `/users/*/connections`).
    pub path: String,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Apply to this many matching requests, then disappear (`None` = forever).
    #[serde(default)]
    pub times: Option<u32>,
    /// Apply with this probability (`None` = always).
    #[serde(default)]
    pub probability: Option<f64>,
}

impl FaultRule {
    /// A rule for `method` (`"*"` = any) and a path pattern.
    pub fn new(method: &str, path: impl Into<String>, kind: FaultKind) -> Self {
        FaultRule {
            method: (method != "*").then(|| method.to_ascii_uppercase()),
            path: path.into(),
            kind,
            times: None,
            probability: None,
        }
    }
    /// Applies only to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
    /// Applies with probability `p` (0..=1).
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = Some(p);
        self
    }
    /// Shorthand: an error status with Basiq's envelope.
    pub fn status(
        method: &str,
        path: impl Into<String>,
        status: u16,
        code: &str,
        title: &str,
        detail: &str,
    ) -> Self {
        Self::new(
            method,
            path,
            FaultKind::Status {
                status,
                code: code.into(),
                title: title.into(),
                detail: detail.into(),
            },
        )
    }

    /// Whether the rule targets this request.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && glob(&self.path, path)
    }
}

/// `*` wildcard matching.
pub fn glob(pattern: &str, s: &str) -> bool {
    let p = pattern.as_bytes();
    let t = s.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Picks the first applicable rule for a request, consuming one use of it.
pub fn take(rules: &mut Vec<FaultRule>, method: &str, path: &str) -> Option<FaultKind> {
    let idx = rules.iter().position(|r| {
        r.matches(method, path) && r.probability.is_none_or(|p| rand::random::<f64>() < p)
    })?;
    let kind = rules[idx].kind.clone();
    if let Some(t) = rules[idx].times.as_mut() {
        *t = t.saturating_sub(1);
        if *t == 0 {
            rules.remove(idx);
        }
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches() {
        assert!(glob("/users/*/connections", "/users/abc/connections"));
        assert!(glob("/institutions*", "/institutions/AU00000"));
        assert!(!glob("/users/*/connections", "/users/abc/accounts"));
        assert!(glob("*", "/x"));
    }

    #[test]
    fn count_limited_rules_disappear() {
        let mut rules = vec![FaultRule::new("GET", "/x", FaultKind::Hang).times(1)];
        assert_eq!(take(&mut rules, "GET", "/x"), Some(FaultKind::Hang));
        assert_eq!(take(&mut rules, "GET", "/x"), None);
    }

    #[test]
    fn rules_parse_from_admin_json() {
        let r: FaultRule = serde_json::from_str(
            r#"{"method":"GET","path":"/institutions","kind":"status","status":503,"times":2}"#,
        )
        .expect("parses");
        assert_eq!(r.times, Some(2));
        assert!(matches!(r.kind, FaultKind::Status { status: 503, .. }));
    }
}
