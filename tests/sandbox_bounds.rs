//! A long-running sandbox stays small: 100,000 tokens issued over plain HTTP/1.1
//! (pipelined on one connection, so the test is quick), and the number kept stays
//! bounded, first by expiry plus the grace period (manual clock), then by the maximum
//! when tokens are minted faster than they expire.

use std::sync::Arc;
use std::time::Duration;

use flowpayroll::clock::ManualClock;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const BATCH: usize = 1_000;
const MAX_TOKENS: usize = 10_000;
/// The same figures as the sandbox's `u64` counters.
const BATCH_COUNT: u64 = BATCH as u64;
const MAX_KEPT: u64 = MAX_TOKENS as u64;

/// Sends `BATCH` token requests on `stream` while reading the answers; returns how many
/// were 200.
async fn issue_batch(stream: &mut TcpStream, request: &Arc<Vec<u8>>) -> usize {
    let (reader, mut writer) = stream.split();
    let requests = request.repeat(BATCH);
    let write = async {
        writer.write_all(&requests).await.unwrap();
        writer.flush().await.unwrap();
    };
    let read = async {
        let mut reader = BufReader::new(reader);
        let mut ok = 0;
        let mut line = String::new();
        for _ in 0..BATCH {
            let mut length = 0usize;
            line.clear();
            reader.read_line(&mut line).await.unwrap();
            if line.starts_with("HTTP/1.1 200") {
                ok += 1;
            }
            loop {
                line.clear();
                reader.read_line(&mut line).await.unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap();
                    }
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
        }
        ok
    };
    let ((), ok) = tokio::join!(write, read);
    ok
}

/// The process's resident memory in kB (Linux), for the log.
fn resident_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_tokens_keep_a_bounded_number() {
    let clock = Arc::new(ManualClock::new());
    let sandbox = Sandbox::start_with(
        SandboxConfig::default()
            .with_clock(clock.clone())
            .with_token_lifetime(Duration::from_secs(60))
            .with_eviction_grace(Duration::from_secs(30))
            .with_max_tokens(MAX_TOKENS)
            // One scope keeps each token short; the bound does not depend on it.
            .with_scopes(vec!["/2023-03-01/xhr/employees".into()]),
    )
    .await
    .unwrap();
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        sandbox.client_id(),
        sandbox.client_secret().expose_secret()
    );
    let address = sandbox.address();
    let request = Arc::new(
        format!(
            "POST /oauth2/token HTTP/1.1\r\nHost: {address}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    );
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let before = resident_kb();

    // Phase 1: a batch every 30 s of clock time. A token lives 60 s and is kept 30 s
    // more, so at most three batches are kept.
    let mut most_kept = 0;
    for _ in 0..50 {
        assert_eq!(issue_batch(&mut stream, &request).await, BATCH);
        let kept = sandbox.stats().tokens_kept;
        assert!(kept <= 3 * BATCH_COUNT, "{kept} tokens kept");
        most_kept = most_kept.max(kept);
        clock.advance(Duration::from_secs(30));
    }
    assert_eq!(most_kept, 3 * BATCH_COUNT);
    let after_expiry = resident_kb();

    // Phase 2: the clock stands still (a mint flood within one lifetime): the maximum
    // holds.
    for _ in 0..50 {
        assert_eq!(issue_batch(&mut stream, &request).await, BATCH);
        assert!(sandbox.stats().tokens_kept <= MAX_KEPT);
    }
    let stats = sandbox.stats();
    assert_eq!(stats.tokens_issued, 100_000);
    assert_eq!(
        stats.requests[&flowpayroll::operation::Operation::RequestToken],
        100_000
    );
    assert_eq!(stats.tokens_kept, MAX_KEPT);
    assert_eq!(stats.tokens_evicted, 100_000 - MAX_KEPT);
    eprintln!(
        "resident memory (kB): before {before:?}, after phase 1 {after_expiry:?}, after phase 2 {:?}",
        resident_kb()
    );
}
