//! What goes on the wire, against a loopback mock: the `User-Id` header (and its refusal
//! before any call), the token request as a form or with HTTP Basic credentials, the raw
//! client's context headers and the cached token handed to it. (The README's table of
//! operations: `docs.rs`; decoded answers: `operation_answers.rs`; errors:
//! `operation_errors.rs`.)

mod common;

use common::mock_api::{answer, client, seed, TOKEN_JTI};
use common::*;
use flowpayroll::deps::http::StatusCode;
use flowpayroll::types::Provider;
use flowpayroll::Error;
use httpmock::prelude::*;
use serde_json::json;

#[tokio::test]
async fn user_id_goes_out_when_set() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let with_user = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/2023-03-01/management/tokens")
                .header("user-id", "u-123");
            then.status(200).json_body(json!([]));
        })
        .await;
    assert!(fp
        .as_user("u-123")
        .unwrap()
        .management()
        .tokens()
        .await
        .unwrap()
        .is_empty());
    with_user.assert_calls_async(1).await;

    // Refused where it is given, before any call.
    let invalid = fp.as_user("bad\nvalue").unwrap_err();
    assert!(
        matches!(
            invalid,
            Error::InvalidRequest {
                operation: None,
                ..
            }
        ),
        "{invalid:?}"
    );
    with_user.assert_calls_async(1).await;
}

#[tokio::test]
async fn token_request_posts_the_credentials_as_a_form() {
    let server = MockServer::start_async().await;
    let mint = token_endpoint(&server, &jwt("jti-form"), 3600).await;
    // On a clock that stands still, the whole `expires_in` is left: no real-clock tick
    // can make this 3599.
    let (fp, _clock) = client_with_clock(&server);
    let status = fp.authenticate().await.unwrap();
    mint.assert_calls_async(1).await;
    assert_eq!(status.token_id.unwrap().to_string(), "jti-form");
    assert_eq!(status.valid_for, Some(std::time::Duration::from_secs(3600)));
}

#[tokio::test]
async fn token_request_can_use_http_basic() {
    let server = MockServer::start_async().await;
    // client_secret_basic: urlencode both, join with ':', Base64 (RFC 6749 §2.3.1).
    let expected = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{CLIENT_ID}:{CLIENT_SECRET}")
        )
    );
    let mint = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth2/token")
                .header("authorization", expected)
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("scope", "/2023-03-01/xhr/employees")
                .form_urlencoded_tuple_missing("client_secret")
                .form_urlencoded_tuple_missing("client_id");
            then.status(200)
                .json_body(example("request_token.200.issued.application_json.json"));
        })
        .await;
    let fp = builder(&server)
        .token_auth(flowpayroll::TokenAuthMethod::ClientSecretBasic)
        .scope([flowpayroll::types::Scope::XhrEmployees])
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    mint.assert_calls_async(1).await;
}

#[tokio::test]
async fn the_raw_client_sends_the_context_headers() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/2023-03-01/management/tokens")
                .header("x-auth-token", "raw-token")
                .header("user-id", "u-9")
                .header_missing("api-version");
            then.status(200).json_body(seed(200));
        })
        .await;
    let context = flowpayroll::RequestContext::new()
        .with_access_token(&flowpayroll::SecretString::new("raw-token"))
        .unwrap()
        .with_user_id("u-9")
        .unwrap();
    let raw = flowpayroll::raw::Client::new(&server.base_url(), context);
    let tokens = raw.list_tokens().await.unwrap();
    assert_eq!(tokens.status(), StatusCode::OK);
    assert_eq!(tokens.into_inner()[0].provider, Provider::Sandbox);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn request_context_hands_the_cached_token_to_the_raw_client() {
    let server = MockServer::start_async().await;
    let mint = token_endpoint(&server, &jwt(TOKEN_JTI), 3600).await;
    let api = answer(
        &server,
        GET,
        "/2023-03-01/management/tokens",
        200,
        &seed(200),
    )
    .await;
    let fp = builder(&server).build().unwrap();
    for _ in 0..3 {
        let raw =
            flowpayroll::raw::Client::new(&server.base_url(), fp.request_context().await.unwrap());
        raw.list_tokens().await.unwrap();
    }
    mint.assert_calls_async(1).await;
    api.assert_calls_async(3).await;
}
