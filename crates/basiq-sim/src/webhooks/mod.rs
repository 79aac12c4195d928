//! Webhooks the way Basiq sends them (through Svix, with the Standard Webhooks scheme):
//! subscriptions with a `whsec_` secret, one message per event and subscription, signed
//! deliveries retried on Basiq's schedule (on the simulated clock), and a test switch that
//! makes the next N attempts count as failed.
//!
//! The signature code here is the simulator's own on purpose: the server verifies with its
//! own implementation, so a mistake in one cannot hide in the other.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::store::SimEvent;

mod deliver;

pub use deliver::run;

/// The event types Basiq lists (`GET /events/types`).
pub const EVENT_TYPES: &[&str] = &[
    "account.updated",
    "connection.activated",
    "connection.created",
    "connection.deleted",
    "connection.invalidated",
    "consent.created",
    "consent.expired",
    "consent.reminder",
    "consent.revoked",
    "consent.updated",
    "consent.warning",
    "transactions.updated",
    "user.created",
    "user.deleted",
    "user.updated",
];

/// Waits before each retry (Basiq's schedule, simulated time): an event is tried at most
/// eight times, then the message is marked failed.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// Messages kept per simulator (the oldest finished ones are dropped first).
pub const MAX_MESSAGES: usize = 10_000;

/// One subscription (`POST /notifications/webhooks`).
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Id (uuid).
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Where deliveries go.
    pub url: String,
    /// `whsec_<base64 key>`.
    pub secret: String,
    /// Event type ids it receives.
    pub events: Vec<String>,
}

/// One delivery attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// When (RFC 3339, wall time).
    pub at: String,
    /// The receiver's status code, if it answered.
    pub status: Option<u16>,
    /// Whether it counted as delivered.
    pub ok: bool,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    /// Waiting for its next attempt.
    Pending,
    /// An attempt is under way.
    Sending,
    /// A 2xx came back.
    Delivered,
    /// Every attempt failed.
    Failed,
}

/// One event for one subscription: the signed body and its attempts (the `webhook-id` stays
/// the same on every retry).
#[derive(Debug, Clone)]
pub struct Message {
    /// `msg_…`: the `webhook-id` header.
    pub id: String,
    /// The subscription.
    pub webhook_id: String,
    /// The event type.
    pub event_type: &'static str,
    /// The event id.
    pub event_id: String,
    /// The exact body sent.
    pub body: String,
    /// Attempts so far.
    pub attempts: Vec<Attempt>,
    /// State.
    pub state: MessageState,
    /// Simulated time of the next attempt.
    pub next_at: Duration,
}

/// The simulator's webhook state.
#[derive(Debug, Default)]
pub struct Webhooks {
    /// Subscriptions in creation order.
    pub subscriptions: Vec<Subscription>,
    /// Messages in creation order.
    pub messages: Vec<Message>,
    /// Test switch: this many next attempts count as failed even when the receiver says 2xx.
    pub fail_next: u32,
    /// The events sent, newest last (`GET /events/{id}`).
    pub events: std::collections::VecDeque<EventRecord>,
}

/// An event as `GET /events/{id}` shows it.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// Event id.
    pub id: String,
    /// Basiq's event type id.
    pub type_id: &'static str,
    /// Whose it is.
    pub user_id: String,
    /// The entity's URL.
    pub entity_url: String,
    /// When (RFC 3339, wall time).
    pub created: String,
}

impl EventRecord {
    /// Basiq's JSON for it: the entity and what happened to it, and a link to the entity
    /// (the simulator does not copy the entity itself into `data`).
    pub fn json(&self, base: &str) -> Value {
        let (entity, happened) = self.type_id.split_once('.').unwrap_or((self.type_id, ""));
        json!({
            "type": "event",
            "id": self.id,
            "createdDate": self.created,
            "entity": entity,
            "eventType": happened,
            "userId": self.user_id,
            "dataRef": self.entity_url,
            "data": {},
            "links": {"self": format!("{base}/events/{}", self.id)},
        })
    }
}

