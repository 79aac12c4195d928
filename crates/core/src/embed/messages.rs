//! The message types in both directions, their encoding and the strict parser.

use serde_json::{Map, Value, json};

use super::{PROTOCOL_VERSION, ProtocolError, SOURCE};

/// Messages a host page sends to the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMessage {
    /// Start: an optional link token (never in a URL) and theme.
    Init {
        /// Single-use link token minted by the host's backend.
        link_token: Option<String>,
        /// Theme as the host sent it (validated on use with [`Theme::from_value`](super::Theme::from_value)).
        theme: Option<Value>,
    },
    /// The host asks the widget to close.
    Close,
}

/// Why the widget closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    /// The person closed it.
    UserClosed,
    /// The person could not find their bank.
    InstitutionNotFound,
    /// Their bank is down.
    InstitutionDown,
    /// An error ended the flow.
    Error,
}

impl ExitReason {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::UserClosed => "user_closed",
            ExitReason::InstitutionNotFound => "institution_not_found",
            ExitReason::InstitutionDown => "institution_down",
            ExitReason::Error => "error",
        }
    }
}

/// Named steps reported in `event` messages.
pub const EVENT_NAMES: &[&str] = &[
    "OPEN",
    "SEARCH",
    "SELECT_INSTITUTION",
    "SUBMIT_CREDENTIALS",
    "MFA_REQUIRED",
    "SUBMIT_MFA",
    "STEP",
    "ERROR",
    "TRANSITION_VIEW",
    "CONNECTED",
    "CLOSE",
    "HANDOFF",
    "HANDOFF_RETURNED",
];

/// An account in a `success` message (masked number only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessAccount {
    /// Account id.
    pub id: String,
    /// Account name.
    pub name: String,
    /// Masked account number.
    pub masked_number: String,
    /// Account type, in words.
    pub kind: String,
    /// Balance as shown (with currency).
    pub balance: String,
}

/// A bank connected, in a `success` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessConnection {
    /// Connection id.
    pub connection_id: String,
    /// Institution id.
    pub institution_id: String,
    /// Institution name.
    pub institution_name: String,
    /// The accounts found.
    pub accounts: Vec<SuccessAccount>,
    /// The Basiq job.
    pub job_id: String,
}

impl SuccessConnection {
    fn to_value(&self) -> Value {
        json!({
            "connection_id": self.connection_id,
            "institution": {"id": self.institution_id, "name": self.institution_name},
            "accounts": self.accounts.iter().map(|a| json!({"id": a.id, "name": a.name, "masked_number": a.masked_number,
                "kind": a.kind, "balance": a.balance})).collect::<Vec<_>>(),
            "job_id": self.job_id,
        })
    }
}

/// Messages the widget sends to its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WidgetMessage {
    /// Loaded and listening.
    Ready,
    /// A named step with its details (one of [`EVENT_NAMES`]).
    Event {
        /// Event name.
        name: &'static str,
        /// Small details (institution id, step title, error kind, view name…); never secrets.
        meta: Map<String, Value>,
    },
    /// Banks were connected: one with the credential form, one or several in one Consent UI
    /// visit. The payload's top-level fields are the first's; `connections` lists every one.
    Success {
        /// Every bank connected (never empty when core builds it).
        connections: Vec<SuccessConnection>,
    },
    /// The widget closed.
    Exit {
        /// Why.
        reason: ExitReason,
        /// The last error kind and message, for `error`.
        error: Option<(String, String)>,
    },
    /// The content's height changed (inline mode).
    Resize {
        /// Height in CSS pixels.
        height: u32,
    },
}

fn envelope(kind: &str, payload: Value) -> Value {
    json!({"source": SOURCE, "version": PROTOCOL_VERSION, "type": kind, "payload": payload})
}

impl WidgetMessage {
    /// The message as it is posted.
    pub fn to_value(&self) -> Value {
        match self {
            WidgetMessage::Ready => envelope("ready", json!({})),
            WidgetMessage::Event { name, meta } => {
                envelope("event", json!({"name": name, "meta": meta}))
            }
            WidgetMessage::Success { connections } => {
                let mut p = connections
                    .first()
                    .map(SuccessConnection::to_value)
                    .unwrap_or_else(|| {
                        json!({"connection_id": "", "institution": {"id": "", "name": ""},
                            "accounts": [], "job_id": ""})
                    });
                p["connections"] = connections
                    .iter()
                    .map(SuccessConnection::to_value)
                    .collect();
                envelope("success", p)
            }
            WidgetMessage::Exit { reason, error } => {
                let mut p = json!({"reason": reason.as_str()});
                if let Some((kind, message)) = error {
                    p["error"] = json!({"kind": kind, "message": message});
                }
                envelope("exit", p)
            }
            WidgetMessage::Resize { height } => envelope("resize", json!({"height": height})),
        }
    }
}

impl HostMessage {
    /// The message as a host posts it.
    pub fn to_value(&self) -> Value {
        match self {
            HostMessage::Init { link_token, theme } => {
                let mut p = Map::new();
                if let Some(t) = link_token {
                    p.insert("link_token".into(), t.clone().into());
                }
                if let Some(t) = theme {
                    p.insert("theme".into(), t.clone());
                }
                envelope("init", Value::Object(p))
            }
            HostMessage::Close => envelope("close", json!({})),
        }
    }

    /// Parses a message a host posted; refuses anything that is not exactly a valid message.
    pub fn parse(v: &Value) -> Result<HostMessage, ProtocolError> {
        let o = v.as_object().ok_or(ProtocolError::NotOurs)?;
        let keys_ok = o.len() == 4
            && ["source", "version", "type", "payload"]
                .iter()
                .all(|k| o.contains_key(*k));
        if !keys_ok || o["source"] != SOURCE {
            return Err(ProtocolError::NotOurs);
        }
        if o["version"].as_u64() != Some(PROTOCOL_VERSION) || !o["version"].is_u64() {
            return Err(ProtocolError::Version);
        }
        let payload = o["payload"].as_object().ok_or(ProtocolError::Payload)?;
        match o["type"].as_str() {
            Some("init") => {
                if payload.keys().any(|k| k != "link_token" && k != "theme") {
                    return Err(ProtocolError::Payload);
                }
                let link_token = match payload.get("link_token") {
                    None => None,
                    Some(Value::String(t)) if !t.is_empty() && t.len() <= 512 => Some(t.clone()),
                    Some(_) => return Err(ProtocolError::Payload),
                };
                let theme = match payload.get("theme") {
                    None => None,
                    Some(t @ Value::Object(_)) => Some(t.clone()),
                    Some(_) => return Err(ProtocolError::Payload),
                };
                Ok(HostMessage::Init { link_token, theme })
            }
            Some("close") if payload.is_empty() => Ok(HostMessage::Close),
            Some("close") => Err(ProtocolError::Payload),
            _ => Err(ProtocolError::UnknownType),
        }
    }
}
