//! Slow and idle clients: a partial header is cut off, open connections are capped (idle ones
//! wait in the backlog instead of exhausting descriptors), a request has a deadline.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::upstream::{app_for, get_directory, institutions_json, server_token_mock};
use crate::support::app_with;

#[tokio::test]
async fn a_partial_header_is_cut_off_after_the_read_timeout() {
    let app = app_with(&["--header-read-timeout-secs", "1"]).await;
    let mut slow = TcpStream::connect(app.server.addr()).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf)).await;
    let elapsed = started.elapsed();
    assert!(
        read.is_ok(),
        "the server closed the socket (or answered) within 5 s"
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn open_connections_are_capped_and_idle_ones_are_dropped() {
    let app = app_with(&["--max-connections", "4", "--header-read-timeout-secs", "1"]).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(app.server.addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(5), app.get("/healthz"))
        .await
        .expect("served once idle sockets are dropped");
    assert_eq!(res.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "waited for a free connection slot: {:?}",
        started.elapsed()
    );
    for mut s in idle {
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf))
            .await
            .expect("idle sockets are closed")
            .unwrap_or(0);
        assert_eq!(n, 0);
    }
}

#[tokio::test]
async fn a_request_that_takes_too_long_ends_with_a_json_503() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    Mock::given(method("GET"))
        .and(path("/institutions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(institutions_json())
                .set_delay(Duration::from_secs(4)),
        )
        .mount(&upstream)
        .await;
    let app = app_for(
        &upstream,
        &[
            "--request-timeout-secs",
            "1",
            "--upstream-timeout-ms",
            "10000",
        ],
    )
    .await;
    let started = Instant::now();
    let res = get_directory(&app).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(res.status(), 503);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["code"], "request-timeout");
}
