use super::fixtures::*;
use super::*;
use crate::basiq::Job;
use proptest::prelude::*;
use serde_json::json;

#[test]
fn contract_recorded_job_is_a_success_with_its_connection() {
    let job: Job = serde_json::from_str(&crate::reference("recorded/jobs/getJob.json")).unwrap();
    let view = JobView::from_job(&job);
    assert_eq!(
        view.outcome,
        JobOutcome::Succeeded {
            connection_id: Some("64011b56-988a-4c2c-bfca-16c836cec23f".into())
        }
    );
    assert_eq!(view.fraction_done(), 1.0);
    assert!(view.credentials_verified());
}

#[test]
fn steps_are_ordered_and_labelled() {
    let view = JobView::from_job(&done());
    let titles: Vec<_> = view.steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "verify-credentials",
            "retrieve-accounts",
            "retrieve-transactions"
        ]
    );
    assert_eq!(view.steps[0].label, "Verifying your credentials");
    assert_eq!(view.steps[2].label, "Retrieving your transactions");
    assert_eq!(
        view.outcome,
        JobOutcome::Succeeded {
            connection_id: Some("conn-9".into())
        }
    );

    let view = JobView::from_job(&mfa_job("in-progress"));
    let states: Vec<_> = view.steps.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            StepState::Done,
            StepState::Running,
            StepState::Pending,
            StepState::Pending
        ]
    );
    assert_eq!(view.steps[1].label, "Confirming it's you");
    assert!(
        matches!(view.outcome, JobOutcome::NeedsMfa(ref c) if c.input == ["What's your first company?"])
    );
    assert!(!view.credentials_verified(), "MFA still open");
    assert_eq!(view.current_label(), Some("Confirming it's you"));
    assert_eq!(
        step_label(StepKind::Other, "create-report"),
        "Create report"
    );
}

#[test]
fn job_progress_outcomes() {
    let view = JobView::from_job(&running());
    assert_eq!(view.outcome, JobOutcome::InProgress);
    assert_eq!(view.finished_steps(), 0);
    assert_eq!(view.current_label(), Some("Verifying your credentials"));
    let failed = JobView::from_job(&failed_job("service-unavailable", "t", "d"));
    assert!(
        matches!(failed.outcome, JobOutcome::Failed(ref e) if e.kind == ErrorKind::ServiceUnavailable)
    );
    let no_result = job(json!([step("verify-credentials", "failed", json!(null))]));
    assert!(
        matches!(JobView::from_job(&no_result).outcome, JobOutcome::Failed(ref e) if e.kind == ErrorKind::Unknown)
    );
    let empty = job(json!([]));
    assert_eq!(JobView::from_job(&empty).outcome, JobOutcome::InProgress);
    let skipped_mfa = job(json!([
        step("verify-credentials", "success", json!(null)),
        step("mfa-challenge", "skipped", json!(null)),
        step(
            "retrieve-accounts",
            "success",
            json!([link("/users/u/accounts")])
        ),
    ]));
    let v = JobView::from_job(&skipped_mfa);
    assert_eq!(
        v.outcome,
        JobOutcome::Succeeded {
            connection_id: None
        }
    );
    assert!(v.credentials_verified());
}

#[test]
fn connection_id_prefers_links_source() {
    let mut j = done();
    j.links.as_mut().unwrap().source = Some("https://x/users/u/connections/from-source".into());
    assert_eq!(connection_id(&j).as_deref(), Some("from-source"));
    j.links = None;
    assert_eq!(connection_id(&j).as_deref(), Some("conn-9"));
    assert_eq!(connection_id(&running()), None);
}

#[test]
fn polling_cadence_and_ridden_out_failures() {
    assert_eq!(poll_delay_ms(0), 1_000);
    assert_eq!(poll_delay_ms(9_999), 1_000);
    assert_eq!(poll_delay_ms(10_000), 2_000);
    assert_eq!(poll_delay_ms(600_000), 5_000);
    assert!(rides_out_poll_failure(&ErrorKind::Network, 0));
    assert!(rides_out_poll_failure(&ErrorKind::ServerError, 1));
    assert!(!rides_out_poll_failure(&ErrorKind::ServerError, 2));
    assert!(!rides_out_poll_failure(&ErrorKind::InvalidCredentials, 0));
}

