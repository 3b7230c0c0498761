//! Responses the spec does not describe: undocumented statuses, HTML error pages,
//! error bodies off their schema, success bodies of the wrong shape. Each gives a clear
//! error that keeps the status and a bounded prefix of the body (error statuses), the
//! server's words when it has some, or the JSON path (success bodies), never a panic.

mod common;

use common::*;
use flowpayroll::operation::Operation;
use flowpayroll::{BodyPrefix, Error, RetryPolicy};
use httpmock::prelude::*;
use serde_json::json;

async fn client(server: &MockServer) -> flowpayroll::FlowPayroll {
    token_endpoint(server, &jwt("jti-errors"), 3600).await;
    builder(server)
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_html_502_keeps_status_and_a_bounded_prefix() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let page = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "x".repeat(4000)
    );
    server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/tokens");
            then.status(502)
                .header("content-type", "text/html")
                .body(page.clone());
        })
        .await;
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    let api = error.as_api().unwrap();
    assert!(api.body().is_none());
    assert_eq!(api.raw_body().total_len(), page.len());
    assert_eq!(api.raw_body().text().len(), BodyPrefix::LIMIT);
    assert!(api
        .raw_body()
        .text()
        .starts_with("<html><head><title>502 Bad Gateway"));
    let message = error.to_string();
    assert!(
        message.starts_with("`list_tokens` answered 502 Bad Gateway: \"<html>"),
        "{message}"
    );
    assert!(
        message.len() < 700,
        "message is not bounded: {} bytes",
        message.len()
    );
}

#[tokio::test]
async fn a_documented_status_with_a_foreign_body_is_still_a_clear_error() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/tokens");
            then.status(500).body("upstream timed out");
        })
        .await;
    let error = fp.management().tokens().await.unwrap_err();
    let api = error.as_api().unwrap();
    assert!(api.body().is_none());
    assert!(api.decode_problem().is_some());
    assert_eq!(api.raw_body().text(), "upstream timed out");
    assert!(
        error.to_string().contains("does not match the spec"),
        "{error}"
    );
}

#[tokio::test]
async fn an_undocumented_status_keeps_its_body() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/tokens");
            then.status(418)
                .json_body(json!({"message": "short and stout"}));
        })
        .await;
    let error = fp.management().tokens().await.unwrap_err();
    let api = error.as_api().unwrap();
    assert_eq!(api.status().as_u16(), 418);
    assert!(api.body().is_none() && api.decode_problem().is_none());
    assert!(api.raw_body().text().contains("short and stout"));
}

#[tokio::test]
async fn a_success_body_of_the_wrong_shape_names_the_json_path() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/introspect");
            then.status(200).json_body(
                json!({"client_id": "c", "mode": "xhr", "provider": "sandbox", "scopes": "all"}),
            );
        })
        .await;
    match fp.management().introspect().await.unwrap_err() {
        Error::Decode { operation, reason } => {
            assert_eq!(
                operation,
                flowpayroll::operation::Operation::IntrospectToken
            );
            assert!(reason.starts_with("at `scopes`"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_success_body_that_is_not_json_is_a_decode_error() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/client");
            then.status(200).body("<html>maintenance</html>");
        })
        .await;
    let error = fp.management().client().await.unwrap_err();
    assert!(matches!(&error, Error::Decode { .. }), "{error:?}");
    assert_eq!(error.to_string(), "`get_client` answered with a success body that does not decode: the body (24 bytes) is not JSON (syntax error at line 1, column 1)");
}

#[tokio::test]
async fn a_connection_failure_is_a_transport_error() {
    let server = MockServer::start_async().await;
    token_endpoint(&server, &jwt("jti-transport"), 3600).await;
    // Nothing listens on port 9 of loopback.
    let fp = builder(&server)
        .api_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let error = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                operation: flowpayroll::operation::Operation::ListTokens,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_api_error_names_its_operation_request_id_and_whether_it_is_transient() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let unavailable = server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/tokens");
            then.status(503).header("x-request-id", " req-7f3a ");
        })
        .await;
    let error = fp.management().tokens().await.unwrap_err();
    let api = error.as_api().unwrap();
    assert_eq!(api.operation(), Operation::ListTokens);
    assert_eq!(api.request_id(), Some("req-7f3a"));
    assert!(error.is_transient());
    assert_eq!(unavailable.calls_async().await, 1);

    let missing = server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/client");
            then.status(404)
                .header("x-correlation-id", "corr-1")
                .json_body(json!({"message": "no such client"}));
        })
        .await;
    let error = fp.management().client().await.unwrap_err();
    let api = error.as_api().unwrap();
    assert_eq!(api.operation(), Operation::GetClient);
    assert_eq!(api.request_id(), Some("corr-1"));
    assert!(!error.is_transient());
    assert_eq!(missing.calls_async().await, 1);

    let long = "r".repeat(1000);
    server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/introspect");
            then.status(429).header("x-request-id", long.as_str());
        })
        .await;
    let error = fp.management().introspect().await.unwrap_err();
    assert_eq!(
        error.as_api().unwrap().request_id().map(str::len),
        Some(128)
    );
    assert!(error.is_transient());
    assert!(!Error::Config("x".into()).is_transient());
}

/// A 401 whose body is not the spec's `AuthenticationError` (here RFC 6750's shape, as
/// a gateway in front of the API may send): the client re-mints once and replays, then
/// reports the server's words as `message()`, with why the body did not decode.
#[tokio::test]
async fn a_401_off_its_schema_still_says_the_servers_words() {
    let server = MockServer::start_async().await;
    let mint = token_endpoint(&server, &jwt("jti-401"), 3600).await;
    let fp = builder(&server).build().unwrap();
    let tokens = server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/tokens");
            then.status(401)
                .header("x-request-id", "req-401")
                .json_body(json!({
                    "error": "invalid_token",
                    "error_description": "The access token expired",
                }));
        })
        .await;
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(
        (mint.calls_async().await, tokens.calls_async().await),
        (2, 2)
    );
    let api = error.as_api().unwrap();
    assert_eq!(api.status().as_u16(), 401);
    assert!(api.body().is_none());
    assert_eq!(api.message(), Some("The access token expired"));
    let problem = api.decode_problem().unwrap();
    assert!(problem.contains("code"), "{problem}");
    assert_eq!(
        error.to_string(),
        format!(
            "`list_tokens` answered 401 Unauthorized: The access token expired (the body does \
             not match the spec: {problem})"
        )
    );
    assert_eq!(api.request_id(), Some("req-401"));
}

/// The sandbox's own 401 (the spec's example) decodes into the documented type.
#[cfg(feature = "sandbox")]
#[tokio::test]
async fn the_sandbox_401_decodes_as_documented() {
    use flowpayroll::deps::http::StatusCode;
    use flowpayroll::sandbox::{Fault, Sandbox};
    use flowpayroll::ErrorBody;

    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let unauthorized = Fault::Status(StatusCode::UNAUTHORIZED);
    sandbox.fail_next(Operation::ListTokens, 2, unauthorized);
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(sandbox.token_requests(), 2);
    let api = error.as_api().unwrap();
    match api.body() {
        Some(ErrorBody::AuthenticationError(body)) => {
            assert_eq!(body.code.as_str(), "reauthentication_required")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(api.message(), Some("Your session has expired"));
    assert!(api.decode_problem().is_none());
    assert!(
        error
            .to_string()
            .ends_with("401 Unauthorized: Your session has expired"),
        "{error}"
    );
}
