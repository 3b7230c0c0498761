//! Faults queued through the control API under `/__sandbox/faults`, driven by plain HTTP
//! as a test in another language would: API faults come in order, the token endpoint's
//! too (429 with `Retry-After`, 500, a malformed body), slow answers wait on the
//! sandbox's clock, bodies can stall or be cut halfway, pending faults are bounded, and
//! bad control requests are refused with a reason.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::sandbox_http::{call, control, fault, mint, request_token, secret, stats};
use flowpayroll::clock::ManualClock;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

#[tokio::test]
async fn api_faults_come_in_order_then_normal_answers_resume() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = mint(&sandbox).await;
    let queued = fault(
        &sandbox,
        "list_tokens",
        2,
        json!({"kind": "status", "status": 500}),
    )
    .await;
    assert_eq!(queued.status, 200, "{}", queued.body);
    assert_eq!(
        queued.body,
        json!({"operation": "list_tokens", "pending": 2})
    );
    fault(
        &sandbox,
        "list_tokens",
        1,
        json!({"kind": "too_many_requests", "retry_after": 7}),
    )
    .await;
    assert_eq!(
        stats(&sandbox).await["faults_pending"],
        json!({"list_tokens": 3})
    );

    for _ in 0..2 {
        let answer = call(&sandbox, Operation::ListTokens, Some(&token), None).await;
        assert_eq!(answer.status, 500);
        assert_eq!(
            answer.body,
            common::spec_response_example("ServerError", "sandbox")
        );
        assert!(answer.headers["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("sandbox-"));
    }
    let limited = call(&sandbox, Operation::ListTokens, Some(&token), None).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "7");
    let normal = call(&sandbox, Operation::ListTokens, Some(&token), None).await;
    assert_eq!(normal.status, 200);
    assert_eq!(normal.body.as_array().unwrap().len(), 1);
    assert_eq!(stats(&sandbox).await["requests"]["list_tokens"], 4);
}

#[tokio::test]
async fn the_token_endpoint_can_be_rate_limited_failed_or_broken() {
    let sandbox = Sandbox::start().await.unwrap();
    let secret = secret(&sandbox);
    fault(
        &sandbox,
        "request_token",
        1,
        json!({"kind": "too_many_requests", "retry_after": 30}),
    )
    .await;
    fault(
        &sandbox,
        "request_token",
        1,
        json!({"kind": "status", "status": 500}),
    )
    .await;
    fault(
        &sandbox,
        "request_token",
        1,
        json!({"kind": "malformed_body"}),
    )
    .await;

    let limited = request_token(&sandbox, &secret, None).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "30");
    assert_eq!(limited.body, json!({"message": "Too many requests"}));
    let failed = request_token(&sandbox, &secret, None).await;
    assert_eq!(failed.status, 500);
    let broken = request_token(&sandbox, &secret, None).await;
    assert_eq!(broken.status, 200);
    assert!(broken.body.is_string(), "not JSON: {}", broken.body);
    assert_eq!(sandbox.tokens_issued(), 0);

    // The typed client reports a malformed token answer as an error (and remembers it
    // for a cooldown); the next answer is a token again.
    fault(
        &sandbox,
        "request_token",
        1,
        json!({"kind": "malformed_body"}),
    )
    .await;
    let fp = sandbox.client_builder().build().unwrap();
    let error = fp.authenticate().await.unwrap_err();
    assert!(
        matches!(error, flowpayroll::Error::Decode { .. }),
        "{error:?}"
    );
    sandbox
        .client_builder()
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    assert_eq!(sandbox.tokens_issued(), 1);
    assert_eq!(sandbox.token_requests(), 5);
}

#[tokio::test]
async fn a_slow_answer_waits_on_the_sandbox_clock() {
    let clock = Arc::new(ManualClock::new());
    let sandbox = Arc::new(
        Sandbox::start_with(SandboxConfig::default().with_clock(clock.clone()))
            .await
            .unwrap(),
    );
    let queued = fault(
        &sandbox,
        "request_token",
        1,
        json!({"kind": "slow", "delay_ms": 30000}),
    )
    .await;
    assert_eq!(queued.status, 200);
    let slow = tokio::spawn({
        let sandbox = sandbox.clone();
        async move { request_token(&sandbox, &secret(&sandbox), None).await }
    });
    common::eventually("the token request is waiting", || clock.sleepers() == 1).await;
    clock.advance(Duration::from_secs(29));
    // The delay ends at 30 s, after the clock's 29 s: it cannot have ended (no window).
    assert_eq!(clock.next_wake(), Some(Duration::from_secs(30)));
    assert!(!slow.is_finished());
    clock.advance(Duration::from_secs(1));
    let answer = slow.await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer.body["access_token"].is_string());
}

