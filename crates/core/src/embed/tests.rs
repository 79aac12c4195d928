use serde_json::{Value, json};

use super::*;
use crate::errors::{ErrorKind, UserError};
use crate::flow::{Connected, FlowEvent, FlowState};

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
