//! Basiq 3.0's consent lifecycle in the connections view: each connection's method, the date
//! its open-banking access ends and the warning from seven days before, which actions a card
//! offers (Refresh, Renew, Reconnect, Update password), which connections are shown at all
//! (one left `pre-init` by a visit that was cancelled is not), when the consent itself ends
//! (with "Extend consent" from seven days before), and the words of the "Revoke consent"
//! dialog. Now is a parameter.

use super::{ConnectionStatus, date_label, parse_timestamp_ms};
use crate::api_types::{ConnectionView, ConsentView};

/// Days before access ends from which a connection warns and offers Renew.
pub const EXPIRY_WARNING_DAYS: u64 = 7;

const DAY_MS: u64 = 86_400_000;

/// How Basiq reaches the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionMethod {
    /// The bank's open-banking (CDR) API, under a consent that ends.
    OpenBanking,
    /// The person's online-banking login.
    Web,
    /// Not said (Basiq 2.1) or something new.
    Unknown,
}

impl ConnectionMethod {
    /// From a connection's `method`.
    pub fn parse(method: Option<&str>) -> Self {
        match method.map(|m| m.trim().to_ascii_lowercase()).as_deref() {
            Some("open-banking" | "openbanking" | "open_banking" | "cdr") => Self::OpenBanking,
            Some("web") => Self::Web,
            _ => Self::Unknown,
        }
    }

    /// What the card says ("Open Banking", "Web"); nothing when unknown.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Self::OpenBanking => Some("Open Banking"),
            Self::Web => Some("Web"),
            Self::Unknown => None,
        }
    }
}

/// Where an open-banking connection's access stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessState {
    /// More than [`EXPIRY_WARNING_DAYS`] left.
    Current,
    /// Ends within [`EXPIRY_WARNING_DAYS`]: warn and offer Renew.
    EndingSoon,
    /// Already ended.
    Ended,
}

/// The date an open-banking connection's access ends, as the card shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEnd {
    /// "8 Dec 2026".
    pub date: String,
    /// The `expiryDate` as Basiq sent it (for `<time datetime>`).
    pub datetime: String,
    /// Whole days left, rounded up (0 once ended).
    pub days_left: u64,
    /// Current, ending soon or ended.
    pub state: AccessState,
}

impl AccessEnd {
    /// The card's line: "Access ends 8 Dec 2026", "Access ends in 3 days (8 Dec 2026). Renew to
    /// keep your data up to date.", "Access ended on 8 Dec 2026. Renew to see new data."
    pub fn text(&self) -> String {
        match self.state {
            AccessState::Current => format!("Access ends {}", self.date),
            AccessState::EndingSoon => format!(
                "Access ends {} ({}). Renew to keep your data up to date.",
                self.when(),
                self.date
            ),
            AccessState::Ended => format!("Access ended on {}. Renew to see new data.", self.date),
        }
    }

    /// The consent's line: "Your consent to share your data ends 1 Dec 2027.", "Your consent
    /// to share your data ends in 3 days (4 Dec 2026). Extend it to keep your banks
    /// connected.", "Your consent to share your data ended on 1 Dec 2026. Extend it to see new
    /// data."
    pub fn consent_text(&self) -> String {
        match self.state {
            AccessState::Current => {
                format!("Your consent to share your data ends {}.", self.date)
            }
            AccessState::EndingSoon => format!(
                "Your consent to share your data ends {} ({}). Extend it to keep your banks connected.",
                self.when(),
                self.date
            ),
            AccessState::Ended => format!(
                "Your consent to share your data ended on {}. Extend it to see new data.",
                self.date
            ),
        }
    }

    /// "within a day", "in 3 days".
    fn when(&self) -> String {
        match self.days_left {
            0 | 1 => "within a day".to_string(),
            n => format!("in {n} days"),
        }
    }

    /// True when the card warns (ending soon or ended).
    pub fn warns(&self) -> bool {
        self.state != AccessState::Current
    }
}

/// When `connection`'s open-banking access ends; `None` for web connections or without a
/// readable `expiryDate` (a date without a time counts from its midnight UTC).
pub fn access_end(connection: &ConnectionView, now_ms: u64) -> Option<AccessEnd> {
    if ConnectionMethod::parse(connection.method.as_deref()) != ConnectionMethod::OpenBanking {
        return None;
    }
    end_of(connection.expiry_date.as_deref()?, now_ms)
}

