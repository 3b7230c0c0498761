//! The token endpoint's bad days: malformed answers become typed errors (never a panic,
//! never the token in a message), permanent failures are remembered, and transient ones
//! are retried by one flight that all callers share.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use flowpayroll::clock::ManualClock;
use flowpayroll::{Error, ErrorBody, TokenRequestPolicy};
use httpmock::prelude::*;
use serde_json::json;

fn one_attempt() -> TokenRequestPolicy {
    TokenRequestPolicy::default().with_attempts(1)
}

#[tokio::test]
async fn malformed_token_responses_are_typed_errors() {
    let leak = "tok-LEAK-ME-9d2";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "html",
            "<html><body>Bad gateway</body></html>".into(),
            "is not JSON",
        ),
        ("empty", String::new(), "the body is empty"),
        (
            "no access_token",
            r#"{"token_type":"Bearer","expires_in":3600}"#.into(),
            "missing field `access_token`",
        ),
        (
            "expires_in as string",
            format!(r#"{{"access_token":"{leak}","token_type":"Bearer","expires_in":"3600"}}"#),
            "at `expires_in`",
        ),
        (
            "negative",
            format!(r#"{{"access_token":"{leak}","token_type":"Bearer","expires_in":-60}}"#),
            "at `expires_in`",
        ),
        (
            "zero",
            format!(r#"{{"access_token":"{leak}","token_type":"Bearer","expires_in":0}}"#),
            "at `expires_in`",
        ),
        (
            "too big for i64",
            format!(r#"{{"access_token":"{leak}","token_type":"Bearer","expires_in":1e300}}"#),
            "at `expires_in`",
        ),
        (
            "not bearer",
            format!(r#"{{"access_token":"{leak}","token_type":"mac","expires_in":60}}"#),
            "only bearer tokens",
        ),
        (
            "array",
            "[1,2,3]".into(),
            "expected a string, found integer",
        ),
    ];
    for (name, body, expected) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(POST).path("/oauth2/token");
                then.status(200)
                    .header("content-type", "application/json")
                    .body(body.clone());
            })
            .await;
        let fp = builder(&server)
            .token_request_policy(one_attempt())
            .build()
            .unwrap();
        let error = fp.authenticate().await.unwrap_err();
        let Error::Decode { operation, reason } = &error else {
            panic!("{name}: expected a decode error, got {error:?}");
        };
        assert_eq!(
            *operation,
            flowpayroll::operation::Operation::RequestToken,
            "{name}"
        );
        assert!(reason.contains(expected), "{name}: {reason}");
        assert!(
            !format!("{error} {error:?}").contains(leak),
            "{name}: the token leaked: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_huge_lifetime_is_capped_at_a_day() {
    let server = MockServer::start_async().await;
    token_endpoint(&server, &jwt("jti-forever"), 100 * 365 * 24 * 3600).await;
    let fp = builder(&server).build().unwrap();
    let status = fp.authenticate().await.unwrap();
    assert!(status.valid_for.unwrap() <= flowpayroll::limits::MAX_LIFETIME);
    assert!(status.valid_for.unwrap() > flowpayroll::limits::MAX_LIFETIME - Duration::from_secs(5));
}

#[tokio::test]
async fn a_permanent_failure_is_remembered_instead_of_retried() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(401).json_body(json!({"error": "invalid_client", "error_description": "Client authentication failed."}));
        })
        .await;
    let clock = Arc::new(ManualClock::new());
    let fp = builder(&server).clock(clock.clone()).build().unwrap();

    for _ in 0..5 {
        let error = fp.management().tokens().await.unwrap_err();
        match error.as_api().and_then(|api| api.body()) {
            Some(ErrorBody::OAuthError(body)) => assert_eq!(body.error.as_str(), "invalid_client"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            error.to_string(),
            "`request_token` answered 401 Unauthorized: Client authentication failed."
        );
    }
    // One request: not retried, then remembered.
    refused.assert_calls_async(1).await;
    assert!(fp.token_status().last_error.is_some());

    clock.advance(TokenRequestPolicy::default().permanent_failure_ttl);
    fp.management().tokens().await.unwrap_err();
    refused.assert_calls_async(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_backoff_on_429() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(429)
                .header("retry-after", "1")
                .json_body(json!({"message": "slow down"}));
        })
        .await;
    let clock = Arc::new(ManualClock::new());
    let fp = builder(&server).clock(clock.clone()).build().unwrap();

    let calls: Vec<_> = (0..50)
        .map(|_| {
            let fp = fp.clone();
            tokio::spawn(async move { fp.management().tokens().await })
        })
        .collect();
    // The single flight retries after each Retry-After: 3 attempts in all. Asleep
    // after `attempt` answers, the server has seen exactly that many requests.
    for attempt in 1..=2 {
        eventually("the mint waits out a 429", || asleep(&clock)).await;
        limited.assert_calls_async(attempt).await;
        clock.advance(Duration::from_secs(1));
    }
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    }
    limited.assert_calls_async(3).await;

    // Callers inside the cooldown get the same error without a request.
    fp.management().tokens().await.unwrap_err();
    limited.assert_calls_async(3).await;
}

#[tokio::test]
async fn a_transient_failure_is_retried_within_one_mint() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(503).body("unavailable").up_to_n_times(1);
        })
        .await;
    let ok = token_endpoint(&server, &jwt("jti-second-try"), 3600).await;
    let clock = Arc::new(ManualClock::new());
    let fp = builder(&server).clock(clock.clone()).build().unwrap();

    let call = tokio::spawn({
        let fp = fp.clone();
        async move { fp.authenticate().await }
    });
    eventually("the mint backs off", || clock.sleepers() > 0).await;
    clock.advance(TokenRequestPolicy::default().base_backoff);
    let status = call.await.unwrap().unwrap();
    assert_eq!(status.token_id.unwrap().to_string(), "jti-second-try");
    failing.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}
