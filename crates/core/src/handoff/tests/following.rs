//! Back from Basiq: the relay's answer, every job followed, the connected banks' accounts.

use super::*;

#[test]
fn page_return_asks_the_relay_then_follows_every_job() {
    let (s, effects) = enter(HandoffEvent::CameBack {
        nonce: "n-1".into(),
        purpose: None,
    })
    .unwrap();
    assert_eq!(effects, vec![HandoffEffect::WatchResult("n-1".into())]);
    assert_eq!(s.screen(), HandoffScreen::Following);
    let (s, effects) = next(s, back("n-1", &["j-1", "j-2"]));
    assert_eq!(
        effects,
        vec![
            HandoffEffect::PollJob("j-1".into()),
            HandoffEffect::PollJob("j-2".into()),
        ]
    );
    assert!(s.follows("j-1").is_some() && s.follows("j-2").is_some());
    // One done is not enough: every job is followed.
    let (s, effects) = next(s, polled(job("j-1", "AU00000", "success", None)));
    assert_eq!(s.screen(), HandoffScreen::Following);
    assert!(effects.is_empty());
    assert!(s.follows("j-1").is_none(), "a finished job is not polled");
    let (s, _) = next(s, polled(job("j-2", "AU00004", "in-progress", None)));
    assert_eq!(s.screen(), HandoffScreen::Following);
    let (s, effects) = next(s, polled(job("j-2", "AU00004", "success", None)));
    assert_eq!(effects, vec![HandoffEffect::LoadAccounts]);
    match &s {
        Handoff::Connected { banks, failed, .. } => {
            assert_eq!(banks.len(), 2);
            assert_eq!(banks[0].connection_id.as_deref(), Some("conn-j-1"));
            assert_eq!(banks[1].institution_id.as_deref(), Some("AU00004"));
            assert!(failed.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_job_ids_are_deduplicated_with_job_id_and_empty_ids_dropped() {
    let (s, _) = enter(HandoffEvent::CameBack {
        nonce: "n".into(),
        purpose: None,
    })
    .unwrap();
    let (s, effects) = next(
        s,
        HandoffEvent::ResultArrived {
            nonce: "n".into(),
            result: ConsentResult {
                job_id: Some("j-3".into()),
                job_ids: vec!["j-1".into(), "".into(), "j-1".into()],
            },
            now_ms: 1,
        },
    );
    let polls: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, HandoffEffect::PollJob(_)))
        .collect();
    assert_eq!(polls.len(), 2, "{effects:?}");
    assert!(s.follows("j-3").is_some());
}

#[test]
fn coming_back_without_a_job_is_cancelled_and_reconciled_quietly() {
    let (s, effects) = next(waiting(), back("n-1", &[]));
    assert!(matches!(
        s,
        Handoff::Ended {
            ending: Ending::Cancelled,
            ..
        }
    ));
    assert!(effects.contains(&HandoffEffect::ReconcileConnections));
}

#[test]
fn declined_at_the_bank_is_its_own_ending() {
    let (s, _) = enter(HandoffEvent::CameBack {
        nonce: "n".into(),
        purpose: None,
    })
    .unwrap();
    let (s, _) = next(s, back("n", &["j-1"]));
    let (s, effects) = next(
        s,
        polled(job("j-1", "AU00000", "", Some("authorization-failed"))),
    );
    assert!(
        matches!(
            s,
            Handoff::Ended {
                ending: Ending::Declined,
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(effects, vec![HandoffEffect::ReconcileConnections]);
}

#[test]
fn an_unavailable_bank_is_its_own_ending_and_one_failure_among_successes_is_kept() {
    let (s, _) = enter(HandoffEvent::CameBack {
        nonce: "n".into(),
        purpose: None,
    })
    .unwrap();
    let (s, _) = next(s, back("n", &["j-1"]));
    let (s, _) = next(
        s,
        polled(job("j-1", "AU00000", "", Some("institution-not-available"))),
    );
    assert!(matches!(
        s,
        Handoff::Ended {
            ending: Ending::InstitutionUnavailable,
            ..
        }
    ));
    let (s, _) = enter(HandoffEvent::CameBack {
        nonce: "n".into(),
        purpose: None,
    })
    .unwrap();
    let (s, _) = next(s, back("n", &["j-1", "j-2"]));
    let (s, _) = next(
        s,
        HandoffEvent::JobPollFailed {
            job_id: "j-2".into(),
            error: crate::errors::network_failure(),
        },
    );
    let (s, _) = next(s, polled(job("j-1", "AU00000", "success", None)));
    match s {
        Handoff::Connected { banks, failed, .. } => {
            assert_eq!(banks.len(), 1);
            assert_eq!(failed.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

fn view(id: &str, inst: &str, name: &str) -> ConnectionView {
    serde_json::from_value(json!({"id": id, "status": "active", "institutionId": inst,
        "institutionName": name}))
    .unwrap()
}

fn account(id: &str, conn: &str, inst: &str) -> AccountView {
    serde_json::from_value(
        json!({"id": id, "connectionId": conn, "institutionId": inst,
        "name": "Everyday", "maskedNumber": "•••• 1234", "balance": "10.00", "currency": "AUD",
        "class": "transaction"}),
    )
    .unwrap()
}

#[test]
fn the_accounts_of_each_connected_bank_are_grouped_and_named() {
    let banks = vec![
        ConnectedBank {
            job_id: "j-1".into(),
            connection_id: Some("c-1".into()),
            institution_id: Some("AU00000".into()),
        },
        ConnectedBank {
            job_id: "j-2".into(),
            connection_id: None,
            institution_id: Some("AU00004".into()),
        },
    ];
    let connections = [
        view("c-1", "AU00000", "Hooli OB"),
        view("c-2", "AU00004", "Pied Piper"),
    ];
    let accounts = [
        account("a-1", "c-1", "AU00000"),
        account("a-2", "c-2", "AU00004"),
        account("a-3", "c-2", "AU00004"),
    ];
    let grouped = bank_accounts(&banks, &connections, &accounts);
    assert_eq!(grouped[0].institution_name, "Hooli OB");
    assert_eq!(grouped[0].rows.len(), 1);
    assert_eq!(grouped[1].institution_name, "Pied Piper");
    assert_eq!(grouped[1].rows.len(), 2);
    let (s, _) = next(
        Handoff::Connected {
            banks,
            failed: vec![],
            accounts: None,
            accounts_error: None,
        },
        HandoffEvent::AccountsFailed(crate::errors::network_failure()),
    );
    let (s, effects) = next(s, HandoffEvent::ReloadAccounts);
    assert_eq!(effects, vec![HandoffEffect::LoadAccounts]);
    let (s, _) = next(s, HandoffEvent::AccountsLoaded(grouped.clone()));
    assert!(matches!(s, Handoff::Connected { accounts: Some(a), .. } if a == grouped));
}

#[test]
fn the_host_hears_the_handoff_the_return_and_every_connection() {
    use crate::embed::{WidgetMessage, messages_for};
    use crate::flow::{FlowEvent, FlowState};
    let wrap = |h: Handoff| FlowState::Handoff(h);
    let names = |msgs: &[WidgetMessage]| -> Vec<String> {
        msgs.iter()
            .filter_map(|m| match m {
                WidgetMessage::Event { name, .. } => Some(name.to_string()),
                _ => None,
            })
            .collect()
    };
    let confirming = Handoff::confirm(hooli(), LaunchMode::Popup);
    let (starting, _) = next(confirming, cont(true));
    let (waiting, _) = next(starting.clone(), started("n-1"));
    let event = FlowEvent::Handoff(started("n-1"));
    let heard = messages_for(&wrap(starting), &event, &wrap(waiting.clone()));
    assert!(names(&heard).contains(&"HANDOFF".to_string()), "{heard:?}");
    let arrived = back("n-1", &["j-1", "j-2"]);
    let (following, _) = next(waiting.clone(), arrived.clone());
    let heard = messages_for(
        &wrap(waiting),
        &FlowEvent::Handoff(arrived),
        &wrap(following),
    );
    let returned = heard
        .iter()
        .find(|m| {
            matches!(
                m,
                WidgetMessage::Event {
                    name: "HANDOFF_RETURNED",
                    ..
                }
            )
        })
        .expect("HANDOFF_RETURNED")
        .to_value();
    assert_eq!(returned["payload"]["meta"]["job_count"], 2);
    let bank = |id: &str, name: &str| BankAccounts {
        institution_id: id.into(),
        institution_name: name.into(),
        connection_id: Some(format!("c-{id}")),
        job_id: format!("j-{id}"),
        rows: Vec::new(),
    };
    let connected = |accounts| Handoff::Connected {
        banks: Vec::new(),
        failed: Vec::new(),
        accounts,
        accounts_error: None,
    };
    let banks = vec![
        bank("AU00000", "Hooli Bank"),
        bank("AU00004", "HooliGov Bank"),
    ];
    let loaded = HandoffEvent::AccountsLoaded(banks.clone());
    let heard = messages_for(
        &wrap(connected(None)),
        &FlowEvent::Handoff(loaded.clone()),
        &wrap(connected(Some(banks.clone()))),
    );
    assert_eq!(
        names(&heard).iter().filter(|n| *n == "CONNECTED").count(),
        2
    );
    let success = heard
        .iter()
        .find(|m| matches!(m, WidgetMessage::Success { .. }))
        .expect("success")
        .to_value();
    assert_eq!(success["payload"]["connection_id"], "c-AU00000");
    assert_eq!(
        success["payload"]["connections"][1]["institution"]["name"],
        "HooliGov Bank"
    );
    let again = messages_for(
        &wrap(connected(Some(banks.clone()))),
        &FlowEvent::Handoff(loaded),
        &wrap(connected(Some(banks))),
    );
    assert!(
        !again
            .iter()
            .any(|m| matches!(m, WidgetMessage::Success { .. })),
        "once"
    );
}
