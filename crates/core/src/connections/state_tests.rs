use super::*;
use crate::InstitutionSummary;
use crate::api_types::{AccountView, ConnectionView, TransactionPage};
use crate::basiq::Job;
use crate::connections::from_server;
use crate::errors;
use crate::job::fixtures::*;
use crate::job::{Answer, MFA_REFUSED};
use proptest::prelude::*;
use serde_json::json;

fn conn(id: &str, status: &str) -> ConnectionView {
    ConnectionView {
        id: id.into(),
        status: status.into(),
        institution_id: "AU00002".into(),
        institution_name: "Pied Piper Bank".into(),
        institution_logo: Some("https://x/logo.svg".into()),
        last_used: None,
        created_date: None,
        mfa_enabled: true,
        ..ConnectionView::default()
    }
}

fn account(id: &str, connection_id: &str) -> AccountView {
    AccountView {
        id: id.into(),
        connection_id: connection_id.into(),
        institution_id: "AU00002".into(),
        name: "Savings".into(),
        masked_number: "•••• 6789".into(),
        balance: "10.00".into(),
        available_funds: None,
        currency: "AUD".into(),
        class: "savings".into(),
        last_updated: None,
    }
}

fn loaded() -> ConnectionsScreen {
    let s = go(ConnectionsScreen::default(), ConnectionsEvent::Show);
    let s = go(s, ConnectionsEvent::ListLoaded(vec![conn("c1", "active")]));
    go(
        s,
        ConnectionsEvent::AccountsLoaded(vec![account("a1", "c1")]),
    )
}

fn go(s: ConnectionsScreen, e: ConnectionsEvent) -> ConnectionsScreen {
    next(s, e).0
}

fn polled(job: Job, requested_at_ms: u64, now_ms: u64) -> ConnectionsEvent {
    ConnectionsEvent::JobPolled {
        id: "c1".into(),
        job,
        requested_at_ms,
        now_ms,
    }
}

/// c1 refreshing since 1 s; its job asked the security question at 5 s and the answer was
/// accepted for checking at 6 s.
fn refresh_answered() -> ConnectionsScreen {
    let (s, fx) = next(
        loaded(),
        ConnectionsEvent::Refresh {
            id: "c1".into(),
            watch: true,
            now_ms: 1_000,
        },
    );
    assert_eq!(fx, [ConnectionsEffect::StartRefresh("c1".into())]);
    assert_eq!(s.note.as_deref(), Some("Refreshing Pied Piper Bank…"));
    let (s, fx) = next(
        s,
        ConnectionsEvent::RefreshStarted {
            id: "c1".into(),
            job_id: "job-1".into(),
        },
    );
    assert_eq!(
        fx,
        [ConnectionsEffect::PollJob {
            id: "c1".into(),
            job_id: "job-1".into()
        }]
    );
    let (s, fx) = next(s, polled(mfa_job("in-progress"), 5_000, 5_000));
    assert_eq!(
        fx,
        [ConnectionsEffect::Focus(ConnectionsFocus::StepHeading)]
    );
    assert!(s.running("c1").and_then(Running::asking).is_some());
    let (s, fx) = next(
        s,
        ConnectionsEvent::MfaSubmitted {
            id: "c1".into(),
            now_ms: 6_000,
        },
    );
    assert_eq!(
        fx,
        [ConnectionsEffect::PostMfa {
            id: "c1".into(),
            job_id: "job-1".into()
        }]
    );
    let s = go(s, ConnectionsEvent::MfaSent { id: "c1".into() });
    assert!(
        s.running("c1").and_then(Running::asking).is_none(),
        "the answer is with the bank: progress, not the question"
    );
    s
}

