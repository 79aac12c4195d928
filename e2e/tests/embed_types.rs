//! Typed embedding: `packages/bank-connect-embed/index.d.ts` kept in step with core's protocol.
//!
//! Every message core can send (driven through `embed::messages_for` and `embed::exit_for` over
//! every screen and every error kind) or accept (`HostMessage::parse`) is written as a typed
//! TypeScript literal (`const m: WidgetMessage = {…}`) and type-checked against the declarations
//! with `tsc --strict`: object literals fail on a field the types lack, a missing field or a
//! name outside a string-literal union. Each union of names in the declarations must equal
//! core's list. Scratch copies with one protocol type changed must fail the same check. The
//! TypeScript example hosts type-check with `--strict` too. No browser: the names start `ts_`
//! (the test command runs them as their own step).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use bank_connect_core::accounts::AccountRow;
use bank_connect_core::basiq::MfaChallenge;
use bank_connect_core::embed::{
    self, EVENT_NAMES, ExitReason, HostMessage, SAFE_FONTS, Theme, ThemeMode, WidgetMessage,
};
use bank_connect_core::flow::{Attempt, Connected, Failure, Resume};
use bank_connect_core::job::{Answer, JobFollow, MfaStep};
use bank_connect_core::validation::FormCheck;
use bank_connect_core::{ErrorKind, FlowEvent, FlowState, InstitutionSummary, UserError};
use serde_json::{Map, Value, json};

mod embed_types_handoff;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn declarations() -> String {
    std::fs::read_to_string(root().join("packages/bank-connect-embed/index.d.ts"))
        .expect("packages/bank-connect-embed/index.d.ts")
}

fn tsc() -> PathBuf {
    let tsc = root().join("node_modules/.bin/tsc");
    assert!(
        tsc.is_file(),
        "{} is missing: run `cargo xtask setup` (npm install)",
        tsc.display()
    );
    tsc
}

// ---- every value of core's enums (a new variant fails to compile here until it is listed)

fn all_error_kinds() -> Vec<ErrorKind> {
    use ErrorKind::*;
    let all = vec![
        InvalidCredentials,
        AccountLocked,
        MfaNotSupported,
        MfaRejected,
        MfaExpired,
        UserActionRequired,
        ServiceUnavailable,
        InstitutionUnavailable,
        Maintenance,
        InstitutionNotSupported,
        AuthorizationFailed,
        JobTimedOut,
        SessionExpired,
        AccessDenied,
        AlreadyConnected,
        NotFound,
        InvalidRequest,
        RateLimited {
            retry_after_secs: Some(30),
        },
        ServerError,
        Network,
        BadResponse,
        LinkExpired,
        SessionEnded,
        Unknown,
    ];
    for kind in &all {
        match kind {
            InvalidCredentials
            | AccountLocked
            | MfaNotSupported
            | MfaRejected
            | MfaExpired
            | UserActionRequired
            | ServiceUnavailable
            | InstitutionUnavailable
            | Maintenance
            | InstitutionNotSupported
            | AuthorizationFailed
            | JobTimedOut
            | SessionExpired
            | AccessDenied
            | AlreadyConnected
            | NotFound
            | InvalidRequest
            | RateLimited { .. }
            | ServerError
            | Network
            | BadResponse
            | LinkExpired
            | SessionEnded
            | Unknown => {}
        }
    }
    all
}

fn all_exit_reasons() -> Vec<ExitReason> {
    use ExitReason::*;
    let all = vec![UserClosed, InstitutionNotFound, InstitutionDown, Error];
    for r in &all {
        match r {
            UserClosed | InstitutionNotFound | InstitutionDown | Error => {}
        }
    }
    all
}

fn all_theme_modes() -> Vec<ThemeMode> {
    let all = vec![ThemeMode::Light, ThemeMode::Dark, ThemeMode::Auto];
    for m in &all {
        match m {
            ThemeMode::Light | ThemeMode::Dark | ThemeMode::Auto => {}
        }
    }
    all
}

fn hooli() -> InstitutionSummary {
    InstitutionSummary::basic("AU00000", "Hooli Bank", "Hooli")
}

/// One state of every screen, by name.
struct Screens {
    idle: FlowState,
    picking: FlowState,
    credentials: FlowState,
    submitting: FlowState,
    connecting: FlowState,
    mfa: FlowState,
    mfa_sending: FlowState,
    succeeded: FlowState,
    with_accounts: FlowState,
    rows: Vec<AccountRow>,
}

fn failed(kind: ErrorKind) -> FlowState {
    FlowState::Failed(Failure {
        institution: Some(hooli()),
        error: UserError::new(kind),
        recovery: kind.recovery(),
        login_id: None,
        resume: Resume::Picker,
    })
}

