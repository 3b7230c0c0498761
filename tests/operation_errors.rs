//! Errors decoded from documented error answers, against a loopback mock: every error
//! status the spec documents for `list_tokens` (the `tokens` page's examples), and the
//! token endpoint's OAuth errors with the operation and `Retry-After` they carry.
//! (Per-operation errors beside their success: `operation_answers.rs`.)

mod common;

use common::mock_api::{api_error, assert_documented_errors};
use common::*;
use flowpayroll::operation::Operation;
use flowpayroll::{ErrorBody, FlowPayroll};
use httpmock::prelude::*;

#[tokio::test]
async fn list_tokens_decodes_every_documented_error() {
    let server = MockServer::start_async().await;
    assert_documented_errors(
        &server,
        GET,
        "/2023-03-01/management/tokens",
        &[400, 404, 409, 429, 500],
        async |fp: &FlowPayroll| fp.management().tokens().await,
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_errors_decode_into_oauth_errors() {
    for (status, file) in [
        (400, "request_token.400.invalid_scope.application_json.json"),
        (
            401,
            "request_token.401.invalid_client.application_json.json",
        ),
        (429, "request_token.429.rate_limited.application_json.json"),
    ] {
        let server = MockServer::start_async().await;
        let body = example(file);
        server
            .mock_async(|when, then| {
                when.method(POST).path("/oauth2/token");
                then.status(status)
                    .header("retry-after", "42")
                    .json_body(body.clone());
            })
            .await;
        let fp = builder(&server)
            .token_request_policy(flowpayroll::TokenRequestPolicy::default().with_attempts(1))
            .build()
            .unwrap();
        let api = api_error(fp.authenticate().await.unwrap_err(), status);
        assert_eq!(api.operation(), Operation::RequestToken);
        assert_eq!(serde_json::to_value(api.body().unwrap()).unwrap(), body);
        match (status, api.body().unwrap()) {
            (400, ErrorBody::OAuthError(b)) => assert_eq!(b.error.as_str(), "invalid_scope"),
            (401, ErrorBody::OAuthError(b)) => assert_eq!(b.error.as_str(), "invalid_client"),
            (429, ErrorBody::UndocumentedBody(b)) => {
                assert_eq!(b["message"], "Too many requests");
                assert_eq!(api.retry_after(), Some(std::time::Duration::from_secs(42)));
            }
            (status, body) => panic!("{status}: {body:?}"),
        }
    }
}