#[test]
fn refresh_answer_accepted_while_the_old_challenge_is_still_polled() {
    // Sent before the answer, landing after the 202.
    let (s, fx) = next(
        refresh_answered(),
        polled(mfa_job("in-progress"), 5_900, 6_100),
    );
    assert!(fx.is_empty(), "{fx:?}");
    let mfa = s.job("c1").and_then(|j| j.mfa.clone()).unwrap();
    assert_eq!(
        (mfa.answer, mfa.attempts),
        (Answer::Checking { at_ms: 6_000 }, 0)
    );
    let s = go(s, polled(mfa_job("success"), 7_000, 7_000));
    assert!(s.job("c1").is_some_and(|j| j.mfa.is_none()));
    let (s, fx) = next(s, polled(done(), 8_000, 8_000));
    assert!(s.running("c1").is_none());
    assert_eq!(s.note.as_deref(), Some("Pied Piper Bank refreshed."));
    assert_eq!(s.watching, None);
    assert_eq!(
        fx,
        [
            ConnectionsEffect::Focus(ConnectionsFocus::CardHeadingFromJobArea("c1".into())),
            ConnectionsEffect::ReloadAfterJob("c1".into())
        ]
    );
}

#[test]
fn refresh_answer_refused_and_asked_again() {
    let (s, fx) = next(
        refresh_answered(),
        polled(mfa_job("in-progress"), 7_000, 7_050),
    );
    let asking = s.running("c1").and_then(Running::asking).cloned();
    let mfa = asking.expect("asked again, not left on 'Confirming it's you'");
    assert_eq!(mfa.error.as_deref(), Some(MFA_REFUSED));
    assert_eq!(mfa.attempts, 1);
    assert_eq!(
        fx,
        [ConnectionsEffect::Focus(ConnectionsFocus::StepHeading)]
    );
    // Then answered right.
    let s = go(
        s,
        ConnectionsEvent::MfaSubmitted {
            id: "c1".into(),
            now_ms: 9_000,
        },
    );
    let s = go(s, ConnectionsEvent::MfaSent { id: "c1".into() });
    let s = go(s, polled(mfa_job("success"), 9_500, 9_500));
    let s = go(s, polled(done(), 10_000, 10_000));
    assert_eq!(s.note.as_deref(), Some("Pied Piper Bank refreshed."));
}

#[test]
fn a_failed_mfa_post_keeps_the_question() {
    let s = go(
        refresh_answered(),
        polled(mfa_job("in-progress"), 7_000, 7_000),
    );
    let s = go(
        s,
        ConnectionsEvent::MfaSubmitted {
            id: "c1".into(),
            now_ms: 8_000,
        },
    );
    let s = go(
        s,
        ConnectionsEvent::MfaNotSent {
            id: "c1".into(),
            message: "offline".into(),
        },
    );
    let mfa = s.running("c1").and_then(Running::asking).cloned().unwrap();
    assert_eq!(
        (mfa.answer, mfa.error.as_deref()),
        (Answer::Open, Some("offline"))
    );
}

#[test]
fn refusals_of_the_refresh_set_the_wait() {
    let s = go(
        loaded(),
        ConnectionsEvent::Refresh {
            id: "c1".into(),
            watch: false,
            now_ms: 1_000,
        },
    );
    assert_eq!(s.watching, None);
    assert_eq!(s.wait_of("c1", 1_000), Some(300));
    assert!(s.refresh_all_targets(1_000).is_empty(), "already running");
    let too_soon = from_server(
        429,
        r#"{"code":"refresh-too-soon","message":"Too soon"}"#,
        Some("42"),
    );
    let (s, fx) = next(
        s,
        ConnectionsEvent::RefreshRefused {
            id: "c1".into(),
            error: too_soon.clone(),
            now_ms: 2_000,
        },
    );
    assert!(fx.is_empty());
    assert!(s.running("c1").is_none());
    assert_eq!(s.cards["c1"].error, None, "a wait is not an error");
    assert_eq!(s.note.as_deref(), Some(too_soon.message.as_str()));
    assert_eq!(s.wait_of("c1", 2_000), Some(42));
    assert_eq!(s.wait_of("c1", 44_000), None);
    assert_eq!(s.refresh_all_targets(44_000), ["c1"]);

    let invalid = from_server(
        409,
        r#"{"code":"connection-invalid","message":"Needs your password"}"#,
        None,
    );
    let s = go(
        s,
        ConnectionsEvent::Refresh {
            id: "c1".into(),
            watch: true,
            now_ms: 50_000,
        },
    );
    let (s, fx) = next(
        s,
        ConnectionsEvent::RefreshRefused {
            id: "c1".into(),
            error: invalid,
            now_ms: 50_100,
        },
    );
    assert_eq!(s.cards["c1"].error.as_deref(), Some("Needs your password"));
    assert_eq!(
        s.note.as_deref(),
        Some("Pied Piper Bank couldn't be refreshed.")
    );
    assert!(fx.contains(&ConnectionsEffect::ReloadAfterJob("c1".into())));
    assert_eq!(
        s.wait_of("c1", 50_100),
        None,
        "the refused start does not count"
    );
}

