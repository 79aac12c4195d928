//! Every response Basiq's own suite recorded against its sandbox must decode with our types.
//!
//! The files live in `../shared/basiq-reference/recorded/` beside the checkout (or under
//! `BASIQ_REFERENCE`). These tests are named `contract_*`: `cargo xtask test` skips them, and says
//! so in its summary, when that folder is absent. A file with no decoder below fails the test, so
//! a newly added recording cannot be silently ignored.

use std::path::{Path, PathBuf};

use bank_connect_core::basiq::{
    Account, Connection, ErrorEnvelope, Institution, Job, List, TokenResponse, Transaction, User,
};
use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned>(text: &str) -> Result<(), String> {
    serde_json::from_str::<T>(text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A function that checks that a recorded body decodes as one type.
type Decoder = fn(&str) -> Result<(), String>;

fn decoder_for(stem: &str) -> Option<Decoder> {
    Some(match stem {
        "getAccount" => decode::<Account>,
        "getAccounts" | "getAccountsEmpty" => decode::<List<Account>>,
        "createConnection" | "refreshConnection" | "updateConnection" | "postMfa" | "getJob" => {
            decode::<Job>
        }
        "getConnection" => decode::<Connection>,
        "getConnections" | "getConnectionsEmpty" | "getNewPostedConnection" => {
            decode::<List<Connection>>
        }
        "refreshConnections" | "getJobs" | "getJobsEmpty" => decode::<List<Job>>,
        "getInstitution" => decode::<Institution>,
        "getInstitutions" | "getPublicInstitutions" => decode::<List<Institution>>,
        "getInstitutionNotFound"
        | "getInstitutionsUnauthorized"
        | "postTokenBadRequest"
        | "postTokenNotFound"
        | "createUserBadRequest"
        | "getUserForbidden"
        | "userNotFound" => decode::<ErrorEnvelope>,
        "postToken" => decode::<TokenResponse>,
        "getTransaction" => decode::<Transaction>,
        "getTransactions" | "getTransactionsEmpty" => decode::<List<Transaction>>,
        "getUser" | "postUser" | "updateUser" => decode::<User>,
        _ => return None,
    })
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
    {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn check_dir(dir: &Path) -> usize {
    let mut files = Vec::new();
    json_files(dir, &mut files);
    let mut failures = Vec::new();
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy();
        let text = std::fs::read_to_string(file).unwrap();
        match decoder_for(&stem) {
            None => failures.push(format!("{}: no decoder for this recording", file.display())),
            Some(decode) => {
                if let Err(e) = decode(&text) {
                    failures.push(format!("{}: {e}", file.display()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "recorded responses that do not decode:\n{}",
        failures.join("\n")
    );
    files.len()
}

fn reference_root() -> PathBuf {
    std::env::var_os("BASIQ_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/basiq-reference")
        })
}

#[test]
fn contract_every_recording_decodes() {
    let n = check_dir(&reference_root().join("recorded"));
    assert!(n >= 32, "expected the 32 recorded responses, found {n}");
}

#[test]
fn contract_decoder_rejects_a_wrong_shape() {
    // The harness must be able to fail: an institution is not a token.
    let institution =
        std::fs::read_to_string(reference_root().join("recorded/institutions/getInstitution.json"))
            .unwrap();
    assert!(decode::<TokenResponse>(&institution).is_err());
    assert!(decoder_for("somethingNew").is_none());
}

#[test]
fn contract_every_recording_reads_as_an_error_envelope_from_its_fields_as_serde_reads_it() {
    let mut files = Vec::new();
    json_files(&reference_root().join("recorded"), &mut files);
    let mut envelopes = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let serde = serde_json::from_str::<ErrorEnvelope>(&text)
            .ok()
            .map(|mut e| {
                // The field reader does not read `source`.
                for item in &mut e.data {
                    item.source = None;
                }
                e
            });
        let object = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text).ok();
        let fields = object.as_ref().and_then(ErrorEnvelope::from_object);
        assert_eq!(fields, serde, "{}", file.display());
        envelopes += usize::from(fields.is_some());
    }
    assert!(
        envelopes >= 7,
        "expected the 7 recorded error envelopes, found {envelopes}"
    );
}