fn screens() -> Screens {
    let picking = FlowState::Picking {
        query: String::new(),
    };
    let (credentials, _) = bank_connect_core::next(picking.clone(), FlowEvent::Select(hooli()));
    let mut submitting = credentials.clone();
    if let FlowState::EnteringCredentials(form) = &mut submitting {
        form.submitting = true;
    }
    let attempt = || Attempt {
        institution: hooli(),
        login_id: None,
    };
    let connecting = FlowState::Connecting {
        attempt: attempt(),
        job: JobFollow::new("job-1".into(), 0),
    };
    let mfa = |sending: bool| FlowState::Connecting {
        attempt: attempt(),
        job: JobFollow {
            mfa: Some(MfaStep {
                challenge: MfaChallenge {
                    kind: "mfa".into(),
                    method: "token".into(),
                    description: None,
                    input: vec!["One-time code".into()],
                    expiry_ms: Some(120_000),
                    links: None,
                },
                attempts: 0,
                issued_at_ms: 0,
                answer: if sending {
                    Answer::Sending { at_ms: 0 }
                } else {
                    Answer::Open
                },
                error: None,
            }),
            ..JobFollow::new("job-1".into(), 0)
        },
    };
    let rows = vec![AccountRow {
        id: "acc-1".into(),
        name: "Savings".into(),
        number: "•••• 6789".into(),
        kind: "Savings account".into(),
        balance: "$1,234.56".into(),
        negative: false,
        available: None,
    }];
    let succeeded = |accounts: Option<Vec<AccountRow>>| {
        FlowState::Succeeded(Connected {
            institution: hooli(),
            job_id: "job-1".into(),
            connection_id: Some("conn-1".into()),
            accounts,
            accounts_error: None,
        })
    };
    let s = Screens {
        idle: FlowState::Idle,
        picking,
        credentials,
        submitting,
        connecting,
        mfa: mfa(false),
        mfa_sending: mfa(true),
        succeeded: succeeded(None),
        with_accounts: succeeded(Some(rows.clone())),
        rows,
    };
    // Every screen is here (a new one fails to compile until it is).
    for state in [
        &s.idle,
        &s.picking,
        &s.credentials,
        &s.connecting,
        &s.mfa,
        &s.succeeded,
    ] {
        match state {
            FlowState::Idle
            | FlowState::Picking { .. }
            | FlowState::EnteringCredentials(_)
            | FlowState::Connecting { .. }
            | FlowState::Succeeded(_)
            | FlowState::Failed(_)
            | FlowState::Handoff(_) => {}
        }
    }
    s
}

/// Every message the widget can post, as core builds it.
fn widget_messages() -> Vec<WidgetMessage> {
    let s = screens();
    let submit = || FlowEvent::Submit {
        login_id: "gavinBelson".into(),
        check: FormCheck::default(),
    };
    let mut transitions = vec![
        (s.idle.clone(), FlowEvent::Open, s.picking.clone()),
        (
            s.picking.clone(),
            FlowEvent::Search("hoo".into()),
            FlowState::Picking {
                query: "hoo".into(),
            },
        ),
        (
            s.picking.clone(),
            FlowEvent::Select(hooli()),
            s.credentials.clone(),
        ),
        (s.credentials.clone(), submit(), s.submitting.clone()),
        // Submitting or answering with no institution chosen: the meta is empty.
        (s.credentials.clone(), submit(), s.picking.clone()),
        (
            s.submitting.clone(),
            FlowEvent::ConnectionCreated {
                job_id: "job-1".into(),
                now_ms: 0,
            },
            s.connecting.clone(),
        ),
        (
            s.connecting.clone(),
            FlowEvent::Tick { now_ms: 1 },
            s.mfa.clone(),
        ),
        (
            s.mfa.clone(),
            FlowEvent::MfaSubmitted { now_ms: 0 },
            s.mfa_sending.clone(),
        ),
        (
            s.idle.clone(),
            FlowEvent::MfaSubmitted { now_ms: 0 },
            s.idle.clone(),
        ),
        (
            s.connecting.clone(),
            FlowEvent::Tick { now_ms: 2 },
            s.succeeded.clone(),
        ),
        (
            s.succeeded.clone(),
            FlowEvent::AccountsLoaded(s.rows.clone()),
            s.with_accounts.clone(),
        ),
        (s.picking.clone(), FlowEvent::Back, s.idle.clone()),
        (s.picking.clone(), FlowEvent::Close, s.idle.clone()),
        (
            FlowState::Picking {
                query: "my little bank".into(),
            },
            FlowEvent::Close,
            s.idle.clone(),
        ),
    ];
    for kind in all_error_kinds() {
        transitions.push((
            s.connecting.clone(),
            FlowEvent::RequestFailed(UserError::new(kind)),
            failed(kind),
        ));
        transitions.push((failed(kind), FlowEvent::Close, s.idle.clone()));
    }
    let mut out = vec![WidgetMessage::Ready];
    for (before, event, after) in &transitions {
        out.extend(embed::messages_for(before, event, after));
    }
    for kind in all_error_kinds() {
        out.push(embed::exit_for(&failed(kind)));
    }
    out.extend(embed_types_handoff::messages());
    // What the types allow beyond what the flow produces today: every exit reason with and
    // without an error, the reserved CLOSE event, the range of heights.
    for reason in all_exit_reasons() {
        out.push(WidgetMessage::Exit {
            reason,
            error: None,
        });
        out.push(WidgetMessage::Exit {
            reason,
            error: Some(("network".into(), "Check your connection.".into())),
        });
    }
    out.push(WidgetMessage::Event {
        name: "CLOSE",
        meta: Map::new(),
    });
    out.extend([0, 640, 99_999].map(|height| WidgetMessage::Resize { height }));
    out
}

