//! The binary's bad-environment answers: one clear line on stderr and exit code 2.

use std::process::{Command, Output};

use clap::Parser;

fn server(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bank-connect-server"));
    c.args(args)
        .env_remove("BASIQ_API_KEY")
        .env_remove("SESSION_SECRET")
        .env_remove("PUBLIC_ORIGIN")
        .env_remove("SANDBOX")
        .env_remove("DATABASE_URL")
        .env("DATA_DIR", crate::support::temp_data_dir())
        .env("RUST_LOG", "off");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

fn one_error_line(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "exit code 2; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stderr:?}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    lines[0].to_owned()
}

#[test]
fn a_malformed_flag_is_one_line() {
    let line = one_error_line(&server(&["--bind", "not-an-address"], &[]));
    assert!(line.contains("--bind"), "{line}");
}

#[test]
fn an_invalid_setting_is_one_line() {
    let line = one_error_line(&server(&[], &[("ALLOWED_ORIGINS", "https://ok.example,*")]));
    assert!(line.contains("ALLOWED_ORIGINS"), "{line}");
    let line = one_error_line(&server(&[], &[("SESSION_SECRET", "short")]));
    assert!(
        line.contains("SESSION_SECRET must be at least 32"),
        "{line}"
    );
}

#[test]
fn a_real_key_without_a_session_secret_is_one_line() {
    let line = one_error_line(&server(
        &[],
        &[
            ("BASIQ_API_KEY", "some-key"),
            ("PUBLIC_ORIGIN", "https://connect.example.com"),
        ],
    ));
    assert!(
        line.contains("SESSION_SECRET is required with a BASIQ_API_KEY"),
        "{line}"
    );
}

#[test]
fn a_real_key_without_a_public_origin_is_one_line() {
    let line = one_error_line(&server(
        &[],
        &[
            ("BASIQ_API_KEY", "some-key"),
            ("SESSION_SECRET", "0123456789abcdef0123456789abcdef"),
        ],
    ));
    assert!(line.contains("PUBLIC_ORIGIN is required"), "{line}");
}

#[test]
fn sandbox_mode_on_a_public_address_needs_the_sandbox_flag() {
    let line = one_error_line(&server(&["--bind", "0.0.0.0:0"], &[]));
    assert!(
        line.contains("BASIQ_API_KEY is not set") && line.contains("--sandbox"),
        "{line}"
    );
    let config = bank_connect_server::Config::parse_from([
        "bank-connect-server",
        "--bind",
        "0.0.0.0:0",
        "--sandbox",
    ]);
    assert!(
        config.validate().is_ok(),
        "an explicit --sandbox is allowed"
    );
}

#[test]
fn a_port_in_use_is_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let line = one_error_line(&server(&["--bind", &addr], &[]));
    assert!(line.contains(&format!("cannot listen on {addr}")), "{line}");
}

#[tokio::test]
async fn a_rejected_api_key_is_one_line() {
    let sim = basiq_sim::Simulator::builder()
        .api_key("right-key")
        .spawn()
        .await
        .unwrap();
    let url = sim.base_url().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        server(
            &["--bind", "127.0.0.1:0"],
            &[
                ("BASIQ_API_KEY", "wrong-key"),
                ("BASIQ_API_URL", &url),
                ("SESSION_SECRET", "0123456789abcdef0123456789abcdef"),
                ("PUBLIC_ORIGIN", "https://connect.example.com"),
            ],
        )
    })
    .await
    .unwrap();
    let line = one_error_line(&out);
    assert!(
        line.contains("BASIQ_API_KEY was rejected") && line.contains("check your API key"),
        "{line}"
    );
    assert!(!line.contains("wrong-key"));
}

#[test]
fn an_unwritable_data_dir_or_unreachable_database_is_one_line() {
    let line = one_error_line(&server(&["--data-dir", "/proc/bank-connect"], &[]));
    assert!(
        line.contains(
            "cannot open the store (SQLite file /proc/bank-connect/bank-connect.sqlite3)"
        ),
        "{line}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://bc:hunter2@127.0.0.1:{port}/bank");
    let line = one_error_line(&server(&[], &[("DATABASE_URL", &url)]));
    assert!(
        line.contains(&format!(
            "cannot open the store (PostgreSQL at 127.0.0.1:{port}/bank)"
        )),
        "{line}"
    );
    assert!(!line.contains("hunter2"), "{line}");
    let line = one_error_line(&server(&[], &[("DATABASE_URL", "mysql://x")]));
    assert!(
        line.contains("DATABASE_URL must start with postgres://"),
        "{line}"
    );
}

#[test]
fn migrate_and_export_users_run_against_the_store() {
    let dir = crate::support::temp_data_dir();
    let dir_arg = dir.display().to_string();
    let out = server(&["--data-dir", &dir_arg, "migrate"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        said.contains("store migrated") && said.contains("schema version 2"),
        "{said}"
    );
    assert!(dir.join("bank-connect.sqlite3").is_file());
    let out = server(&["--data-dir", &dir_arg, "export-users"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "host,user_ref,basiq_user_id\n"
    );
}
