//! The postMessage protocol between a host page (through `embed.js`) and the widget in its
//! iframe, and the host's theme. Every message is
//! `{"source":"bank-connect","version":1,"type":…,"payload":…}`; anything else is refused.
//!
//! Parsing is strict: an accepted message re-encodes to exactly the value received, so nothing
//! unexpected can ride along (a property test holds the parser to that).

use serde_json::{Map, Value, json};

use crate::errors::{ErrorKind, UserError};
use crate::flow::{Connected, FlowEvent, FlowState, Form};
use crate::job::JobView;

/// The `source` of every message.
pub const SOURCE: &str = "bank-connect";
/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u64 = 1;
/// Font families a host may pick (values outside the list are ignored).
pub const SAFE_FONTS: &[&str] = &[
    "system-ui",
    "sans-serif",
    "serif",
    "monospace",
    "Inter",
    "Roboto",
    "Helvetica",
    "Arial",
    "Georgia",
];

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Not an object with exactly source, version, type, payload.
    #[error("not a bank-connect message")]
    NotOurs,
    /// Another protocol version.
    #[error("unsupported protocol version")]
    Version,
    /// A `type` this side does not accept.
    #[error("unknown message type")]
    UnknownType,
    /// The payload does not have the type's shape.
    #[error("malformed payload")]
    Payload,
}

/// Light, dark, or follow the person's system setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeMode {
    /// Light colours.
    Light,
    /// Dark colours.
    Dark,
    /// `prefers-color-scheme`.
    #[default]
    Auto,
}

/// A validated theme: every field is safe to put into a CSS custom property.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Theme {
    /// Colour scheme.
    pub mode: ThemeMode,
    /// Accent colour as `#rgb` or `#rrggbb`.
    pub accent: Option<String>,
    /// Corner radius in pixels (0–24).
    pub radius_px: Option<u8>,
    /// One of [`SAFE_FONTS`].
    pub font: Option<String>,
}

impl Theme {
    /// Reads a host-supplied theme; unknown keys and invalid values are ignored, never fatal.
    pub fn from_value(v: &Value) -> Theme {
        let Some(o) = v.as_object() else {
            return Theme::default();
        };
        let mode = match o.get("mode").and_then(Value::as_str) {
            Some("light") => ThemeMode::Light,
            Some("dark") => ThemeMode::Dark,
            _ => ThemeMode::Auto,
        };
        let accent = o
            .get("accent")
            .and_then(Value::as_str)
            .filter(|c| is_hex_colour(c))
            .map(str::to_owned);
        let radius_px = o
            .get("radius")
            .and_then(Value::as_u64)
            .filter(|r| *r <= 24)
            .map(|r| r as u8);
        let font = o
            .get("font")
            .and_then(Value::as_str)
            .filter(|f| SAFE_FONTS.contains(f))
            .map(str::to_owned);
        Theme {
            mode,
            accent,
            radius_px,
            font,
        }
    }

    /// The theme as JSON, in the shape [`Theme::from_value`] reads.
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        o.insert(
            "mode".into(),
            match self.mode {
                ThemeMode::Light => "light",
                ThemeMode::Dark => "dark",
                ThemeMode::Auto => "auto",
            }
            .into(),
        );
        if let Some(a) = &self.accent {
            o.insert("accent".into(), a.clone().into());
        }
        if let Some(r) = self.radius_px {
            o.insert("radius".into(), r.into());
        }
        if let Some(f) = &self.font {
            o.insert("font".into(), f.clone().into());
        }
        Value::Object(o)
    }

    /// CSS custom properties to set on the document root: (name, value).
    pub fn css_properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(a) = &self.accent {
            out.push(("--bc-accent", a.clone()));
        }
        if let Some(r) = self.radius_px {
            out.push(("--bc-radius", format!("{r}px")));
        }
        if let Some(f) = &self.font {
            out.push(("--bc-font", format!("{f}, system-ui, sans-serif")));
        }
        out
    }
}

