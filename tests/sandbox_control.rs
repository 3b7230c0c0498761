//! The control API under `/__sandbox/`, driven by plain HTTP as a test in another
//! language would: stats, faults (the token endpoint's too: 429 with `Retry-After`, 500,
//! slow answers, a malformed body), authorization codes bound to their redirect URI,
//! reset, and refusals of bad control requests.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::sandbox_http::{answer, call, http, mint, request_token, Answer};
use flowpayroll::clock::ManualClock;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::{AuthorizationCode, ErrorBody};
use serde_json::{json, Value};

async fn control(sandbox: &Sandbox, method: &str, path: &str, body: Option<Value>) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let url = sandbox.url().join(&format!("/__sandbox/{path}")).unwrap();
    let mut request = http().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    answer(request.send().await.unwrap()).await
}

async fn fault(sandbox: &Sandbox, operation: &str, times: u64, fault: Value) -> Answer {
    let body = json!({"operation": operation, "times": times, "fault": fault});
    control(sandbox, "POST", "faults", Some(body)).await
}

async fn stats(sandbox: &Sandbox) -> Value {
    let answer = control(sandbox, "GET", "stats", None).await;
    assert_eq!(answer.status, 200);
    answer.body
}

fn secret(sandbox: &Sandbox) -> String {
    sandbox.client_secret().expose_secret().to_owned()
}

#[tokio::test]
async fn stats_count_requests_tokens_and_user_ids() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    fp.as_user("u-7")
        .unwrap()
        .management()
        .tokens()
        .await
        .unwrap();
    fp.management().introspect().await.unwrap();
    request_token(&sandbox, "wrong", None).await;

    let stats = stats(&sandbox).await;
    assert_eq!(stats["requests"]["request_token"], 2);
    assert_eq!(stats["requests"]["list_tokens"], 1);
    assert_eq!(stats["requests"]["introspect_token"], 1);
    assert_eq!(stats["requests"]["list_providers"], 0);
    assert_eq!(stats["tokens_issued"], 1);
    assert_eq!(stats["tokens_kept"], 1);
    assert_eq!(stats["user_id_requests"], 1);
    assert_eq!(stats["recent_user_ids"], json!(["u-7"]));
    assert_eq!(stats["faults_pending"], json!({}));
    // Every answer was asked for compressed (reqwest offers br, gzip and deflate).
    assert_eq!(stats["compressed_answers"], json!({"br": 4}));
    // The same figures as the Rust API, which also counts the stats answer itself: it
    // went out compressed after its figures were taken.
    let mut rust = serde_json::to_value(sandbox.stats()).unwrap();
    assert_eq!(rust["compressed_answers"], json!({"br": 5}));
    rust["compressed_answers"] = json!({"br": 4});
    assert_eq!(stats, rust);
}

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
async fn reset_forgets_tokens_faults_counts_and_settings() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = mint(&sandbox).await;
    let rename =
        json!({"name": "Renamed", "client_secret": [secret(&sandbox)], "redirect_uris": []});
    call(
        &sandbox,
        Operation::UpdateClient,
        Some(&token),
        Some(&rename),
    )
    .await;
    fault(
        &sandbox,
        "get_client",
        5,
        json!({"kind": "status", "status": 500}),
    )
    .await;

    let reset = control(&sandbox, "POST", "reset", None).await;
    assert_eq!(reset.status, 204);
    let stats = stats(&sandbox).await;
    assert_eq!(stats["tokens_kept"], 0);
    assert_eq!(stats["tokens_issued"], 0);
    assert_eq!(stats["requests"]["update_client"], 0);
    assert_eq!(stats["faults_pending"], json!({}));

    assert_eq!(
        call(&sandbox, Operation::GetClient, Some(&token), None)
            .await
            .status,
        401
    );
    let fresh = mint(&sandbox).await;
    let settings = call(&sandbox, Operation::GetClient, Some(&fresh), None).await;
    assert_eq!(settings.status, 200);
    assert_eq!(settings.body["name"], "Your App");
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
async fn an_authorized_code_is_exchanged_only_with_its_redirect_uri() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let registered = fp.management().client().await.unwrap().redirect_uris;
    let (issued_for, other) = (registered[0].clone(), registered[1].clone());
    let authorize = |redirect_uri: &str| {
        let body = json!({"redirect_uri": redirect_uri});
        control(&sandbox, "POST", "authorize", Some(body))
    };

    let refused = authorize("https://elsewhere.example/cb").await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body["message"],
        "redirect_uri is not one of the client's redirect URIs"
    );
    let issued = authorize(&issued_for).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let code = issued.body["code"].as_str().unwrap().to_owned();

    // Another of the client's URIs, one it does not have, the same with a slash added:
    // refused (exact string match), and the code is not spent.
    let slash = format!("{issued_for}/");
    for (wrong, why) in [
        (
            other.as_str(),
            "redirect_uri is not the one the code was issued for",
        ),
        (
            "https://elsewhere.example/cb",
            "redirect_uri is not one of the client's redirect URIs",
        ),
        (
            slash.as_str(),
            "redirect_uri is not one of the client's redirect URIs",
        ),
    ] {
        let error = fp
            .management()
            .exchange_authorization_code(&AuthorizationCode::new(code.as_str()), wrong)
            .await
            .unwrap_err();
        let api = error.as_api().unwrap();
        assert_eq!(api.status().as_u16(), 400, "{wrong}");
        match api.body() {
            Some(ErrorBody::BadRequestError(body)) => {
                assert_eq!(body.validation_error.as_deref(), Some(why), "{wrong}")
            }
            other => panic!("{wrong}: {other:?}"),
        }
    }
    assert_eq!(sandbox.tokens_issued(), 1);

    let connection = fp
        .management()
        .exchange_authorization_code(&AuthorizationCode::new(code.as_str()), &issued_for)
        .await
        .unwrap();
    assert!(!connection.access_token.expose_secret().is_empty());
    assert_eq!(sandbox.tokens_issued(), 2);
    let again = fp
        .management()
        .exchange_authorization_code(&AuthorizationCode::new(code.as_str()), &issued_for)
        .await
        .unwrap_err();
    assert_eq!(again.status().unwrap().as_u16(), 409);
    assert_eq!(sandbox.tokens_issued(), 2);
}