fn update_form() -> ConnectionsScreen {
    let (s, fx) = next(
        loaded(),
        ConnectionsEvent::OpenUpdate {
            id: "c1".into(),
            open: UpdateOpening {
                institution: InstitutionSummary::basic("AU00002", "Pied Piper Bank", "Pied Piper"),
                login_prefill: None,
                notice: None,
            },
        },
    );
    assert_eq!(
        fx,
        [
            ConnectionsEffect::Focus(ConnectionsFocus::StepHeading),
            ConnectionsEffect::FetchInstitution {
                id: "c1".into(),
                institution_id: "AU00002".into()
            }
        ]
    );
    let u = s.updating.as_ref().unwrap();
    assert_eq!(u.institution.logo.as_deref(), Some("https://x/logo.svg"));
    s
}

fn check(login_id: &str, password: &str) -> FormCheck {
    let inst = InstitutionSummary::basic("AU00002", "Pied Piper Bank", "Pied Piper");
    crate::validation::check_credentials(
        &crate::validation::form_fields(&inst),
        &crate::validation::CredentialInput {
            login_id,
            password,
            ..Default::default()
        },
    )
}

fn valid_check() -> FormCheck {
    check("gavinBelson", "hooli2016")
}

#[test]
fn a_refused_update_goes_back_to_the_form_with_the_login_and_the_reason() {
    let (s, fx) = next(
        update_form(),
        ConnectionsEvent::SubmitUpdate {
            login_id: "gavinBelson".into(),
            check: valid_check(),
        },
    );
    assert_eq!(fx, [ConnectionsEffect::PostUpdate("c1".into())]);
    assert!(s.updating.as_ref().is_some_and(|u| u.submitting));
    let (s, fx) = next(
        s,
        ConnectionsEvent::UpdateStarted {
            id: "c1".into(),
            job_id: "job-1".into(),
            now_ms: 1_000,
        },
    );
    assert!(s.updating.is_none());
    assert_eq!(s.watching.as_deref(), Some("c1"));
    assert!(fx.contains(&ConnectionsEffect::PollJob {
        id: "c1".into(),
        job_id: "job-1".into()
    }));
    let (s, fx) = next(
        s,
        polled(failed_job("invalid-credentials", "t", "d"), 2_000, 2_000),
    );
    assert_eq!(
        s.note.as_deref(),
        Some("Pied Piper Bank didn't accept those details.")
    );
    assert_eq!(s.cards["c1"].error, None);
    let offer = fx
        .iter()
        .find_map(|f| match f {
            ConnectionsEffect::OfferUpdate {
                id,
                login_prefill,
                notice,
            } => Some((id.clone(), login_prefill.clone(), notice.clone())),
            _ => None,
        })
        .expect("the form is offered again");
    assert_eq!(offer.0, "c1");
    assert_eq!(offer.1.as_deref(), Some("gavinBelson"));
    assert_eq!(offer.2.map(|e| e.kind), Some(ErrorKind::InvalidCredentials));
}

