//! The connections view's pure logic: "3 hours ago" (now is a parameter), connection status
//! wording, when a refresh may be offered again, the server's `{code, message}` errors, and the
//! transaction rows of an account. The view's state machine is [`state`].

mod events;
pub mod lifecycle;
mod screen;
pub mod state;

pub use state::{ConnectionsEffect, ConnectionsEvent, ConnectionsFocus, ConnectionsScreen};

use crate::InstitutionSummary;
use crate::api_types::{ConnectionView, TransactionView};
use crate::errors::{self, ErrorKind, UserError};
use crate::money::{format_amount, parse_minor_units};

/// Milliseconds since the Unix epoch of an RFC 3339 timestamp (`2020-09-09T11:06:52Z`,
/// fractions and `±HH:MM` offsets allowed); `None` when it is not one or predates 1970.
pub fn parse_timestamp_ms(text: &str) -> Option<u64> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &t[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        let padded = format!("{:0<3}", &digits[..digits.len().min(3)]);
        millis = padded.parse().ok()?;
        rest = &frac[digits.len()..];
    }
    let offset_secs = match rest {
        "" | "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let h: i64 = o[1..3].parse().ok()?;
            let m: i64 = o[4..6].parse().ok()?;
            let s = h * 3600 + m * 60;
            if o.starts_with('-') { -s } else { s }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    let ms = secs.checked_mul(1000)?.checked_add(millis)?;
    u64::try_from(ms).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// How long ago `then_ms` was, in words: "just now", "5 minutes ago", "3 hours ago",
/// "yesterday", "4 days ago", "2 months ago", "over a year ago". A time in the future (clock
/// skew) is "just now".
pub fn relative_time(then_ms: u64, now_ms: u64) -> String {
    let secs = now_ms.saturating_sub(then_ms) / 1000;
    let minutes = secs / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    match secs {
        0..60 => "just now".into(),
        60..3_600 => format!("{} ago", plural(minutes, "minute")),
        3_600..86_400 => format!("{} ago", plural(hours, "hour")),
        86_400..172_800 => "yesterday".into(),
        _ if days < 31 => format!("{days} days ago"),
        _ if days < 365 => format!("{} ago", plural(days / 30, "month")),
        _ => "over a year ago".into(),
    }
}

/// "Last refreshed 3 hours ago" from a connection's `lastUsed`; "Not refreshed yet" without one.
pub fn last_refreshed_text(last_used: Option<&str>, now_ms: u64) -> String {
    match last_used.and_then(parse_timestamp_ms) {
        Some(t) => format!("Last refreshed {}", relative_time(t, now_ms)),
        None => "Not refreshed yet".into(),
    }
}

/// The note under a transaction list: "Last fetched from the bank 3 hours ago. Refresh for the
/// latest." (from the account's `lastUpdated`, else the connection's `lastUsed`).
pub fn fetched_note(last_updated: Option<&str>, now_ms: u64) -> String {
    match last_updated.and_then(parse_timestamp_ms) {
        Some(t) => format!(
            "Last fetched from the bank {}. Refresh for the latest.",
            relative_time(t, now_ms)
        ),
        None => "Shows what your bank last sent. Refresh for the latest.".into(),
    }
}

/// A connection's status as the view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionStatus {
    /// `active`: data can be refreshed.
    Active,
    /// `pending`: the first login is not finished.
    Pending,
    /// `invalid`: the bank refused the stored password; the person must enter it again.
    NeedsPassword,
    /// Anything else Basiq may add.
    Other,
}

impl ConnectionStatus {
    /// Parses Basiq's `status`.
    pub fn parse(status: &str) -> Self {
        match status.trim().to_ascii_lowercase().as_str() {
            "active" => Self::Active,
            "pending" => Self::Pending,
            "invalid" => Self::NeedsPassword,
            _ => Self::Other,
        }
    }

    /// What the badge says.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Active => "Connected",
            Self::Pending => "Connecting",
            Self::NeedsPassword => "Needs your password",
            Self::Other => "Unavailable",
        }
    }

    /// The badge's CSS class.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Active => "bc-badge bc-badge-ok",
            Self::Pending => "bc-badge bc-badge-info",
            Self::NeedsPassword => "bc-badge bc-badge-warn",
            Self::Other => "bc-badge",
        }
    }

    /// Whether a refresh can be started at all (a connection with a refused password must be
    /// updated first).
    pub fn can_refresh(&self) -> bool {
        matches!(self, Self::Active)
    }
}