/// When the active consent ends (its `expiryDate`), for the connections view's line about it
/// and, from [`EXPIRY_WARNING_DAYS`] before, its "Extend consent"; `None` without a readable
/// date.
pub fn consent_end(consent: &ConsentView, now_ms: u64) -> Option<AccessEnd> {
    end_of(consent.expiry_date.as_deref()?, now_ms)
}

/// An `expiryDate` as an [`AccessEnd`] (a date without a time counts from its midnight UTC).
fn end_of(raw: &str, now_ms: u64) -> Option<AccessEnd> {
    let raw = raw.trim();
    let at = match parse_timestamp_ms(raw) {
        Some(at) => at,
        None if raw.len() == 10 => parse_timestamp_ms(&format!("{raw}T00:00:00Z"))?,
        None => return None,
    };
    let left_ms = at.saturating_sub(now_ms);
    let state = if at <= now_ms {
        AccessState::Ended
    } else if left_ms <= EXPIRY_WARNING_DAYS * DAY_MS {
        AccessState::EndingSoon
    } else {
        AccessState::Current
    };
    Some(AccessEnd {
        date: date_label(raw),
        datetime: raw.to_string(),
        days_left: left_ms.div_ceil(DAY_MS),
        state,
    })
}

/// The actions a connection's card offers (besides Remove, which every card has).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CardActions {
    /// "Refresh" (subject to the refresh wait).
    pub refresh: bool,
    /// 2.1: "Update password" (the credential form in the widget).
    pub update_password: bool,
    /// 3.0, open banking: "Renew" (`action=reauthorise` with the connection's id).
    pub renew: bool,
    /// 3.0, web: "Reconnect" at the Consent UI (the connection's id; the bank refused the
    /// saved login).
    pub reconnect: bool,
}

/// Which actions `connection`'s card offers: with Basiq 2.1 (`consent_ui` false) Refresh when
/// active and Update password; with 3.0 no credential form at all (the Consent UI does that):
/// Renew for open banking from [`EXPIRY_WARNING_DAYS`] before access ends (or once the bank
/// refused it), Reconnect for a web connection whose login was refused, Refresh while active
/// and access has not ended.
pub fn card_actions(connection: &ConnectionView, consent_ui: bool, now_ms: u64) -> CardActions {
    let status = ConnectionStatus::parse(&connection.status);
    if !consent_ui {
        return CardActions {
            refresh: status.can_refresh(),
            update_password: true,
            ..CardActions::default()
        };
    }
    let method = ConnectionMethod::parse(connection.method.as_deref());
    let access = access_end(connection, now_ms);
    let ended = access
        .as_ref()
        .is_some_and(|a| a.state == AccessState::Ended);
    let refused = status == ConnectionStatus::NeedsPassword;
    CardActions {
        refresh: status.can_refresh() && !ended,
        update_password: false,
        renew: method == ConnectionMethod::OpenBanking
            && (refused || access.as_ref().is_some_and(AccessEnd::warns)),
        reconnect: method != ConnectionMethod::OpenBanking && refused,
    }
}

/// What a 3.0 card's status badge says instead of 2.1's ("Needs your password" makes no
/// sense when the person never typed one here).
pub fn status_label(connection: &ConnectionView, consent_ui: bool) -> &'static str {
    let status = ConnectionStatus::parse(&connection.status);
    match (consent_ui, status) {
        (true, ConnectionStatus::NeedsPassword) => {
            match ConnectionMethod::parse(connection.method.as_deref()) {
                ConnectionMethod::OpenBanking => "Needs renewing",
                _ => "Needs reconnecting",
            }
        }
        _ => status.label(),
    }
}

/// True for a connection a visit to the Consent UI started but never finished (`pre-init`:
/// the person left before the bank): it is not shown, and never as connected.
pub fn unfinished_handoff(connection: &ConnectionView) -> bool {
    matches!(
        connection.status.trim().to_ascii_lowercase().as_str(),
        "pre-init" | "preinit"
    )
}

/// The connections the view shows: all but those a cancelled visit left half-made.
pub fn shown(list: Vec<ConnectionView>) -> Vec<ConnectionView> {
    list.into_iter()
        .filter(|c| !unfinished_handoff(c))
        .collect()
}

/// The consent that "Revoke consent" and "Manage consent" are about: the active one.
pub fn active_consent(consents: &[ConsentView]) -> Option<&ConsentView> {
    consents
        .iter()
        .find(|c| c.status.trim().eq_ignore_ascii_case("active"))
}