/// Every message the widget accepts from a host, each checked to parse.
fn host_messages() -> Vec<Value> {
    let mut themes: Vec<Value> = all_theme_modes()
        .into_iter()
        .map(|mode| {
            Theme {
                mode,
                ..Theme::default()
            }
            .to_value()
        })
        .collect();
    themes.extend(SAFE_FONTS.iter().map(|font| {
        Theme {
            mode: ThemeMode::Auto,
            accent: Some("#0f766e".into()),
            radius_px: Some(10),
            font: Some((*font).to_owned()),
        }
        .to_value()
    }));
    let mut out = vec![
        HostMessage::Close,
        HostMessage::Init {
            link_token: None,
            theme: None,
        },
        HostMessage::Init {
            link_token: Some("lt_0123456789abcdef".into()),
            theme: None,
        },
    ];
    for theme in themes {
        out.push(HostMessage::Init {
            link_token: Some("lt_0123456789abcdef".into()),
            theme: Some(theme.clone()),
        });
        out.push(HostMessage::Init {
            link_token: None,
            theme: Some(theme),
        });
    }
    out.iter()
        .map(|m| {
            let v = m.to_value();
            assert_eq!(HostMessage::parse(&v).as_ref(), Ok(m), "core accepts {v}");
            v
        })
        .collect()
}

/// The TypeScript fixture: each message as a typed literal.
fn fixture() -> String {
    let mut ts = String::from(
        "// Generated by e2e/tests/embed_types.rs from crates/core's protocol: every message as a typed literal.\n\
         import type { HostMessage, WidgetMessage } from \"./index.js\";\n\n",
    );
    for (i, m) in widget_messages().iter().enumerate() {
        ts.push_str(&format!(
            "export const widget{i}: WidgetMessage = {};\n",
            m.to_value()
        ));
    }
    for (i, v) in host_messages().iter().enumerate() {
        ts.push_str(&format!("export const host{i}: HostMessage = {v};\n"));
    }
    ts
}

/// Type-checks `fixture` against `declarations` in a scratch directory; (passed, tsc's output).
fn type_check(declarations: &str, fixture: &str) -> (bool, String) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "bank-connect-ts-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.d.ts"), declarations).unwrap();
    std::fs::write(dir.join("fixture.ts"), fixture).unwrap();
    let config = json!({"compilerOptions": {
        "strict": true, "noEmit": true, "target": "es2020", "module": "es2020",
        "moduleResolution": "bundler", "lib": ["es2020", "dom"], "types": [],
        "exactOptionalPropertyTypes": true
    }, "files": ["fixture.ts"]});
    std::fs::write(dir.join("tsconfig.json"), config.to_string()).unwrap();
    let out = Command::new(tsc())
        .args(["-p", "tsconfig.json", "--pretty", "false"])
        .current_dir(&dir)
        .output()
        .expect("tsc runs");
    let _ = std::fs::remove_dir_all(&dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The string literals of `export type NAME = "a" | "b" …;` in the declarations.
fn union(declarations: &str, name: &str) -> BTreeSet<String> {
    let start = declarations
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("index.d.ts declares {name}"));
    let body = &declarations[start..];
    let body = &body[..body.find(';').expect("the type ends with ;")];
    body.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn set<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    names.into_iter().map(str::to_owned).collect()
}

