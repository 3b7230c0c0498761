//! Case 4: bodies are read while streaming and never past their limit, whatever the
//! server announces or sends.

use flowpayroll::limits::{ERROR_BODY_LIMIT, TOKEN_BODY_LIMIT};

use super::common::jwt;
use super::common::raw::{chunked_head, response, RawServer, Reply};
use super::*;

/// What an endless body may have cost at most: the limit, plus what the loopback
/// socket buffers hold once the client stops reading (a few MiB at most).
const SOCKET_SLACK: u64 = 16 << 20;

fn endless(status: u16) -> Reply {
    Reply::Endless {
        head: chunked_head(status),
        chunk: vec![b' '; 8192],
    }
}

#[tokio::test]
async fn case_4_an_endless_token_response_ends_at_64_kib() {
    let leaks = LeakCheck::start();
    let server = RawServer::start(|_, _| endless(200));
    let fp = builder_for(&server)
        .token_request_policy(one_attempt())
        .build()
        .unwrap();

    let error = fp.authenticate().await.unwrap_err();
    assert_body_too_large(&error, "request_token", TOKEN_BODY_LIMIT, "64 KiB");
    let sent = server.body_bytes_sent();
    assert!(sent >= TOKEN_BODY_LIMIT as u64, "{sent}");
    assert!(sent < TOKEN_BODY_LIMIT as u64 + SOCKET_SLACK, "{sent}");
    assert_eq!(server.hits(TOKEN_PATH), 1);
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn case_4_an_endless_api_body_ends_at_the_configured_limit() {
    let leaks = LeakCheck::start();
    let token = jwt("jti-endless");
    let server = behind_token(&token, move |_| endless(200));
    let limit = 1 << 20;
    let fp = builder_for(&server)
        .max_response_body(limit)
        .build()
        .unwrap();

    let error = fp.management().tokens().await.unwrap_err();
    assert_body_too_large(&error, "list_tokens", limit, "1 MiB");
    let sent = server.body_bytes_sent();
    assert!(
        sent > limit as u64 && sent < limit as u64 + SOCKET_SLACK,
        "{sent}"
    );
    leaks.assert_no_secret(&error, &[&token]);
}

#[tokio::test]
async fn case_4_a_content_length_above_the_limit_fails_before_reading() {
    let leaks = LeakCheck::start();
    let token = jwt("jti-announced");
    let server = behind_token(&token, move |_| {
        // Announces 2 GB and sends 16 bytes of it.
        Reply::Bytes(
            [
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2000000000\r\n\r\n".to_vec(),
                b"[              ".to_vec(),
            ]
            .concat(),
        )
    });
    let fp = builder_for(&server).build().unwrap();

    let error = fp.management().tokens().await.unwrap_err();
    assert_body_too_large(
        &error,
        "list_tokens",
        flowpayroll::limits::DEFAULT_BODY_LIMIT,
        "8 MiB",
    );
    leaks.assert_no_secret(&error, &[&token]);
}

#[tokio::test]
async fn case_4_a_huge_error_body_is_read_only_up_to_its_cap() {
    let leaks = LeakCheck::start();
    let token = jwt("jti-error-body");
    let server = behind_token(&token, move |_| Reply::Endless {
        head: chunked_head(502),
        chunk: b"<html>bad gateway</html>".repeat(300),
    });
    let fp = builder_for(&server).build().unwrap();

    let error = fp.management().tokens().await.unwrap_err();
    let api = error.as_api().unwrap();
    assert_eq!(api.status().as_u16(), 502);
    let raw = api.raw_body();
    assert!(!raw.is_complete() && raw.is_truncated());
    assert_eq!(raw.total_len(), ERROR_BODY_LIMIT);
    assert!(raw.text().starts_with("<html>bad gateway</html>"));
    assert!(
        error
            .to_string()
            .contains("more than 16 KiB; the rest was not read"),
        "{error}"
    );
    let sent = server.body_bytes_sent();
    assert!(sent < ERROR_BODY_LIMIT as u64 + SOCKET_SLACK, "{sent}");
    leaks.assert_no_secret(&error, &[&token]);
}

#[tokio::test]
async fn a_complete_error_body_keeps_its_length() {
    let server = RawServer::start(|_, _| Reply::Bytes(response(503, &[], &b"x".repeat(2000))));
    let fp = builder_for(&server)
        .token_request_policy(one_attempt())
        .build()
        .unwrap();
    let error = fp.authenticate().await.unwrap_err();
    let raw = error.as_api().unwrap().raw_body();
    assert!(raw.is_complete() && raw.is_truncated());
    assert_eq!(raw.total_len(), 2000);
    assert!(
        error.to_string().ends_with("... (2000 bytes in all)"),
        "{error}"
    );
}

/// `RequestContext::with_body_limit` on a raw client: a success body one byte past the
/// limit fails, naming the limit; at the limit it decodes.
#[tokio::test]
async fn a_raw_client_reads_success_bodies_up_to_its_own_limit() {
    const LIMIT: usize = 1024;
    let server = RawServer::start(|_, request| {
        // `[]` padded with spaces to the length the base path names (`/1024/...`).
        let length: usize = request.path().split('/').nth(1).unwrap().parse().unwrap();
        let body = format!("[]{}", " ".repeat(length - 2));
        Reply::Bytes(response(
            200,
            &[("content-type", "application/json")],
            body.as_bytes(),
        ))
    });
    let client = |length: usize| {
        let context = flowpayroll::RequestContext::new().with_body_limit(LIMIT);
        flowpayroll::raw::Client::new(&server.url(&format!("/{length}")), context)
    };
    let fits = client(LIMIT).list_tokens().await.unwrap();
    assert!(fits.into_inner().is_empty());

    let error = client(LIMIT + 1).list_tokens().await.unwrap_err();
    let mut chain = vec![error.to_string()];
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    assert!(
        chain
            .iter()
            .any(|text| text.contains("larger than the 1 KiB limit")),
        "{chain:?}"
    );
    assert_eq!(server.requests().len(), 2);
}
