//! The host outbox's rules, as pure functions of time (Unix milliseconds): when a failed
//! delivery is tried again, when it is given up (dead letter), and which pending events may
//! go now so that each user's events reach the host in the order they happened.

/// The default waits after each failed attempt: 9 attempts over about 21 hours.
pub const DEFAULT_SCHEDULE: &str = "5s,30s,2m,10m,30m,2h,6h,12h";

/// How long an attempt holds its event (longer than any attempt may take): a replica that
/// crashes mid-delivery leaves the event to be tried again after this, never lost.
pub const LEASE_MS: i64 = 60_000;

/// The waits between attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule(Vec<i64>);

/// What a schedule string may not be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a retry schedule is a comma-separated list of waits such as 5s,30s,2m,1h (got {0:?})")]
pub struct ScheduleError(String);

impl Default for Schedule {
    fn default() -> Self {
        Schedule::parse(DEFAULT_SCHEDULE).unwrap_or(Schedule(vec![5_000]))
    }
}

impl Schedule {
    /// Reads `5s,30s,2m,1h` (units `ms`, `s`, `m`, `h`; at least one wait, none over a week,
    /// none shorter than the one before).
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        let bad = || ScheduleError(s.to_string());
        let waits = s
            .split(',')
            .map(|w| parse_wait(w.trim()).ok_or_else(bad))
            .collect::<Result<Vec<i64>, _>>()?;
        if waits.is_empty() || waits.windows(2).any(|w| w[1] < w[0]) {
            return Err(bad());
        }
        Ok(Schedule(waits))
    }

    /// Attempts in all before an event is dead.
    pub fn attempts(&self) -> usize {
        self.0.len() + 1
    }

    /// What follows a failed attempt when `made` attempts have now been made: the time of
    /// the next one, or `None` (dead letter).
    pub fn after_failure(&self, made: usize, now_ms: i64) -> Option<i64> {
        let wait = *self.0.get(made.checked_sub(1)?)?;
        Some(now_ms.saturating_add(wait))
    }
}

fn parse_wait(w: &str) -> Option<i64> {
    let split = w.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = w.split_at(split);
    let n: i64 = n.parse().ok()?;
    let ms = match unit {
        "ms" => n,
        "s" => n.checked_mul(1_000)?,
        "m" => n.checked_mul(60_000)?,
        "h" => n.checked_mul(3_600_000)?,
        _ => return None,
    };
    (1..=7 * 24 * 3_600_000).contains(&ms).then_some(ms)
}

/// Whether the receiver's answer means delivered: any 2xx (no answer is a failure).
pub fn delivered(status: Option<u16>) -> bool {
    status.is_some_and(|s| (200..300).contains(&s))
}

/// One pending event as the ordering rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending<'a> {
    /// Enqueue order.
    pub seq: i64,
    /// Whose it is (`None`: ordered with nothing).
    pub user: Option<&'a str>,
    /// When it may be tried.
    pub next_attempt_ms: i64,
}

/// The events that may be tried at `now_ms`: each user's oldest pending event when it is
/// due (a later one waits, even when due, until the earlier is delivered or dead).
pub fn deliverable(pending: &[Pending<'_>], now_ms: i64) -> Vec<i64> {
    let mut sorted: Vec<&Pending<'_>> = pending.iter().collect();
    sorted.sort_by_key(|p| p.seq);
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for p in sorted {
        let head = match p.user {
            Some(u) => seen.insert(u),
            None => true,
        };
        if head && p.next_attempt_ms <= now_ms {
            out.push(p.seq);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_grows_and_ends_in_a_dead_letter() {
        let s = Schedule::default();
        assert_eq!(s.attempts(), 9);
        assert_eq!(s.after_failure(1, 1_000), Some(6_000));
        assert_eq!(s.after_failure(2, 0), Some(30_000));
        assert_eq!(s.after_failure(8, 0), Some(12 * 3_600_000));
        assert_eq!(s.after_failure(9, 0), None, "dead after the ninth attempt");
        assert_eq!(s.after_failure(0, 0), None);
    }

    #[test]
    fn schedules_parse_units_and_refuse_nonsense() {
        let s = Schedule::parse("100ms, 1s,2m,1h").expect("parses");
        assert_eq!(s, Schedule(vec![100, 1_000, 120_000, 3_600_000]));
        for bad in ["", "5", "5x", "1s,,2s", "2s,1s", "0s", "200h", "-1s"] {
            assert!(Schedule::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_2xx_is_delivered() {
        assert!(delivered(Some(200)) && delivered(Some(204)) && delivered(Some(299)));
        assert!(!delivered(Some(301)) && !delivered(Some(500)) && !delivered(None));
    }

    #[test]
    fn each_users_oldest_event_goes_first_and_alone() {
        let p = |seq, user, next| Pending {
            seq,
            user,
            next_attempt_ms: next,
        };
        let pending = [
            p(3, Some("a"), 0),
            p(1, Some("a"), 500),
            p(2, Some("b"), 0),
            p(4, Some("b"), 0),
            p(5, None, 0),
            p(6, None, 0),
            p(7, Some("c"), 900),
        ];
        // a's oldest (1) is not due yet: 3 waits behind it; b's 4 waits behind 2.
        assert_eq!(deliverable(&pending, 100), [2, 5, 6]);
        assert_eq!(deliverable(&pending, 1_000), [1, 2, 5, 6, 7]);
    }
}
