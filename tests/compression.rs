//! Compressed answers end to end with the sandbox: the client asks for `br`, `gzip` and
//! `deflate` and decodes what comes back; the sandbox compresses when asked (and only
//! then) and counts the answers it sent compressed. The raw-server cases and the
//! compression bombs are in `tests/hostile/compression.rs`.

use std::collections::BTreeMap;
use std::io::Read as _;

use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;

/// A client that neither asks for nor decodes compressed answers, to see the raw bytes.
fn raw_http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_client_asks_and_decodes_what_the_sandbox_compresses() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();

    let tokens = fp.management().tokens().await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0].valid);
    let providers = fp.providers().await.unwrap();
    assert!(!providers.is_empty());

    // The token answer and both API answers went out compressed. The client offers
    // `gzip, br, deflate` with equal weight; the sandbox picks brotli, the smallest.
    let stats = sandbox.stats();
    assert_eq!(
        stats.compressed_answers,
        BTreeMap::from([("br".to_owned(), 3)])
    );
    assert_eq!(stats.requests[&Operation::ListTokens], 1);
}

#[tokio::test]
async fn the_sandbox_compresses_only_when_asked() {
    let sandbox = Sandbox::start().await.unwrap();
    let url = sandbox.url().join("/__sandbox/stats").unwrap().to_string();

    let plain = raw_http().get(&url).send().await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain: serde_json::Value = plain.json().await.unwrap();
    assert!(plain["requests"].is_object(), "{plain}");

    let gzipped = raw_http()
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let wire = gzipped.bytes().await.unwrap();
    assert_eq!(&wire[..2], &[0x1f, 0x8b], "not a gzip stream");
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&wire[..])
        .read_to_string(&mut decoded)
        .unwrap();
    let decoded: serde_json::Value = serde_json::from_str(&decoded).unwrap();
    assert!(decoded["requests"].is_object(), "{decoded}");

    // Only the answer that was asked to be compressed is counted.
    let stats = sandbox.stats();
    assert_eq!(
        stats.compressed_answers,
        BTreeMap::from([("gzip".to_owned(), 1)])
    );
}
