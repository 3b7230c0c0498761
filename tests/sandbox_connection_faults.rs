//! The sandbox's faults that break the connection before the answer's headers, through
//! its Rust API (`fail_next`) and its control API, seen by a typed client: a reset
//! (`Fault::ResetBeforeHeaders`, `reset_before_headers`) and a stall
//! (`Fault::StallBeforeHeaders`, `stall_before_headers`). Each asserts the cause or the
//! phase, the message and the retry decision (the sandbox's request counts).

mod common;

use std::time::Duration;

use common::sandbox_http::{fault, stats};
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox};
use flowpayroll::{Error, FlowPayroll, Limit, Phase, TransportCause};
use serde_json::json;

/// A sandbox and a client with a token, whose requests time out after 300 ms.
async fn signed_in() -> (Sandbox, FlowPayroll) {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox
        .client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    (sandbox, fp)
}

#[tokio::test]
async fn a_reset_before_headers_is_a_transient_wait_for_headers() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    // Two resets, then a whole answer: the mint's three attempts.
    sandbox.fail_next(Operation::RequestToken, 2, Fault::ResetBeforeHeaders);
    fp.authenticate().await.unwrap();
    assert_eq!(sandbox.token_requests(), 3);

    sandbox.fail_next(Operation::ListTokens, 1, Fault::ResetBeforeHeaders);
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(
        error.transport_cause(),
        Some(&TransportCause::WaitingForHeaders),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "`list_tokens` (127.0.0.1): no valid response headers (connection reset)"
    );
    assert!(error.is_transient());
    // API calls are not retried; the next one is answered.
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
    fp.management().tokens().await.unwrap();
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 2);
}

#[tokio::test]
async fn a_stall_before_headers_is_a_request_timeout_waiting_for_the_answer() {
    let (sandbox, fp) = signed_in().await;
    sandbox.fail_next(Operation::ListTokens, 1, Fault::StallBeforeHeaders);
    let error = fp.management().tokens().await.unwrap_err();
    let Error::Timeout { limit, phase, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*limit, Limit::Request);
    assert_eq!(*phase, Some(Phase::Answer));
    assert_eq!(
        error.to_string(),
        "`list_tokens`: no answer from 127.0.0.1 within 300 ms (request timeout)"
    );
    assert!(error.is_transient());
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
    // The stall holds no one up: the next call is answered, and the sandbox stops.
    fp.management().tokens().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), sandbox.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_control_api_queues_both_and_the_client_sees_them() {
    let (sandbox, fp) = signed_in().await;
    let reset = fault(
        &sandbox,
        "list_tokens",
        1,
        json!({"kind": "reset_before_headers"}),
    )
    .await;
    assert_eq!(reset.status, 200, "{:?}", reset.body);
    let stall = fault(
        &sandbox,
        "list_tokens",
        1,
        json!({"kind": "stall_before_headers"}),
    )
    .await;
    assert_eq!(stall.status, 200, "{:?}", stall.body);
    assert_eq!(
        stall.body,
        json!({"operation": "list_tokens", "pending": 2})
    );
    assert_eq!(stats(&sandbox).await["faults_pending"]["list_tokens"], 2);

    let reset = fp.management().tokens().await.unwrap_err();
    assert_eq!(
        reset.transport_cause(),
        Some(&TransportCause::WaitingForHeaders)
    );
    let stall = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(
            stall,
            Error::Timeout {
                phase: Some(Phase::Answer),
                ..
            }
        ),
        "{stall:?}"
    );
    let unknown = fault(
        &sandbox,
        "list_tokens",
        1,
        json!({"kind": "stall_before_handshake"}),
    )
    .await;
    assert_eq!(unknown.status, 400, "{:?}", unknown.body);
}
