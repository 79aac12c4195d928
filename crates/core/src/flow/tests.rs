use super::*;
use crate::basiq::Job;
use crate::errors;
use crate::job::fixtures::*;
use crate::job::{Answer, JobView};
use crate::validation::{CredentialInput, check_credentials, form_fields};
use proptest::prelude::*;

fn hooli() -> InstitutionSummary {
    InstitutionSummary {
        tier: "4".into(),
        average_duration_ms: Some(31_588),
        ..InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")
    }
}

fn submit(login: &str, password: &str) -> FlowEvent {
    let fields = form_fields(&hooli());
    FlowEvent::Submit {
        login_id: login.into(),
        check: check_credentials(
            &fields,
            &CredentialInput {
                login_id: login,
                password,
                ..Default::default()
            },
        ),
    }
}

/// The state after one event (the effects are checked where they matter).
fn go(state: FlowState, event: FlowEvent) -> FlowState {
    next(state, event).0
}

fn run(events: Vec<FlowEvent>) -> FlowState {
    events.into_iter().fold(FlowState::Idle, go)
}

/// A poll sent and answered at `now_ms`.
fn polled(job: Job, now_ms: u64) -> FlowEvent {
    FlowEvent::JobUpdated {
        job,
        requested_at_ms: now_ms,
        now_ms,
    }
}

fn connecting(login: &str) -> Vec<FlowEvent> {
    vec![
        FlowEvent::Open,
        FlowEvent::Search("hoo".into()),
        FlowEvent::Select(hooli()),
        submit(login, "hooli2016"),
        FlowEvent::ConnectionCreated {
            job_id: "job-1".into(),
            now_ms: 1_000,
        },
    ]
}

fn form_of(st: &FlowState) -> &Form {
    match st {
        FlowState::EnteringCredentials(f) => f,
        other => panic!("{other:?}"),
    }
}

fn failure_of(st: &FlowState) -> &Failure {
    match st {
        FlowState::Failed(f) => f,
        other => panic!("{other:?}"),
    }
}

fn job_of(st: &FlowState) -> &JobFollow {
    st.job().unwrap_or_else(|| panic!("{st:?}"))
}

#[test]
fn happy_path() {
    let st = run(connecting("gavinBelson"));
    let job = job_of(&st);
    assert!(job.mfa.is_none());
    assert_eq!(job.started_at_ms, 1_000);
    assert_eq!(job.view.steps.len(), 3);
    assert_eq!(st.job_to_poll(), Some("job-1"));
    assert_eq!(st.elapsed_ms(4_500), Some(3_500));
    let st = go(st, polled(running(), 2_000));
    assert!(matches!(st, FlowState::Connecting { ref job, .. } if job.mfa.is_none()));
    let (st, effects) = next(st, polled(done(), 9_000));
    let FlowState::Succeeded(ref c) = st else {
        panic!("{st:?}")
    };
    assert_eq!(c.connection_id.as_deref(), Some("conn-9"));
    assert!(c.accounts.is_none());
    assert_eq!(st.job_to_poll(), None);
    assert_eq!(
        effects,
        [
            FlowEffect::LoadAccounts,
            FlowEffect::Focus(Focus::StepHeading)
        ]
    );
    let st = go(st, FlowEvent::AccountsLoaded(vec![]));
    assert!(
        matches!(st, FlowState::Succeeded(Connected { accounts: Some(ref a), .. }) if a.is_empty())
    );
    assert_eq!(
        go(st, FlowEvent::Open),
        FlowState::Picking {
            query: String::new()
        }
    );
}

