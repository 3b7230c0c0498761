//! The embedded sandbox's basics: credentials, token shape, which tokens it accepts,
//! faults and counters through the Rust API, latency, and the spec's examples for the
//! operations without state, and shutdown. (State: `sandbox_state.rs`; control API and
//! token-endpoint faults over plain HTTP: `sandbox_control.rs`; memory bound:
//! `sandbox_bounds.rs`.)

mod common;

use std::sync::Arc;
use std::time::Duration;

use flowpayroll::clock::ManualClock;
use flowpayroll::deps::http::StatusCode;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox, SandboxConfig};
use flowpayroll::{Error, ErrorBody, RetryPolicy, TokenAuthMethod};
use serde_json::Value;

/// Longer than any shutdown or answer here can take; reaching it is a hang.
const HANG: Duration = Duration::from_secs(30);

/// The base URL as the generated client takes it (it appends paths starting with `/`).
fn api_base(sandbox: &Sandbox) -> String {
    sandbox.url().as_str().trim_end_matches('/').to_owned()
}

fn example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("openapi/examples")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn a_client_works_against_it_with_post_and_basic_credentials() {
    let sandbox = Sandbox::start().await.unwrap();
    for method in [
        TokenAuthMethod::ClientSecretPost,
        TokenAuthMethod::ClientSecretBasic,
    ] {
        let fp = sandbox.client_builder().token_auth(method).build().unwrap();
        let tokens = fp.management().tokens().await.unwrap();
        let mine = fp.token_status().token_id.unwrap().to_string();
        assert!(
            tokens.iter().any(|t| t.token == mine && t.valid),
            "{tokens:?}"
        );
    }
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(sandbox.tokens_issued(), 2);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 2);
}

#[tokio::test]
async fn issued_tokens_are_jwt_shaped_with_the_documented_claims() {
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().with_token_lifetime(Duration::from_secs(120)))
            .await
            .unwrap();
    let fp = sandbox
        .client_builder()
        .scope([flowpayroll::types::Scope::XhrEmployees])
        .build()
        .unwrap();
    let token = fp.access_token().await.unwrap();
    let parts: Vec<&str> = token.expose_secret().split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
            .unwrap();
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        120
    );
    assert_eq!(claims["scope"], "/2023-03-01/xhr/employees");
    assert_eq!(
        fp.token_status().token_id.unwrap().to_string(),
        claims["jti"].as_str().unwrap()
    );
    // Introspect describes that token.
    let me = fp.management().introspect().await.unwrap();
    assert_eq!(me.client_id, sandbox.client_id());
    assert_eq!(
        me.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ["/2023-03-01/xhr/employees"]
    );
}

#[tokio::test]
async fn wrong_credentials_get_invalid_client() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = flowpayroll::FlowPayroll::builder()
        .credentials(sandbox.client_id(), "not-the-secret")
        .environment(sandbox.environment())
        .build()
        .unwrap();
    let error = fp.management().tokens().await.unwrap_err();
    let api = error.as_api().unwrap();
    assert_eq!(api.status().as_u16(), 401);
    match api.body() {
        Some(ErrorBody::OAuthError(body)) => assert_eq!(body.error.as_str(), "invalid_client"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 0);
    assert_eq!(sandbox.tokens_issued(), 0);
}

