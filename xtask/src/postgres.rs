//! A throwaway PostgreSQL on loopback for the store's tests and the bench: Debian's
//! `postgresql` installed when missing, one data folder per checkout under the system temp dir
//! (initialised once, so fast when present), started on a free port as the `postgres` user
//! when run as root, and stopped when dropped. Tests find it in `BANK_CONNECT_TEST_DATABASE_URL`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Failure, root};

/// The variable the server's tests read the administrator URL from.
pub const URL_VAR: &str = "BANK_CONNECT_TEST_DATABASE_URL";

/// A running throwaway server.
pub struct TestPostgres {
    bin: PathBuf,
    data: PathBuf,
    as_user: Option<&'static str>,
    /// `postgres://bankconnect@127.0.0.1:<port>/postgres`.
    pub url: String,
    keep_running: bool,
}

/// The newest installed `…/postgresql/<major>/bin` holding `pg_ctl`.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn folder() -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    root().hash(&mut h);
    std::env::temp_dir().join(format!("bank-connect-pg-{:x}", h.finish()))
}

fn free_port() -> Result<u16, Failure> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl TestPostgres {
    /// Installs (when missing), initialises (once) and starts the server.
    pub fn start() -> Result<Self, Failure> {
        let bin = match find_bin() {
            Some(bin) => bin,
            None => {
                crate::setup::apt_install(&["postgresql"], "PostgreSQL (the store's tests)")?;
                find_bin().ok_or_else(|| {
                    Failure(
                        "PostgreSQL installed but pg_ctl not found under /usr/lib/postgresql"
                            .into(),
                    )
                })?
            }
        };
        let as_user = crate::setup::is_root().then_some("postgres");
        let dir = folder();
        std::fs::create_dir_all(&dir)?;
        if let Some(user) = as_user {
            let mut chown = Command::new("chown");
            chown.arg(format!("{user}:{user}")).arg(&dir);
            crate::run_ok(chown, "chown the PostgreSQL folder")?;
        }
        let data = dir.join("data");
        let mut pg = Self {
            bin,
            data,
            as_user,
            url: String::new(),
            keep_running: false,
        };
        if !pg.data.join("PG_VERSION").is_file() {
            let _ = std::fs::remove_dir_all(&pg.data);
            let data = pg.data.display().to_string();
            pg.run(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    "bankconnect",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
                "initdb",
            )?;
        }
        // A server left running by an interrupted run: stop it, then start on a free port.
        if pg.data.join("postmaster.pid").is_file() {
            pg.stop_server();
        }
        let port = free_port()?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
            dir.display()
        );
        let (data, log) = (
            pg.data.display().to_string(),
            dir.join("log").display().to_string(),
        );
        pg.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-w", "-t", "60", "-o", &options, "start",
            ],
            "start PostgreSQL",
        )?;
        pg.url = format!("postgres://bankconnect@127.0.0.1:{port}/postgres");
        pg.drop_test_databases(port)?;
        Ok(pg)
    }

    /// Drops the databases earlier test runs made (`t_…`, one per test), so the folder stays small.
    fn drop_test_databases(&self, port: u16) -> Result<(), Failure> {
        let port = port.to_string();
        let mut list = self.command("psql");
        list.args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "bankconnect",
            "-d",
            "postgres",
            "-Atc",
        ])
        .arg("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'");
        let out = list.current_dir(Path::new("/")).output()?;
        for name in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
        {
            self.run(
                "dropdb",
                &["-h", "127.0.0.1", "-p", &port, "-U", "bankconnect", name],
                "drop a test database",
            )?;
        }
        Ok(())
    }

    /// An empty database `name` (dropped first if it exists); its URL.
    pub fn fresh_database(&self, name: &str) -> Result<String, Failure> {
        let port = self
            .url
            .rsplit(':')
            .next()
            .and_then(|p| p.split('/').next())
            .unwrap_or("");
        let conn = ["-h", "127.0.0.1", "-p", port, "-U", "bankconnect"];
        let mut drop = conn.to_vec();
        drop.extend(["--if-exists", name]);
        self.run("dropdb", &drop, "dropdb")?;
        let mut create = conn.to_vec();
        create.push(name);
        self.run("createdb", &create, "createdb")?;
        Ok(format!("postgres://bankconnect@127.0.0.1:{port}/{name}"))
    }

    /// Leaves the server running after this value is dropped (`cargo xtask postgres`).
    pub fn keep_running(mut self) {
        self.keep_running = true;
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn run(&self, program: &str, args: &[&str], what: &str) -> Result<(), Failure> {
        let mut c = self.command(program);
        c.args(args).current_dir(Path::new("/"));
        let out = c
            .output()
            .map_err(|e| Failure(format!("{what}: cannot start: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Failure(format!(
                "{what} failed: {}{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            )))
        }
    }

    fn stop_server(&self) {
        let data = self.data.display().to_string();
        let _ = self.run(
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
            "stop PostgreSQL",
        );
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        if !self.keep_running {
            self.stop_server();
        }
    }
}

/// `cargo xtask postgres [stop]`: starts the test server and prints the variable to export
/// (for `cargo test -p bank-connect-server` by hand), or stops it.
pub fn command(args: &[String]) -> Result<(), Failure> {
    if args.first().map(String::as_str) == Some("stop") {
        let pg = TestPostgres {
            bin: find_bin().ok_or_else(|| Failure("PostgreSQL is not installed".into()))?,
            data: folder().join("data"),
            as_user: crate::setup::is_root().then_some("postgres"),
            url: String::new(),
            keep_running: false,
        };
        drop(pg);
        println!("stopped");
        return Ok(());
    }
    let pg = TestPostgres::start()?;
    println!("export {URL_VAR}={}", pg.url);
    pg.keep_running();
    Ok(())
}
