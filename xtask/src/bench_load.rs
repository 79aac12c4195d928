//! Hostile load for `cargo xtask bench server`: idle slow connections (a header trickled a byte
//! at a time) and an abusive cookieless client hammering `/api/token` from many loopback source
//! addresses.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use crate::Failure;

/// Keeps `n` connections open, each sending one header byte every 2 s (a slowloris client);
/// a connection the server closes is opened again. Stops on drop.
pub struct IdleConnections {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<usize>>,
}

impl IdleConnections {
    /// Opens `n` slow connections to `addr`.
    pub fn open(addr: SocketAddr, n: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let open = |_| {
                let mut s = TcpStream::connect(addr).ok()?;
                s.write_all(b"POST /api/token HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    .ok()?;
                Some(s)
            };
            let mut conns: Vec<Option<TcpStream>> = (0..n).map(open).collect();
            let mut reopened = 0;
            while !flag.load(Ordering::Relaxed) {
                for c in conns.iter_mut() {
                    let alive = c.as_mut().is_some_and(|s| s.write_all(b"X").is_ok());
                    if !alive {
                        *c = open(0);
                        reopened += 1;
                    }
                }
                std::thread::sleep(Duration::from_secs(2));
            }
            reopened
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops; how many connections had to be opened again (the server closed them).
    pub fn close(mut self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or(0)
    }
}

impl Drop for IdleConnections {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Cookieless `POST /api/token` from 127.0.0.2 … 127.0.0.250, one connection per request,
/// `threads` at a time, for `seconds`. Returns the status counts (0 = no answer).
pub fn abusive_client(port: u16, threads: usize, seconds: u64) -> BTreeMap<u16, u64> {
    let tally = Arc::new(Mutex::new(BTreeMap::new()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let tally = tally.clone();
            std::thread::spawn(move || {
                let mut host = 2 + t as u8;
                while Instant::now() < deadline {
                    let status = one_request(host, port).unwrap_or(0);
                    *tally.lock().unwrap().entry(status).or_insert(0) += 1;
                    host = if host >= 250 - threads as u8 {
                        2 + t as u8
                    } else {
                        host + threads as u8
                    };
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Arc::try_unwrap(tally)
        .map(|m| m.into_inner().unwrap_or_default())
        .unwrap_or_default()
}

fn one_request(host: u8, port: u16) -> Option<u16> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    let from: SocketAddr = ([127, 0, 0, host], 0).into();
    socket.bind(&from.into()).ok()?;
    let to: SocketAddr = ([127, 0, 0, 1], port).into();
    socket
        .connect_timeout(&to.into(), Duration::from_secs(2))
        .ok()?;
    let mut stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!(
        "POST /api/token HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let head = String::from_utf8_lossy(&answer[..answer.len().min(32)]).into_owned();
    head.split_whitespace().nth(1)?.parse().ok()
}

/// The rows under hostile load: 1,000 idle slow connections while the token endpoint is
/// measured (it must keep 80 % of its unloaded rate), and a second server with its default
/// limits whose token endpoint serves a legitimate session while an abusive cookieless client
/// hammers it from 127.0.0.2–250.
pub fn hostile_rows(
    base: &str,
    port: u16,
    token: &[String],
    unloaded: f64,
    seconds: u64,
) -> Result<(), Failure> {
    let idle = IdleConnections::open(([127, 0, 0, 1], port).into(), 1000);
    std::thread::sleep(Duration::from_secs(1));
    let report = crate::bench::oha(token, &format!("{base}/api/token"), seconds, None)?;
    let reopened = idle.close();
    let loaded = crate::bench::print_row("POST /api/token, 1,000 idle slow conns", &report);
    let share = if unloaded > 0.0 {
        loaded / unloaded * 100.0
    } else {
        0.0
    };
    println!(
        "    {share:.0} % of the unloaded rate (goal >= 80 %); {reopened} slow connections were cut off and reopened"
    );

    let (guarded, guarded_port, _stop) = crate::bench::start_server(&[])?;
    let cookie = crate::bench::session_cookie(&guarded)?;
    let legit = ["-m", "POST", "-H", &format!("Cookie: {cookie}")].map(str::to_owned);
    let abuse = std::thread::spawn(move || abusive_client(guarded_port, 8, seconds));
    let report = crate::bench::oha(&legit, &format!("{guarded}/api/token"), seconds, Some(8))?;
    let abusive = abuse.join().unwrap_or_default();
    crate::bench::print_row("POST /api/token at 8/s under abuse", &report);
    println!(
        "    abusive cookieless client from 127.0.0.2-250, statuses: {abusive:?}; /readyz after: {}",
        if crate::bench::curl_ok(&format!("{guarded}/readyz")) {
            "ready"
        } else {
            "NOT ready"
        }
    );
    Ok(())
}
