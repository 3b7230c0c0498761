//! Helpers shared by the integration tests: a loopback mock server, a token endpoint on
//! it, a client pointed at it, and the spec's example files.
#![allow(dead_code)]

pub mod cargo_commands;
pub mod logs;
pub mod markdown;
pub mod mock_api;
pub mod raw;
#[cfg(feature = "sandbox")]
pub mod sandbox_http;
pub mod spec;
pub mod spec_schema;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use flowpayroll::clock::ManualClock;
use flowpayroll::{Environment, FlowPayroll, FlowPayrollBuilder};
use httpmock::prelude::*;
use httpmock::Mock;

pub const CLIENT_ID: &str = "client-7c1e";
pub const CLIENT_SECRET: &str = "secret-Zq9-never-print-me";

/// Longer than any shutdown or answer here can take; reaching it is a hang.
pub const HANG: Duration = Duration::from_secs(30);

/// A JWT-shaped token whose payload carries `jti` (the signature is not real).
pub fn jwt(jti: &str) -> String {
    jwt_with_claims(&format!(r#"{{"jti":"{jti}","sub":"{CLIENT_ID}"}}"#))
}

/// A JWT-shaped token whose payload is `claims`, a JSON object as text (the signature
/// is not real).
pub fn jwt_with_claims(claims: &str) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(claims),
        b64("not-a-real-signature")
    )
}

/// Mocks `GET path` to answer the first request with a 429 carrying
/// `Retry-After: retry_after`, and every later one with 200 `[]`. Returns the two mocks
/// (the 429, the 200) for counting.
pub async fn rate_limited_once<'a>(
    server: &'a MockServer,
    path: &str,
    retry_after: &str,
) -> (Mock<'a>, Mock<'a>) {
    let limited = server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(429)
                .header("retry-after", retry_after)
                .json_body(serde_json::json!({"message": "slow down"}))
                .up_to_n_times(1);
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(200).json_body(serde_json::json!([]));
        })
        .await;
    (limited, ok)
}

/// A builder pointed at `server` for both the token endpoint and the API.
pub fn builder(server: &MockServer) -> FlowPayrollBuilder {
    FlowPayroll::builder()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .environment(Environment::Custom {
            token_url: server.url("/oauth2/token").parse().unwrap(),
            api_url: server.base_url().parse().unwrap(),
        })
}

/// A client for `server` with a manual clock, returned with the clock.
pub fn client_with_clock(server: &MockServer) -> (FlowPayroll, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let client = builder(server).clock(clock.clone()).build().unwrap();
    (client, clock)
}

/// A token endpoint that issues `token` (lifetime `expires_in` seconds) for the test
/// credentials sent with `client_secret_post`.
pub async fn token_endpoint<'a>(server: &'a MockServer, token: &str, expires_in: u64) -> Mock<'a> {
    let body = serde_json::json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    });
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth2/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("client_id", CLIENT_ID)
                .form_urlencoded_tuple("client_secret", CLIENT_SECRET);
            then.status(200)
                .header("content-type", "application/json")
                .header("cache-control", "no-store")
                .json_body(body);
        })
        .await
}

/// The content of `openapi/examples/<name>`.
pub fn example(name: &str) -> serde_json::Value {
    let path = examples_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `application/json` example `name` of the spec's component response `response`
/// (`ServerError`, `sandbox`), read from `openapi/flowpayroll.yaml` itself: what a test
/// expects the sandbox to serve comes from the spec, not from a copy in the test.
pub fn spec_response_example(response: &str, name: &str) -> serde_json::Value {
    let spec = spec::spec();
    let value = &spec["components"]["responses"][response]["content"]["application/json"]
        ["examples"][name]["value"];
    assert!(
        !value.is_null(),
        "the spec has no example `{name}` of {response}"
    );
    value.clone()
}

pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi/examples")
}

/// Lets real time pass: for work on other tasks and on the mock server, which the
/// manual clock does not drive.
#[allow(clippy::disallowed_methods)]
pub async fn real_pause(millis: u64) {
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

/// Waits (on real time, briefly) until `condition` holds; for background work such as a
/// refresh that runs on its own task. Fails the test after five seconds.
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..5000 {
        if condition() {
            return;
        }
        real_pause(1).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Whether every sleep on `clock` ends ahead of it: the code under test has gone back to
/// sleep after the last [`ManualClock::advance`] (a sleep that was due has ended and the
/// next one, if any, started), so whatever it sent before sleeping has been answered.
pub fn asleep(clock: &ManualClock) -> bool {
    clock.next_wake().is_some_and(|wake| wake > clock.elapsed())
}

/// Runs `tokens()` from `n` tasks at once and returns every result.
pub async fn list_tokens_concurrently(
    client: &FlowPayroll,
    n: usize,
) -> Vec<Result<Vec<flowpayroll::types::TokenSummary>, flowpayroll::Error>> {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.management().tokens().await })
        })
        .collect();
    let mut results = Vec::with_capacity(n);
    for call in calls {
        results.push(call.await.expect("the call task panicked"));
    }
    results
}

/// `GET /2023-03-01/management/tokens` answered with `status` for requests carrying
/// `token` (an empty list for 200, a message otherwise).
pub async fn tokens_answer_for<'a>(server: &'a MockServer, token: &str, status: u16) -> Mock<'a> {
    let token = token.to_owned();
    let body = if status == 200 {
        serde_json::json!([])
    } else {
        serde_json::json!({"message": "no"})
    };
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/2023-03-01/management/tokens")
                .header("x-auth-token", token);
            then.status(status).json_body(body);
        })
        .await
}

/// A client for `server` on a manual clock whose token requests are not retried.
pub fn client_without_token_retries(server: &MockServer) -> (FlowPayroll, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let client = builder(server)
        .clock(clock.clone())
        .token_request_policy(flowpayroll::TokenRequestPolicy::default().with_attempts(1))
        .build()
        .unwrap();
    (client, clock)
}

/// Moves `clock` to each sleep's end, one at a time, while that end is at most `step`
/// ahead (a farther one, such as a call's time budget, is left alone): drives calls that
/// wait on the clock (the rate limiter's spacing, a `Retry-After`) until dropped.
pub fn drive_sleeps(clock: Arc<ManualClock>, step: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Some(wake) = clock.next_wake() {
                let ahead = wake.saturating_sub(clock.elapsed());
                if !ahead.is_zero() && ahead <= step {
                    clock.advance(ahead);
                }
            }
            real_pause(1).await;
        }
    })
}