fn polled(job: Job, requested_at_ms: u64, now_ms: u64) -> JobEvent {
    JobEvent::Polled {
        job,
        requested_at_ms,
        now_ms,
    }
}

fn going(f: Followed) -> (JobFollow, bool) {
    match f {
        Followed::Going { follow, asked } => (follow, asked),
        other => panic!("{other:?}"),
    }
}

/// Following job-1 since 1 s, asked the security question at 5 s, answered at 6 s (202).
fn answered() -> JobFollow {
    let follow = JobFollow::new("job-1".into(), 1_000);
    let (follow, asked) = going(next(follow, polled(mfa_job("in-progress"), 5_000, 5_000)));
    assert!(asked, "the first challenge is put to the person");
    let mfa = follow.mfa.clone().unwrap();
    assert_eq!(
        (mfa.attempts, mfa.issued_at_ms, mfa.answer),
        (0, 5_000, Answer::Open)
    );
    assert_eq!(mfa.seconds_left(65_000), Some(60));
    assert!(follow.asks());
    let (follow, _) = going(next(follow, JobEvent::MfaSubmitted { now_ms: 6_000 }));
    assert_eq!(
        follow.job_to_poll(),
        None,
        "no polling while the answer is in flight"
    );
    let (follow, _) = going(next(follow, JobEvent::MfaSent));
    assert!(follow.mfa.as_ref().is_some_and(MfaStep::checking));
    assert!(!follow.asks());
    follow
}

#[test]
fn mfa_answer_accepted_while_the_old_challenge_is_still_polled() {
    // A poll sent at 5.9 s, before the answer, lands after the 202 with the old challenge.
    let (follow, asked) = going(next(
        answered(),
        polled(mfa_job("in-progress"), 5_900, 6_200),
    ));
    assert!(!asked);
    let mfa = follow.mfa.clone().unwrap();
    assert!(mfa.checking(), "still checking, not refused: {mfa:?}");
    assert_eq!((mfa.attempts, mfa.error), (0, None));
    // The next poll tells: the challenge was met.
    let (follow, asked) = going(next(follow, polled(mfa_job("success"), 7_000, 7_100)));
    assert!(!asked);
    assert_eq!(follow.mfa, None);
    assert!(follow.view.credentials_verified());
}

#[test]
fn mfa_answer_refused_and_asked_again() {
    // A poll sent after the answer still shows the challenge: the bank asks again.
    let (follow, asked) = going(next(
        answered(),
        polled(mfa_job("in-progress"), 7_000, 7_100),
    ));
    assert!(asked, "the person is asked again");
    let mfa = follow.mfa.clone().unwrap();
    assert_eq!(mfa.attempts, 1);
    assert_eq!(mfa.error.as_deref(), Some(MFA_REFUSED));
    assert_eq!(mfa.issued_at_ms, 7_100);
    assert_eq!(mfa.answer, Answer::Open);
    assert_eq!(follow.job_to_poll(), Some("job-1"));
    // Answered right the second time.
    let (follow, _) = going(next(follow, JobEvent::MfaSubmitted { now_ms: 9_000 }));
    assert_eq!(follow.mfa.as_ref().unwrap().error, None);
    let (follow, _) = going(next(follow, JobEvent::MfaSent));
    assert!(matches!(
        next(follow, polled(done(), 10_000, 10_050)),
        Followed::Succeeded { connection_id: Some(ref c) } if c == "conn-9"
    ));
}

#[test]
fn polls_of_another_job_or_racing_an_answer_change_nothing() {
    let follow = JobFollow::new("job-1".into(), 0);
    let mut other = done();
    other.id = "job-2".into();
    assert_eq!(
        next(follow.clone(), polled(other, 1, 1)),
        Followed::Going {
            follow,
            asked: false
        }
    );
    let (asking, _) = going(next(
        JobFollow::new("job-1".into(), 0),
        polled(mfa_job("in-progress"), 1, 1),
    ));
    let (sending, _) = going(next(asking, JobEvent::MfaSubmitted { now_ms: 2 }));
    assert_eq!(
        next(sending.clone(), polled(mfa_job("in-progress"), 1, 3)),
        Followed::Going {
            follow: sending,
            asked: false
        }
    );
}

