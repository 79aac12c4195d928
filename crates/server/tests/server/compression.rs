//! Compressed `/api` responses: every JSON body over 1 kB goes out brotli or gzip to a client
//! that accepts it, and decodes to what an identity client gets.

use std::io::Read;

use crate::support::{app_with, cookie_client};

/// The `/api` GETs a browser makes, with a connected bank so the lists are not empty.
async fn api_paths(app: &crate::support::TestApp, me: &reqwest::Client) -> Vec<String> {
    let g = app.grant(me).await;
    app.connect(&g, "gavinBelson", "hooli2016", "AU00000").await;
    let conns = app.connections(me).await;
    let cid = conns[0]["id"].as_str().unwrap().to_owned();
    vec![
        "/api/config".into(),
        "/api/institutions".into(),
        "/api/connections".into(),
        "/api/accounts".into(),
        format!("/api/connections/{cid}/transactions?limit=50"),
    ]
}

fn decode(coding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .unwrap(),
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .unwrap(),
        other => panic!("unexpected content-encoding {other}"),
    };
    out
}

/// GET `path` with `accept` as Accept-Encoding (none when empty): (Content-Encoding, Content-Type,
/// body as sent).
async fn fetch(me: &reqwest::Client, url: &str, accept: &str) -> (String, String, Vec<u8>) {
    let mut req = me.get(url);
    if !accept.is_empty() {
        req = req.header("Accept-Encoding", accept);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (coding, kind) = (header("content-encoding"), header("content-type"));
    (coding, kind, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn api_json_over_1_kb_is_compressed_for_clients_that_accept_it() {
    let app = app_with(&[]).await;
    let me = cookie_client();
    let mut large = Vec::new();
    for path in api_paths(&app, &me).await {
        let url = app.url(&path);
        let (coding, kind, plain) = fetch(&me, &url, "").await;
        assert_eq!(coding, "", "{path}: no coding without Accept-Encoding");
        if !kind.starts_with("application/json") || plain.len() <= 1024 {
            continue;
        }
        large.push(path.clone());
        for (accept, expected) in [
            ("gzip, deflate, br, zstd", "br"),
            ("gzip, deflate", "gzip"),
            ("br;q=0, gzip", "gzip"),
        ] {
            let (coding, _, sent) = fetch(&me, &url, accept).await;
            assert_eq!(
                coding,
                expected,
                "{path} ({} B of JSON) with Accept-Encoding: {accept}",
                plain.len()
            );
            assert!(sent.len() < plain.len(), "{path}: compressed is smaller");
            let decoded = decode(&coding, &sent);
            // The directory is the same bytes each time; other bodies may change between
            // calls (a pending transaction settles), so they must decode to JSON.
            if path == "/api/institutions" {
                assert!(decoded == plain, "{path} decodes to the same JSON");
            } else {
                let json: Result<serde_json::Value, _> = serde_json::from_slice(&decoded);
                assert!(json.is_ok(), "{path} decodes to JSON");
            }
        }
    }
    // The directory and the transactions page are well over 1 kB: the check ran on them.
    assert!(
        large.iter().any(|p| p == "/api/institutions") && large.len() >= 2,
        "{large:?}"
    );
}

#[tokio::test]
async fn the_directory_varies_by_encoding_and_keeps_one_etag() {
    let app = app_with(&[]).await;
    let url = app.url("/api/institutions");
    let http = reqwest::Client::new();
    let mut etags = Vec::new();
    for accept in ["br", "gzip", "identity"] {
        let res = http
            .get(&url)
            .header("Accept-Encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["vary"], "accept-encoding", "{accept}");
        etags.push(res.headers()["etag"].to_str().unwrap().to_owned());
    }
    assert!(etags.iter().all(|e| e == &etags[0]), "{etags:?}");
    let again = http
        .get(&url)
        .header("Accept-Encoding", "br")
        .header("If-None-Match", &etags[0])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn the_directory_goes_out_compressed_once_at_brotli_11() {
    let app = app_with(&[]).await;
    let me = reqwest::Client::new();
    let url = app.url("/api/institutions");
    let (_, _, json) = fetch(&me, &url, "").await;
    let mut best = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: json.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &json[..], &mut best, &params).unwrap();
    // The copy is made in the background; until then the layer compresses each response.
    for _ in 0..200 {
        let (coding, _, sent) = fetch(&me, &url, "br").await;
        assert_eq!(coding, "br");
        if sent == best {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never served the brotli -q 11 copy ({} B)", best.len());
}
