//! 429 from the API: wait for `Retry-After` (seconds or HTTP-date) in virtual time, then
//! retry; give up after the configured retries with the last `Retry-After`.

mod common;

use std::time::Duration;

use common::*;
use flowpayroll::clock::ManualClock;
use flowpayroll::RetryPolicy;
use httpmock::prelude::*;
use serde_json::json;

const PATH: &str = "/2023-03-01/management/tokens";

/// Waits until the call is asleep on `clock`, then moves the clock by `by`.
async fn advance_when_asleep(clock: &ManualClock, by: Duration) {
    eventually("the call is waiting on the clock", || clock.sleepers() > 0).await;
    clock.advance(by);
}

async fn wait_then_succeed(
    retry_after: impl Fn(&ManualClock) -> String,
    first_step: Duration,
    rest: Duration,
) {
    let server = MockServer::start_async().await;
    token_endpoint(&server, &jwt("jti-429"), 3600).await;
    let (fp, clock) = client_with_clock(&server);
    let header = retry_after(&clock);
    let (limited, ok) = rate_limited_once(&server, PATH, &header).await;

    let call = tokio::spawn(async move { fp.management().tokens().await });
    advance_when_asleep(&clock, first_step).await;
    // Not yet: the call's sleep ends after the time the clock shows, so it cannot have
    // woken (no real-time window), and the API saw no second request.
    assert!(
        clock.next_wake().is_some_and(|at| at > clock.elapsed()),
        "{:?} at {:?}",
        clock.next_wake(),
        clock.elapsed()
    );
    assert!(!call.is_finished());
    assert_eq!(clock.sleepers(), 1);
    ok.assert_calls_async(0).await;

    clock.advance(rest);
    call.await.unwrap().unwrap();
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    wait_then_succeed(
        |_| "2".to_owned(),
        Duration::from_millis(1900),
        Duration::from_millis(100),
    )
    .await;
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    // HTTP-dates have whole seconds: a date 3 s ahead means a wait in (2 s, 3 s].
    wait_then_succeed(
        |clock| {
            httpdate::fmt_http_date(
                flowpayroll::clock::Clock::system_now(clock) + Duration::from_secs(3),
            )
        },
        Duration::from_secs(2),
        Duration::from_secs(1),
    )
    .await;
}

#[tokio::test]
async fn exhausting_retries_returns_the_last_retry_after() {
    let server = MockServer::start_async().await;
    token_endpoint(&server, &jwt("jti-429-max"), 3600).await;
    let clock = std::sync::Arc::new(ManualClock::new());
    let fp = builder(&server)
        .clock(clock.clone())
        .retry_policy(RetryPolicy::default().with_max_retries(3))
        .build()
        .unwrap();
    let limited = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH);
            then.status(429)
                .header("retry-after", "2")
                .json_body(json!({"message": "string"}));
        })
        .await;

    let call = tokio::spawn(async move { fp.management().tokens().await });
    // Asleep after `retry` answers: the server has seen exactly that many requests, so
    // each retry went out only once its wait was over.
    for retry in 1..=3 {
        eventually("the call waits out a 429", || asleep(&clock)).await;
        limited.assert_calls_async(retry).await;
        clock.advance(Duration::from_secs(2));
    }
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
    limited.assert_calls_async(4).await;
    assert_eq!(clock.elapsed(), Duration::from_secs(6));
}

#[tokio::test]
async fn a_wait_beyond_the_total_budget_is_not_attempted() {
    let server = MockServer::start_async().await;
    token_endpoint(&server, &jwt("jti-429-long"), 3600).await;
    let limited = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH);
            then.status(429)
                .header("retry-after", "3600")
                .json_body(json!({"message": "string"}));
        })
        .await;
    let (fp, clock) = client_with_clock(&server);
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    limited.assert_calls_async(1).await;
    assert_eq!(clock.elapsed(), Duration::ZERO);
}