#[test]
fn ts_declarations_accept_every_message_core_can_send_or_accept() {
    let fixture = fixture();
    let sent: BTreeSet<String> = widget_messages()
        .iter()
        .filter_map(|m| match m {
            WidgetMessage::Event { name, .. } => Some((*name).to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        set(EVENT_NAMES.iter().copied()),
        "the fixture has every event name"
    );
    for t in [
        "ready", "event", "success", "exit", "resize", "init", "close",
    ] {
        assert!(
            fixture.contains(&format!("\"type\":\"{t}\"")),
            "the fixture has a {t} message"
        );
    }
    let (ok, out) = type_check(&declarations(), &fixture);
    assert!(
        ok,
        "index.d.ts rejects messages core sends or accepts:\n{out}"
    );
}

#[test]
fn ts_declared_names_are_exactly_cores() {
    let d = declarations();
    assert_eq!(union(&d, "EventName"), set(EVENT_NAMES.iter().copied()));
    assert_eq!(union(&d, "SafeFont"), set(SAFE_FONTS.iter().copied()));
    assert_eq!(
        union(&d, "ExitReason"),
        set(all_exit_reasons().into_iter().map(ExitReason::as_str))
    );
    assert_eq!(
        union(&d, "ErrorKindName"),
        set(all_error_kinds().iter().map(embed::error_kind_name))
    );
    let s = screens();
    let views = [
        &s.idle,
        &s.picking,
        &s.credentials,
        &s.connecting,
        &s.mfa,
        &s.succeeded,
        &failed(ErrorKind::Network),
    ]
    .map(embed::view_name);
    let handoff_views: Vec<&str> = embed_types_handoff::screens()
        .iter()
        .map(embed::view_name)
        .collect();
    assert_eq!(
        union(&d, "ViewName"),
        set(views.into_iter().chain(handoff_views))
    );
    let kinds: BTreeSet<String> = set(all_error_kinds().iter().map(embed::error_kind_name));
    let endings: BTreeSet<String> = embed_types_handoff::all_endings()
        .iter()
        .map(|e| e.name().to_owned())
        .filter(|n| !kinds.contains(n))
        .collect();
    assert_eq!(union(&d, "HandoffEndingName"), endings);
    let modes: Vec<Value> = all_theme_modes()
        .into_iter()
        .map(|mode| {
            Theme {
                mode,
                ..Theme::default()
            }
            .to_value()["mode"]
                .clone()
        })
        .collect();
    assert_eq!(
        union(&d, "ThemeMode"),
        set(modes.iter().filter_map(Value::as_str))
    );
    assert_eq!(union(&d, "Source"), set([embed::SOURCE]));
    assert!(
        d.contains(&format!(
            "export type ProtocolVersion = {};",
            embed::PROTOCOL_VERSION
        )),
        "ProtocolVersion is core's"
    );
}

/// `text` with `from` replaced by `to` once, which must be there.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the scratch edit finds {from:?}");
    text.replacen(from, to, 1)
}

#[test]
fn ts_a_drifted_protocol_type_fails_the_check() {
    let (d, f) = (declarations(), fixture());
    let drifts = [
        (
            "an account field renamed in the declarations",
            edit(&d, "masked_number: string;", "masked_no: string;"),
            f.clone(),
        ),
        (
            "an event name missing from the declarations",
            edit(&d, "| \"SUBMIT_MFA\"\n", ""),
            f.clone(),
        ),
        (
            "a payload field of another type in the declarations",
            edit(&d, "height: number;", "height: string;"),
            f.clone(),
        ),
        (
            "a required field added to the declarations",
            edit(
                &d,
                "job_id: string;",
                "job_id: string;\n  bank_code: string;",
            ),
            f.clone(),
        ),
        (
            "a field core adds to success",
            d.clone(),
            edit(&f, "\"job_id\":", "\"consent_id\":\"c\",\"job_id\":"),
        ),
        (
            "an event name core renames",
            d.clone(),
            edit(&f, "\"name\":\"OPEN\"", "\"name\":\"OPENED\""),
        ),
        (
            "an exit reason core adds",
            d.clone(),
            edit(
                &f,
                "\"reason\":\"institution_down\"",
                "\"reason\":\"timeout\"",
            ),
        ),
    ];
    for (what, decls, fixture) in drifts {
        let (ok, out) = type_check(&decls, &fixture);
        assert!(!ok, "{what}: tsc still passed");
        assert!(
            out.contains("fixture.ts(") && out.contains("error TS"),
            "{what}: tsc failed for another reason:\n{out}"
        );
    }
}

#[test]
fn ts_example_hosts_type_check_strict() {
    let out = Command::new(tsc())
        .args(["-p", "examples/host", "--noEmit", "--pretty", "false"])
        .current_dir(root())
        .output()
        .expect("tsc runs");
    assert!(
        out.status.success(),
        "the TypeScript example hosts do not type-check:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let config = std::fs::read_to_string(root().join("examples/host/tsconfig.json")).unwrap();
    assert!(
        config.contains("\"strict\": true"),
        "the example hosts are checked with --strict"
    );
}