/// A wrong client secret in an exchange's body is the documented 400 (`invalid_client`),
/// not a 401, which on this API means a bad `X-Auth-Token`: no re-mint, and the code is
/// not spent.
#[tokio::test]
async fn an_exchange_with_a_wrong_client_secret_is_a_400() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let token = fp.access_token().await.unwrap();
    let redirect = "https://app.your-company.com";
    let url = sandbox
        .url()
        .join(Operation::ExchangeAuthorizationCode.path());
    let answer = reqwest::Client::new()
        .post(url.unwrap())
        .header("X-Auth-Token", token.expose_secret())
        .json(&serde_json::json!({
            "client_id": sandbox.client_id(),
            "client_secret": "not-the-secret",
            "grant_type": "authorization_code",
            "code": "a-code",
            "redirect_uri": redirect,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let refusal: Value = answer.json().await.unwrap();
    let why = refusal["validation_error"].as_str().unwrap();
    assert!(why.starts_with("invalid_client"), "{why}");
    assert_eq!((sandbox.token_requests(), sandbox.tokens_issued()), (1, 1));
    fp.management()
        .exchange_authorization_code(&flowpayroll::AuthorizationCode::new("a-code"), redirect)
        .await
        .unwrap();
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn only_its_own_live_tokens_are_accepted() {
    let sandbox = Sandbox::start().await.unwrap();
    let forged = flowpayroll::RequestContext::new()
        .with_access_token(&flowpayroll::SecretString::new("forged.token.value"))
        .unwrap();
    let raw = flowpayroll::raw::Client::new(&api_base(&sandbox), forged);
    match raw.list_tokens().await.unwrap_err() {
        flowpayroll::raw::Error::UnexpectedResponse(response) => {
            assert_eq!(response.status().as_u16(), 401)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn disconnect_really_disconnects() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let old = fp.access_token().await.unwrap();
    assert!(fp.management().disconnect().await.unwrap().disconnected);

    // The disconnected token is refused with 403...
    let context = flowpayroll::RequestContext::new()
        .with_access_token(&old)
        .unwrap();
    let raw = flowpayroll::raw::Client::new(&api_base(&sandbox), context);
    match raw.introspect_token().await.unwrap_err() {
        flowpayroll::raw::Error::UnexpectedResponse(response) => {
            assert_eq!(response.status().as_u16(), 403)
        }
        other => panic!("{other:?}"),
    }
    // ...and the client, which dropped it, mints a new one.
    fp.management().introspect().await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);
}

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
async fn operations_without_state_answer_with_the_spec_examples() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let providers = fp.providers().await.unwrap();
    assert_eq!(
        serde_json::to_value(&providers).unwrap(),
        example("list_providers.200.reference.application_json.json")
    );
    assert_eq!(sandbox.api_requests(Operation::ListProviders), 1);
}

#[tokio::test]
async fn every_operation_of_the_spec_is_routed() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    for &operation in Operation::ALL {
        let method = reqwest::Method::from_bytes(operation.method().as_bytes()).unwrap();
        let url = sandbox.url().join(operation.path()).unwrap();
        let answer = http.request(method, url).send().await.unwrap();
        assert!(answer.headers().contains_key("x-request-id"), "{operation}");
        let status = answer.status();
        // Without credentials: refused, never "no such route".
        assert!(
            [400, 401].contains(&status.as_u16()),
            "{operation}: {status}"
        );
        assert_eq!(sandbox.api_requests(operation), 1, "{operation}");
    }
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
async fn shutdown_returns_once_the_port_is_closed() {
    let sandbox = Sandbox::start().await.unwrap();
    let address = sandbox.address();
    assert_eq!(sandbox.url().as_str(), format!("http://{address}/"));
    assert_eq!(
        sandbox.token_url().as_str(),
        format!("http://{address}/oauth2/token")
    );
    let fp = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap();
    // The client keeps an idle keep-alive connection to the sandbox.
    fp.providers().await.unwrap();

    tokio::time::timeout(HANG, sandbox.shutdown())
        .await
        .expect("shutdown hung");

    let refused = tokio::net::TcpStream::connect(address).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // The pooled connection was closed too: the next call fails, it does not hang.
    let error = tokio::time::timeout(HANG, fp.providers())
        .await
        .expect("a call after shutdown hung")
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transport { .. }) && error.to_string().contains("refused"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_request_in_flight_at_shutdown_is_answered() {
    // The slow answer waits on a manual clock that nobody moves: only shutdown ends it.
    let clock = Arc::new(ManualClock::new());
    let sandbox = Sandbox::start_with(SandboxConfig::default().with_clock(clock.clone()))
        .await
        .unwrap();
    let fp = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    sandbox.fail_next(
        Operation::ListProviders,
        1,
        Fault::Slow(Duration::from_secs(3600)),
    );
    let call = tokio::spawn(async move { fp.providers().await });
    tokio::time::timeout(HANG, async {
        while clock.sleepers() == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the slow answer never started waiting");
    assert_eq!(sandbox.api_requests(Operation::ListProviders), 1);

    tokio::time::timeout(HANG, sandbox.shutdown())
        .await
        .expect("shutdown waited for the slow answer");

    let error = tokio::time::timeout(HANG, call)
        .await
        .expect("the call in flight hung")
        .unwrap()
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(StatusCode::SERVICE_UNAVAILABLE),
        "{error:?}"
    );
    assert_eq!(clock.sleepers(), 0, "the slow answer stopped waiting");
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
