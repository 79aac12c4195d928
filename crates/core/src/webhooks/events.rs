//! Basiq's webhook bodies as the server reads them, and the events the server passes on to
//! the host (their JSON is documented in the README).

use serde_json::{Value, json};

/// What a Basiq delivery says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasiqEvent {
    /// E.g. `consent.revoked`.
    pub type_id: String,
    /// Basiq's event id.
    pub event_id: String,
    /// The Basiq user it is about (from `links.eventEntity`).
    pub user_id: Option<String>,
    /// The connection it is about, for connection events.
    pub connection_id: Option<String>,
    /// The consent it is about, for consent events.
    pub consent_id: Option<String>,
}

fn segment_after(path: &str, name: &str) -> Option<String> {
    let mut it = path.split(['/', '?']);
    it.find(|s| *s == name)?;
    it.next()
        .filter(|s| !s.is_empty() && s.len() <= 64)
        .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
}

impl BasiqEvent {
    /// Reads `{eventTypeId, eventId, links: {eventEntity}}`, also inside a `payload`
    /// wrapper; `None` when there is no event type.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let v = match v.get("payload") {
            Some(p) if p.is_object() => p,
            _ => &v,
        };
        let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let type_id = text("eventTypeId").filter(|t| !t.is_empty() && t.len() <= 64)?;
        let entity = v
            .pointer("/links/eventEntity")
            .and_then(Value::as_str)
            .unwrap_or("");
        let entity = entity.split_once("://").map_or(entity, |(_, rest)| rest);
        let of = |prefix: &str, name: &str| {
            type_id
                .starts_with(prefix)
                .then(|| segment_after(entity, name))
                .flatten()
        };
        Some(BasiqEvent {
            event_id: text("eventId").unwrap_or_default(),
            user_id: segment_after(entity, "users"),
            connection_id: of("connection.", "connections"),
            consent_id: of("consent.", "consents"),
            type_id,
        })
    }

    /// The event the host gets for it, if any.
    pub fn host_type(&self) -> Option<&'static str> {
        Some(match self.type_id.as_str() {
            "connection.created" => "connection.created",
            "connection.invalidated" => "connection.invalidated",
            "connection.deleted" => "connection.deleted",
            "consent.revoked" => "consent.revoked",
            "consent.expired" => "consent.expired",
            "transactions.updated" => "transactions.updated",
            _ => return None,
        })
    }

    /// Whether what we hold about the user's connections must go (consent revoked/expired).
    pub fn ends_consent(&self) -> bool {
        matches!(self.type_id.as_str(), "consent.revoked" | "consent.expired")
    }
}

/// The body of an event for the host (Standard Webhooks' `{type, timestamp, data}`).
/// `timestamp` is RFC 3339; `user_ref` is the host's own reference when it has one.
pub fn host_payload(
    host_type: &str,
    timestamp: &str,
    event: &BasiqEvent,
    user_ref: Option<&str>,
) -> String {
    let mut data = json!({
        "userRef": user_ref,
        "basiqUserId": event.user_id,
        "basiqEventId": event.event_id,
    });
    if let Some(c) = &event.connection_id {
        data["connectionId"] = json!(c);
    }
    if let Some(c) = &event.consent_id {
        data["consentId"] = json!(c);
    }
    json!({"type": host_type, "timestamp": timestamp, "data": data}).to_string()
}

/// `2026-12-01T12:00:00Z` for Unix seconds (UTC; Howard Hinnant's civil-from-days).
pub fn rfc3339(unix_secs: i64) -> String {
    let (days, secs) = (unix_secs.div_euclid(86_400), unix_secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_writes_utc_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_649_367_553), "2022-04-07T21:39:13Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    use super::*;

    #[test]
    fn reads_basiqs_body_and_the_entity_ids() {
        let body = br#"{"eventTypeId":"connection.invalidated","eventId":"61a1",
            "links":{"event":"https://au-api.basiq.io/events/61a1",
            "eventEntity":"https://au-api.basiq.io/users/u-1/connections/c-2"}}"#;
        let e = BasiqEvent::parse(body).expect("event");
        assert_eq!(e.type_id, "connection.invalidated");
        assert_eq!(e.event_id, "61a1");
        assert_eq!(e.user_id.as_deref(), Some("u-1"));
        assert_eq!(e.connection_id.as_deref(), Some("c-2"));
        assert_eq!(e.consent_id, None);
        assert_eq!(e.host_type(), Some("connection.invalidated"));
        assert!(!e.ends_consent());
    }

    #[test]
    fn reads_the_payload_wrapper_and_consent_and_transaction_entities() {
        let body = br#"{"id":"m","payload":{"eventTypeId":"consent.revoked","eventId":"e",
            "links":{"eventEntity":"http://127.0.0.1:9/users/u1/consents/k9"}}}"#;
        let e = BasiqEvent::parse(body).expect("event");
        assert_eq!(e.consent_id.as_deref(), Some("k9"));
        assert_eq!(e.user_id.as_deref(), Some("u1"));
        assert!(e.ends_consent());
        let body = br#"{"eventTypeId":"transactions.updated","eventId":"e",
            "links":{"eventEntity":"http://h/users/u1/transactions?filter=connection.id.eq('c1')"}}"#;
        let e = BasiqEvent::parse(body).expect("event");
        assert_eq!(
            (e.user_id.as_deref(), e.connection_id.as_deref()),
            (Some("u1"), None)
        );
        assert_eq!(e.host_type(), Some("transactions.updated"));
    }

    #[test]
    fn odd_bodies_are_none_or_carry_no_ids() {
        assert_eq!(BasiqEvent::parse(b"not json"), None);
        assert_eq!(BasiqEvent::parse(br#"{"eventId":"x"}"#), None);
        let e = BasiqEvent::parse(
            br#"{"eventTypeId":"user.updated","links":{"eventEntity":"http://h/users/../x y"}}"#,
        )
        .expect("event");
        assert_eq!((e.user_id.as_deref(), e.host_type()), (None, None));
    }

    #[test]
    fn the_host_payload_names_the_user_both_ways() {
        let e = BasiqEvent::parse(
            br#"{"eventTypeId":"consent.expired","eventId":"e1",
            "links":{"eventEntity":"http://h/users/u1/consents/k1"}}"#,
        )
        .expect("event");
        let body = host_payload(
            "consent.expired",
            "2026-12-01T12:00:00Z",
            &e,
            Some("host-7"),
        );
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            v,
            json!({"type": "consent.expired", "timestamp": "2026-12-01T12:00:00Z",
                   "data": {"userRef": "host-7", "basiqUserId": "u1", "basiqEventId": "e1", "consentId": "k1"}})
        );
    }
}
