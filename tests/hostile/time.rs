//! Case 8: time bounds. A call ends within its total budget and a mint within its
//! deadline, whatever the server does (never answering included), and the errors say
//! "timed out after ..." or "connection reset" instead of "error decoding response body".
//! Driven by the manual clock or paused Tokio time, never by sleeps.

use std::sync::Arc;
use std::time::Duration;

use flowpayroll::clock::ManualClock;
use flowpayroll::{RetryPolicy, TokenRequestPolicy};

use super::common::raw::{response, RawServer, Reply, Unanswered};
use super::common::{eventually, jwt};
use super::*;

fn token_then(api: Reply) -> RawServer {
    behind_token(&jwt("jti-time"), move |_| api.clone())
}

#[tokio::test]
async fn case_8_the_call_budget_counts_requests_not_only_waits() {
    let leaks = LeakCheck::start();
    // The API never answers; the request timeout (30 s of real time) is far away.
    let server = token_then(Reply::Hang);
    let clock = Arc::new(ManualClock::new());
    let fp = builder_for(&server)
        .clock(clock.clone())
        .retry_policy(RetryPolicy::default().with_total_budget(Duration::from_secs(5)))
        .build()
        .unwrap();

    let call = tokio::spawn(async move { fp.management().tokens().await });
    eventually("the request reached the server", || {
        server.hits(TOKENS_PATH) == 1
    })
    .await;
    clock.advance(Duration::from_secs(5));
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::Timeout { operation: flowpayroll::operation::Operation::ListTokens, after, .. } if after == Duration::from_secs(5)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "`list_tokens` timed out after 5 s (the call's total budget)"
    );
    assert_eq!(server.hits(TOKENS_PATH), 1);
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn case_8_429s_stop_at_the_budget_not_after_160_s() {
    let server = token_then(Reply::Bytes(response(
        429,
        &[("retry-after", "20")],
        b"{\"message\":\"slow down\"}",
    )));
    let clock = Arc::new(ManualClock::new());
    let fp = builder_for(&server)
        .clock(clock.clone())
        .retry_policy(RetryPolicy::default().with_max_retries(100))
        .build()
        .unwrap();

    let call = tokio::spawn(async move { fp.management().tokens().await });
    // Waits of 20 s in a 60 s budget: at 0, 20 and 40 s; the wait after the third 429
    // would end at 60 s, so the call returns it.
    for answered in 1..=2 {
        eventually("the call waits", || {
            clock.sleepers() > 0 && server.hits(TOKENS_PATH) == answered
        })
        .await;
        clock.advance(Duration::from_secs(20));
    }
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.hits(TOKENS_PATH), 3);
    assert_eq!(clock.elapsed(), Duration::from_secs(40));
}

#[tokio::test]
async fn case_8_a_hung_token_endpoint_is_bounded_by_the_mint_deadline() {
    let leaks = LeakCheck::start();
    let server = RawServer::start(|_, _| Reply::Hang);
    let clock = Arc::new(ManualClock::new());
    let fp = builder_for(&server).clock(clock.clone()).build().unwrap();

    let call = tokio::spawn({
        let fp = fp.clone();
        async move { fp.authenticate().await }
    });
    eventually("the token request reached the server", || {
        server.hits(TOKEN_PATH) == 1
    })
    .await;
    clock.advance(TokenRequestPolicy::default().deadline);
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(
        error.to_string(),
        "`request_token` timed out after 15 s (the token mint's deadline)"
    );
    assert_eq!(server.hits(TOKEN_PATH), 1);
    assert!(!fp.token_status().refreshing);
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn case_8_a_request_timeout_is_named_with_its_limit() {
    let server = token_then(Reply::Hang);
    let fp = builder_for(&server)
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    // From here Tokio's time (which reqwest's timeout runs on) jumps ahead whenever the
    // runtime has nothing else to do, so the 3 s pass at once.
    tokio::time::pause();

    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "`list_tokens`: no answer from 127.0.0.1 within 3 s (request timeout)"
    );
    assert!(server.hits(TOKENS_PATH) <= 1);
}

