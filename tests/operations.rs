//! Every operation of the spec, against a loopback mock: the request on the wire (method,
//! path, headers, body encoding) and the decoded result of the success status and of
//! every documented error status, with the spec's examples as bodies.

mod common;

use common::*;
use flowpayroll::deps::http::StatusCode;
use flowpayroll::operation::Operation;
use flowpayroll::types::{
    AuthorizationCodeExchange, AuthorizationCodeGrantType, ClientUpdate, Mode, Provider, Scope,
};
use flowpayroll::{AuthorizationCode, Error, ErrorBody, FlowPayroll, RetryPolicy};
use httpmock::prelude::*;
use serde_json::{json, Value};

const TOKEN_JTI: &str = "jti-ops-1";

/// A client whose 429s come straight back (no retry), with a token endpoint mocked.
async fn client(server: &MockServer) -> FlowPayroll {
    token_endpoint(server, &jwt(TOKEN_JTI), 3600).await;
    builder(server)
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap()
}

/// Mocks `method path` answering `status` with `body` (and `Retry-After: 42` on 429),
/// for requests that carry the token and no `api-version`.
async fn answer<'a>(
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

fn api_error(error: Error, status: u16) -> flowpayroll::ApiError {
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
fn assert_seed_error(error: Error, status: u16) {
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

fn seed(status: u16) -> Value {
    example(&format!("list_tokens.{status}.seed.application_json.json"))
}

/// The body the spec documents for `status` on a management call: the `tokens` page's
/// seed example, or the bare message of a 403.
fn documented_body(status: u16) -> Value {
    match status {
        403 => json!({"message": "string"}),
        _ => seed(status),
    }
}

/// Answers `method path` with 200 and the spec's example `file`, and returns what
/// `call` decodes from it, after checking it sent one request. The mock is gone after.
async fn decoded_success<T: std::fmt::Debug>(
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
async fn assert_documented_errors<T: std::fmt::Debug>(
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

#[tokio::test]
async fn list_tokens_decodes_the_seed_example() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let tokens = decoded_success(
        &server,
        GET,
        "/2023-03-01/management/tokens",
        "list_tokens.200.seed.application_json.json",
        async || fp.management().tokens().await,
    )
    .await;
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    assert_eq!(token.token, "00000000-00000000-00000000-00000000");
    assert_eq!(token.mode, Mode::Xhr);
    assert_eq!(token.provider, Provider::Sandbox);
    assert!(token.valid);
    assert_eq!(
        token.created_at.unwrap().to_rfc3339(),
        "2023-08-09T08:09:40.724+00:00"
    );
    assert_eq!(
        token.scopes[0],
        Scope::Unknown("/2023-03-01/payroll/employees".into())
    );
    assert_eq!(
        token.scopes[3].as_str(),
        "/2023-03-01/payroll/payruns/:payrun_id"
    );
}

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
async fn introspect_decodes_success_and_errors() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let path = "/2023-03-01/management/introspect";
    let introspection = decoded_success(
        &server,
        GET,
        path,
        "introspect_token.200.reference.application_json.json",
        async || fp.management().introspect().await,
    )
    .await;
    assert_eq!(
        introspection.client_id,
        "00000000-00000000-00000000-00000000"
    );
    assert_eq!(introspection.mode, Mode::Official);
    assert_eq!(
        introspection.scopes,
        vec![Scope::from("identity"), Scope::from("census")]
    );
    assert!(!introspection.scopes[0].is_known());

    assert_documented_errors(
        &server,
        GET,
        path,
        &[400, 403, 404, 429, 500],
        async |fp: &FlowPayroll| fp.management().introspect().await,
    )
    .await;
}

#[tokio::test]
async fn disconnect_decodes_success_and_errors() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let path = "/2023-03-01/management/disconnect";
    assert_documented_errors(
        &server,
        POST,
        path,
        &[403, 429, 500],
        async |fp: &FlowPayroll| fp.management().disconnect().await,
    )
    .await;
    let disconnection = decoded_success(
        &server,
        POST,
        path,
        "disconnect_token.200.reference.application_json.json",
        async || fp.management().disconnect().await,
    )
    .await;
    assert!(disconnection.disconnected);
}

#[tokio::test]
async fn get_client_decodes_success_and_errors() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let path = "/2023-03-01/management/client";
    let settings = decoded_success(
        &server,
        GET,
        path,
        "get_client.200.reference.application_json.json",
        async || fp.management().client().await,
    )
    .await;
    assert_eq!(settings.name, "Your App");
    assert_eq!(
        settings.client_secret[0].expose_secret(),
        "ffffffff-ffffffff-ffffffff-ffffffff"
    );
    assert!(
        !format!("{settings:?}").contains("ffffffff-ffffffff"),
        "client secrets must not appear in Debug"
    );

    assert_documented_errors(
        &server,
        GET,
        path,
        &[400, 429, 500],
        async |fp: &FlowPayroll| fp.management().client().await,
    )
    .await;
    let unauthenticated = json!({"error": "authentication_error", "code": "reauthentication_required", "message": "expired"});
    let mock = answer(&server, GET, path, 401, &unauthenticated).await;
    let api = api_error(fp.management().client().await.unwrap_err(), 401);
    // One replay with a fresh token, then the 401 is returned.
    mock.assert_calls_async(2).await;
    match api.body() {
        Some(ErrorBody::AuthenticationError(b)) => {
            assert_eq!(b.code.as_str(), "reauthentication_required")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn update_client_sends_json_and_decodes_success_and_errors() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let path = "/2023-03-01/management/client";
    let request = example("update_client.request.reference.application_json.json");
    let update: ClientUpdate = serde_json::from_value(request.clone()).unwrap();
    let token = jwt(TOKEN_JTI);
    let ok = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(path)
                .header("x-auth-token", token)
                .header("content-type", "application/json")
                .json_body(request.clone());
            then.status(200)
                .json_body(example("get_client.200.reference.application_json.json"));
        })
        .await;
    let settings = fp.management().update_client(&update).await.unwrap();
    ok.assert_calls_async(1).await;
    assert_eq!(settings.redirect_uris.len(), 2);
    ok.delete_async().await;

    assert_documented_errors(
        &server,
        POST,
        path,
        &[400, 409, 429, 500],
        async |fp: &FlowPayroll| fp.management().update_client(&update).await,
    )
    .await;
}