#[tokio::test]
async fn bad_control_requests_are_refused_with_a_reason() {
    let sandbox = Sandbox::start().await.unwrap();
    let cases = [
        json!({"operation": "list_token", "fault": {"kind": "status", "status": 500}}),
        json!({"operation": "list_tokens", "times": 0, "fault": {"kind": "status", "status": 500}}),
        json!({"operation": "list_tokens", "times": 10_000_000u64, "fault": {"kind": "malformed_body"}}),
        json!({"operation": "list_tokens", "fault": {"kind": "explode"}}),
        json!({"operation": "list_tokens", "fault": {"kind": "status", "status": 99}}),
        json!({"operation": "list_tokens", "fault": {"kind": "slow", "delay_ms": 86_400_000u64}}),
        json!({"operation": "list_tokens", "fault": {"kind": "slow_body", "delay_ms": 86_400_000u64}}),
        json!({"operation": "list_tokens", "fault": {"kind": "status", "status": 500}, "extra": 1}),
    ];
    for body in cases {
        let answer = control(&sandbox, "POST", "faults", Some(body.clone())).await;
        assert_eq!(answer.status, 400, "{body}");
        assert!(
            answer.body["message"].is_string(),
            "{body}: {}",
            answer.body
        );
    }
    let typo = control(
        &sandbox,
        "POST",
        "faults",
        Some(json!({"operation": "list_token", "fault": {"kind": "malformed_body"}})),
    )
    .await;
    assert!(
        typo.body["message"]
            .as_str()
            .unwrap()
            .contains("list_tokens"),
        "the known operations are named: {}",
        typo.body
    );
    assert_eq!(stats(&sandbox).await["faults_pending"], json!({}));
    // An authorize body that names no redirect URI (or more than one field).
    for body in [
        json!({}),
        json!([]),
        json!({"redirect_uri": 5}),
        json!({"redirect_uri": "https://app.your-company.com", "scope": "x"}),
    ] {
        let answer = control(&sandbox, "POST", "authorize", Some(body.clone())).await;
        assert_eq!(answer.status, 400, "{body}");
        let message = answer.body["message"].as_str().unwrap();
        assert!(
            message.starts_with("the body does not name a redirect_uri: "),
            "{body}: {message}"
        );
    }
    assert_eq!(control(&sandbox, "GET", "faults", None).await.status, 405);
    assert_eq!(control(&sandbox, "GET", "nothing", None).await.status, 404);
}

#[tokio::test]
async fn alternating_faults_are_bounded() {
    let sandbox = Sandbox::start().await.unwrap();
    let kinds = [
        json!({"kind": "malformed_body"}),
        json!({"kind": "status", "status": 500}),
    ];
    let mut refused = 0;
    for i in 0..1100 {
        let answer = fault(&sandbox, "get_client", 1, kinds[i % 2].clone()).await;
        if answer.status == 400 {
            refused += 1;
        }
    }
    assert_eq!(refused, 1100 - 1024);
    assert_eq!(stats(&sandbox).await["faults_pending"]["get_client"], 1024);
}

#[tokio::test]
async fn bodies_can_be_cut_or_stalled_halfway() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = mint(&sandbox).await;
    let cut = fault(&sandbox, "list_providers", 1, json!({"kind": "cut_body"})).await;
    assert_eq!(cut.status, 200, "{}", cut.body);
    let slow = fault(
        &sandbox,
        "list_providers",
        1,
        json!({"kind": "slow_body", "delay_ms": 60_000}),
    )
    .await;
    assert_eq!(slow.status, 200, "{}", slow.body);
    assert_eq!(stats(&sandbox).await["faults_pending"]["list_providers"], 2);
    // A client that reads the body sees it break off, then stall.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let url = sandbox.url().join(Operation::ListProviders.path()).unwrap();
    let get = || {
        client
            .get(url.clone())
            .header("x-auth-token", &token)
            .send()
    };
    let response = get().await.unwrap();
    assert_eq!(response.status(), 200);
    let cut = response.bytes().await.unwrap_err();
    assert!(
        !cut.is_timeout() && (cut.is_body() || cut.is_decode()),
        "{cut:?}"
    );
    let response = get().await.unwrap();
    assert_eq!(response.status(), 200);
    let stalled = response.bytes().await.unwrap_err();
    assert!(stalled.is_timeout(), "{stalled:?}");
    assert_eq!(stats(&sandbox).await["faults_pending"], json!({}));
}
