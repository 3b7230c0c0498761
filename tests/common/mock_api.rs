//! A mocked Flow Payroll API that answers one operation at a time with the spec's
//! examples: a client for it, a mock that checks the token headers, and checks that a
//! call decodes the documented success body or the documented error of each status.
//! Used by the `operation_*` test files.

use flowpayroll::{Error, ErrorBody, FlowPayroll, RetryPolicy};
use httpmock::prelude::*;
use serde_json::{json, Value};

use super::{builder, example, jwt, token_endpoint};

pub const TOKEN_JTI: &str = "jti-ops-1";

/// A client whose 429s come straight back (no retry), with a token endpoint mocked.
pub async fn client(server: &MockServer) -> FlowPayroll {
    token_endpoint(server, &jwt(TOKEN_JTI), 3600).await;
    builder(server)
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap()
}

/// Mocks `method path` answering `status` with `body` (and `Retry-After: 42` on 429),
/// for requests that carry the token and no `api-version`.
pub async fn answer<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    status: u16,
    body: &Value,
) -> httpmock::Mock<'a> {
    let token = jwt(TOKEN_JTI);
    server
        .mock_async(|when, then| {
            when.method(method)
                .path(path)
                .header("x-auth-token", token)
                .header("accept", "application/json")
                .header_missing("api-version")
                .header_missing("user-id")
                .header_missing("authorization");
            let then = then
                .status(status)
                .header("content-type", "application/json")
                .json_body(body.clone());
            if status == 429 {
                then.header("retry-after", "42");
            }
        })
        .await
}

pub fn api_error(error: Error, status: u16) -> flowpayroll::ApiError {
    match error {
        Error::Api(api) => {
            assert_eq!(api.status().as_u16(), status);
            *api
        }
        other => panic!("expected an API error {status}, got {other:?}"),
    }
}

/// Checks that `error` carries the documented body of `status` for a management call
/// whose documented examples are the `tokens` page's.
pub fn assert_seed_error(error: Error, status: u16) {
    let api = api_error(error, status);
    let body = api
        .body()
        .unwrap_or_else(|| panic!("{status}: body did not decode: {:?}", api.decode_problem()));
    let example = documented_body(status);
    match (status, body) {
        (400, ErrorBody::BadRequestError(b)) => {
            assert_eq!(b.message.as_deref(), Some("string"));
            assert_eq!(b.validation_error.as_deref(), Some("string"));
        }
        (404, ErrorBody::NotFoundError(b)) => {
            assert_eq!((b.id.as_str(), b.message.as_str()), ("string", "string"))
        }
        (409, ErrorBody::ConflictError(b)) => {
            assert_eq!(b.error.as_str(), "conflict");
            assert!(b.error.is_known());
            assert_eq!(b.code.as_deref(), Some("string"));
        }
        (429 | 500 | 403, ErrorBody::ErrorMessage(b)) => assert_eq!(b.message, "string"),
        (status, body) => panic!("{status} decoded into the wrong type: {body:?}"),
    }
    assert_eq!(serde_json::to_value(body).unwrap(), example);
    if status == 429 {
        assert_eq!(api.retry_after(), Some(std::time::Duration::from_secs(42)));
    }
}

pub fn seed(status: u16) -> Value {
    example(&format!("list_tokens.{status}.seed.application_json.json"))
}

/// The body the spec documents for `status` on a management call: the `tokens` page's
/// seed example, or the bare message of a 403.
pub fn documented_body(status: u16) -> Value {
    match status {
        403 => json!({"message": "string"}),
        _ => seed(status),
    }
}

/// Answers `method path` with 200 and the spec's example `file`, and returns what
/// `call` decodes from it, after checking it sent one request. The mock is gone after.
pub async fn decoded_success<T: std::fmt::Debug>(
    server: &MockServer,
    method: Method,
    path: &str,
    file: &str,
    call: impl AsyncFnOnce() -> Result<T, Error>,
) -> T {
    let ok = answer(server, method, path, 200, &example(file)).await;
    let value = call().await.unwrap();
    ok.assert_calls_async(1).await;
    ok.delete_async().await;
    value
}

/// For each of `statuses`, answers `method path` with its documented body and checks
/// that `call`, given a new client (one that has seen no 429 yet, so it does not wait),
/// sends one request and returns that status's documented error.
pub async fn assert_documented_errors<T: std::fmt::Debug>(
    server: &MockServer,
    method: Method,
    path: &str,
    statuses: &[u16],
    call: impl AsyncFn(&FlowPayroll) -> Result<T, Error>,
) {
    let method = method.to_string();
    for &status in statuses {
        let fp = client(server).await;
        let body = documented_body(status);
        let mock = answer(server, method.as_str().into(), path, status, &body).await;
        assert_seed_error(call(&fp).await.unwrap_err(), status);
        mock.assert_calls_async(1).await;
        mock.delete_async().await;
    }
}
