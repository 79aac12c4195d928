use std::time::Duration;

use super::*;
use crate::store::SimEvent;

fn sub(id: &str, events: &[&str]) -> Subscription {
    Subscription {
        id: id.into(),
        name: None,
        description: None,
        url: "http://127.0.0.1:9/hook".into(),
        secret: new_secret(),
        events: events.iter().map(|e| e.to_string()).collect(),
    }
}

fn event(type_id: &'static str) -> SimEvent {
    SimEvent {
        type_id,
        user_id: "u1".into(),
        entity: "/users/u1/connections/c1".into(),
    }
}

#[test]
fn signature_matches_the_standard_webhooks_test_vector() {
    // The example of the Standard Webhooks reference libraries.
    let sig = signature(
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        1_649_367_553,
        br#"{"email":"test@example.com","username":"test_user"}"#,
    );
    assert_eq!(
        sig.as_deref(),
        Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=")
    );
    assert_eq!(
        signature("C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "m", 1, b"{}"),
        None
    );
}

#[test]
fn new_secrets_are_whsec_with_a_32_byte_key_and_differ() {
    let (a, b) = (new_secret(), new_secret());
    assert_ne!(a, b);
    let key = B64
        .decode(a.strip_prefix("whsec_").expect("prefix"))
        .expect("base64");
    assert_eq!(key.len(), 32);
}

#[test]
fn events_become_messages_only_for_subscriptions_that_asked() {
    let mut w = Webhooks::default();
    w.subscriptions.push(sub("a", &["connection.created"]));
    w.subscriptions
        .push(sub("b", &["consent.revoked", "connection.created"]));
    w.enqueue(
        vec![
            event("connection.created"),
            event("consent.revoked"),
            event("user.created"),
        ],
        "http://sim",
        Duration::ZERO,
    );
    let got: Vec<(&str, &str)> = w
        .messages
        .iter()
        .map(|m| (m.webhook_id.as_str(), m.event_type))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "connection.created"),
            ("b", "connection.created"),
            ("b", "consent.revoked")
        ]
    );
    let body: serde_json::Value = serde_json::from_str(&w.messages[0].body).expect("json");
    assert_eq!(body["eventTypeId"], "connection.created");
    assert_eq!(
        body["links"]["eventEntity"],
        "http://sim/users/u1/connections/c1"
    );
    let eid = body["eventId"].as_str().expect("event id");
    assert_eq!(body["links"]["event"], format!("http://sim/events/{eid}"));
    assert_eq!(
        w.messages[0].event_id, w.messages[1].event_id,
        "one event, one id"
    );
    assert_ne!(
        w.messages[0].id, w.messages[1].id,
        "one message id per subscription"
    );
}

#[test]
fn failed_attempts_follow_basiqs_schedule_then_the_message_fails() {
    let mut w = Webhooks::default();
    w.subscriptions.push(sub("a", &["connection.created"]));
    w.enqueue(
        vec![event("connection.created")],
        "http://sim",
        Duration::ZERO,
    );
    let id = w.messages[0].id.clone();
    let mut now = Duration::ZERO;
    for (i, wait) in RETRY_SCHEDULE.iter().enumerate() {
        w.record(&id, Some(500), format!("t{i}"), now);
        assert_eq!(w.messages[0].state, MessageState::Pending);
        assert_eq!(w.messages[0].next_at, now + *wait);
        now += *wait;
    }
    w.record(&id, None, "last".into(), now);
    assert_eq!(w.messages[0].state, MessageState::Failed);
    assert_eq!(w.messages[0].attempts.len(), 8);
}

#[test]
fn the_fault_switch_fails_the_next_n_attempts_even_on_2xx() {
    let mut w = Webhooks::default();
    w.subscriptions.push(sub("a", &["connection.created"]));
    w.enqueue(
        vec![event("connection.created")],
        "http://sim",
        Duration::ZERO,
    );
    let id = w.messages[0].id.clone();
    w.fail_next = 2;
    w.record(&id, Some(200), "1".into(), Duration::ZERO);
    w.record(&id, Some(204), "2".into(), Duration::ZERO);
    assert_eq!(w.messages[0].state, MessageState::Pending);
    w.record(&id, Some(204), "3".into(), Duration::ZERO);
    assert_eq!(w.messages[0].state, MessageState::Delivered);
    let oks: Vec<bool> = w.messages[0].attempts.iter().map(|a| a.ok).collect();
    assert_eq!(oks, [false, false, true]);
    assert_eq!(w.fail_next, 0);
}