#[tokio::test]
async fn case_8_a_reset_is_named_as_such() {
    let leaks = LeakCheck::start();
    let server = token_then(Reply::Reset);
    let fp = builder_for(&server).build().unwrap();
    let error = fp.management().tokens().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let shown = error.to_string();
    assert_eq!(
        error.transport_cause(),
        Some(&flowpayroll::TransportCause::WaitingForHeaders)
    );
    assert!(
        shown == "`list_tokens` (127.0.0.1): no valid response headers (connection reset)"
            || shown == "`list_tokens` (127.0.0.1): no valid response headers (closed early)",
        "{shown}"
    );
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn case_8_a_body_cut_by_a_reset_is_not_a_decoding_error() {
    let server = token_then(Reply::BytesThenReset(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[{\"provi".to_vec(),
    ));
    let fp = builder_for(&server).build().unwrap();
    let error = fp.management().tokens().await.unwrap_err();
    let shown = error.to_string();
    assert!(!shown.contains("decoding"), "{shown}");
    assert_eq!(
        error.transport_cause(),
        Some(&flowpayroll::TransportCause::BodyRead)
    );
    assert!(
        shown == "`list_tokens` (127.0.0.1): the response's body could not be read (connection reset)"
            || shown == "`list_tokens` (127.0.0.1): the response's body could not be read (closed early)",
        "{shown}"
    );
}

/// A builder whose token endpoint is `token_url` and whose API is `api_url`, with the
/// given connect timeout and one token request per mint.
fn builder_with(token_url: String, api_url: String, connect: Duration) -> FlowPayrollBuilder {
    FlowPayroll::builder()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .environment(Environment::Custom {
            token_url: token_url.parse().unwrap(),
            api_url: api_url.parse().unwrap(),
        })
        .connect_timeout(connect)
        .token_request_policy(one_attempt())
}

#[tokio::test]
async fn case_8_a_connect_timeout_to_the_api_is_named_with_its_limit() {
    let leaks = LeakCheck::start();
    let server = token_then(json(200, "[]"));
    let unanswered = Unanswered::start();
    let fp = builder_with(
        server.url(TOKEN_PATH),
        unanswered.url(""),
        Duration::from_secs(2),
    )
    .build()
    .unwrap();
    fp.authenticate().await.unwrap();
    // Tokio's time (which the connect timeout runs on) jumps ahead when the runtime
    // is idle: the 2 s pass at once.
    tokio::time::pause();

    let error = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { operation: flowpayroll::operation::Operation::ListTokens, after, .. } if after == Duration::from_secs(2)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "`list_tokens`: no TCP connection to 127.0.0.1 within 2 s (connect timeout)"
    );
    assert!(error.is_transient());
    assert_eq!(server.hits(TOKENS_PATH), 0);
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn case_8_a_connect_timeout_to_the_token_endpoint_is_named_with_its_limit() {
    let leaks = LeakCheck::start();
    let unanswered = Unanswered::start();
    let fp = builder_with(
        unanswered.url(TOKEN_PATH),
        unanswered.url(""),
        Duration::from_millis(1500),
    )
    .build()
    .unwrap();
    tokio::time::pause();

    let error = fp.authenticate().await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { operation: flowpayroll::operation::Operation::RequestToken, after, .. } if after == Duration::from_millis(1500)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "`request_token`: no TCP connection to 127.0.0.1 within 1.5 s (connect timeout)"
    );
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn case_8_a_token_request_timeout_is_named_with_its_limit() {
    let server = RawServer::start(|_, _| Reply::Hang);
    let fp = builder_with(
        server.url(TOKEN_PATH),
        server.url(""),
        Duration::from_secs(2),
    )
    .token_timeout(Duration::from_secs(4))
    .build()
    .unwrap();

    // Time is paused only once the request has reached the server: paused earlier, the
    // idle runtime could jump past the timeout before the server thread read it.
    let call = tokio::spawn({
        let fp = fp.clone();
        async move { fp.authenticate().await }
    });
    eventually("the token request reached the server", || {
        server.hits(TOKEN_PATH) == 1
    })
    .await;
    tokio::time::pause();
    let error = call.await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::Timeout { operation: flowpayroll::operation::Operation::RequestToken, after, .. } if after == Duration::from_secs(4)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "`request_token`: no answer from 127.0.0.1 within 4 s (token request timeout)"
    );
    assert_eq!(server.hits(TOKEN_PATH), 1);
}