#[test]
fn entering_a_screen_names_its_effects() {
    let (picking, effects) = next(FlowState::Idle, FlowEvent::Open);
    assert_eq!(
        effects,
        [
            FlowEffect::PreparePicker,
            FlowEffect::Focus(Focus::StepHeading)
        ]
    );
    assert!(
        next(picking.clone(), FlowEvent::Search("h".into()))
            .1
            .is_empty()
    );
    let (form, effects) = next(picking, FlowEvent::Select(hooli()));
    assert_eq!(
        effects,
        [
            FlowEffect::FetchInstitution("AU00000".into()),
            FlowEffect::Focus(Focus::StepHeading)
        ]
    );
    let form = go(form, submit("gavinBelson", "hooli2016"));
    let (st, effects) = next(
        form,
        FlowEvent::ConnectionCreated {
            job_id: "job-1".into(),
            now_ms: 1_000,
        },
    );
    assert_eq!(
        effects,
        [
            FlowEffect::PollJob("job-1".into()),
            FlowEffect::Focus(Focus::StepHeading)
        ]
    );
    // Asked for MFA: the same poll goes on, focus to the question.
    let (st, effects) = next(st, polled(mfa_job("in-progress"), 5_000));
    assert_eq!(effects, [FlowEffect::Focus(Focus::StepHeading)]);
    let st = go(st, FlowEvent::MfaSubmitted { now_ms: 6_000 });
    let st = go(st, FlowEvent::MfaSent);
    let (st, effects) = next(st, polled(mfa_job("success"), 7_000));
    assert_eq!(
        effects,
        [FlowEffect::Focus(Focus::StepHeading)],
        "no second poller"
    );
    // Refused details: back to the form, focus on the password, no new caption fetch.
    let (form, effects) = next(
        st,
        polled(failed_job("invalid-credentials", "t", "d"), 8_000),
    );
    assert!(form_of(&form).notice.is_some());
    assert_eq!(effects, [FlowEffect::Focus(Focus::Password)]);
    let (_, effects) = next(form.clone(), FlowEvent::Close);
    assert_eq!(effects, [FlowEffect::Focus(Focus::PlusButton)]);
    // The accounts again after they failed to load.
    let succeeded = FlowState::Succeeded(Connected {
        institution: hooli(),
        job_id: "job-1".into(),
        connection_id: None,
        accounts: None,
        accounts_error: Some(errors::network_failure()),
    });
    let (st, effects) = next(succeeded, FlowEvent::ReloadAccounts);
    assert_eq!(effects, [FlowEffect::LoadAccounts]);
    assert!(matches!(
        st,
        FlowState::Succeeded(Connected {
            accounts_error: None,
            ..
        })
    ));
}

#[test]
fn polls_of_another_job_are_ignored() {
    let st = run(connecting("gavinBelson"));
    let mut other = done();
    other.id = "job-2".into();
    assert_eq!(go(st.clone(), polled(other, 5)), st);
}

#[test]
fn invalid_form_stays_with_messages() {
    let st = run(vec![
        FlowEvent::Open,
        FlowEvent::Select(hooli()),
        submit("", ""),
    ]);
    let f = form_of(&st);
    assert!(!f.submitting);
    assert_eq!(f.check.messages.len(), 2);
    // A job answer without a submit in flight changes nothing.
    assert_eq!(
        go(
            st.clone(),
            FlowEvent::ConnectionCreated {
                job_id: "j".into(),
                now_ms: 0
            }
        ),
        st
    );
}

#[test]
fn invalid_credentials_go_back_to_the_form_with_the_login_kept() {
    let st = run(connecting("gavinBelson"));
    let st = go(
        st,
        polled(
            failed_job(
                "invalid-credentials",
                "Cannot login to target institution, check credentials.",
                "Cannot login to target institution using supplied credentials. Please check credentials and try again.",
            ),
            3_000,
        ),
    );
    let f = form_of(&st);
    assert_eq!(f.attempt.login_id.as_deref(), Some("gavinBelson"));
    assert_eq!(
        f.notice.as_ref().map(|e| e.kind),
        Some(ErrorKind::InvalidCredentials)
    );
    assert!(!f.submitting);
    assert_eq!(st.login_prefill(), Some("gavinBelson"));
}

