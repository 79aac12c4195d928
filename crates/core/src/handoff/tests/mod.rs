use super::*;
use crate::api_types::{AccountView, ConnectionView};
use crate::errors::ErrorKind;
use crate::job::fixtures::{failure, link, step, with_id};
use proptest::prelude::*;

mod following;
use serde_json::json;

pub(super) fn hooli() -> InstitutionSummary {
    InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")
}

pub(super) fn started(nonce: &str) -> HandoffEvent {
    HandoffEvent::Started {
        started: ConsentStarted {
            url: "https://consent.example/home?token=t&state=s".into(),
            nonce: nonce.into(),
            expires_in: 1800,
        },
        now_ms: 10_000,
    }
}

pub(super) fn run(state: Handoff, events: Vec<HandoffEvent>) -> (Handoff, Vec<HandoffEffect>) {
    let mut effects = Vec::new();
    let mut state = state;
    for e in events {
        let (s, mut f) = next(state, e);
        state = s;
        effects.append(&mut f);
    }
    (state, effects)
}

pub(super) fn cont(opened: bool) -> HandoffEvent {
    HandoffEvent::Continue {
        window_opened: opened,
    }
}

pub(super) fn waiting() -> Handoff {
    run(
        Handoff::confirm(hooli(), LaunchMode::Popup),
        vec![cont(true), started("n-1")],
    )
    .0
}

pub(super) fn back(nonce: &str, ids: &[&str]) -> HandoffEvent {
    HandoffEvent::ResultArrived {
        nonce: nonce.into(),
        result: ConsentResult {
            job_id: ids.last().map(|s| s.to_string()),
            job_ids: ids.iter().map(|s| s.to_string()).collect(),
        },
        now_ms: 20_000,
    }
}

pub(super) fn job(id: &str, institution: &str, status: &str, fail_code: Option<&str>) -> Job {
    let verify = match fail_code {
        Some(code) => step(
            "verify-credentials",
            "failed",
            failure(code, "Refused", "access_denied"),
        ),
        None => step(
            "verify-credentials",
            status,
            link(&format!("/users/u/connections/conn-{id}")),
        ),
    };
    let rest = if fail_code.is_some() {
        "pending"
    } else {
        status
    };
    let mut j = with_id(
        id,
        json!([
            verify,
            step("retrieve-accounts", rest, link("/users/u/accounts")),
            step("retrieve-transactions", rest, link("/users/u/transactions")),
        ]),
    );
    j.institution = serde_json::from_value(json!({"type": "institution", "id": institution})).ok();
    j
}

pub(super) fn polled(j: Job) -> HandoffEvent {
    HandoffEvent::JobPolled {
        job: j,
        requested_at_ms: 21_000,
        now_ms: 21_000,
    }
}

#[test]
fn choosing_a_bank_shows_the_continue_step_and_starts_nothing() {
    let (s, effects) = enter(HandoffEvent::Choose {
        institution: hooli(),
        mode: LaunchMode::Page,
    })
    .unwrap();
    assert_eq!(s.screen(), HandoffScreen::Confirming);
    assert_eq!(s.institution().map(|i| i.id.as_str()), Some("AU00000"));
    assert!(effects.is_empty());
    assert!(enter(HandoffEvent::Cancel).is_none());
}

#[test]
fn page_mode_starts_then_navigates_to_the_consent_ui() {
    let (s, effects) = run(
        Handoff::confirm(hooli(), LaunchMode::Page),
        vec![cont(false)],
    );
    assert_eq!(s.screen(), HandoffScreen::Starting);
    assert_eq!(
        effects,
        vec![HandoffEffect::Start(
            json!({"mode": "page", "institution_id": "AU00000"})
        )]
    );
    let (s, effects) = next(s, started("n-1"));
    assert!(matches!(s, Handoff::Leaving { .. }));
    assert_eq!(
        effects,
        vec![HandoffEffect::Navigate(
            "https://consent.example/home?token=t&state=s".into()
        )]
    );
}

