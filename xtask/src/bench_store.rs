//! The store's rows of `cargo xtask bench server`: `POST /api/token` cache hits with each
//! store (in memory, the SQLite file, PostgreSQL), and link-token redemptions (one conditional
//! `UPDATE … RETURNING` each, a fresh token per request) over keep-alive connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::Failure;
use crate::bench::{oha, print_row, session_cookie, start_server};

const HOST_SECRET: &str = "bench-host-secret-0123456789";
/// Link tokens minted, then redeemed, per store.
const REDEMPTIONS: usize = 4000;
/// Concurrent redeeming connections.
const REDEEMERS: usize = 16;

/// One keep-alive HTTP/1.1 connection (enough HTTP for JSON requests with Content-Length).
struct Conn {
    reader: BufReader<TcpStream>,
    port: u16,
}

impl Conn {
    fn open(port: u16) -> std::io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::new(stream),
            port,
        })
    }

    /// `POST path` with a JSON body and extra header lines; the status and body.
    fn post(&mut self, path: &str, headers: &str, body: &str) -> std::io::Result<(u16, String)> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            self.port,
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            if line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

/// Mints `n` link tokens for one host user.
fn mint(port: u16, n: usize) -> Result<Vec<String>, Failure> {
    let mut conn = Conn::open(port)?;
    let auth = format!("Authorization: Bearer {HOST_SECRET}\r\n");
    let body = r#"{"user_ref":"bench-user","email":"bench@example.com"}"#;
    (0..n)
        .map(|_| {
            let (status, text) = conn.post("/api/link-tokens", &auth, body)?;
            let v: serde_json::Value = serde_json::from_str(&text)?;
            match (status, v["link_token"].as_str()) {
                (200, Some(t)) => Ok(t.to_owned()),
                _ => Err(Failure(format!("minting a link token: {status} {text}"))),
            }
        })
        .collect()
}

/// Redeems every token over `REDEEMERS` connections; (req/s, p99 ms, statuses other than 200).
fn redeem(port: u16, tokens: Vec<String>) -> Result<(f64, f64, usize), Failure> {
    let chunks: Vec<Vec<String>> = tokens
        .chunks(tokens.len().div_ceil(REDEEMERS))
        .map(<[String]>::to_vec)
        .collect();
    let started = Instant::now();
    let workers: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            std::thread::spawn(move || -> std::io::Result<(Vec<Duration>, usize)> {
                let mut conn = Conn::open(port)?;
                let mut took = Vec::with_capacity(chunk.len());
                let mut refused = 0;
                for t in chunk {
                    let at = Instant::now();
                    let (status, _) =
                        conn.post("/api/token", "", &format!(r#"{{"link_token":"{t}"}}"#))?;
                    took.push(at.elapsed());
                    refused += usize::from(status != 200);
                }
                Ok((took, refused))
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut refused = 0;
    for w in workers {
        let (took, r) = w
            .join()
            .map_err(|_| Failure("a redeeming thread panicked".into()))??;
        all.extend(took);
        refused += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let p99 = all
        .get(all.len() * 99 / 100)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    Ok((all.len() as f64 / elapsed, p99, refused))
}

/// The rows: for each store, the token cache hit at full speed and link-token redemptions.
pub fn store_rows(seconds: u64) -> Result<(), Failure> {
    println!(
        "\nthe store: token cache hits (no database on that path) and link-token redemptions\n"
    );
    let sqlite_dir = crate::root().join("target/bench-store-sqlite");
    let _ = std::fs::remove_dir_all(&sqlite_dir);
    let postgres = crate::postgres::TestPostgres::start()?;
    let postgres_url = postgres.fresh_database("bench_store")?;
    let sqlite_arg = sqlite_dir.display().to_string();
    let stores: [(&str, Vec<&str>); 3] = [
        ("in memory", vec![]),
        ("SQLite file", vec!["--data-dir", &sqlite_arg]),
        ("PostgreSQL", vec!["--database-url", &postgres_url]),
    ];
    for (label, store_args) in stores {
        let mut args = vec![
            "--token-rate-per-ip",
            "0",
            "--link-token-rate",
            "0",
            "--host-api-secret",
            HOST_SECRET,
        ];
        args.extend(store_args);
        let (base, port, _stop) = start_server(&args)?;
        let cookie = session_cookie(&base)?;
        let token = ["-m", "POST", "-H", &format!("Cookie: {cookie}")].map(str::to_owned);
        let report = oha(&token, &format!("{base}/api/token"), seconds, None)?;
        print_row(&format!("POST /api/token (cache hit), {label}"), &report);
        let tokens = mint(port, REDEMPTIONS)?;
        let (rate, p99, refused) = redeem(port, tokens)?;
        println!(
            "{:<42} {rate:>10.0} {:>9} {p99:>9.3} {:>9}  {REDEMPTIONS} tokens, {refused} not 200",
            format!("link-token redemption, {label}"),
            "-",
            "-"
        );
    }
    Ok(())
}