#[test]
fn sandbox_personas_each_get_their_screen() {
    for (title, detail, code, kind, recovery) in [
        (
            "Cannot login to target institution, check credentials: this account is locked.",
            "Account is locked. Please contact institution directly.",
            "invalid-credentials",
            ErrorKind::AccountLocked,
            Recovery::ContactBank,
        ),
        (
            "Account not accessible, user action required.",
            "An action is required from end-user before account details can be returned.",
            "account-not-accessible-requires-user-action",
            ErrorKind::UserActionRequired,
            Recovery::ContactBank,
        ),
        (
            "Service unavailable.",
            "Service is currently unavailable. Please try again later.",
            "service-unavailable",
            ErrorKind::ServiceUnavailable,
            Recovery::Retry,
        ),
    ] {
        let st = go(
            run(connecting("bighead")),
            polled(failed_job(code, title, detail), 2_000),
        );
        let f = failure_of(&st);
        assert_eq!(f.error.kind, kind);
        assert_eq!(f.recovery, recovery);
        assert_eq!(f.resume, Resume::Form);
        // Retry from a job failure means typing the password again.
        let again = go(st.clone(), FlowEvent::Retry);
        assert_eq!(form_of(&again).attempt.login_id.as_deref(), Some("bighead"));
        assert_eq!(
            go(st, FlowEvent::PickAnother),
            FlowState::Picking {
                query: String::new()
            }
        );
    }
}

#[test]
fn mfa_with_a_wrong_then_right_answer() {
    let st = run(connecting("gavinBelson"));
    let st = go(st, polled(mfa_job("in-progress"), 5_000));
    let mfa = st.mfa().unwrap_or_else(|| panic!("{st:?}"));
    assert_eq!(mfa.challenge.method, "security-questions");
    assert_eq!((mfa.attempts, mfa.issued_at_ms), (0, 5_000));
    assert_eq!(st.mfa_time_left_ms(65_000), Some(60_000));
    assert_eq!(st.job_to_poll(), Some("job-1"));

    let st = go(st, FlowEvent::MfaSubmitted { now_ms: 5_500 });
    assert_eq!(
        st.job_to_poll(),
        None,
        "no polling while the answer is in flight"
    );
    // A poll racing the POST shows the old challenge: ignored.
    let st2 = go(st.clone(), polled(mfa_job("in-progress"), 6_000));
    assert_eq!(st2, st);
    let st = go(st, FlowEvent::MfaSent);
    let st = go(st, polled(mfa_job("in-progress"), 7_000));
    let mfa = st.mfa().unwrap_or_else(|| panic!("{st:?}"));
    assert_eq!(mfa.attempts, 1);
    assert_eq!(mfa.error.as_deref(), Some(MFA_REFUSED));
    assert_eq!(mfa.issued_at_ms, 7_000);
    assert!(!mfa.checking());

    let st = go(
        go(st, FlowEvent::MfaSubmitted { now_ms: 7_500 }),
        FlowEvent::MfaSent,
    );
    let st = go(st, polled(mfa_job("success"), 8_000));
    let job = job_of(&st);
    assert!(job.mfa.is_none());
    assert_eq!(job.started_at_ms, 1_000);
    assert!(job.view.credentials_verified());
    assert_eq!(go(st, FlowEvent::ContinueInBackground), FlowState::Idle);
}

