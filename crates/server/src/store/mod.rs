//! The store: what must outlive a process and be shared by replicas, behind one small API over
//! two backends — an embedded SQLite file (the default; in memory for the built-in simulator,
//! which forgets its users on restart too) or PostgreSQL (`DATABASE_URL=postgres://…`, for
//! several replicas). The same SQL runs on both where the dialects agree; the schema lives in
//! `migrations/<backend>/`, embedded in the binary and applied at start.
//!
//! Times are Unix milliseconds (`*_secs` columns: seconds). Nothing secret is kept in clear:
//! link tokens are stored as SHA-256 hashes, contact details as a hash.

mod deliveries;
mod sessions;
mod tokens;
mod users;
mod webhooks;

pub use deliveries::PendingWebhook;
pub use sessions::{HandoffRow, RevocationRow};
pub use tokens::{LinkTokenError, TokenCallRefused};
pub use users::{Claim, HostUserRow};
pub use webhooks::OutboxEvent;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::ServerError;

/// The SQLite file's name inside the data directory.
pub const SQLITE_FILE: &str = "bank-connect.sqlite3";

/// How long a request waits for a database connection before answering 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Each backend's migrations, in version order: (version, description, SQL).
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "store",
        include_str!("../../migrations/sqlite/0001_store.sql"),
    ),
    (
        2,
        "webhook events",
        include_str!("../../migrations/sqlite/0002_webhook_events.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "store",
        include_str!("../../migrations/postgres/0001_store.sql"),
    ),
    (
        2,
        "webhook events",
        include_str!("../../migrations/postgres/0002_webhook_events.sql"),
    ),
];

/// How long Basiq deliveries (their ids and what they said) and dead letters are kept.
const WEBHOOK_HISTORY_MS: i64 = 30 * 86_400_000;
/// How long events delivered to the host are kept.
const DELIVERED_KEEP_MS: i64 = 7 * 86_400_000;

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// SQLite in this process's memory (sandbox mode with the built-in simulator).
    Memory,
    /// An SQLite file (created with its folder when missing).
    SqliteFile(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl Location {
    /// The location `DATABASE_URL` and the data directory name; `None` for either means the
    /// default (`sandbox`: in memory, else `./data/bank-connect.sqlite3`).
    pub fn resolve(
        database_url: Option<&str>,
        data_dir: Option<&Path>,
        sandbox: bool,
    ) -> Result<Self, String> {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Self::Postgres(u.to_owned()))
            }
            Some(u) if u.starts_with("sqlite:") => {
                let path = u.trim_start_matches("sqlite:").trim_start_matches("//");
                let path = path.split('?').next().unwrap_or_default();
                if path.is_empty() || path == ":memory:" {
                    Ok(Self::Memory)
                } else {
                    Ok(Self::SqliteFile(PathBuf::from(path)))
                }
            }
            Some(_) => Err("DATABASE_URL must start with postgres:// (or sqlite:); leave it unset for the embedded SQLite file".into()),
            None => Ok(match data_dir {
                Some(dir) => Self::SqliteFile(dir.join(SQLITE_FILE)),
                None if sandbox => Self::Memory,
                None => Self::SqliteFile(Path::new("data").join(SQLITE_FILE)),
            }),
        }
    }

    /// For logs and errors: the backend and the file or host (never a password).
    pub fn describe(&self) -> String {
        match self {
            Self::Memory => "SQLite in memory".into(),
            Self::SqliteFile(p) => format!("SQLite file {}", p.display()),
            Self::Postgres(url) => {
                let host = url
                    .split_once("://")
                    .map(|(_, rest)| rest.rsplit_once('@').map_or(rest, |(_, h)| h))
                    .unwrap_or_default();
                format!(
                    "PostgreSQL at {}",
                    host.split('?').next().unwrap_or_default()
                )
            }
        }
    }
}

/// One of the two connection pools.
#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to whichever pool the store has (the same SQL on both).
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The store (cheap to clone: a pool handle).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    description: String,
    /// SQLite has one writer: the `/token` ledger's check-and-insert is serialised here too so
    /// it never meets a busy snapshot.
    ledger: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Lower-case hex SHA-256 of `text`: how tokens and contact details are stored.
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn start_error(location: &Location, why: impl std::fmt::Display) -> ServerError {
    ServerError::StoreStart(format!(
        "cannot open the store ({}): {why}",
        location.describe()
    ))
}

fn migrator(steps: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        steps
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(*sql),
                    false,
                )
            })
            .collect(),
    )
}

