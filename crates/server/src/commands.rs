//! The binary's subcommands: `migrate` (apply the store's migrations, then exit),
//! `export-users` (host user reference → Basiq user id as CSV, for a host's own records) and
//! `register-webhook` (the Basiq webhook subscription and its secret) and `openapi` (the API's
//! OpenAPI document).

use std::io::Write;

use crate::config::{Command, Config};
use crate::error::ServerError;
use crate::store::Store;

/// Runs `command` against the configured store.
pub async fn run(command: &Command, config: &Config) -> Result<(), ServerError> {
    if let Command::Openapi = command {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(crate::openapi::document_json().as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| ServerError::StoreStart(format!("cannot write the document: {e}")));
    }
    let location = config.store_location().map_err(ServerError::StoreStart)?;
    let store = Store::open(&location).await?;
    let result = match command {
        Command::Migrate => {
            println!(
                "store migrated: {} is at schema version {}",
                store.describe(),
                store.schema_version()
            );
            Ok(())
        }
        Command::RegisterWebhook { url } => {
            crate::webhooks::register::command(config, url, store.clone()).await
        }
        Command::Openapi => Ok(()),
        Command::ExportUsers => {
            let users = store.host_users().await?;
            let mut out = std::io::stdout().lock();
            write_csv(&mut out, &users)
                .map_err(|e| ServerError::StoreStart(format!("cannot write the CSV: {e}")))
        }
    };
    store.close().await;
    result
}

/// `host,user_ref,basiq_user_id` and one line per user (RFC 4180 quoting).
pub fn write_csv(out: &mut impl Write, users: &[(String, String, String)]) -> std::io::Result<()> {
    writeln!(out, "host,user_ref,basiq_user_id")?;
    for (host, user_ref, basiq) in users {
        writeln!(out, "{},{},{}", field(host), field(user_ref), field(basiq))?;
    }
    out.flush()
}

fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = Vec::new();
        let rows = vec![
            ("default".into(), "u-1".into(), "b1".into()),
            ("default".into(), "a,\"b\"".into(), "b2".into()),
        ];
        write_csv(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "host,user_ref,basiq_user_id\ndefault,u-1,b1\ndefault,\"a,\"\"b\"\"\",b2\n"
        );
    }
}
