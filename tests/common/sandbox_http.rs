//! Plain HTTP against a sandbox (reqwest, no flowpayroll client): what a Python or Node
//! test would send, and the raw JSON it gets back; the control API under `/__sandbox/`
//! (faults, stats) the same way.

use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;
use serde_json::{json, Value};

thread_local! {
    /// One HTTP client per test thread (building one loads the TLS roots: slow).
    static HTTP: reqwest::Client = reqwest::Client::new();
}

/// The test thread's HTTP client.
pub fn http() -> reqwest::Client {
    HTTP.with(Clone::clone)
}

/// One answer: status, headers and the body (JSON if it parses, else a string).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// Sends `operation` with `token` in `X-Auth-Token` and `body` as JSON.
pub async fn call(
    sandbox: &Sandbox,
    operation: Operation,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let method = reqwest::Method::from_bytes(operation.method().as_bytes()).unwrap();
    let url = sandbox.url().join(operation.path()).unwrap();
    let mut request = http().request(method, url);
    if let Some(token) = token {
        request = request.header("x-auth-token", token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    answer(request.send().await.unwrap()).await
}

/// A client-credentials token request with `client_secret_post` and `scope`.
pub async fn request_token(sandbox: &Sandbox, secret: &str, scope: Option<&str>) -> Answer {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", sandbox.client_id()),
        ("client_secret", secret),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let response = http()
        .post(sandbox.token_url())
        .form(&form)
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// A fresh token from the sandbox, by plain HTTP.
pub async fn mint(sandbox: &Sandbox) -> String {
    let secret = secret(sandbox);
    let answer = request_token(sandbox, &secret, None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_owned()
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status,
        headers,
        body,
    }
}

/// Sends `method /__sandbox/{path}` (a control request) with `body` as JSON.
pub async fn control(sandbox: &Sandbox, method: &str, path: &str, body: Option<Value>) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let url = sandbox.url().join(&format!("/__sandbox/{path}")).unwrap();
    let mut request = http().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    answer(request.send().await.unwrap()).await
}

/// Queues `fault` for the next `times` calls of `operation` through the control API.
pub async fn fault(sandbox: &Sandbox, operation: &str, times: u64, fault: Value) -> Answer {
    let body = json!({"operation": operation, "times": times, "fault": fault});
    control(sandbox, "POST", "faults", Some(body)).await
}

/// The control API's stats, after checking they were answered with 200.
pub async fn stats(sandbox: &Sandbox) -> Value {
    let answer = control(sandbox, "GET", "stats", None).await;
    assert_eq!(answer.status, 200);
    answer.body
}

/// The sandbox's client secret, as plain text to send.
pub fn secret(sandbox: &Sandbox) -> String {
    sandbox.client_secret().expose_secret().to_owned()
}

/// A code the sandbox issued for `redirect_uri` (`POST /__sandbox/authorize`), as the
/// sign-in page would after a user allowed every scope.
pub async fn issue_code(sandbox: &Sandbox, redirect_uri: &str) -> String {
    let body = serde_json::json!({ "redirect_uri": redirect_uri });
    let issued = control(sandbox, "POST", "authorize", Some(body)).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    issued.body["code"].as_str().unwrap().to_owned()
}

/// A sandbox and a client of it on one manual clock (the `test-util` seam).
pub async fn on_manual_clock() -> (
    Sandbox,
    flowpayroll::FlowPayroll,
    std::sync::Arc<flowpayroll::clock::ManualClock>,
) {
    let clock = std::sync::Arc::new(flowpayroll::clock::ManualClock::new());
    let config = flowpayroll::sandbox::SandboxConfig::default().with_clock(clock.clone());
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let fp = sandbox
        .client_builder()
        .clock(clock.clone())
        .build()
        .unwrap();
    (sandbox, fp, clock)
}

/// A sandbox and the sign-ins of a client of it that already holds its own token (so
/// that `tokens_issued()` is 1 before any exchange).
pub async fn connecting() -> (Sandbox, flowpayroll::connect::Connect) {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    fp.authenticate().await.unwrap();
    (sandbox, fp.connect())
}