#[test]
fn a_renewed_challenge_restarts_the_countdown() {
    let (follow, _) = going(next(
        JobFollow::new("job-1".into(), 0),
        polled(mfa_job("in-progress"), 1_000, 1_000),
    ));
    let (same, asked) = going(next(
        follow.clone(),
        polled(mfa_job("in-progress"), 2_000, 2_000),
    ));
    assert!(!asked);
    assert_eq!(same.mfa.unwrap().issued_at_ms, 1_000);
    let renewed = job(json!([
        step("verify-credentials", "success", json!(null)),
        step(
            "mfa-challenge",
            "in-progress",
            mfa_result("token", &["Code"])
        ),
    ]));
    let (follow, asked) = going(next(follow, polled(renewed, 3_000, 3_000)));
    assert!(!asked);
    let mfa = follow.mfa.unwrap();
    assert_eq!(
        (mfa.issued_at_ms, mfa.challenge.method.as_str()),
        (3_000, "token")
    );
}

#[test]
fn an_unanswered_challenge_expires_on_the_clock() {
    let (follow, _) = going(next(
        JobFollow::new("job-1".into(), 0),
        polled(mfa_job("in-progress"), 5_000, 5_000),
    ));
    let (still, _) = going(next(follow.clone(), JobEvent::Tick { now_ms: 124_999 }));
    assert_eq!(still, follow);
    assert!(matches!(
        next(follow.clone(), JobEvent::Tick { now_ms: 125_000 }),
        Followed::Failed(ref e) if e.kind == ErrorKind::MfaExpired
    ));
    // Not while the answer is being checked: the bank has it.
    let (checking, _) = going(next(follow, JobEvent::MfaSubmitted { now_ms: 100_000 }));
    let (checking, _) = going(next(checking, JobEvent::MfaSent));
    assert!(matches!(
        next(checking, JobEvent::Tick { now_ms: 200_000 }),
        Followed::Going { .. }
    ));
}

#[test]
fn a_failed_request_keeps_the_challenge_open() {
    let (follow, _) = going(next(
        JobFollow::new("job-1".into(), 0),
        polled(mfa_job("in-progress"), 5_000, 5_000),
    ));
    let (follow, _) = going(next(follow, JobEvent::MfaSubmitted { now_ms: 6_000 }));
    let (follow, _) = going(next(follow, JobEvent::RequestFailed("offline".into())));
    let mfa = follow.mfa.unwrap();
    assert_eq!(
        (mfa.answer, mfa.error.as_deref()),
        (Answer::Open, Some("offline"))
    );
}

fn arb_job_event() -> impl Strategy<Value = JobEvent> {
    let jobs = prop_oneof![
        Just(running()),
        Just(done()),
        Just(mfa_job("in-progress")),
        Just(mfa_job("success")),
        Just(failed_job("invalid-credentials", "t", "d")),
    ];
    prop_oneof![
        (jobs, 0u64..200_000, 0u64..200_000).prop_map(|(job, requested_at_ms, now_ms)| {
            JobEvent::Polled {
                job,
                requested_at_ms,
                now_ms,
            }
        }),
        (0u64..200_000).prop_map(|now_ms| JobEvent::MfaSubmitted { now_ms }),
        Just(JobEvent::MfaSent),
        Just(JobEvent::RequestFailed("x".into())),
        (0u64..400_000).prop_map(|now_ms| JobEvent::Tick { now_ms }),
    ]
}

proptest! {
    #[test]
    fn any_job_event_sequence_is_safe(events in proptest::collection::vec(arb_job_event(), 0..40)) {
        let mut follow = JobFollow::new("job-1".into(), 0);
        for e in events {
            match next(follow.clone(), e) {
                Followed::Going { follow: f, asked } => {
                    if asked {
                        prop_assert!(f.asks());
                    }
                    if let Some(m) = &f.mfa {
                        prop_assert!(m.attempts < 40);
                    }
                    follow = f;
                }
                Followed::Succeeded { .. } | Followed::Failed(_) => {
                    follow = JobFollow::new("job-1".into(), 0);
                }
            }
        }
    }
}
