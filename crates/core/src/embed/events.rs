//! What the host hears about the flow: events and exits derived from state transitions.

use serde_json::{Map, Value, json};

use super::{ExitReason, SuccessAccount, SuccessConnection, WidgetMessage};
use crate::accounts::AccountRow;
use crate::errors::{ErrorKind, UserError};
use crate::flow::{Connected, FlowEvent, FlowState, Form};
use crate::handoff::{BankAccounts, Ending, Handoff, HandoffEvent, HandoffScreen};
use crate::job::JobView;

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
        ErrorKind::SessionEnded => "session_ended",
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
        FlowState::Handoff(h) => match h.screen() {
            HandoffScreen::Confirming | HandoffScreen::Starting => "handoff",
            HandoffScreen::Waiting => "handoff_waiting",
            HandoffScreen::Following => "connecting",
            HandoffScreen::Connected => "success",
            HandoffScreen::Ended => "error",
        },
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
        FlowState::Handoff(Handoff::Ended { ending, .. }) => exit_for_ending(ending),
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

fn exit_for_ending(ending: &Ending) -> WidgetMessage {
    let reason = match ending {
        Ending::Failed(e) => return exit_for_error(e),
        Ending::Cancelled | Ending::WindowClosed | Ending::ConsentManaged => ExitReason::UserClosed,
        Ending::InstitutionUnavailable => ExitReason::InstitutionDown,
        _ => ExitReason::Error,
    };
    WidgetMessage::Exit {
        reason,
        error: (reason == ExitReason::Error).then(|| (ending.name().to_owned(), ending.sentence())),
    }
}

fn success_accounts(rows: &[AccountRow]) -> Vec<SuccessAccount> {
    rows.iter()
        .map(|a| SuccessAccount {
            id: a.id.clone(),
            name: a.name.clone(),
            masked_number: a.number.clone(),
            kind: a.kind.clone(),
            balance: a.balance.clone(),
        })
        .collect()
}

fn handoff_of(state: &FlowState) -> Option<&Handoff> {
    match state {
        FlowState::Handoff(h) => Some(h),
        _ => None,
    }
}

/// What the host hears about the hand-off: the person went to Basiq, came back, an ending,
/// and (once their accounts are in) every bank the visit connected.
fn handoff_messages(
    before: &FlowState,
    event_in: &FlowEvent,
    after: &FlowState,
) -> Vec<WidgetMessage> {
    let mut out = Vec::new();
    let (was, now) = (handoff_of(before), handoff_of(after));
    let screen = |h: Option<&Handoff>| h.map(Handoff::screen);
    if let FlowEvent::Handoff(HandoffEvent::Choose { .. }) = event_in
        && screen(now) == Some(HandoffScreen::Confirming)
    {
        out.push(event("SELECT_INSTITUTION", institution_meta(after)));
    }
    if screen(now) == Some(HandoffScreen::Waiting) && screen(was) != Some(HandoffScreen::Waiting) {
        out.push(event("HANDOFF", institution_meta(after)));
    }
    if let FlowEvent::Handoff(HandoffEvent::ResultArrived { result, .. }) = event_in
        && was.and_then(Handoff::watched_nonce).is_some()
        && now.and_then(Handoff::watched_nonce).is_none()
    {
        out.push(event(
            "HANDOFF_RETURNED",
            json!({"job_count": result.job_ids.len()}),
        ));
    }
    if let Some(Handoff::Ended { ending, .. }) = now
        && screen(was) != Some(HandoffScreen::Ended)
    {
        out.push(event("ERROR", json!({"kind": ending.name()})));
    }
    let loaded = |h: Option<&Handoff>| match h {
        Some(Handoff::Connected {
            accounts: Some(banks),
            ..
        }) => Some(banks.clone()),
        _ => None,
    };
    if let Some(banks) = loaded(now)
        && loaded(was).is_none()
    {
        out.extend(
            banks
                .iter()
                .map(|b| event("CONNECTED", json!({"institution_id": b.institution_id}))),
        );
        out.push(WidgetMessage::Success {
            connections: banks.iter().map(bank_connection).collect(),
        });
    }
    out
}

fn bank_connection(b: &BankAccounts) -> SuccessConnection {
    SuccessConnection {
        connection_id: b.connection_id.clone().unwrap_or_default(),
        institution_id: b.institution_id.clone(),
        institution_name: b.institution_name.clone(),
        accounts: success_accounts(&b.rows),
        job_id: b.job_id.clone(),
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
                connections: vec![SuccessConnection {
                    connection_id: connection_id.clone().unwrap_or_default(),
                    institution_id: institution.id.clone(),
                    institution_name: institution.name.clone(),
                    accounts: success_accounts(accounts),
                    job_id: job_id.clone(),
                }],
            });
        }
    }
    out.extend(handoff_messages(before, event_in, after));
    if view_name(before) != view_name(after) && !matches!(event_in, FlowEvent::Close) {
        out.push(event("TRANSITION_VIEW", json!({"view": view_name(after)})));
    }
    out
}