/// Seconds to wait before this connection may be refreshed again, or `None` when a refresh may
/// be offered now. `last_started_ms` is when this page last started a refresh of it;
/// `blocked_until_ms` comes from a 429's `Retry-After`.
pub fn refresh_wait_secs(
    last_started_ms: Option<u64>,
    blocked_until_ms: Option<u64>,
    min_interval_secs: u64,
    now_ms: u64,
) -> Option<u64> {
    let by_interval = last_started_ms.map(|t| t.saturating_add(min_interval_secs * 1000));
    let until = by_interval.into_iter().chain(blocked_until_ms).max()?;
    let left_ms = until.checked_sub(now_ms).filter(|&ms| ms > 0)?;
    Some(left_ms.div_ceil(1000))
}

/// "You can refresh again in 4 minutes" / "in 30 seconds".
pub fn wait_text(secs: u64) -> String {
    if secs < 60 {
        format!(
            "You can refresh again in {}.",
            plural(secs.max(1), "second")
        )
    } else {
        format!(
            "You can refresh again in {}.",
            plural(secs.div_ceil(60), "minute")
        )
    }
}

/// A failed call to the server or to Basiq, as the connections view shows it beside the
/// connection (the old data stays on screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionError {
    /// The server's code (`refresh-too-soon`, `connection-invalid`…) or Basiq's, when known.
    pub code: Option<String>,
    /// A sentence for the person, with the wait when there is one.
    pub message: String,
    /// Seconds to wait before trying again (`Retry-After`).
    pub retry_after_secs: Option<u64>,
    /// The connection needs the person's current password.
    pub needs_password: bool,
    /// The session ended (the token or cookie must be renewed).
    pub session_ended: bool,
}

impl ActionError {
    /// From a classified Basiq failure (job step, Basiq HTTP error, network).
    pub fn from_user_error(e: &UserError) -> Self {
        let retry_after_secs = match e.kind {
            ErrorKind::RateLimited { retry_after_secs } => retry_after_secs,
            _ => None,
        };
        let message = match retry_after_secs {
            Some(s) => format!("{}. {}", e.title(), wait_phrase(s)),
            None => format!("{}. {}", e.title(), e.message()),
        };
        Self {
            code: e.code.clone(),
            message,
            retry_after_secs,
            needs_password: e.kind == ErrorKind::InvalidCredentials,
            session_ended: e.kind == ErrorKind::SessionExpired,
        }
    }
}

fn wait_phrase(secs: u64) -> String {
    if secs < 60 {
        format!(
            "Please wait {} and try again.",
            plural(secs.max(1), "second")
        )
    } else {
        format!(
            "Please wait {} and try again.",
            plural(secs.div_ceil(60), "minute")
        )
    }
}

/// Classifies an error answer of our server (`{"code","message"}`) with its status and
/// `Retry-After`. Bodies that are not ours fall back on core's HTTP classification.
pub fn from_server(status: u16, body: &str, retry_after: Option<&str>) -> ActionError {
    ActionError::from_server_error(&errors::from_http(status, body, retry_after))
}

impl ActionError {
    /// A failed call to our server, as the client classified it ([`errors::from_http`]): our
    /// server's `{code, message}` is shown as the server wrote it (a wait reworded with its
    /// length); anything else as [`ActionError::from_user_error`].
    pub fn from_server_error(e: &UserError) -> Self {
        let (Some(code), Some(message)) = (&e.code, &e.detail) else {
            return Self::from_user_error(e);
        };
        let retry_after_secs = match e.kind {
            ErrorKind::RateLimited { retry_after_secs } => retry_after_secs,
            _ => None,
        };
        let message = match (code.as_str(), retry_after_secs) {
            ("refresh-too-soon", Some(s)) => wait_text(s),
            ("rate-limited", Some(s)) => {
                format!("The bank data provider is busy. {}", wait_phrase(s))
            }
            _ => message.clone(),
        };
        Self {
            needs_password: code == "connection-invalid",
            session_ended: code == "no-session" || e.status == Some(401),
            code: Some(code.clone()),
            message,
            retry_after_secs,
        }
    }
}

