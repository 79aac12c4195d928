//! The Basiq 3.0 hand-off's part of the typed-embedding fixture: its screens and every message
//! a visit to the Consent UI makes core send.

use bank_connect_core::InstitutionSummary;
use bank_connect_core::embed::{self, WidgetMessage};
use bank_connect_core::errors::{ErrorKind, UserError};
use bank_connect_core::flow::{FlowEvent, FlowState};
use bank_connect_core::handoff::{
    self, BankAccounts, ConsentResult, ConsentStarted, Ending, Handoff, HandoffEvent, LaunchMode,
};

fn hooli() -> InstitutionSummary {
    InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")
}

/// Every ending a visit can have.
pub fn all_endings() -> Vec<Ending> {
    let all = vec![
        Ending::Declined,
        Ending::Cancelled,
        Ending::InstitutionUnavailable,
        Ending::TookTooLong,
        Ending::SiteUnreachable,
        Ending::WindowClosed,
        Ending::ConsentManaged,
        Ending::ReturnRefused("state-invalid".into()),
        Ending::Failed(UserError::new(ErrorKind::Network)),
    ];
    // A new ending fails to compile here until it is listed.
    for e in &all {
        match e {
            Ending::Declined
            | Ending::Cancelled
            | Ending::InstitutionUnavailable
            | Ending::TookTooLong
            | Ending::SiteUnreachable
            | Ending::WindowClosed
            | Ending::ConsentManaged
            | Ending::ReturnRefused(_)
            | Ending::Failed(_) => {}
        }
    }
    all
}

fn ended(ending: Ending) -> FlowState {
    FlowState::Handoff(Handoff::Ended {
        ending,
        target: None,
        mode: LaunchMode::Popup,
    })
}

/// One state per hand-off screen.
pub fn screens() -> Vec<FlowState> {
    let confirming = Handoff::confirm(hooli(), LaunchMode::Popup);
    let (starting, _) = handoff::next(
        confirming.clone(),
        HandoffEvent::Continue {
            window_opened: true,
        },
    );
    let (waiting, _) = handoff::next(starting.clone(), started());
    let (following, _) = handoff::next(waiting.clone(), returned(2));
    [confirming, starting, waiting, following]
        .into_iter()
        .map(FlowState::Handoff)
        .chain([connected(Some(banks())), ended(Ending::Cancelled)])
        .collect()
}

fn started() -> HandoffEvent {
    HandoffEvent::Started {
        started: ConsentStarted {
            url: "https://consent.example/home".into(),
            nonce: "n-1".into(),
            expires_in: 1800,
        },
        now_ms: 0,
    }
}

fn returned(jobs: usize) -> HandoffEvent {
    HandoffEvent::ResultArrived {
        nonce: "n-1".into(),
        result: ConsentResult {
            job_id: None,
            job_ids: (0..jobs).map(|i| format!("j-{i}")).collect(),
        },
        now_ms: 0,
    }
}

fn banks() -> Vec<BankAccounts> {
    ["AU00000", "AU00004"]
        .iter()
        .map(|id| BankAccounts {
            institution_id: (*id).into(),
            institution_name: format!("Bank {id}"),
            connection_id: Some(format!("c-{id}")),
            job_id: format!("j-{id}"),
            rows: Vec::new(),
        })
        .collect()
}

fn connected(accounts: Option<Vec<BankAccounts>>) -> FlowState {
    FlowState::Handoff(Handoff::Connected {
        banks: Vec::new(),
        failed: Vec::new(),
        accounts,
        accounts_error: None,
    })
}

/// Every message a visit makes core send: chosen, gone to Basiq, back (with jobs and without),
/// connected, each ending and its exit.
pub fn messages() -> Vec<WidgetMessage> {
    let s = screens();
    let mut out = Vec::new();
    let mut step = |before: &FlowState, event: FlowEvent| {
        let (after, _) = bank_connect_core::next(before.clone(), event.clone());
        out.extend(embed::messages_for(before, &event, &after));
        after
    };
    let picking = FlowState::Picking {
        query: String::new(),
    };
    step(
        &picking,
        FlowEvent::Handoff(HandoffEvent::Choose {
            institution: hooli(),
            mode: LaunchMode::Popup,
        }),
    );
    step(&s[1], FlowEvent::Handoff(started()));
    step(&s[2], FlowEvent::Handoff(returned(2)));
    step(&s[2], FlowEvent::Handoff(returned(0)));
    step(
        &connected(None),
        FlowEvent::Handoff(HandoffEvent::AccountsLoaded(banks())),
    );
    for ending in all_endings() {
        let ended = ended(ending);
        out.extend(embed::messages_for(&s[3], &FlowEvent::Close, &ended));
        out.push(embed::exit_for(&ended));
    }
    out
}