#[test]
fn a_failed_update_post_stays_on_the_form() {
    let s = go(
        update_form(),
        ConnectionsEvent::SubmitUpdate {
            login_id: "g".into(),
            check: valid_check(),
        },
    );
    let s = go(s, ConnectionsEvent::UpdateFailed(errors::network_failure()));
    let u = s.updating.as_ref().unwrap();
    assert!(!u.submitting);
    assert!(u.notice.is_some());
    let (s, fx) = next(s, ConnectionsEvent::CancelUpdate);
    assert!(s.updating.is_none());
    assert_eq!(
        fx,
        [ConnectionsEffect::Focus(ConnectionsFocus::RemoveButton(
            "c1".into()
        ))]
    );
    // An invalid form is only checked.
    let (s, fx) = next(
        update_form(),
        ConnectionsEvent::SubmitUpdate {
            login_id: String::new(),
            check: check("", ""),
        },
    );
    assert!(fx.is_empty());
    assert!(s.updating.as_ref().is_some_and(|u| !u.submitting));
}

#[test]
fn removing_asks_first_and_drops_the_connection_with_its_accounts() {
    let s = go(loaded(), ConnectionsEvent::AskRemove("c1".into()));
    assert_eq!(s.confirm_remove.as_deref(), Some("c1"));
    let (s, fx) = next(s, ConnectionsEvent::CancelRemove);
    assert_eq!(
        fx,
        [ConnectionsEffect::Focus(ConnectionsFocus::RemoveButton(
            "c1".into()
        ))]
    );
    let s = go(s, ConnectionsEvent::AskRemove("c1".into()));
    let (s, fx) = next(s, ConnectionsEvent::ConfirmRemove("c1".into()));
    assert_eq!(fx, [ConnectionsEffect::Remove("c1".into())]);
    assert_eq!(s.note.as_deref(), Some("Removing Pied Piper Bank…"));
    let failed = go(
        s.clone(),
        ConnectionsEvent::RemoveFailed {
            id: "c1".into(),
            message: "No".into(),
        },
    );
    assert_eq!(failed.cards["c1"].error.as_deref(), Some("No"));
    let s = go(
        s,
        ConnectionsEvent::ToggleTransactions {
            connection_id: "c1".into(),
            account_id: "a1".into(),
        },
    );
    let (s, fx) = next(s, ConnectionsEvent::Removed("c1".into()));
    assert_eq!(s.connections.as_deref(), Some(&[][..]));
    assert!(s.accounts.is_empty() && s.transactions.is_empty() && s.cards.is_empty());
    assert_eq!(s.note.as_deref(), Some("Pied Piper Bank was removed."));
    assert_eq!(fx, [ConnectionsEffect::Focus(ConnectionsFocus::Heading)]);
}

fn page(ids: &[&str], next: Option<&str>) -> TransactionPage {
    serde_json::from_value(json!({
        "transactions": ids.iter().map(|id| json!({
            "id": id, "accountId": "a1", "date": "2026-11-24", "description": "Coffee",
            "amount": "-4.50", "pending": false
        })).collect::<Vec<_>>(),
        "next": next,
    }))
    .unwrap()
}

#[test]
fn transactions_open_page_by_page() {
    let toggle = ConnectionsEvent::ToggleTransactions {
        connection_id: "c1".into(),
        account_id: "a1".into(),
    };
    let (s, fx) = next(loaded(), toggle.clone());
    assert_eq!(
        fx,
        [ConnectionsEffect::LoadPage {
            connection_id: "c1".into(),
            account_id: "a1".into(),
            cursor: None
        }]
    );
    assert!(s.transactions["a1"].loading);
    let s = go(
        s,
        ConnectionsEvent::PageLoaded {
            account_id: "a1".into(),
            more: false,
            page: Ok(page(&["t1", "t2"], Some("p2"))),
        },
    );
    let (s, fx) = next(
        s,
        ConnectionsEvent::MoreTransactions {
            connection_id: "c1".into(),
            account_id: "a1".into(),
        },
    );
    assert_eq!(
        fx,
        [ConnectionsEffect::LoadPage {
            connection_id: "c1".into(),
            account_id: "a1".into(),
            cursor: Some("p2".into())
        }]
    );
    let s = go(
        s,
        ConnectionsEvent::PageLoaded {
            account_id: "a1".into(),
            more: true,
            page: Ok(page(&["t2", "t3"], None)),
        },
    );
    let t = &s.transactions["a1"];
    let ids: Vec<_> = t.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["t1", "t2", "t3"]);
    assert!(t.next.is_none() && t.loaded && !t.loading);
    // Closing and opening again does not reload; a job's end reloads the open list.
    let (s, fx) = next(s, toggle.clone());
    assert!(fx.is_empty());
    let (s, fx) = next(s, toggle);
    assert!(fx.is_empty());
    let (_, fx) = next(s, ConnectionsEvent::ReloadedAfterJob("c1".into()));
    assert_eq!(fx.len(), 1);
    let failed = go(
        loaded(),
        ConnectionsEvent::PageLoaded {
            account_id: "a1".into(),
            more: false,
            page: Err("Offline".into()),
        },
    );
    assert_eq!(failed.transactions["a1"].error.as_deref(), Some("Offline"));
}