#[test]
fn mfa_answer_accepted_while_the_old_challenge_is_still_polled() {
    let st = go(
        run(connecting("gavinBelson")),
        polled(mfa_job("in-progress"), 5_000),
    );
    let st = go(st, FlowEvent::MfaSubmitted { now_ms: 6_000 });
    let st = go(st, FlowEvent::MfaSent);
    // Sent at 5.9 s, before the answer; it lands after the 202 with the old challenge.
    let (st, effects) = next(
        st,
        FlowEvent::JobUpdated {
            job: mfa_job("in-progress"),
            requested_at_ms: 5_900,
            now_ms: 6_100,
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    let mfa = st.mfa().unwrap_or_else(|| panic!("{st:?}"));
    assert_eq!(mfa.answer, Answer::Checking { at_ms: 6_000 });
    assert_eq!((mfa.attempts, mfa.error.as_deref()), (0, None));
    let st = go(st, polled(mfa_job("success"), 7_000));
    assert!(job_of(&st).mfa.is_none(), "accepted: {st:?}");
    let st = go(st, polled(done(), 9_000));
    assert!(matches!(st, FlowState::Succeeded(_)));
}

#[test]
fn mfa_answer_refused_and_asked_again() {
    let st = go(
        run(connecting("gavinBelson")),
        polled(mfa_job("in-progress"), 5_000),
    );
    let st = go(st, FlowEvent::MfaSubmitted { now_ms: 6_000 });
    let st = go(st, FlowEvent::MfaSent);
    let (st, effects) = next(st, polled(mfa_job("in-progress"), 6_800));
    let mfa = st.mfa().unwrap_or_else(|| panic!("{st:?}"));
    assert_eq!(mfa.error.as_deref(), Some(MFA_REFUSED));
    assert_eq!((mfa.attempts, mfa.answer), (1, Answer::Open));
    assert!(
        effects.is_empty(),
        "the question stays on screen: {effects:?}"
    );
}

#[test]
fn mfa_expires_on_the_clock() {
    let st = go(
        run(connecting("gavinBelson")),
        polled(mfa_job("in-progress"), 5_000),
    );
    let still = go(st.clone(), FlowEvent::Tick { now_ms: 124_999 });
    assert_eq!(still, st);
    let st = go(st, FlowEvent::Tick { now_ms: 125_000 });
    let f = form_of(&st);
    assert_eq!(
        f.notice.as_ref().map(|e| e.kind),
        Some(ErrorKind::MfaExpired)
    );
    assert_eq!(f.attempt.login_id.as_deref(), Some("gavinBelson"));
}

#[test]
fn transient_mfa_post_failure_keeps_the_challenge() {
    let st = go(
        run(connecting("gavinBelson")),
        polled(mfa_job("in-progress"), 5_000),
    );
    let st = go(st, FlowEvent::MfaSubmitted { now_ms: 5_500 });
    let st = go(st, FlowEvent::RequestFailed(errors::network_failure()));
    assert!(
        st.mfa().is_some_and(|m| !m.sending() && m.error.is_some()),
        "{st:?}"
    );
}

#[test]
fn continue_in_background_needs_verified_credentials() {
    let st = go(run(connecting("gavinBelson")), polled(running(), 2));
    assert!(matches!(
        go(st, FlowEvent::ContinueInBackground),
        FlowState::Connecting { .. }
    ));
}

#[test]
fn token_expiry_after_the_silent_renewal_offers_a_retry_that_resumes_polling() {
    let st = run(connecting("gavinBelson"));
    let st = go(st, FlowEvent::TokenExpired);
    let f = failure_of(&st);
    assert_eq!(f.error.kind, ErrorKind::SessionExpired);
    assert_eq!(f.recovery, Recovery::Retry);
    assert_eq!(
        f.resume,
        Resume::Job {
            job_id: "job-1".into(),
            started_at_ms: 1_000
        }
    );
    let (st, effects) = next(st, FlowEvent::Retry);
    let job = job_of(&st);
    assert_eq!((job.job_id.as_str(), job.started_at_ms), ("job-1", 1_000));
    assert!(effects.contains(&FlowEffect::PollJob("job-1".into())));

    let http = errors::from_http(
        403,
        r#"{"type":"list","data":[{"type":"error","code":"access-denied","title":"Access denied.","detail":"Token has expired"}]}"#,
        None,
    );
    let st = go(run(connecting("g")), FlowEvent::RequestFailed(http));
    assert_eq!(failure_of(&st).recovery, Recovery::Retry);
}

#[test]
fn submit_failures_are_classified() {
    let st = run(vec![
        FlowEvent::Open,
        FlowEvent::Select(hooli()),
        submit("gavinBelson", "x"),
    ]);
    assert!(form_of(&st).submitting);
    let st = go(
        st,
        FlowEvent::RequestFailed(errors::from_http(
            403,
            r#"{"type":"list","data":[{"type":"error","code":"too-many-sandbox-connections","title":"t"}]}"#,
            None,
        )),
    );
    let f = failure_of(&st);
    assert_eq!(f.recovery, Recovery::ContactSupport);
    assert_eq!(f.resume, Resume::Form);
    assert_eq!(f.login_id.as_deref(), Some("gavinBelson"));
    let back = go(st, FlowEvent::Back);
    let f = form_of(&back);
    assert!(f.attempt.login_id.is_some());
    assert!(f.notice.is_none());
}

#[test]
fn outage_institutions_cannot_be_selected() {
    let mut down = hooli();
    down.status = "major-outage".into();
    let picking = go(FlowState::Idle, FlowEvent::Open);
    assert_eq!(go(picking.clone(), FlowEvent::Select(down)), picking);
}

#[test]
fn fresh_institution_details_replace_the_cached_ones() {
    let st = run(vec![FlowEvent::Open, FlowEvent::Select(hooli())]);
    let mut fresh = hooli();
    fresh.security_code_caption = Some("Security code".into());
    let st2 = go(st.clone(), FlowEvent::InstitutionDetails(fresh.clone()));
    assert_eq!(st2.institution(), Some(&fresh));
    let mut other = fresh;
    other.id = "AU99999".into();
    assert_eq!(go(st.clone(), FlowEvent::InstitutionDetails(other)), st);
}

#[test]
fn navigation() {
    let st = run(vec![FlowEvent::Open, FlowEvent::Select(hooli())]);
    let st = go(st, FlowEvent::Back);
    assert_eq!(
        st,
        FlowState::Picking {
            query: String::new()
        }
    );
    assert_eq!(go(st, FlowEvent::Back), FlowState::Idle);
    let st = run(connecting("gavinBelson"));
    let st = go(st, FlowEvent::Cancel);
    let f = form_of(&st);
    assert!(f.attempt.login_id.is_some());
    assert!(!f.submitting);
    assert_eq!(go(st, FlowEvent::Close), FlowState::Idle);
    assert_eq!(go(FlowState::Idle, FlowEvent::Retry), FlowState::Idle);
}

#[test]
fn starting_view_is_pending() {
    let st = run(connecting("gavinBelson"));
    assert_eq!(job_of(&st).view, JobView::starting());
}

fn arb_event() -> impl Strategy<Value = FlowEvent> {
    let jobs = prop_oneof![
        Just(running()),
        Just(done()),
        Just(mfa_job("in-progress")),
        Just(mfa_job("success")),
        Just(failed_job("invalid-credentials", "t", "d")),
        Just(failed_job("maintenance", "t", "d")),
    ];
    prop_oneof![
        Just(FlowEvent::Open),
        Just(FlowEvent::Close),
        "[a-z]{0,5}".prop_map(FlowEvent::Search),
        Just(FlowEvent::Select(hooli())),
        Just(submit("gavinBelson", "hooli2016")),
        Just(submit("", "")),
        (0u64..200_000).prop_map(|now_ms| FlowEvent::ConnectionCreated {
            job_id: "job-1".into(),
            now_ms
        }),
        (jobs, 0u64..200_000, 0u64..200_000).prop_map(|(job, requested_at_ms, now_ms)| {
            FlowEvent::JobUpdated {
                job,
                requested_at_ms,
                now_ms,
            }
        }),
        (0u64..200_000).prop_map(|now_ms| FlowEvent::MfaSubmitted { now_ms }),
        Just(FlowEvent::MfaSent),
        Just(FlowEvent::RequestFailed(errors::network_failure())),
        Just(FlowEvent::RequestFailed(errors::from_http(
            429,
            "",
            Some("5")
        ))),
        Just(FlowEvent::TokenExpired),
        Just(FlowEvent::AccountsLoaded(vec![])),
        Just(FlowEvent::ReloadAccounts),
        (0u64..400_000).prop_map(|now_ms| FlowEvent::Tick { now_ms }),
        Just(FlowEvent::Retry),
        Just(FlowEvent::Back),
        Just(FlowEvent::PickAnother),
        Just(FlowEvent::Cancel),
        Just(FlowEvent::ContinueInBackground),
    ]
}

proptest! {
    #[test]
    fn any_event_sequence_is_safe(events in proptest::collection::vec(arb_event(), 0..40)) {
        let mut st = FlowState::Idle;
        for e in events {
            let before = Screen::of(&st);
            let (after, effects) = next(st, e);
            st = after;
            // The password typed in `submit` never reaches the state.
            let shown = format!("{:?}", st);
            prop_assert!(!shown.contains("hooli2016"));
            if let FlowState::Failed(f) = &st {
                prop_assert_ne!(f.recovery, Recovery::ReauthenticateOnce);
            }
            if let Some(m) = st.mfa() {
                prop_assert!(m.attempts < 40);
            }
            // A new screen always says where the focus goes; the same screen never moves it.
            let focus = effects.iter().filter(|e| matches!(e, FlowEffect::Focus(_))).count();
            prop_assert_eq!(focus, usize::from(before != Screen::of(&st)));
        }
        prop_assert_eq!(go(st, FlowEvent::Close), FlowState::Idle);
    }

    #[test]
    fn the_first_views_transitions_are_next_s(
        events in proptest::collection::vec(arb_event(), 0..20),
        event in arb_event(),
    ) {
        let st = events.into_iter().fold(FlowState::Idle, go);
        match next_on_first_view(st.clone(), event.clone()) {
            Ok(done) => prop_assert_eq!(done, next(st, event)),
            // Handed back untouched, for `next`.
            Err(back) => prop_assert_eq!(back, (st, event)),
        }
    }

    #[test]
    fn the_pickers_transitions_are_next_s(
        events in proptest::collection::vec(arb_event(), 0..20),
        event in prop_oneof![arb_event(), Just(FlowEvent::Select(in_outage()))],
    ) {
        let st = events.into_iter().fold(FlowState::Idle, go);
        match next_in_picker(st.clone(), event.clone()) {
            Ok(done) => prop_assert_eq!(done, next(st, event)),
            // Handed back untouched, for `next`.
            Err(back) => prop_assert_eq!(back, (st, event)),
        }
    }

    #[test]
    fn the_forms_transitions_are_next_s(
        events in proptest::collection::vec(arb_event(), 0..20),
        event in prop_oneof![
            arb_event(),
            Just(FlowEvent::InstitutionDetails(hooli())),
            Just(FlowEvent::InstitutionDetails(in_outage())),
            Just(FlowEvent::InstitutionDetails(InstitutionSummary::basic("AU00001", "Other", "O"))),
        ],
    ) {
        let st = events.into_iter().fold(FlowState::Idle, go);
        match next_in_form(st.clone(), event.clone()) {
            Ok(done) => prop_assert_eq!(done, next(st, event)),
            // Handed back untouched, for `next`.
            Err(back) => prop_assert_eq!(back, (st, event)),
        }
    }
}

fn in_outage() -> InstitutionSummary {
    InstitutionSummary {
        status: "major-outage".into(),
        ..hooli()
    }
}

#[test]
fn the_picker_searches_chooses_goes_back_and_fails_itself() {
    let picking = go(FlowState::Idle, FlowEvent::Open);
    for event in [
        FlowEvent::Search("hoo".into()),
        FlowEvent::Select(hooli()),
        FlowEvent::Select(in_outage()),
        FlowEvent::Back,
        FlowEvent::RequestFailed(errors::network_failure()),
        FlowEvent::TokenExpired,
        FlowEvent::Close,
    ] {
        let done = next_in_picker(picking.clone(), event.clone()).unwrap();
        assert_eq!(done, next(picking.clone(), event));
    }
    // The form's, the job's and the failure screen's events are the rest of the machine's.
    let form = go(picking.clone(), FlowEvent::Select(hooli()));
    assert!(next_in_picker(form.clone(), submit("gavinBelson", "hooli2016")).is_err());
    assert!(next_in_picker(form, FlowEvent::Back).is_err());
    assert!(next_in_picker(picking.clone(), FlowEvent::Open).is_err());
    assert!(next_in_picker(picking, FlowEvent::Retry).is_err());
}

#[test]
fn the_first_view_opens_the_picker_itself() {
    let (st, effects) = next_on_first_view(FlowState::Idle, FlowEvent::Open).unwrap();
    assert_eq!(st, go(FlowState::Idle, FlowEvent::Open));
    assert_eq!(
        effects,
        [
            FlowEffect::PreparePicker,
            FlowEffect::Focus(Focus::StepHeading)
        ]
    );
    // "×" closes the picker (whose module may never have arrived), as the machine would.
    let picking = go(FlowState::Idle, FlowEvent::Open);
    let (st, effects) = next_on_first_view(picking.clone(), FlowEvent::Close).unwrap();
    assert_eq!((st, effects), next(picking.clone(), FlowEvent::Close));
    // Everything else is the rest of the machine's.
    assert!(next_on_first_view(picking, FlowEvent::Open).is_err());
    assert!(next_on_first_view(FlowState::Idle, FlowEvent::Back).is_err());
}

#[test]
fn the_form_submits_goes_back_and_fails_itself() {
    let form = run(vec![FlowEvent::Open, FlowEvent::Select(hooli())]);
    let submitting = go(form.clone(), submit("gavinBelson", "hooli2016"));
    assert!(form_of(&submitting).submitting);
    let created = FlowEvent::ConnectionCreated {
        job_id: "job-1".into(),
        now_ms: 1_000,
    };
    for (state, event) in [
        (form.clone(), FlowEvent::InstitutionDetails(hooli())),
        (form.clone(), submit("gavinBelson", "hooli2016")),
        (form.clone(), submit("", "")),
        (form.clone(), FlowEvent::Back),
        (submitting.clone(), created.clone()),
        (
            submitting.clone(),
            FlowEvent::RequestFailed(errors::network_failure()),
        ),
        (submitting.clone(), FlowEvent::TokenExpired),
    ] {
        let done = next_in_form(state.clone(), event.clone()).unwrap();
        assert_eq!(done, next(state, event));
    }
    // The job starts here: entering its progress screen asks for the poll (the job's module
    // carries it out).
    let (st, effects) = next_in_form(submitting.clone(), created.clone()).unwrap();
    assert_eq!(job_of(&st).job_id, "job-1");
    assert!(effects.contains(&FlowEffect::PollJob("job-1".into())));
    // What the job, the failure screen and "×" do is the rest of the machine's.
    assert!(next_in_form(st.clone(), polled(running(), 2_000)).is_err());
    assert!(next_in_form(st, FlowEvent::Cancel).is_err());
    assert!(next_in_form(form.clone(), FlowEvent::Close).is_err());
    assert!(next_in_form(submitting.clone(), FlowEvent::Back).is_err());
    assert!(next_in_form(form.clone(), created).is_err());
    let failed = go(FlowState::Idle, FlowEvent::Open);
    let failed = go(failed, FlowEvent::TokenExpired);
    assert!(next_in_form(failed, FlowEvent::Retry).is_err());
}
