//! Faults, counters, latency and reset of the embedded sandbox, driven through its Rust
//! API (`fail_next`, `stats`, `set_latency`, `reset`) and seen by a typed client. (The
//! same over plain HTTP: the `sandbox_control_*.rs` files.)

mod common;

use std::time::Duration;

use common::HANG;
use flowpayroll::deps::http::StatusCode;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox};

#[tokio::test]
async fn faults_counters_and_user_ids() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::Status(StatusCode::UNAUTHORIZED),
    );
    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::TooManyRequests {
            retry_after: Duration::ZERO,
        },
    );
    fp.as_user("u-42")
        .unwrap()
        .management()
        .tokens()
        .await
        .unwrap();
    // 401 → re-mint and replay → 429 → retry → 200.
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 3);
    assert_eq!(sandbox.user_ids_seen(), ["u-42", "u-42", "u-42"]);
    assert_eq!(sandbox.stats().user_id_requests, 3);

    sandbox.fail_next(
        Operation::GetClient,
        1,
        Fault::Status(StatusCode::INTERNAL_SERVER_ERROR),
    );
    let error = fp.management().client().await.unwrap_err();
    assert_eq!(error.status().unwrap().as_u16(), 500);
    let api = error.as_api().unwrap();
    let documented = common::spec_response_example("ServerError", "sandbox");
    assert_eq!(api.message(), documented["message"].as_str());
    assert!(api.message().is_some());
    let request_id = api.request_id().expect("the sandbox tags every answer");
    assert!(request_id.starts_with("sandbox-"), "{request_id}");

    sandbox.fail_next(
        Operation::RequestToken,
        1,
        Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
    );
    let other = sandbox.client_builder().build().unwrap();
    other.authenticate().await.unwrap();
    assert_eq!(sandbox.token_requests(), 4);
}

#[tokio::test]
async fn latency_is_added_to_every_answer() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox
        .client_builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    sandbox.set_latency(Duration::from_secs(5));
    // The client's 200 ms timeout fires first: the latency is really there.
    let error = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(error, flowpayroll::Error::Timeout { after, .. } if after == Duration::from_millis(200)),
        "{error:?}"
    );
}

#[tokio::test]
async fn reset_through_the_rust_api_forgets_tokens_faults_counts_settings_and_latency() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    fp.as_user("u-1")
        .unwrap()
        .management()
        .tokens()
        .await
        .unwrap();
    let current = fp.management().client().await.unwrap();
    let rename = flowpayroll::types::ClientUpdate::builder()
        .name("Renamed")
        .client_secret(current.client_secret.clone())
        .redirect_uris(Vec::<String>::new())
        .build();
    fp.management().update_client(&rename).await.unwrap();
    sandbox.fail_next(
        Operation::GetClient,
        3,
        Fault::Status(StatusCode::INTERNAL_SERVER_ERROR),
    );
    sandbox.set_latency(Duration::from_secs(3600));
    assert_eq!(sandbox.tokens_issued(), 1);

    sandbox.reset();
    let stats = sandbox.stats();
    assert_eq!(stats.tokens_issued, 0);
    assert_eq!(stats.tokens_kept, 0);
    assert_eq!(
        stats.requests.values().sum::<u64>(),
        0,
        "{:?}",
        stats.requests
    );
    assert_eq!(stats.user_id_requests, 0);
    assert!(stats.recent_user_ids.is_empty());
    assert!(
        stats.faults_pending.is_empty(),
        "{:?}",
        stats.faults_pending
    );

    // The cached token is unknown now: one 401, one new token, then the original
    // settings, with no fault and no hour of latency (reaching HANG would be a hang).
    let settings = tokio::time::timeout(HANG, fp.management().client())
        .await
        .expect("the latency survived the reset")
        .unwrap();
    assert_eq!(settings.name, current.name);
    assert_eq!(settings.redirect_uris, current.redirect_uris);
    assert_eq!(sandbox.tokens_issued(), 1);
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(sandbox.api_requests(Operation::GetClient), 2);
}

#[tokio::test]
async fn a_slow_body_is_a_timeout_while_reading_the_body() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox
        .client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::SlowBody(Duration::from_secs(30)),
    );
    let error = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(
            error,
            flowpayroll::Error::Timeout {
                limit: flowpayroll::Limit::Request,
                phase: Some(flowpayroll::Phase::BodyRead),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "`list_tokens`: the response body stalled from 127.0.0.1 within 300 ms (request timeout)"
    );
    assert!(error.is_transient());
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
}

#[tokio::test]
async fn a_cut_body_is_a_transient_body_read_and_the_token_endpoint_retries_it() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    sandbox.fail_next(Operation::RequestToken, 2, Fault::CutBody);
    // Two cut answers, then a whole one: the mint's three attempts.
    fp.authenticate().await.unwrap();
    assert_eq!(sandbox.token_requests(), 3);

    sandbox.fail_next(Operation::ListTokens, 1, Fault::CutBody);
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(
        error.transport_cause(),
        Some(&flowpayroll::TransportCause::BodyRead),
        "{error:?}"
    );
    assert!(error.is_transient());
    // API calls are not retried.
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
}