#[test]
fn list_failures_and_unfinished_connections() {
    let no_session = from_server(401, r#"{"code":"no-session","message":"x"}"#, None);
    let s = go(
        ConnectionsScreen::default(),
        ConnectionsEvent::ListFailed(no_session),
    );
    assert_eq!(s.connections.as_deref(), Some(&[][..]));
    assert_eq!(s.load_error, None, "no session means nothing connected yet");
    let down = from_server(
        502,
        r#"{"code":"upstream","message":"Basiq is down"}"#,
        None,
    );
    let s = go(s, ConnectionsEvent::ListFailed(down));
    assert_eq!(s.load_error.as_deref(), Some("Basiq is down"));
    let s = go(s, ConnectionsEvent::ListLoaded(vec![conn("c1", "active")]));
    assert_eq!(s.load_error, None);
    assert!(s.any_unfinished(), "active without accounts yet");
    let s = go(
        s,
        ConnectionsEvent::AccountsLoaded(vec![account("a1", "c1")]),
    );
    assert!(!s.any_unfinished());
    let (s, fx) = next(s, ConnectionsEvent::Reload);
    assert_eq!(fx, [ConnectionsEffect::LoadList]);
    let (s, fx) = next(s, ConnectionsEvent::Hide);
    assert!(!s.open);
    assert_eq!(fx, [ConnectionsEffect::Focus(ConnectionsFocus::Entry)]);
}

#[test]
fn stopping_a_job_and_the_compact_view() {
    let s = go(
        loaded(),
        ConnectionsEvent::Refresh {
            id: "c1".into(),
            watch: true,
            now_ms: 0,
        },
    );
    let s = go(s, ConnectionsEvent::Background);
    assert_eq!(s.watching, None);
    let (s, fx) = next(s, ConnectionsEvent::Watch("c1".into()));
    assert_eq!(s.watching.as_deref(), Some("c1"));
    assert_eq!(
        fx,
        [ConnectionsEffect::Focus(ConnectionsFocus::StepHeading)]
    );
    let (s, fx) = next(s, ConnectionsEvent::StopFollowing("c1".into()));
    assert!(s.running("c1").is_none());
    assert!(fx.contains(&ConnectionsEffect::ReloadAfterJob("c1".into())));
    assert!(
        s.note
            .as_deref()
            .is_some_and(|n| n.starts_with("Stopped following"))
    );
    // A late poll of the stopped job changes nothing.
    let again = go(s.clone(), polled(done(), 5, 5));
    assert_eq!(again, s);
}

fn arb_event() -> impl Strategy<Value = ConnectionsEvent> {
    let id = prop_oneof![Just("c1".to_string()), Just("c2".to_string())];
    let jobs = prop_oneof![
        Just(running()),
        Just(done()),
        Just(mfa_job("in-progress")),
        Just(mfa_job("success")),
        Just(failed_job("invalid-credentials", "t", "d")),
    ];
    let t = 0u64..100_000;
    prop_oneof![
        Just(ConnectionsEvent::Show),
        Just(ConnectionsEvent::Hide),
        Just(ConnectionsEvent::Reload),
        Just(ConnectionsEvent::ListLoaded(vec![
            conn("c1", "active"),
            conn("c2", "pending")
        ])),
        Just(ConnectionsEvent::ListLoaded(vec![])),
        Just(ConnectionsEvent::AccountsLoaded(vec![account("a1", "c1")])),
        id.clone().prop_map(ConnectionsEvent::ReloadedAfterJob),
        (id.clone(), any::<bool>(), t.clone())
            .prop_map(|(id, watch, now_ms)| ConnectionsEvent::Refresh { id, watch, now_ms }),
        t.clone()
            .prop_map(|now_ms| ConnectionsEvent::RefreshAll { now_ms }),
        id.clone().prop_map(|id| ConnectionsEvent::RefreshStarted {
            id,
            job_id: "job-1".into()
        }),
        (id.clone(), t.clone()).prop_map(|(id, now_ms)| ConnectionsEvent::RefreshRefused {
            id,
            error: from_server(
                429,
                r#"{"code":"refresh-too-soon","message":"m"}"#,
                Some("9")
            ),
            now_ms
        }),
        (id.clone(), jobs, t.clone(), t.clone()).prop_map(|(id, job, requested_at_ms, now_ms)| {
            ConnectionsEvent::JobPolled {
                id,
                job,
                requested_at_ms,
                now_ms,
            }
        }),
        id.clone().prop_map(|id| ConnectionsEvent::PollFailed {
            id,
            message: "m".into()
        }),
        (id.clone(), t).prop_map(|(id, now_ms)| ConnectionsEvent::MfaSubmitted { id, now_ms }),
        id.clone().prop_map(|id| ConnectionsEvent::MfaSent { id }),
        id.clone().prop_map(ConnectionsEvent::Watch),
        Just(ConnectionsEvent::Background),
        id.clone().prop_map(ConnectionsEvent::StopFollowing),
        id.clone().prop_map(|id| ConnectionsEvent::OpenUpdate {
            id,
            open: UpdateOpening {
                institution: InstitutionSummary::basic("AU00002", "P", "P"),
                login_prefill: None,
                notice: None,
            }
        }),
        Just(ConnectionsEvent::SubmitUpdate {
            login_id: "gavinBelson".into(),
            check: valid_check()
        }),
        id.clone().prop_map(|id| ConnectionsEvent::UpdateStarted {
            id,
            job_id: "job-2".into(),
            now_ms: 3
        }),
        Just(ConnectionsEvent::UpdateFailed(errors::network_failure())),
        Just(ConnectionsEvent::CancelUpdate),
        id.clone().prop_map(ConnectionsEvent::AskRemove),
        Just(ConnectionsEvent::CancelRemove),
        id.clone().prop_map(ConnectionsEvent::ConfirmRemove),
        id.clone().prop_map(ConnectionsEvent::Removed),
        Just(ConnectionsEvent::ToggleTransactions {
            connection_id: "c1".into(),
            account_id: "a1".into()
        }),
        Just(ConnectionsEvent::MoreTransactions {
            connection_id: "c1".into(),
            account_id: "a1".into()
        }),
        any::<bool>().prop_map(|more| ConnectionsEvent::PageLoaded {
            account_id: "a1".into(),
            more,
            page: Ok(page(&["t1"], Some("p2")))
        }),
    ]
}

proptest! {
    #[test]
    fn any_event_sequence_is_safe(events in proptest::collection::vec(arb_event(), 0..50)) {
        let mut s = ConnectionsScreen::default();
        for e in events {
            let (after, fx) = next(s, e);
            s = after;
            // The password in the update form's check never reaches the state.
            let shown = format!("{:?}", s);
            prop_assert!(!shown.contains("hooli2016"));
            // Only a card with a running job is watched in full.
            if let Some(w) = &s.watching {
                prop_assert!(s.running(w).is_some(), "watching {} without a job", w);
            }
            for f in &fx {
                if let ConnectionsEffect::PollJob { id, job_id } = f {
                    prop_assert_eq!(s.job(id).map(|j| j.job_id.as_str()), Some(job_id.as_str()));
                }
            }
        }
    }
}

fn consent(id: &str, status: &str) -> crate::api_types::ConsentView {
    crate::api_types::ConsentView {
        id: id.into(),
        status: status.into(),
        expiry_date: None,
    }
}

fn with_consent() -> ConnectionsScreen {
    let mut s = loaded();
    s.consent_ui = true;
    go(
        s,
        ConnectionsEvent::ConsentsLoaded(vec![consent("old", "revoked"), consent("k1", "active")]),
    )
}

#[test]
fn revoking_the_consent_asks_first_then_removes_every_connection() {
    // Without an active consent there is nothing to revoke.
    assert!(!go(loaded(), ConnectionsEvent::AskRevoke).confirm_revoke);
    // Confirming without the dialog does nothing.
    let (s, fx) = next(with_consent(), ConnectionsEvent::ConfirmRevoke);
    assert!(fx.is_empty() && !s.revoking);

    let s = go(with_consent(), ConnectionsEvent::AskRevoke);
    assert!(s.confirm_revoke);
    let (s, fx) = next(s, ConnectionsEvent::CancelRevoke);
    assert!(!s.confirm_revoke);
    assert_eq!(
        fx,
        [ConnectionsEffect::Focus(ConnectionsFocus::RevokeButton)]
    );

    let s = go(s, ConnectionsEvent::AskRevoke);
    let (s, fx) = next(s, ConnectionsEvent::ConfirmRevoke);
    assert!(s.revoking);
    assert_eq!(fx, [ConnectionsEffect::RevokeConsent("k1".into())]);
    // A second press while it is on its way sends nothing more.
    let (s, fx) = next(s, ConnectionsEvent::ConfirmRevoke);
    assert!(fx.is_empty());

    let (s, fx) = next(s, ConnectionsEvent::Revoked("k1".into()));
    assert!(!s.revoking && !s.confirm_revoke);
    assert_eq!(s.connections.as_deref(), Some(&[][..]));
    assert!(s.accounts.is_empty());
    assert!(s.active_consent().is_none());
    assert_eq!(
        s.note.as_deref(),
        Some("Your consent was revoked and its connections were removed.")
    );
    assert_eq!(
        fx,
        [
            ConnectionsEffect::Focus(ConnectionsFocus::Heading),
            ConnectionsEffect::LoadList
        ]
    );
}

#[test]
fn a_failed_revocation_keeps_the_dialog_and_says_why() {
    let s = go(with_consent(), ConnectionsEvent::AskRevoke);
    let s = go(s, ConnectionsEvent::ConfirmRevoke);
    let s = go(s, ConnectionsEvent::RevokeFailed("Basiq is busy.".into()));
    assert!(s.confirm_revoke && !s.revoking);
    assert_eq!(s.revoke_error.as_deref(), Some("Basiq is busy."));
    assert_eq!(s.connections.as_ref().map(Vec::len), Some(1));
    // A late answer for a revocation no longer on its way changes nothing.
    let after = go(s.clone(), ConnectionsEvent::Revoked("k1".into()));
    assert_eq!(after, s);
}

#[test]
fn a_pre_init_connection_is_not_listed_nor_counted_as_unfinished() {
    let mut half = conn("c2", "pre-init");
    half.method = Some("open-banking".into());
    let s = go(
        loaded(),
        ConnectionsEvent::ListLoaded(vec![conn("c1", "active"), half]),
    );
    let ids: Vec<&str> = s
        .connections
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["c1"]);
    assert!(!s.any_unfinished());
}

#[test]
fn refresh_all_in_3_0_skips_connections_whose_access_ended() {
    let mut ended = conn("c2", "active");
    ended.method = Some("open-banking".into());
    ended.expiry_date = Some("1970-01-01T00:00:10Z".into());
    let mut s = go(
        loaded(),
        ConnectionsEvent::ListLoaded(vec![conn("c1", "active"), ended]),
    );
    assert_eq!(s.refresh_all_targets(20_000), ["c1", "c2"]);
    s.consent_ui = true;
    assert_eq!(s.refresh_all_targets(20_000), ["c1"]);
    let (_, fx) = next(s, ConnectionsEvent::RefreshAll { now_ms: 20_000 });
    assert_eq!(fx, [ConnectionsEffect::StartRefresh("c1".into())]);
}