/// One row of an account's transaction list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRow {
    /// Transaction id.
    pub id: String,
    /// "24 Nov 2026", or "Pending" without a date.
    pub date: String,
    /// The bank's description.
    pub description: String,
    /// Signed amount with currency: "-$12.50", "+$89.63".
    pub amount: String,
    /// True for money going out.
    pub debit: bool,
    /// True while pending at the bank.
    pub pending: bool,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "2026-11-24" (or a timestamp starting with it) → "24 Nov 2026"; anything else as it is.
pub fn date_label(date: &str) -> String {
    let d = date.trim();
    let parts: Vec<&str> = d.get(..10).unwrap_or(d).split('-').collect();
    if let [y, m, day] = parts.as_slice()
        && y.len() == 4
        && let (Ok(m), Ok(dn)) = (m.parse::<usize>(), day.parse::<u32>())
        && (1..=12).contains(&m)
        && (1..=31).contains(&dn)
    {
        return format!("{dn} {} {y}", MONTHS[m - 1]);
    }
    d.to_string()
}

/// The rows of a page of transactions in `currency` (credits get a `+`).
pub fn transaction_rows(transactions: &[TransactionView], currency: &str) -> Vec<TransactionRow> {
    transactions
        .iter()
        .map(|t| {
            let (amount, debit) = match parse_minor_units(&t.amount) {
                Ok(c) if c > 0 => (format!("+{}", format_amount(c, currency)), false),
                Ok(c) => (format_amount(c, currency), c < 0),
                Err(_) => (
                    t.amount.trim().to_string(),
                    t.amount.trim().starts_with('-'),
                ),
            };
            TransactionRow {
                id: t.id.clone(),
                date: t
                    .date
                    .as_deref()
                    .filter(|d| !d.trim().is_empty())
                    .map(date_label)
                    .unwrap_or_else(|| "Pending".into()),
                description: t.description.clone(),
                amount,
                debit,
                pending: t.pending,
            }
        })
        .collect()
}

/// Appends a further page, skipping rows already shown (a refresh between pages may repeat
/// some).
pub fn append_page(shown: &mut Vec<TransactionView>, page: Vec<TransactionView>) {
    for t in page {
        if !shown.iter().any(|s| s.id == t.id) {
            shown.push(t);
        }
    }
}

/// The connections a "refresh all" starts: active ones whose wait is over, given each one's
/// wait (`wait_of`).
pub fn refresh_all_targets(
    connections: &[ConnectionView],
    wait_of: impl Fn(&str) -> Option<u64>,
) -> Vec<&str> {
    connections
        .iter()
        .filter(|c| ConnectionStatus::parse(&c.status).can_refresh())
        .filter(|c| wait_of(&c.id).is_none())
        .map(|c| c.id.as_str())
        .collect()
}

