//! Transport errors in words: a refused connection, a TLS handshake that fails, a
//! response body that cannot be read and an answer that is not HTTP each get their own
//! message (not reqwest's generic one); and a call polled outside a Tokio runtime is
//! `TokenUnavailable` before anything is sent.

use flowpayroll::RetryPolicy;

use super::common::jwt;
use super::common::raw::{RawServer, Reply};
use super::*;

/// The error of one `list_tokens` call (no retries) with the API at `api_url` and the
/// token endpoint on `server`.
async fn list_tokens_error(server: &RawServer, api_url: &str) -> Error {
    let fp = builder_for(server)
        .api_url(api_url)
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap();
    let error = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                operation: flowpayroll::operation::Operation::ListTokens,
                ..
            }
        ),
        "{error:?}"
    );
    error
}

#[tokio::test]
async fn a_refused_connection_is_named() {
    let leaks = LeakCheck::start();
    let server = behind_token(&jwt("jti-refused"), |_| Reply::Hang);
    // A port that was just free: nothing listens there any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let error = list_tokens_error(&server, &url).await;
    assert_eq!(
        error.to_string(),
        "`list_tokens` (127.0.0.1): no TCP connection (connection refused)"
    );
    assert_eq!(server.hits(TOKEN_PATH), 1);
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn a_failed_tls_handshake_is_a_connection_failure() {
    let leaks = LeakCheck::start();
    let server = behind_token(&jwt("jti-tls"), |_| Reply::Hang);
    // Plain HTTP where the client expects TLS: a listener that answers every connection
    // with an HTTP status line at once, so the handshake reads garbage.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", plain.local_addr().unwrap());
    let accepted = std::thread::spawn(move || {
        let (mut stream, _) = plain.accept().unwrap();
        std::io::Write::write_all(&mut stream, b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap();
    });
    let error = list_tokens_error(&server, &url).await;
    assert_eq!(
        error.to_string(),
        "`list_tokens` (127.0.0.1): the server did not answer in TLS"
    );
    accepted.join().unwrap();
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn a_body_that_cannot_be_read_is_named() {
    let leaks = LeakCheck::start();
    // A chunked error body whose chunk size is not hexadecimal.
    let server = behind_token(&jwt("jti-body"), |_| {
        Reply::Bytes(
            b"HTTP/1.1 503 Unavailable\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n"
                .to_vec(),
        )
    });
    let error = list_tokens_error(&server, &server.url("")).await;
    assert_eq!(
        error.to_string(),
        "`list_tokens`: the response's body could not be read (Invalid chunk size line: missing size digit)"
    );
    assert_eq!(server.hits(TOKENS_PATH), 1);
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_no_response() {
    let leaks = LeakCheck::start();
    let server = behind_token(&jwt("jti-garbage"), |_| {
        Reply::Bytes(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec())
    });
    let error = list_tokens_error(&server, &server.url("")).await;
    assert_eq!(
        error.to_string(),
        "`list_tokens` (127.0.0.1): no valid response headers (invalid HTTP version parsed)"
    );
    assert_eq!(server.hits(TOKENS_PATH), 1);
    leaks.assert_no_secret(&error, &[]);
}

/// Polled by an executor that is not Tokio, a call cannot start a token request: it
/// says why, and nothing reaches the server (here on the manual clock; the system
/// clock's case is in `no_panic.rs`).
#[test]
fn a_call_outside_a_tokio_runtime_is_no_runtime() {
    let server = behind_token(&jwt("jti-no-runtime"), |_| Reply::Hang);
    let fp = builder_for(&server)
        .clock(std::sync::Arc::new(flowpayroll::clock::ManualClock::new()))
        .build()
        .unwrap();
    let error = futures::executor::block_on(fp.management().tokens()).unwrap_err();
    assert!(matches!(error, Error::NoRuntime), "{error:?}");
    assert_eq!(
        error.to_string(),
        "no Tokio runtime: call flowpayroll from within one (#[tokio::main], a spawned task)"
    );
    assert_eq!(server.requests().len(), 0);
}