/// `#rgb` or `#rrggbb`.
pub fn is_hex_colour(s: &str) -> bool {
    s.strip_prefix('#')
        .is_some_and(|h| (h.len() == 3 || h.len() == 6) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Messages a host page sends to the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMessage {
    /// Start: an optional link token (never in a URL) and theme.
    Init {
        /// Single-use link token minted by the host's backend.
        link_token: Option<String>,
        /// Theme as the host sent it (validated on use with [`Theme::from_value`]).
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
    /// A bank was connected.
    Success {
        /// Connection id.
        connection_id: String,
        /// Institution id.
        institution_id: String,
        /// Institution name.
        institution_name: String,
        /// The accounts found.
        accounts: Vec<SuccessAccount>,
        /// The Basiq job.
        job_id: String,
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
            WidgetMessage::Success {
                connection_id,
                institution_id,
                institution_name,
                accounts,
                job_id,
            } => envelope(
                "success",
                json!({
                    "connection_id": connection_id,
                    "institution": {"id": institution_id, "name": institution_name},
                    "accounts": accounts.iter().map(|a| json!({"id": a.id, "name": a.name, "masked_number": a.masked_number,
                        "kind": a.kind, "balance": a.balance})).collect::<Vec<_>>(),
                    "job_id": job_id,
                }),
            ),
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

/// A stable snake_case name for an error kind, for `ERROR` events and `exit` payloads.
pub fn error_kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidCredentials => "invalid_credentials",
        ErrorKind::AccountLocked => "account_locked",
        ErrorKind::MfaNotSupported => "mfa_not_supported",
        ErrorKind::MfaRejected => "mfa_rejected",
        ErrorKind::MfaExpired => "mfa_expired",
        ErrorKind::UserActionRequired => "user_action_required",
        ErrorKind::ServiceUnavailable => "service_unavailable",
        ErrorKind::InstitutionUnavailable => "institution_unavailable",
        ErrorKind::Maintenance => "maintenance",
        ErrorKind::InstitutionNotSupported => "institution_not_supported",
        ErrorKind::AuthorizationFailed => "authorization_failed",
        ErrorKind::JobTimedOut => "job_timed_out",
        ErrorKind::SessionExpired => "session_expired",
        ErrorKind::AccessDenied => "access_denied",
        ErrorKind::AlreadyConnected => "already_connected",
        ErrorKind::NotFound => "not_found",
        ErrorKind::InvalidRequest => "invalid_request",
        ErrorKind::RateLimited { .. } => "rate_limited",
        ErrorKind::ServerError => "server_error",
        ErrorKind::Network => "network",
        ErrorKind::BadResponse => "bad_response",
        ErrorKind::LinkExpired => "link_expired",
        ErrorKind::Unknown => "unknown",
    }
}

/// The view name a state shows, for `TRANSITION_VIEW` events.
pub fn view_name(state: &FlowState) -> &'static str {
    match state {
        FlowState::Idle => "start",
        FlowState::Picking { .. } => "picker",
        FlowState::EnteringCredentials(_) => "credentials",
        FlowState::Connecting { job, .. } if job.mfa.is_some() => "mfa",
        FlowState::Connecting { .. } => "connecting",
        FlowState::Succeeded(_) => "success",
        FlowState::Failed(_) => "error",
    }
}

fn event(name: &'static str, meta: Value) -> WidgetMessage {
    let meta = match meta {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    WidgetMessage::Event { name, meta }
}

fn institution_meta(state: &FlowState) -> Value {
    state
        .institution()
        .map(|i| json!({"institution_id": i.id, "institution_name": i.name}))
        .unwrap_or_else(|| json!({}))
}

fn running_step(view: &JobView) -> Option<String> {
    view.current_label().map(str::to_owned)
}

/// Why the widget is closing from `state`. Closing the picker in the middle of a search counts
/// as "institution not found" (the person searched and gave up).
pub fn exit_for(state: &FlowState) -> WidgetMessage {
    match state {
        FlowState::Failed(f) => exit_for_error(&f.error),
        FlowState::Picking { query } if !query.trim().is_empty() => WidgetMessage::Exit {
            reason: ExitReason::InstitutionNotFound,
            error: None,
        },
        _ => WidgetMessage::Exit {
            reason: ExitReason::UserClosed,
            error: None,
        },
    }
}

fn exit_for_error(error: &UserError) -> WidgetMessage {
    match error.kind {
        ErrorKind::InstitutionUnavailable
        | ErrorKind::Maintenance
        | ErrorKind::ServiceUnavailable => WidgetMessage::Exit {
            reason: ExitReason::InstitutionDown,
            error: None,
        },
        _ => WidgetMessage::Exit {
            reason: ExitReason::Error,
            error: Some((error_kind_name(&error.kind).to_owned(), error.message())),
        },
    }
}

/// The messages a host hears about one transition of the flow (`before` → `event` → `after`).
/// Never carries a credential, a token or an MFA answer.
pub fn messages_for(
    before: &FlowState,
    event_in: &FlowEvent,
    after: &FlowState,
) -> Vec<WidgetMessage> {
    let mut out = Vec::new();
    match event_in {
        FlowEvent::Open => out.push(event("OPEN", json!({}))),
        FlowEvent::Search(q) if matches!(after, FlowState::Picking { .. }) => {
            out.push(event("SEARCH", json!({"query": q})))
        }
        FlowEvent::Select(_) if matches!(after, FlowState::EnteringCredentials(_)) => {
            out.push(event("SELECT_INSTITUTION", institution_meta(after)))
        }
        FlowEvent::Submit { .. }
            if !matches!(
                after,
                FlowState::EnteringCredentials(Form {
                    submitting: false,
                    ..
                })
            ) =>
        {
            out.push(event("SUBMIT_CREDENTIALS", institution_meta(after)))
        }
        FlowEvent::MfaSubmitted { .. } => out.push(event("SUBMIT_MFA", institution_meta(after))),
        FlowEvent::Close => out.push(exit_for(before)),
        _ => {}
    }
    if let Some(mfa) = after.mfa()
        && before.mfa().is_none()
    {
        out.push(event(
            "MFA_REQUIRED",
            json!({"method": mfa.challenge.method}),
        ));
    }
    let step_of = |s: &FlowState| s.job().and_then(|j| running_step(&j.view));
    if let Some(step) = step_of(after).filter(|s| Some(s) != step_of(before).as_ref()) {
        out.push(event("STEP", json!({"step": step})));
    }
    if let FlowState::Failed(f) = after
        && !matches!(before, FlowState::Failed(_))
    {
        out.push(event(
            "ERROR",
            json!({"kind": error_kind_name(&f.error.kind)}),
        ));
    }
    if let FlowState::Succeeded(Connected {
        institution,
        job_id,
        connection_id,
        accounts: Some(accounts),
        ..
    }) = after
    {
        let had_accounts = matches!(
            before,
            FlowState::Succeeded(Connected {
                accounts: Some(_),
                ..
            })
        );
        if !had_accounts {
            out.push(event(
                "CONNECTED",
                json!({"institution_id": institution.id}),
            ));
            out.push(WidgetMessage::Success {
                connection_id: connection_id.clone().unwrap_or_default(),
                institution_id: institution.id.clone(),
                institution_name: institution.name.clone(),
                accounts: accounts
                    .iter()
                    .map(|a| SuccessAccount {
                        id: a.id.clone(),
                        name: a.name.clone(),
                        masked_number: a.number.clone(),
                        kind: a.kind.clone(),
                        balance: a.balance.clone(),
                    })
                    .collect(),
                job_id: job_id.clone(),
            });
        }
    }
    if view_name(before) != view_name(after) && !matches!(event_in, FlowEvent::Close) {
        out.push(event("TRANSITION_VIEW", json!({"view": view_name(after)})));
    }
    out
}

/// True when `origin` is exactly one of `allowed` (no wildcards, no prefixes).
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    origin != "null" && allowed.iter().any(|a| a == origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn init_and_close_round_trip() {
        let init = HostMessage::Init {
            link_token: Some("lt-1".into()),
            theme: Some(json!({"mode": "dark"})),
        };
        assert_eq!(HostMessage::parse(&init.to_value()), Ok(init));
        assert_eq!(
            HostMessage::parse(&HostMessage::Close.to_value()),
            Ok(HostMessage::Close)
        );
        let bare = HostMessage::Init {
            link_token: None,
            theme: None,
        };
        assert_eq!(HostMessage::parse(&bare.to_value()), Ok(bare));
    }

    #[test]
    fn anything_else_is_refused() {
        let good = HostMessage::Init {
            link_token: Some("t".into()),
            theme: None,
        }
        .to_value();
        let mut extra = good.clone();
        extra["sneaky"] = json!(1);
        assert_eq!(HostMessage::parse(&extra), Err(ProtocolError::NotOurs));
        let mut other_source = good.clone();
        other_source["source"] = json!("plaid");
        assert_eq!(
            HostMessage::parse(&other_source),
            Err(ProtocolError::NotOurs)
        );
        let mut v2 = good.clone();
        v2["version"] = json!(2);
        assert_eq!(HostMessage::parse(&v2), Err(ProtocolError::Version));
        let mut float = good.clone();
        float["version"] = json!(1.0);
        assert_eq!(HostMessage::parse(&float), Err(ProtocolError::Version));
        let mut success = good.clone();
        success["type"] = json!("success");
        assert_eq!(
            HostMessage::parse(&success),
            Err(ProtocolError::UnknownType)
        );
        let mut token_number = good.clone();
        token_number["payload"]["link_token"] = json!(42);
        assert_eq!(
            HostMessage::parse(&token_number),
            Err(ProtocolError::Payload)
        );
        let mut password = good;
        password["payload"]["password"] = json!("hunter2");
        assert_eq!(HostMessage::parse(&password), Err(ProtocolError::Payload));
        assert_eq!(
            HostMessage::parse(&json!("bank-connect")),
            Err(ProtocolError::NotOurs)
        );
    }

    #[test]
    fn themes_keep_only_safe_values() {
        let t = Theme::from_value(
            &json!({"mode": "dark", "accent": "#0a7", "radius": 8, "font": "Inter", "x": 1}),
        );
        assert_eq!(
            t,
            Theme {
                mode: ThemeMode::Dark,
                accent: Some("#0a7".into()),
                radius_px: Some(8),
                font: Some("Inter".into())
            }
        );
        assert_eq!(Theme::from_value(&t.to_value()), t);
        let hostile = Theme::from_value(
            &json!({"mode": "neon", "accent": "red; background: url(x)", "radius": 999, "font": "evil\"}"}),
        );
        assert_eq!(hostile, Theme::default());
        assert_eq!(t.css_properties()[0], ("--bc-accent", "#0a7".to_string()));
        assert!(is_hex_colour("#A0B1C2") && !is_hex_colour("#abcd") && !is_hex_colour("abc"));
    }

    #[test]
    fn widget_messages_have_the_envelope() {
        let v = WidgetMessage::Exit {
            reason: ExitReason::UserClosed,
            error: None,
        }
        .to_value();
        assert_eq!(
            v,
            json!({"source":"bank-connect","version":1,"type":"exit","payload":{"reason":"user_closed"}})
        );
        let r = WidgetMessage::Resize { height: 640 }.to_value();
        assert_eq!(r["payload"]["height"], 640);
        assert!(origin_allowed(
            "http://127.0.0.1:8090",
            &["http://127.0.0.1:8090".into()]
        ));
        assert!(!origin_allowed(
            "http://127.0.0.1:8091",
            &["http://127.0.0.1:8090".into()]
        ));
        assert!(!origin_allowed("null", &["null".into()]));
    }

    fn hooli() -> crate::InstitutionSummary {
        crate::InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")
    }

    fn names(msgs: &[WidgetMessage]) -> Vec<String> {
        msgs.iter()
            .map(|m| match m {
                WidgetMessage::Event { name, .. } => (*name).to_owned(),
                other => other.to_value()["type"].as_str().unwrap().to_owned(),
            })
            .collect()
    }

    #[test]
    fn transitions_become_host_events() {
        let open = messages_for(
            &FlowState::Idle,
            &FlowEvent::Open,
            &FlowState::Picking {
                query: String::new(),
            },
        );
        assert_eq!(names(&open), ["OPEN", "TRANSITION_VIEW"]);
        assert_eq!(open[1].to_value()["payload"]["meta"]["view"], "picker");

        let picking = FlowState::Picking {
            query: String::new(),
        };
        let (after, _) = crate::flow::next(picking.clone(), FlowEvent::Select(hooli()));
        let select = messages_for(&picking, &FlowEvent::Select(hooli()), &after);
        assert_eq!(names(&select), ["SELECT_INSTITUTION", "TRANSITION_VIEW"]);
        assert_eq!(
            select[0].to_value()["payload"]["meta"]["institution_id"],
            "AU00000"
        );
    }

    #[test]
    fn closing_reports_why() {
        let down = FlowState::Failed(crate::flow::Failure {
            institution: Some(hooli()),
            error: UserError::new(ErrorKind::Maintenance),
            recovery: ErrorKind::Maintenance.recovery(),
            login_id: None,
            resume: crate::flow::Resume::Picker,
        });
        let exit = messages_for(&down, &FlowEvent::Close, &FlowState::Idle);
        assert_eq!(exit.len(), 1);
        assert_eq!(exit[0].to_value()["payload"]["reason"], "institution_down");
        let locked = FlowState::Failed(crate::flow::Failure {
            institution: Some(hooli()),
            error: UserError::new(ErrorKind::AccountLocked),
            recovery: ErrorKind::AccountLocked.recovery(),
            login_id: Some("bighead".into()),
            resume: crate::flow::Resume::Picker,
        });
        let v = exit_for(&locked).to_value();
        assert_eq!(v["payload"]["reason"], "error");
        assert_eq!(v["payload"]["error"]["kind"], "account_locked");
        let plain = exit_for(&FlowState::Picking { query: " ".into() }).to_value();
        assert_eq!(plain["payload"], json!({"reason": "user_closed"}));
        let searched = exit_for(&FlowState::Picking {
            query: "my little bank".into(),
        })
        .to_value();
        assert_eq!(
            searched["payload"],
            json!({"reason": "institution_not_found"})
        );
    }

    #[test]
    fn success_carries_masked_accounts_once() {
        let rows = vec![crate::accounts::AccountRow {
            id: "a1".into(),
            name: "Savings".into(),
            number: "•••• 6789".into(),
            kind: "Savings".into(),
            balance: "$10.00".into(),
            negative: false,
            available: None,
        }];
        let before = FlowState::Succeeded(Connected {
            institution: hooli(),
            job_id: "j1".into(),
            connection_id: Some("c1".into()),
            accounts: None,
            accounts_error: None,
        });
        let after = FlowState::Succeeded(Connected {
            institution: hooli(),
            job_id: "j1".into(),
            connection_id: Some("c1".into()),
            accounts: Some(rows.clone()),
            accounts_error: None,
        });
        let msgs = messages_for(&before, &FlowEvent::AccountsLoaded(rows.clone()), &after);
        let success = msgs
            .iter()
            .find(|m| matches!(m, WidgetMessage::Success { .. }))
            .expect("a success message")
            .to_value();
        assert_eq!(success["payload"]["connection_id"], "c1");
        assert_eq!(success["payload"]["institution"]["name"], "Hooli Bank");
        assert_eq!(
            success["payload"]["accounts"][0]["masked_number"],
            "•••• 6789"
        );
        assert!(
            messages_for(&after, &FlowEvent::AccountsLoaded(rows), &after).is_empty(),
            "reported once"
        );
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            prop_oneof![
                Just("bank-connect".to_string()),
                Just("init".to_string()),
                Just("close".to_string()),
                ".{0,8}"
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("source".to_string()),
                        Just("version".to_string()),
                        Just("type".to_string()),
                        Just("payload".to_string()),
                        Just("link_token".to_string()),
                        Just("theme".to_string()),
                        "[a-z]{1,6}"
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn random_messages_are_refused_unless_exactly_valid(v in any_json(), version in prop_oneof![Just(json!(1)), any::<i64>().prop_map(|n| json!(n))]) {
            // Random values, and random values dressed in a plausible envelope.
            let dressed = json!({"source": "bank-connect", "version": version, "type": "init", "payload": v.clone()});
            for candidate in [v, dressed] {
                if let Ok(msg) = HostMessage::parse(&candidate) {
                    prop_assert_eq!(msg.to_value(), candidate, "accepted only what re-encodes identically");
                }
            }
        }
    }
}