/// The institution of a connection when neither the directory nor Basiq can say more: its id,
/// name and logo, with the usual captions, so the credential form can still be shown.
pub fn fallback_institution(connection: &ConnectionView) -> InstitutionSummary {
    InstitutionSummary {
        id: connection.institution_id.clone(),
        name: connection.institution_name.clone(),
        short_name: connection.institution_name.clone(),
        service_type: String::new(),
        country: String::new(),
        tier: String::new(),
        status: "operational".into(),
        authorization: if connection.mfa_enabled {
            "user-mfa".into()
        } else {
            "user".into()
        },
        login_id_caption: "Login ID".into(),
        password_caption: "Password".into(),
        security_code_caption: None,
        secondary_login_id_caption: None,
        forgotten_password_url: None,
        logo: connection.institution_logo.clone(),
        average_duration_ms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600_000;

    #[test]
    fn timestamps_parse_with_fractions_and_offsets() {
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp_ms("2020-09-09T11:06:52Z"),
            Some(1_599_649_612_000)
        );
        assert_eq!(
            parse_timestamp_ms("2020-09-09T11:06:52.25Z"),
            Some(1_599_649_612_250)
        );
        assert_eq!(
            parse_timestamp_ms("2020-09-09T21:06:52+10:00"),
            Some(1_599_649_612_000)
        );
        assert_eq!(
            parse_timestamp_ms("2020-02-29T00:00:00Z"),
            Some(1_582_934_400_000)
        );
        for bad in [
            "",
            "yesterday",
            "2020-13-01T00:00:00Z",
            "2020-09-09",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(parse_timestamp_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn relative_time_in_words() {
        let now = 100_000 * H;
        assert_eq!(relative_time(now, now), "just now");
        assert_eq!(relative_time(now + H, now), "just now");
        assert_eq!(relative_time(now - 59_000, now), "just now");
        assert_eq!(relative_time(now - 60_000, now), "1 minute ago");
        assert_eq!(relative_time(now - 45 * 60_000, now), "45 minutes ago");
        assert_eq!(relative_time(now - H, now), "1 hour ago");
        assert_eq!(relative_time(now - 3 * H - 59_000, now), "3 hours ago");
        assert_eq!(relative_time(now - 30 * H, now), "yesterday");
        assert_eq!(relative_time(now - 96 * H, now), "4 days ago");
        assert_eq!(relative_time(now - 24 * 65 * H, now), "2 months ago");
        assert_eq!(relative_time(0, now), "over a year ago");
    }

    #[test]
    fn last_refreshed_and_fetched_notes() {
        let now = parse_timestamp_ms("2026-11-25T12:00:00Z").unwrap();
        assert_eq!(
            last_refreshed_text(Some("2026-11-25T09:00:00Z"), now),
            "Last refreshed 3 hours ago"
        );
        assert_eq!(last_refreshed_text(None, now), "Not refreshed yet");
        assert_eq!(
            last_refreshed_text(Some("garbage"), now),
            "Not refreshed yet"
        );
        assert!(
            fetched_note(Some("2026-11-25T11:58:00Z"), now)
                .starts_with("Last fetched from the bank 2 minutes ago")
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(
            ConnectionStatus::parse("invalid").label(),
            "Needs your password"
        );
        assert!(ConnectionStatus::parse("active").can_refresh());
        assert!(!ConnectionStatus::parse("invalid").can_refresh());
        assert!(!ConnectionStatus::parse("pending").can_refresh());
        assert_eq!(ConnectionStatus::parse("whatever"), ConnectionStatus::Other);
    }

    #[test]
    fn refresh_is_offered_again_after_the_interval_or_the_server_wait() {
        let now = 10 * H;
        assert_eq!(refresh_wait_secs(None, None, 300, now), None);
        assert_eq!(refresh_wait_secs(Some(now), None, 300, now), Some(300));
        assert_eq!(
            refresh_wait_secs(Some(now - 299_500), None, 300, now),
            Some(1)
        );
        assert_eq!(refresh_wait_secs(Some(now - 300_000), None, 300, now), None);
        assert_eq!(refresh_wait_secs(Some(now), None, 0, now), None);
        // A 429's wait wins when longer, and counts on its own.
        assert_eq!(
            refresh_wait_secs(Some(now - 290_000), Some(now + 60_000), 300, now),
            Some(60)
        );
        assert_eq!(refresh_wait_secs(None, Some(now + 1), 0, now), Some(1));
        assert_eq!(refresh_wait_secs(None, Some(now - 1), 0, now), None);
        assert_eq!(wait_text(240), "You can refresh again in 4 minutes.");
        assert_eq!(wait_text(61), "You can refresh again in 2 minutes.");
        assert_eq!(wait_text(1), "You can refresh again in 1 second.");
    }

    #[test]
    fn server_errors_keep_the_wait_and_the_password_need() {
        let e = from_server(
            429,
            r#"{"code":"refresh-too-soon","message":"…in 5 minutes."}"#,
            Some("280"),
        );
        assert_eq!(e.retry_after_secs, Some(280));
        assert_eq!(e.message, "You can refresh again in 5 minutes.");
        let e = from_server(
            429,
            r#"{"code":"rate-limited","message":"busy"}"#,
            Some("30"),
        );
        assert!(e.message.contains("30 seconds"), "{}", e.message);
        let e = from_server(409, r#"{"code":"connection-invalid","message":"m"}"#, None);
        assert!(e.needs_password);
        assert_eq!(e.message, "m");
        let e = from_server(401, r#"{"code":"no-session","message":"m"}"#, None);
        assert!(e.session_ended);
        let e = from_server(502, "<html>", None);
        assert!(!e.message.is_empty());
        // Basiq's own 429 (from the browser's direct calls) keeps its wait too.
        let basiq = errors::from_http(
            429,
            r#"{"type":"list","data":[{"type":"error","code":"too-many-requests","title":"t","detail":"d"}]}"#,
            Some("12"),
        );
        let e = ActionError::from_user_error(&basiq);
        assert_eq!(e.retry_after_secs, Some(12));
        assert_eq!(
            e.message,
            "Too many attempts. Please wait 12 seconds and try again."
        );
        let e = ActionError::from_user_error(&errors::network_failure());
        assert_eq!(
            e.message,
            "You seem to be offline. We couldn't reach the server. Check your connection and try again."
        );
    }

    fn txn(id: &str, date: Option<&str>, amount: &str, pending: bool) -> TransactionView {
        TransactionView {
            id: id.into(),
            account_id: "a".into(),
            date: date.map(Into::into),
            description: format!("d{id}"),
            amount: amount.into(),
            pending,
        }
    }

    #[test]
    fn transaction_rows_have_signed_amounts_and_dates() {
        let rows = transaction_rows(
            &[
                txn("1", None, "-12.5", true),
                txn("2", Some("2026-11-24"), "89.63", false),
                txn("3", Some("2026-01-02T00:00:00Z"), "0.00", false),
                txn("4", Some("odd"), "abc", false),
            ],
            "AUD",
        );
        assert_eq!(rows[0].date, "Pending");
        assert_eq!(rows[0].amount, "-$12.50");
        assert!(rows[0].debit && rows[0].pending);
        assert_eq!(rows[1].date, "24 Nov 2026");
        assert_eq!(rows[1].amount, "+$89.63");
        assert!(!rows[1].debit);
        assert_eq!(rows[2].date, "2 Jan 2026");
        assert_eq!(rows[2].amount, "$0.00");
        assert_eq!(rows[3].date, "odd");
        assert_eq!(rows[3].amount, "abc");
    }

    #[test]
    fn pages_append_without_repeats() {
        let mut shown = vec![txn("1", None, "1", false), txn("2", None, "1", false)];
        append_page(
            &mut shown,
            vec![txn("2", None, "1", false), txn("3", None, "1", false)],
        );
        let ids: Vec<&str> = shown.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
    }

    #[test]
    fn fallback_institution_keeps_name_logo_and_mfa() {
        let c = ConnectionView {
            id: "c".into(),
            status: "invalid".into(),
            institution_id: "AU00002".into(),
            institution_name: "Pied Piper Bank".into(),
            institution_logo: Some("/logos/AU00002.svg".into()),
            last_used: None,
            created_date: None,
            mfa_enabled: true,
            ..ConnectionView::default()
        };
        let i = fallback_institution(&c);
        assert_eq!(i.id, "AU00002");
        assert_eq!(i.name, "Pied Piper Bank");
        assert_eq!(i.logo.as_deref(), Some("/logos/AU00002.svg"));
        assert_eq!(i.authorization, "user-mfa");
        assert_eq!(i.initials(), "PP");
        assert!(i.security_code_caption.is_none());
    }

    #[test]
    fn refresh_all_skips_invalid_and_waiting_connections() {
        let conn = |id: &str, status: &str| ConnectionView {
            id: id.into(),
            status: status.into(),
            institution_id: "AU00000".into(),
            institution_name: "Hooli".into(),
            institution_logo: None,
            last_used: None,
            created_date: None,
            mfa_enabled: false,
            ..ConnectionView::default()
        };
        let list = [
            conn("a", "active"),
            conn("b", "invalid"),
            conn("c", "active"),
        ];
        let targets = refresh_all_targets(&list, |id| (id == "c").then_some(10));
        assert_eq!(targets, ["a"]);
    }
}
