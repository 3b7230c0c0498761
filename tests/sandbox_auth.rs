//! The embedded sandbox's authentication: clients with `client_secret_post` or HTTP
//! Basic credentials, the shape and claims of the tokens it issues, refusal of wrong
//! credentials (at the token endpoint and in an exchange's body), of tokens it did not
//! issue and of disconnected ones.

mod common;

use std::time::Duration;

use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::{ErrorBody, TokenAuthMethod};
use serde_json::Value;

/// The base URL as the generated client takes it (it appends paths starting with `/`).
fn api_base(sandbox: &Sandbox) -> String {
    sandbox.url().as_str().trim_end_matches('/').to_owned()
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
    let code = common::sandbox_http::issue_code(&sandbox, redirect).await;
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
            "code": code,
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
        .exchange_authorization_code(&flowpayroll::AuthorizationCode::new(code), redirect)
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