impl Webhooks {
    /// Turns events into messages for every subscription that asked for their type.
    pub fn enqueue(&mut self, events: Vec<SimEvent>, base: &str, now: Duration) {
        for ev in events {
            let event_id = uuid::Uuid::new_v4().simple().to_string();
            let entity_url = format!("{base}{}", ev.entity);
            let body = json!({
                "eventTypeId": ev.type_id,
                "eventId": event_id,
                "links": {
                    "event": format!("{base}/events/{event_id}"),
                    "eventEntity": entity_url,
                },
            })
            .to_string();
            if self.events.len() >= MAX_MESSAGES {
                self.events.pop_front();
            }
            self.events.push_back(EventRecord {
                id: event_id.clone(),
                type_id: ev.type_id,
                user_id: ev.user_id.clone(),
                entity_url,
                created: crate::store::ts(chrono::Utc::now()),
            });
            for sub in self.subscriptions.iter().filter(|s| s.wants(ev.type_id)) {
                self.messages.push(Message {
                    id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
                    webhook_id: sub.id.clone(),
                    event_type: ev.type_id,
                    event_id: event_id.clone(),
                    body: body.clone(),
                    attempts: Vec::new(),
                    state: MessageState::Pending,
                    next_at: now,
                });
            }
        }
        while self.messages.len() > MAX_MESSAGES {
            match self.messages.iter().position(|m| m.state.finished()) {
                Some(i) => self.messages.remove(i),
                None => self.messages.remove(0),
            };
        }
    }

    /// Records an attempt's outcome and schedules the next one (or gives up).
    pub fn record(&mut self, msg_id: &str, status: Option<u16>, at: String, now: Duration) {
        let forced = self.fail_next > 0;
        if forced {
            self.fail_next -= 1;
        }
        let Some(m) = self.messages.iter_mut().find(|m| m.id == msg_id) else {
            return;
        };
        let ok = !forced && status.is_some_and(|s| (200..300).contains(&s));
        m.attempts.push(Attempt { at, status, ok });
        m.state = if ok {
            MessageState::Delivered
        } else {
            match RETRY_SCHEDULE.get(m.attempts.len() - 1) {
                Some(wait) => {
                    m.next_at = now.saturating_add(*wait);
                    MessageState::Pending
                }
                None => MessageState::Failed,
            }
        };
    }
}

impl MessageState {
    fn finished(self) -> bool {
        matches!(self, MessageState::Delivered | MessageState::Failed)
    }

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Sending => "sending",
            MessageState::Delivered => "success",
            MessageState::Failed => "fail",
        }
    }
}

impl Subscription {
    /// Whether it receives this event type.
    pub fn wants(&self, type_id: &str) -> bool {
        self.events.iter().any(|e| e == type_id)
    }

    /// Basiq's JSON for it.
    pub fn json(&self, base: &str) -> Value {
        json!({
            "type": "webhook",
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "url": self.url,
            "status": "active",
            "secret": self.secret,
            "subscribedEvents": self.events,
            "links": {"self": format!("{base}/notifications/webhooks/{}", self.id)},
        })
    }
}

impl Message {
    /// Basiq's JSON for it (`GET /notifications/webhooks/{id}/messages`).
    pub fn json(&self, base: &str) -> Value {
        let payload: Value = serde_json::from_str(&self.body).unwrap_or(Value::Null);
        let attempts: Vec<Value> = self
            .attempts
            .iter()
            .map(|a| json!({"timestamp": a.at, "responseStatusCode": a.status, "status": if a.ok {"success"} else {"fail"}}))
            .collect();
        json!({
            "type": "message",
            "id": self.id,
            "webhookId": self.webhook_id,
            "eventTypeId": self.event_type,
            "eventId": self.event_id,
            "status": self.state.as_str(),
            "payload": payload,
            "attempts": attempts,
            "links": {
                "self": format!("{base}/notifications/webhooks/{}/messages/{}", self.webhook_id, self.id),
                "event": format!("{base}/events/{}", self.event_id),
                "webhook": format!("{base}/notifications/webhooks/{}", self.webhook_id),
            },
        })
    }
}

/// A new `whsec_` secret (32 random bytes).
pub fn new_secret() -> String {
    let mut key = Vec::with_capacity(32);
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!("whsec_{}", B64.encode(key))
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the key inside `whsec_…`;
/// `None` when the secret is not one.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = B64.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests;
