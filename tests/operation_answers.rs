//! What each management operation and `list_providers` decode, against a loopback mock
//! answering with the spec's examples: the success body (with the JSON request body of
//! the operations that send one) and the documented error of each status the spec lists
//! for the operation. (Requests on the wire: `operation_requests.rs`; the documented
//! errors of `list_tokens` and the token endpoint: `operation_errors.rs`.)

mod common;

use common::mock_api::{
    answer, api_error, assert_documented_errors, client, decoded_success, TOKEN_JTI,
};
use common::*;
use flowpayroll::types::{
    AuthorizationCodeExchange, AuthorizationCodeGrantType, ClientUpdate, Mode, Provider, Scope,
};
use flowpayroll::{AuthorizationCode, ErrorBody, FlowPayroll};
use httpmock::prelude::*;
use serde_json::json;

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
