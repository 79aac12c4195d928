//! The institution cache in the browser's localStorage: what the app writes it reads back; a
//! corrupt, old or missing value is a miss, never an error.
#![cfg(target_arch = "wasm32")]

use bank_connect::browser::{read_cache, sleep, write_cache, write_cache_when_idle};
use bank_connect_core::InstitutionSummary;
use bank_connect_core::cache::{CACHE_KEY, CacheEntry, CacheRead, MissReason};
use bank_connect_core::directory::{DIRECTORY_SCHEMA_VERSION, InstitutionDirectory};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn entry(fetched_at_ms: u64) -> CacheEntry {
    CacheEntry {
        fetched_at_ms,
        etag: Some("\"abc\"".into()),
        directory: InstitutionDirectory {
            version: DIRECTORY_SCHEMA_VERSION,
            institutions: vec![InstitutionSummary {
                id: "AU00000".into(),
                name: "Hooli Bank".into(),
                short_name: "Hooli".into(),
                service_type: "Test".into(),
                country: "Australia".into(),
                tier: "4".into(),
                status: "operational".into(),
                authorization: "user".into(),
                login_id_caption: "Login".into(),
                password_caption: "Password".into(),
                security_code_caption: None,
                secondary_login_id_caption: None,
                forgotten_password_url: None,
                logo: None,
                average_duration_ms: Some(31_588),
            }],
        },
    }
}

#[wasm_bindgen_test]
fn the_cache_round_trips_and_ages() {
    storage().remove_item(CACHE_KEY).unwrap();
    assert_eq!(
        read_cache(1_000, 10_000),
        CacheRead::Miss(MissReason::Absent)
    );
    write_cache(&entry(1_000));
    match read_cache(2_000, 10_000) {
        CacheRead::Fresh(e) => assert_eq!(e, entry(1_000)),
        other => panic!("expected a fresh entry, got {other:?}"),
    }
    assert!(matches!(read_cache(20_000, 10_000), CacheRead::Stale(_)));
    assert_eq!(read_cache(2_000, 10_000).etag(), Some("\"abc\""));
    storage().remove_item(CACHE_KEY).unwrap();
}

#[wasm_bindgen_test]
async fn the_shared_list_is_stored_once_the_page_is_idle() {
    storage().remove_item(CACHE_KEY).unwrap();
    let e = entry(1_000);
    let institutions = std::sync::Arc::new(e.directory.institutions.clone());
    write_cache_when_idle(1_000, e.etag.clone(), e.directory.version, institutions);
    assert_eq!(
        read_cache(2_000, 10_000),
        CacheRead::Miss(MissReason::Absent),
        "not in the task that asked"
    );
    for _ in 0..100 {
        if !matches!(read_cache(2_000, 10_000), CacheRead::Miss(_)) {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(read_cache(2_000, 10_000), CacheRead::Fresh(e));
    storage().remove_item(CACHE_KEY).unwrap();
}

#[wasm_bindgen_test]
fn corrupt_or_old_values_are_misses() {
    storage().set_item(CACHE_KEY, "{not json").unwrap();
    assert_eq!(
        read_cache(1_000, 10_000),
        CacheRead::Miss(MissReason::Corrupt)
    );
    storage()
        .set_item(
            CACHE_KEY,
            r#"{"schema":0,"fetched_at_ms":1,"etag":null,"directory":{}}"#,
        )
        .unwrap();
    assert!(matches!(
        read_cache(1_000, 10_000),
        CacheRead::Miss(MissReason::WrongSchema { .. })
    ));
    storage().remove_item(CACHE_KEY).unwrap();
}

#[wasm_bindgen_test]
fn stored_values_read_through_json_parse_as_core_reads_them() {
    let written = bank_connect_core::cache::encode(&entry(1_000));
    let mut odd_entry: serde_json::Value = serde_json::from_str(&written).unwrap();
    odd_entry["directory"]["institutions"][0]["averageDurationMs"] = (-3).into();
    let mut extra: serde_json::Value = serde_json::from_str(&written).unwrap();
    extra["directory"]["institutions"][0]["logo"] = "/l.svg".into();
    extra["later"] = serde_json::json!({"x": [1]});
    for raw in [
        written.clone(),
        extra.to_string(),
        odd_entry.to_string(),
        String::new(),
        "null".into(),
        "[]".into(),
        "\"text\"".into(),
        "7".into(),
        r#"{"schema":"1"}"#.into(),
        r#"{"schema":-1}"#.into(),
        r#"{"schema":2,"x":1}"#.into(),
        r#"{"schema":1,"fetched_at_ms":5,"etag":null,"directory":[]}"#.into(),
        r#"{"schema":1,"fetched_at_ms":5,"etag":7,"directory":{"version":1,"institutions":[]}}"#
            .into(),
        r#"{"schema":1,"fetched_at_ms":5,"directory":{"version":1,"institutions":[]}}"#.into(),
        r#"{"schema":1,"fetched_at_ms":5,"etag":null,"directory":{"version":2,"institutions":[]}}"#
            .into(),
        r#"{"schema":1,"fetched_at_ms":5,"etag":null,"directory":{"version":1,"institutions":[1]}}"#
            .into(),
        written.replace("Hooli Bank", "Hooli \\\"Bank\\\" \\u00e9\\n"),
        written[..written.len() - 1].to_string(),
        "[".repeat(10_000),
    ] {
        storage().set_item(CACHE_KEY, &raw).unwrap();
        assert_eq!(
            read_cache(2_000, 10_000),
            bank_connect_core::cache::decode(Some(&raw), 2_000, 10_000),
            "{raw}"
        );
    }
    storage().remove_item(CACHE_KEY).unwrap();
}