#[tokio::test]
async fn exchange_authorization_code_sends_json_and_decodes_success_and_errors() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let path = "/2023-03-01/management/token";
    let mut request =
        example("exchange_authorization_code.request.reference.application_json.json");
    let exchange: AuthorizationCodeExchange = serde_json::from_value(request.clone()).unwrap();
    assert_eq!(
        exchange.grant_type,
        AuthorizationCodeGrantType::AuthorizationCode
    );
    // The client sends its own credentials with the caller's code and redirect URI.
    request["client_id"] = json!(CLIENT_ID);
    request["client_secret"] = json!(CLIENT_SECRET);
    let ok = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(path)
                .header("content-type", "application/json")
                .json_body(request.clone());
            then.status(201).json_body(example(
                "exchange_authorization_code.201.reference.application_json.json",
            ));
        })
        .await;
    let connection = fp
        .management()
        .exchange_authorization_code(
            &AuthorizationCode::new(exchange.code.as_str()),
            &exchange.redirect_uri,
        )
        .await
        .unwrap();
    ok.assert_calls_async(1).await;
    assert_eq!(connection.provider, Provider::Sandbox);
    assert!(connection
        .access_token
        .expose_secret()
        .starts_with("Y2xpZW50"));
    assert!(!format!("{connection:?}").contains(connection.access_token.expose_secret()));
    assert!(!format!("{exchange:?}").contains("ffffffff-ffffffff"));

    ok.delete_async().await;

    assert_documented_errors(
        &server,
        POST,
        path,
        &[400, 404, 409, 429, 500],
        async |fp: &FlowPayroll| {
            fp.management()
                .exchange_authorization_code(
                    &AuthorizationCode::new(exchange.code.as_str()),
                    &exchange.redirect_uri,
                )
                .await
        },
    )
    .await;
}

#[tokio::test]
async fn list_providers_decodes_success_and_errors() {
    let server = MockServer::start_async().await;
    let fp = client(&server).await;
    let groups = decoded_success(
        &server,
        GET,
        "/providers",
        "list_providers.200.reference.application_json.json",
        async || fp.providers().await,
    )
    .await;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].mode, Mode::Official);
    assert!(groups[1].providers.contains(&Provider::QuickbooksOnline));
    assert!(groups
        .iter()
        .flat_map(|g| &g.providers)
        .all(Provider::is_known));
    assert_documented_errors(
        &server,
        GET,
        "/providers",
        &[500],
        async |fp: &FlowPayroll| fp.providers().await,
    )
    .await;
}

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

/// The README's operation table is written by hand: it must name every operation of the
/// spec, with the method and path the generated `Operation` carries.
#[test]
fn the_readme_table_lists_every_operation_as_the_spec_does() {
    use flowpayroll::operation::Operation;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut rows = Vec::new();
    for line in readme.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, id, route, ..] = cells[..] else {
            continue;
        };
        let Some(id) = id.strip_prefix('`').and_then(|id| id.strip_suffix('`')) else {
            continue;
        };
        let Some(operation) = Operation::from_id(id) else {
            continue;
        };
        let route = route.trim_start_matches('`');
        let expected = format!("{} {}`", operation.method(), operation.path());
        assert!(
            route.starts_with(&expected),
            "{id}: `{route}` is not {expected}"
        );
        rows.push(operation);
    }
    assert_eq!(
        rows,
        Operation::ALL,
        "the table lists every operation, in spec order"
    );
}