/// The "Revoke consent" dialog's title and message: it names every connection revoking
/// removes.
pub fn revoke_dialog(connections: &[ConnectionView]) -> (String, String) {
    let names: Vec<&str> = connections
        .iter()
        .map(|c| c.institution_name.as_str())
        .collect();
    let which = match names.as_slice() {
        [] => "every connection under it".to_string(),
        [one] => format!("every connection under it: {one}"),
        [init @ .., last] => format!("every connection under it: {} and {last}", init.join(", ")),
    };
    (
        "Revoke your consent?".into(),
        format!(
            "Revoking stops all sharing of your bank data with this app and removes {which}. \
             Their accounts will no longer be shown or updated here. This can't be undone: to \
             share again you connect each bank again."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-12-01T12:00:00Z";

    fn now() -> u64 {
        parse_timestamp_ms(NOW).unwrap()
    }

    fn conn(method: Option<&str>, status: &str, expiry: Option<&str>) -> ConnectionView {
        ConnectionView {
            id: "c".into(),
            status: status.into(),
            institution_id: "AU00000".into(),
            institution_name: "Hooli Bank".into(),
            method: method.map(Into::into),
            expiry_date: expiry.map(Into::into),
            ..ConnectionView::default()
        }
    }

    #[test]
    fn methods_have_their_labels() {
        assert_eq!(
            ConnectionMethod::parse(Some("open-banking")).label(),
            Some("Open Banking")
        );
        assert_eq!(ConnectionMethod::parse(Some(" WEB ")).label(), Some("Web"));
        assert_eq!(ConnectionMethod::parse(None).label(), None);
        assert_eq!(
            ConnectionMethod::parse(Some("statement")),
            ConnectionMethod::Unknown
        );
    }

    #[test]
    fn access_end_warns_from_seven_days_before() {
        let ob = |e: &str| access_end(&conn(Some("open-banking"), "active", Some(e)), now());
        let far = ob("2027-06-01T12:00:00Z").unwrap();
        assert_eq!(far.state, AccessState::Current);
        assert_eq!(far.text(), "Access ends 1 Jun 2027");
        assert!(!far.warns());
        // Seven days and a minute: not yet; exactly seven days: yes.
        assert_eq!(
            ob("2026-12-08T12:01:00Z").unwrap().state,
            AccessState::Current
        );
        let seven = ob("2026-12-08T12:00:00Z").unwrap();
        assert_eq!(seven.state, AccessState::EndingSoon);
        assert_eq!(seven.days_left, 7);
        let soon = ob("2026-12-04T11:00:00Z").unwrap();
        assert_eq!(soon.days_left, 3);
        assert_eq!(
            soon.text(),
            "Access ends in 3 days (4 Dec 2026). Renew to keep your data up to date."
        );
        assert!(soon.warns());
        assert!(
            ob("2026-12-01T13:00:00Z")
                .unwrap()
                .text()
                .starts_with("Access ends within a day")
        );
        let ended = ob("2026-12-01T11:59:59Z").unwrap();
        assert_eq!(ended.state, AccessState::Ended);
        assert_eq!(ended.days_left, 0);
        assert_eq!(
            ended.text(),
            "Access ended on 1 Dec 2026. Renew to see new data."
        );
        // A date alone counts from its midnight.
        assert_eq!(ob("2026-12-05").unwrap().state, AccessState::EndingSoon);
        assert_eq!(ob("2026-12-05").unwrap().date, "5 Dec 2026");
    }

    #[test]
    fn no_access_end_for_web_or_unreadable_dates() {
        assert_eq!(
            access_end(&conn(Some("web"), "active", Some("2026-12-02")), now()),
            None
        );
        for bad in [None, Some(""), Some("soon"), Some("2026-13-40")] {
            assert_eq!(
                access_end(&conn(Some("open-banking"), "active", bad), now()),
                None,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_consent_end_warns_from_seven_days_before_with_extend() {
        let consent = |e: Option<&str>| ConsentView {
            id: "consent".into(),
            status: "active".into(),
            expiry_date: e.map(Into::into),
        };
        let far = consent_end(&consent(Some("2027-12-01T12:00:00Z")), now()).unwrap();
        assert!(!far.warns());
        assert_eq!(
            far.consent_text(),
            "Your consent to share your data ends 1 Dec 2027."
        );
        let soon = consent_end(&consent(Some("2026-12-04T11:00:00Z")), now()).unwrap();
        assert!(soon.warns());
        assert_eq!(
            soon.consent_text(),
            "Your consent to share your data ends in 3 days (4 Dec 2026). Extend it to keep your banks connected."
        );
        let day = consent_end(&consent(Some("2026-12-01T13:00:00Z")), now()).unwrap();
        assert!(
            day.consent_text()
                .contains("ends within a day (1 Dec 2026)")
        );
        let ended = consent_end(&consent(Some("2026-11-30")), now()).unwrap();
        assert_eq!(ended.state, AccessState::Ended);
        assert_eq!(
            ended.consent_text(),
            "Your consent to share your data ended on 30 Nov 2026. Extend it to see new data."
        );
        for bad in [None, Some(""), Some("next year")] {
            assert_eq!(consent_end(&consent(bad), now()), None, "{bad:?}");
        }
    }

    #[test]
    fn actions_in_2_1_are_refresh_and_update_password() {
        let a = card_actions(&conn(None, "active", None), false, now());
        assert_eq!(
            a,
            CardActions {
                refresh: true,
                update_password: true,
                ..CardActions::default()
            }
        );
        let a = card_actions(&conn(None, "invalid", None), false, now());
        assert!(!a.refresh && a.update_password && !a.renew);
    }

    #[test]
    fn actions_in_3_0_renew_only_when_access_is_ending_or_refused() {
        let ob = |status: &str, e: &str| {
            card_actions(&conn(Some("open-banking"), status, Some(e)), true, now())
        };
        let far = ob("active", "2027-06-01T00:00:00Z");
        assert!(far.refresh && !far.renew && !far.update_password && !far.reconnect);
        let soon = ob("active", "2026-12-04T00:00:00Z");
        assert!(soon.refresh && soon.renew);
        let ended = ob("active", "2026-11-30T00:00:00Z");
        assert!(!ended.refresh && ended.renew);
        let refused = ob("invalid", "2027-06-01T00:00:00Z");
        assert!(!refused.refresh && refused.renew && !refused.reconnect);
        let web = card_actions(&conn(Some("web"), "active", None), true, now());
        assert_eq!(
            web,
            CardActions {
                refresh: true,
                ..CardActions::default()
            }
        );
        let web_refused = card_actions(&conn(Some("web"), "invalid", None), true, now());
        assert!(web_refused.reconnect && !web_refused.renew && !web_refused.update_password);
    }

    #[test]
    fn status_labels_in_3_0_do_not_ask_for_a_password() {
        assert_eq!(
            status_label(&conn(Some("open-banking"), "invalid", None), true),
            "Needs renewing"
        );
        assert_eq!(
            status_label(&conn(Some("web"), "invalid", None), true),
            "Needs reconnecting"
        );
        assert_eq!(
            status_label(&conn(Some("web"), "invalid", None), false),
            "Needs your password"
        );
        assert_eq!(
            status_label(&conn(Some("open-banking"), "active", None), true),
            "Connected"
        );
    }

    #[test]
    fn a_connection_left_pre_init_is_not_shown() {
        let list = vec![
            ConnectionView {
                id: "a".into(),
                ..conn(Some("open-banking"), "pre-init", None)
            },
            ConnectionView {
                id: "b".into(),
                ..conn(Some("open-banking"), "active", None)
            },
            ConnectionView {
                id: "c".into(),
                ..conn(Some("web"), "pending", None)
            },
        ];
        assert!(unfinished_handoff(&list[0]));
        let ids: Vec<String> = shown(list).into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["b", "c"]);
    }

    #[test]
    fn the_active_consent_and_the_revoke_dialog_names_every_connection() {
        let consents = [
            ConsentView {
                id: "old".into(),
                status: "revoked".into(),
                expiry_date: None,
            },
            ConsentView {
                id: "now".into(),
                status: "active".into(),
                expiry_date: None,
            },
        ];
        assert_eq!(
            active_consent(&consents).map(|c| c.id.as_str()),
            Some("now")
        );
        assert_eq!(active_consent(&consents[..1]), None);
        let two = [
            conn(Some("open-banking"), "active", None),
            ConnectionView {
                institution_name: "HooliGov Bank".into(),
                ..conn(Some("web"), "active", None)
            },
        ];
        let (title, message) = revoke_dialog(&two);
        assert_eq!(title, "Revoke your consent?");
        assert!(
            message.contains("removes every connection under it: Hooli Bank and HooliGov Bank"),
            "{message}"
        );
        assert!(revoke_dialog(&two[..1]).1.contains("under it: Hooli Bank."));
        assert!(
            revoke_dialog(&[])
                .1
                .contains("removes every connection under it.")
        );
    }
}