#[test]
fn popup_mode_sends_the_window_and_watches_the_relay() {
    let (s, effects) = run(
        Handoff::confirm(hooli(), LaunchMode::Popup),
        vec![cont(true), started("n-1")],
    );
    assert_eq!(s.screen(), HandoffScreen::Waiting);
    assert_eq!(s.watched_nonce(), Some("n-1"));
    assert!(effects.contains(&HandoffEffect::SendPopup(
        "https://consent.example/home?token=t&state=s".into()
    )));
    assert!(effects.contains(&HandoffEffect::WatchResult("n-1".into())));
    match s {
        Handoff::Waiting { expires_at_ms, .. } => assert_eq!(expires_at_ms, 10_000 + 1_800_000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_blocked_popup_stays_on_the_step_saying_so_and_a_fresh_click_retries() {
    let (s, effects) = next(Handoff::confirm(hooli(), LaunchMode::Popup), cont(false));
    assert!(matches!(s, Handoff::Confirming { blocked: true, .. }));
    assert!(effects.is_empty(), "nothing starts without a window");
    let (s, effects) = next(s, cont(true));
    assert_eq!(s.screen(), HandoffScreen::Starting);
    assert!(matches!(effects[0], HandoffEffect::Start(_)));
}

#[test]
fn renew_and_manage_begin_straight_away_with_their_action() {
    let (s, effects) = enter(HandoffEvent::Begin {
        target: Target {
            institution: None,
            action: Some(ConsentAction::Reauthorise),
            connection_id: Some("c-1".into()),
        },
        mode: LaunchMode::Page,
        window_opened: false,
    })
    .unwrap();
    assert_eq!(s.screen(), HandoffScreen::Starting);
    assert_eq!(
        effects,
        vec![HandoffEffect::Start(
            json!({"mode": "page", "action": "reauthorise", "connection_id": "c-1"})
        )]
    );
    for a in [
        ConsentAction::Manage,
        ConsentAction::Reauthorise,
        ConsentAction::Extend,
    ] {
        assert_eq!(ConsentAction::parse(a.as_str()), Some(a));
    }
    assert_eq!(ConsentAction::parse("payment"), None);
    let manage = Target {
        action: Some(ConsentAction::Manage),
        ..Target::default()
    };
    assert_eq!(
        manage.start_body(LaunchMode::Popup),
        json!({"mode": "popup", "action": "manage"})
    );
}

#[test]
fn the_window_closed_while_blank_or_long_after_leaving_is_its_own_ending() {
    let (s, effects) = run(
        Handoff::confirm(hooli(), LaunchMode::Popup),
        vec![cont(true), HandoffEvent::PopupGone { now_ms: 10_100 }],
    );
    assert!(
        matches!(
            &s,
            Handoff::Ended {
                ending: Ending::WindowClosed,
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(effects.len(), 1, "only the start: {effects:?}");
    let (s, _) = next(
        waiting(),
        HandoffEvent::PopupGone {
            now_ms: 10_000 + SEVER_GRACE_MS + 1,
        },
    );
    assert!(matches!(
        s,
        Handoff::Ended {
            ending: Ending::WindowClosed,
            ..
        }
    ));
    // Try again: back to the step (the next click opens a new window).
    let (s, _) = next(s, HandoffEvent::Retry);
    assert!(matches!(s, Handoff::Confirming { blocked: false, .. }));
}

#[test]
fn a_window_cut_off_right_after_it_left_keeps_waiting_for_the_relay() {
    let (s, effects) = next(waiting(), HandoffEvent::PopupGone { now_ms: 11_000 });
    assert!(matches!(
        s,
        Handoff::Waiting {
            window: PopupWindow::Unreachable,
            ..
        }
    ));
    assert!(effects.is_empty());
    // "Show the window again" opens the same page in a new window.
    let (s, effects) = next(s, HandoffEvent::ShowWindow);
    assert_eq!(
        effects,
        vec![HandoffEffect::ReopenPopup(
            "https://consent.example/home?token=t&state=s".into()
        )]
    );
    // The relay still brings the result.
    let (s, _) = next(s, back("n-1", &["j-1"]));
    assert_eq!(s.screen(), HandoffScreen::Following);
}

#[test]
fn show_again_focuses_a_reachable_window_and_cancel_closes_it() {
    let (s, effects) = next(waiting(), HandoffEvent::ShowWindow);
    assert_eq!(effects, vec![HandoffEffect::FocusPopup]);
    let (s, effects) = next(s, HandoffEvent::Cancel);
    assert!(matches!(s, Handoff::Confirming { .. }));
    assert_eq!(effects, vec![HandoffEffect::ClosePopup]);
}

#[test]
fn the_popups_word_asks_the_relay_at_once_but_only_for_our_nonce() {
    let (s, effects) = next(
        waiting(),
        HandoffEvent::PopupSaidBack {
            nonce: "other".into(),
        },
    );
    assert_eq!(s, waiting());
    assert!(effects.is_empty());
    let (s, effects) = next(
        s,
        HandoffEvent::PopupSaidBack {
            nonce: "n-1".into(),
        },
    );
    assert!(matches!(&s, Handoff::Returning { nonce, .. } if nonce == "n-1"));
    assert_eq!(effects, vec![HandoffEffect::AskResultNow("n-1".into())]);
    let (s, _) = next(s, back("other", &["j-9"]));
    assert!(
        matches!(s, Handoff::Returning { .. }),
        "a foreign result is ignored"
    );
}

#[test]
fn taking_longer_than_the_tokens_life_ends_the_wait() {
    let (s, _) = next(waiting(), HandoffEvent::Tick { now_ms: 1_000_000 });
    assert_eq!(s.screen(), HandoffScreen::Waiting);
    let (s, effects) = next(s, HandoffEvent::Tick { now_ms: 1_810_000 });
    assert!(matches!(
        s,
        Handoff::Ended {
            ending: Ending::TookTooLong,
            ..
        }
    ));
    assert_eq!(effects, vec![HandoffEffect::ClosePopup]);
    let (s, _) = enter(HandoffEvent::CameBack {
        nonce: "n".into(),
        purpose: None,
    })
    .unwrap();
    let (s, _) = next(s, HandoffEvent::ResultGone);
    assert!(matches!(
        s,
        Handoff::Ended {
            ending: Ending::TookTooLong,
            target: None,
            ..
        }
    ));
}

#[test]
fn the_consent_site_unreachable_is_said_and_can_be_retried() {
    let (s, effects) = run(
        Handoff::confirm(hooli(), LaunchMode::Popup),
        vec![
            cont(true),
            HandoffEvent::StartFailed(crate::errors::network_failure()),
        ],
    );
    assert!(matches!(
        &s,
        Handoff::Ended {
            ending: Ending::SiteUnreachable,
            ..
        }
    ));
    assert!(effects.contains(&HandoffEffect::ClosePopup));
    assert_eq!(s.institution().map(|i| i.name.as_str()), Some("Hooli Bank"));
    let (s, _) = next(s, HandoffEvent::Retry);
    assert!(matches!(s, Handoff::Confirming { .. }));
}

#[test]
fn every_ending_has_words_and_a_name() {
    for e in [
        Ending::Declined,
        Ending::Cancelled,
        Ending::InstitutionUnavailable,
        Ending::TookTooLong,
        Ending::SiteUnreachable,
        Ending::WindowClosed,
        Ending::ConsentManaged,
        Ending::ReturnRefused("state-invalid".into()),
        Ending::Failed(crate::errors::network_failure()),
    ] {
        assert!(!e.title().is_empty() && e.sentence().len() > 20, "{e:?}");
        assert!(e.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    }
    let ended = UserError::new(ErrorKind::SessionEnded);
    assert!(!Ending::Failed(ended).can_retry());
}

#[test]
fn back_from_manage_or_extend_consent_without_a_job_is_done_not_cancelled() {
    // Page mode: the page says what the visit was for (managing or extending the consent).
    for purpose in [ConsentAction::Manage, ConsentAction::Extend] {
        let (s, effects) = enter(HandoffEvent::CameBack {
            nonce: "n-1".into(),
            purpose: Some(purpose),
        })
        .unwrap();
        assert_eq!(effects, vec![HandoffEffect::WatchResult("n-1".into())]);
        let (s, effects) = next(s, back("n-1", &[]));
        assert!(
            matches!(
                &s,
                Handoff::Ended {
                    ending: Ending::ConsentManaged,
                    ..
                }
            ),
            "{purpose:?}: {s:?}"
        );
        assert_eq!(effects, vec![HandoffEffect::ReconcileConnections]);
    }
    assert!(!Ending::ConsentManaged.can_retry());
    // A plain connect that came back without a job is still cancelled.
    let (s, _) = enter(HandoffEvent::CameBack {
        nonce: "n-1".into(),
        purpose: None,
    })
    .unwrap();
    let (s, _) = next(s, back("n-1", &[]));
    assert!(matches!(
        &s,
        Handoff::Ended {
            ending: Ending::Cancelled,
            ..
        }
    ));

    // Popup mode: the waiting state knows its target.
    let manage = Target {
        action: Some(ConsentAction::Manage),
        ..Target::default()
    };
    let (s, _) = enter(HandoffEvent::Begin {
        target: manage,
        mode: LaunchMode::Popup,
        window_opened: true,
    })
    .unwrap();
    let (s, _) = next(s, started("n-2"));
    let (relayed, _) = next(s.clone(), back("n-2", &[]));
    assert!(matches!(
        &relayed,
        Handoff::Ended {
            ending: Ending::ConsentManaged,
            ..
        }
    ));
    let (s, effects) = next(
        s,
        HandoffEvent::PopupSaidBack {
            nonce: "n-2".into(),
        },
    );
    assert_eq!(effects, vec![HandoffEffect::AskResultNow("n-2".into())]);
    let (s, _) = next(s, back("n-2", &[]));
    assert!(matches!(
        &s,
        Handoff::Ended {
            ending: Ending::ConsentManaged,
            ..
        }
    ));
}

#[test]
fn the_popups_refusal_ends_the_wait_with_its_screen_and_a_retry() {
    let (s, effects) = next(
        waiting(),
        HandoffEvent::PopupSaidFailed {
            code: "state-replayed".into(),
        },
    );
    assert_eq!(
        effects,
        vec![
            HandoffEffect::ClosePopup,
            HandoffEffect::ReconcileConnections
        ]
    );
    match &s {
        Handoff::Ended { ending, target, .. } => {
            assert_eq!(ending, &Ending::ReturnRefused("state-replayed".into()));
            assert_eq!(ending.name(), "handoff_refused");
            assert!(ending.can_retry() && target.is_some());
        }
        other => panic!("{other:?}"),
    }
    let (s, _) = next(s, HandoffEvent::Retry);
    assert!(matches!(s, Handoff::Confirming { .. }));
    // Said when nothing waits for it, it changes nothing.
    let confirming = Handoff::confirm(hooli(), LaunchMode::Popup);
    let (after, effects) = next(
        confirming.clone(),
        HandoffEvent::PopupSaidFailed { code: "x".into() },
    );
    assert_eq!(after, confirming);
    assert!(effects.is_empty());
}

#[test]
fn the_return_pages_message_is_origin_and_schema_checked() {
    let own = "https://widget.example";
    let back = json!({"type": "bank-connect:handoff-returned", "nonce": "Ab_3-x", "code": ""});
    assert_eq!(
        popup_message(own, own, &back),
        Some(HandoffEvent::PopupSaidBack {
            nonce: "Ab_3-x".into()
        })
    );
    let failed =
        json!({"type": "bank-connect:handoff-failed", "nonce": "", "code": "state-replayed"});
    assert_eq!(
        popup_message(own, own, &failed),
        Some(HandoffEvent::PopupSaidFailed {
            code: "state-replayed".into()
        })
    );
    // Another origin (even a look-alike), or none.
    for origin in [
        "https://evil.example",
        "https://widget.example.evil",
        "",
        "null",
    ] {
        assert_eq!(popup_message(origin, own, &back), None, "{origin}");
    }
    // Wrong shapes.
    for bad in [
        json!("bank-connect:handoff-returned"),
        json!({"type": "bank-connect:handoff-returned"}),
        json!({"type": "bank-connect:handoff-returned", "nonce": ""}),
        json!({"type": "bank-connect:handoff-returned", "nonce": 7}),
        json!({"type": "bank-connect:handoff-returned", "nonce": "a b"}),
        json!({"type": "bank-connect:handoff-returned", "nonce": "x".repeat(129)}),
        json!({"type": "bank-connect:handoff-returned", "nonce": "n", "jobIds": "j"}),
        json!({"type": "bank-connect:handoff-failed", "code": ""}),
        json!({"type": "bank-connect:handoff-failed", "code": "<script>"}),
        json!({"type": "HANDOFF", "nonce": "n"}),
        json!(null),
    ] {
        assert_eq!(popup_message(own, own, &bad), None, "{bad}");
    }
}

fn arb_event() -> impl Strategy<Value = HandoffEvent> {
    let nonce = prop_oneof![Just("n-1".to_string()), Just("x".to_string())];
    let ids = proptest::collection::vec(prop_oneof![Just("j-1"), Just("j-2"), Just("")], 0..3);
    prop_oneof![
        any::<bool>().prop_map(cont),
        Just(started("n-1")),
        Just(HandoffEvent::StartFailed(crate::errors::network_failure())),
        any::<u64>().prop_map(|now_ms| HandoffEvent::PopupGone { now_ms }),
        nonce
            .clone()
            .prop_map(|nonce| HandoffEvent::PopupSaidBack { nonce }),
        Just(HandoffEvent::PopupSaidFailed {
            code: "state-invalid".into()
        }),
        (nonce, ids).prop_map(|(n, ids)| back(&n, &ids)),
        Just(HandoffEvent::ResultGone),
        Just(HandoffEvent::ResultFailed(crate::errors::network_failure())),
        Just(polled(job("j-1", "AU00000", "success", None))),
        Just(polled(job("j-2", "AU00004", "in-progress", None))),
        Just(polled(job(
            "j-2",
            "AU00004",
            "",
            Some("authorization-failed")
        ))),
        Just(HandoffEvent::JobPollFailed {
            job_id: "j-2".into(),
            error: crate::errors::network_failure()
        }),
        Just(HandoffEvent::AccountsLoaded(Vec::new())),
        Just(HandoffEvent::AccountsFailed(
            crate::errors::network_failure()
        )),
        Just(HandoffEvent::ReloadAccounts),
        Just(HandoffEvent::ShowWindow),
        Just(HandoffEvent::Cancel),
        Just(HandoffEvent::Retry),
        any::<u64>().prop_map(|now_ms| HandoffEvent::Tick { now_ms }),
    ]
}

proptest! {
    #[test]
    fn any_event_sequence_is_safe(
        popup in any::<bool>(),
        events in proptest::collection::vec(arb_event(), 0..40),
    ) {
        let mode = if popup { LaunchMode::Popup } else { LaunchMode::Page };
        let mut st = Handoff::confirm(hooli(), mode);
        for e in events {
            let (after, effects) = next(st, e);
            // Page mode never touches a popup; a navigation happens only on leaving.
            if !popup {
                let popup_effect = effects.iter().any(|f| matches!(f,
                    HandoffEffect::SendPopup(_) | HandoffEffect::ReopenPopup(_)));
                prop_assert!(!popup_effect);
            }
            if effects.iter().any(|f| matches!(f, HandoffEffect::Navigate(_))) {
                let leaving = matches!(after, Handoff::Leaving { .. });
                prop_assert!(leaving);
            }
            // Only our nonce is ever watched.
            if let Some(n) = after.watched_nonce() {
                prop_assert_eq!(n, "n-1");
            }
            st = after;
        }
    }
}

#[test]
fn the_flow_enters_the_handoff_from_the_picker_and_leaves_it_with_its_popup() {
    use crate::flow::{self, FlowEffect, FlowEvent, FlowState, Screen};
    let (s, _) = flow::next(FlowState::Idle, FlowEvent::Open);
    let (s, effects) = flow::next(
        s,
        FlowEvent::Handoff(HandoffEvent::Choose {
            institution: hooli(),
            mode: LaunchMode::Popup,
        }),
    );
    assert_eq!(Screen::of(&s), Screen::Handoff(HandoffScreen::Confirming));
    assert!(effects.iter().any(|e| matches!(e, FlowEffect::Focus(_))));
    assert_eq!(s.institution().map(|i| i.id.as_str()), Some("AU00000"));
    let (back, _) = flow::next(s.clone(), FlowEvent::Back);
    assert!(matches!(back, FlowState::Picking { .. }));
    let (s, _) = flow::next(s, FlowEvent::Handoff(cont(true)));
    let (s, effects) = flow::next(s, FlowEvent::Handoff(started("n-1")));
    assert!(
        effects.contains(&FlowEffect::Handoff(HandoffEffect::WatchResult(
            "n-1".into()
        )))
    );
    let (s, effects) = flow::next(s, FlowEvent::Close);
    assert_eq!(s, FlowState::Idle);
    assert!(effects.contains(&FlowEffect::Handoff(HandoffEffect::ClosePopup)));
    // A hand-off event that starts nothing leaves the flow alone.
    let (s, _) = flow::next(s, FlowEvent::Handoff(HandoffEvent::Cancel));
    assert_eq!(s, FlowState::Idle);
}

#[test]
fn only_hand_off_events_are_left_for_the_full_machine() {
    use crate::flow::{self, FlowEvent, FlowState};
    let event = FlowEvent::Handoff(HandoffEvent::Cancel);
    let back = flow::next_unless_handoff(FlowState::Idle, event.clone());
    assert_eq!(back, Err((FlowState::Idle, event)));
    let (s, _) = flow::next_unless_handoff(FlowState::Idle, FlowEvent::Open).unwrap();
    assert!(matches!(s, FlowState::Picking { .. }));
}

#[test]
fn see_your_banks_goes_home_without_closing_an_embedded_widget() {
    use crate::embed::{WidgetMessage, messages_for};
    use crate::flow::{self, FlowEvent, FlowState};
    let ended = FlowState::Handoff(Handoff::Ended {
        ending: Ending::ConsentManaged,
        target: None,
        mode: LaunchMode::Page,
    });
    let (s, _) = flow::next(ended.clone(), FlowEvent::Home);
    assert_eq!(s, FlowState::Idle);
    let told = messages_for(&ended, &FlowEvent::Home, &s);
    assert!(
        !told.iter().any(|m| matches!(m, WidgetMessage::Exit { .. })),
        "{told:?}"
    );
    // Elsewhere (mid-connection, the picker) it changes nothing.
    let picking = FlowState::Picking {
        query: String::new(),
    };
    assert_eq!(flow::next(picking.clone(), FlowEvent::Home).0, picking);
}