impl Store {
    /// Opens (creating when needed) and migrates the store at `location`.
    pub async fn open(location: &Location) -> Result<Self, ServerError> {
        let pool = match location {
            Location::Memory => {
                let options = SqliteConnectOptions::from_str("sqlite::memory:")
                    .map_err(|e| start_error(location, e))?;
                // One connection: each in-memory connection would be a database of its own.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|e| start_error(location, e))?;
                Pool::Sqlite(pool)
            }
            Location::SqliteFile(path) => Pool::Sqlite(open_sqlite(location, path).await?),
            Location::Postgres(url) => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(url)
                    .await
                    .map_err(|e| start_error(location, e))?;
                Pool::Postgres(pool)
            }
        };
        let store = Self {
            pool,
            description: location.describe(),
            ledger: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The backend and where it is (for logs).
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// True for SQLite: one process owns the store (replicas need PostgreSQL).
    pub fn single_process(&self) -> bool {
        matches!(self.pool, Pool::Sqlite(_))
    }

    /// The newest schema version this binary knows.
    pub fn schema_version(&self) -> i64 {
        let steps = match self.pool {
            Pool::Sqlite(_) => SQLITE_MIGRATIONS,
            Pool::Postgres(_) => POSTGRES_MIGRATIONS,
        };
        steps.last().map_or(0, |(v, _, _)| *v)
    }

    async fn migrate(&self) -> Result<(), ServerError> {
        let known = self.schema_version();
        let ran = match &self.pool {
            Pool::Sqlite(p) => migrator(SQLITE_MIGRATIONS).run(p).await,
            Pool::Postgres(p) => migrator(POSTGRES_MIGRATIONS).run(p).await,
        };
        ran.map_err(|e| match e {
            MigrateError::VersionMissing(v) => ServerError::StoreStart(format!(
                "the store ({}) has schema version {v}, newer than this bank-connect-server knows ({known}): run the newer release (or restore a backup made for this one)",
                self.description
            )),
            other => ServerError::StoreStart(format!(
                "cannot migrate the store ({}): {other}",
                self.description
            )),
        })
    }

    /// `Ok` when the database answers within a second (for `/readyz`).
    pub async fn health(&self) -> Result<(), String> {
        let ping =
            async { on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ())) };
        match tokio::time::timeout(Duration::from_secs(1), ping).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("the store does not answer: {e}")),
            Err(_) => Err("the store did not answer within a second".into()),
        }
    }

    /// Closes every connection (the process is stopping).
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    /// Deletes what has expired: used and stale link tokens, old `/token` calls, old refresh
    /// slots, finished hand-offs, revocations nobody can present any more, events delivered to
    /// the host a week ago, and Basiq deliveries and dead letters older than 30 days (Basiq
    /// stops retrying a delivery after about a day, so its id is no longer needed to
    /// deduplicate).
    pub async fn prune(&self, now: i64, keep: Duration) -> Result<(), ServerError> {
        let before = now - keep.as_millis() as i64;
        let before_secs = now / 1000 - keep.as_secs() as i64;
        on_pool!(self, p => {
            sqlx::query("DELETE FROM link_tokens WHERE expires_at < $1").bind(before).execute(p).await?.rows_affected();
            sqlx::query("DELETE FROM token_calls WHERE at < $1").bind(before).execute(p).await?.rows_affected();
            sqlx::query("DELETE FROM refresh_slots WHERE started_at < $1").bind(before).execute(p).await?.rows_affected();
            sqlx::query("DELETE FROM handoffs WHERE expires_at_secs <= $1").bind(now / 1000).execute(p).await?.rows_affected();
            sqlx::query("DELETE FROM revocations WHERE kind = 'session' AND until_secs < $1")
                .bind(before_secs).execute(p).await?.rows_affected();
            sqlx::query("DELETE FROM webhooks_received WHERE received_at < $1")
                .bind(now - WEBHOOK_HISTORY_MS).execute(p).await?.rows_affected();
            sqlx::query("DELETE FROM webhook_outbox WHERE state = 'delivered' AND created_at < $1")
                .bind(now - DELIVERED_KEEP_MS).execute(p).await?.rows_affected();
            sqlx::query("DELETE FROM webhook_outbox WHERE state = 'dead' AND created_at < $1")
                .bind(now - WEBHOOK_HISTORY_MS).execute(p).await?.rows_affected();
        });
        Ok(())
    }
}

async fn open_sqlite(location: &Location, path: &Path) -> Result<SqlitePool, ServerError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| start_error(location, format!("cannot create {}: {e}", dir.display())))?;
        let probe = dir.join(format!(".bank-connect-write-test-{}", std::process::id()));
        std::fs::write(&probe, b"").map_err(|e| {
            start_error(location, format!("{} is not writable: {e}", dir.display()))
        })?;
        let _ = std::fs::remove_file(probe);
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| start_error(location, e))
}

impl From<sqlx::Error> for ServerError {
    fn from(e: sqlx::Error) -> Self {
        ServerError::Store(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_follows_database_url_then_the_data_dir() {
        let pg = "postgres://bc:secret@db.internal:5432/bank?sslmode=require";
        let l = Location::resolve(Some(pg), None, false).unwrap();
        assert_eq!(l, Location::Postgres(pg.into()));
        assert_eq!(l.describe(), "PostgreSQL at db.internal:5432/bank");
        assert_eq!(
            Location::resolve(None, Some(Path::new("/srv/bc")), true).unwrap(),
            Location::SqliteFile(PathBuf::from("/srv/bc/bank-connect.sqlite3"))
        );
        assert_eq!(
            Location::resolve(None, None, false).unwrap(),
            Location::SqliteFile(PathBuf::from("data/bank-connect.sqlite3"))
        );
        assert_eq!(
            Location::resolve(None, None, true).unwrap(),
            Location::Memory
        );
        assert_eq!(
            Location::resolve(Some("sqlite:///tmp/x.db"), None, true).unwrap(),
            Location::SqliteFile(PathBuf::from("/tmp/x.db"))
        );
        assert!(Location::resolve(Some("mysql://x"), None, false).is_err());
    }
}
