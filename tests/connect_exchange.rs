//! The sandbox's side of a code exchange (`exchange_authorization_code`): only codes it
//! issued, once (409 the second time), within their lifetime on the sandbox's clock,
//! for the redirect URI they were issued for, and the token issued is listed with the
//! scopes, mode and provider the sign-in granted. Every answer is checked against the
//! spec's schema.

mod common;

use std::time::Duration;

use common::sandbox_http::{call, issue_code, on_manual_clock};
use common::spec_schema::SpecSchemas;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Sandbox, SignInAnswer, CODE_LIFETIME};
use flowpayroll::types::{Mode, Provider, Scope};
use flowpayroll::{AuthorizationCode, ErrorBody};
use serde_json::json;

const EMPLOYEES: &str = "/2023-03-01/xhr/employees";
const REDIRECT: &str = "https://app.your-company.com";

#[tokio::test]
async fn an_exchanged_code_issues_a_listed_token_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().scope([EMPLOYEES]).build().unwrap();
    // One of the client's redirect URIs (the documented `get_client` example's).
    let redirect = REDIRECT;
    let mut exchange = json!({
        "client_id": sandbox.client_id(),
        "client_secret": sandbox.client_secret().expose_secret(),
        "grant_type": "authorization_code",
        "code": "Y29kZSMxNTJiMGI5Nw==",
        "redirect_uri": redirect,
    });
    // A code it never issued: 400, nothing issued.
    let token = fp.access_token().await.unwrap();
    let unknown = call(
        &sandbox,
        Operation::ExchangeAuthorizationCode,
        Some(token.expose_secret()),
        Some(&exchange),
    )
    .await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    SpecSchemas::load().check("exchange_authorization_code", 400, &unknown.body);
    assert_eq!(
        unknown.body["validation_error"],
        "invalid_grant: the code was not issued by this server"
    );
    assert_eq!(sandbox.tokens_issued(), 1);
    exchange["code"] = json!(issue_code(&sandbox, redirect).await);
    let answer = call(
        &sandbox,
        Operation::ExchangeAuthorizationCode,
        Some(token.expose_secret()),
        Some(&exchange),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    SpecSchemas::load().check("exchange_authorization_code", 201, &answer.body);
    let connection = answer.body["access_token"].as_str().unwrap().to_owned();

    // The new token works, introspects as the answer said, and is listed.
    let me = call(
        &sandbox,
        Operation::IntrospectToken,
        Some(&connection),
        None,
    )
    .await;
    assert_eq!(me.status, 200);
    assert_eq!(
        (&me.body["scopes"], &me.body["mode"]),
        (&answer.body["scopes"], &answer.body["mode"])
    );
    let tokens = fp.management().tokens().await.unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(
        serde_json::to_value(&tokens[1].scopes).unwrap(),
        answer.body["scopes"]
    );
    assert!(tokens[1].valid);

    // The same code again: 409, the documented conflict body.
    let again = call(
        &sandbox,
        Operation::ExchangeAuthorizationCode,
        Some(token.expose_secret()),
        Some(&exchange),
    )
    .await;
    assert_eq!(again.status, 409);
    SpecSchemas::load().check("exchange_authorization_code", 409, &again.body);
    assert_eq!(again.body["code"], exchange["code"]);

    // Through the typed client, which sends its own id and secret: a new code is
    // accepted once, the same code again is the documented 409.
    let another = issue_code(&sandbox, redirect).await;
    let connection = fp
        .management()
        .exchange_authorization_code(&AuthorizationCode::new(another.as_str()), redirect)
        .await
        .unwrap();
    assert!(!connection.access_token.expose_secret().is_empty());
    assert_eq!(sandbox.tokens_issued(), 3);
    let error = fp
        .management()
        .exchange_authorization_code(&AuthorizationCode::new(another.as_str()), redirect)
        .await
        .unwrap_err();
    assert_eq!(error.status().unwrap().as_u16(), 409);
    assert_eq!(sandbox.tokens_issued(), 3);
    // The sandbox's 409 echoes the code, as the service's does: masked in what is kept.
    let api = error.as_api().unwrap();
    let shown = format!("{error} {error:?} {}", api.raw_body().text());
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(!shown.contains(another.as_str()), "{shown}");
}

/// The `validation_error` of a 400 from the exchange.
fn refusal(error: &flowpayroll::Error) -> String {
    let api = error.as_api().expect("an answer from the server");
    assert_eq!(api.status().as_u16(), 400, "{error}");
    match api.body() {
        Some(ErrorBody::BadRequestError(body)) => body.validation_error.clone().unwrap(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_code_expires_after_its_lifetime_on_the_sandbox_clock() {
    let (sandbox, fp, clock) = on_manual_clock().await;
    let on_time = issue_code(&sandbox, REDIRECT).await;
    let late = issue_code(&sandbox, REDIRECT).await;
    clock.advance(CODE_LIFETIME);
    let exchange = |code: &str| {
        let code = AuthorizationCode::new(code);
        let fp = fp.clone();
        async move {
            fp.management()
                .exchange_authorization_code(&code, REDIRECT)
                .await
        }
    };
    // At exactly its lifetime a code still works...
    exchange(&on_time).await.unwrap();
    clock.advance(Duration::from_secs(1));
    // ...one second later it is refused, and then forgotten.
    let error = exchange(&late).await.unwrap_err();
    assert_eq!(
        refusal(&error),
        "invalid_grant: the code expired; start a new sign-in"
    );
    let error = exchange(&late).await.unwrap_err();
    assert_eq!(
        refusal(&error),
        "invalid_grant: the code was not issued by this server"
    );
    // One token for the client, one for the exchange that worked.
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn the_token_has_what_the_sign_in_granted() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let connect = fp.connect();
    let link = connect
        .sign_in(REDIRECT)
        .scopes([Scope::from(EMPLOYEES)])
        .start()
        .unwrap();
    let provider = Provider::from("hibob");
    let callback = sandbox
        .answer_sign_in(
            &link.url,
            SignInAnswer::Allow {
                provider: provider.clone(),
            },
        )
        .await
        .unwrap();
    let connection = connect.complete(callback.as_str()).await.unwrap();
    assert_eq!(connection.scopes, [Scope::from(EMPLOYEES)]);
    assert_eq!(connection.mode, Mode::Xhr);
    assert_eq!(connection.provider, provider);

    // Listed with the same, and it introspects the same way.
    let tokens = fp.management().tokens().await.unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(
        (&tokens[1].scopes, &tokens[1].mode, &tokens[1].provider),
        (&connection.scopes, &connection.mode, &connection.provider)
    );
    let me = call(
        &sandbox,
        Operation::IntrospectToken,
        Some(connection.access_token.expose_secret()),
        None,
    )
    .await;
    assert_eq!(me.status, 200);
    SpecSchemas::load().check("introspect_token", 200, &me.body);
    assert_eq!(me.body["provider"], json!("hibob"));
    assert_eq!(me.body["scopes"], json!([EMPLOYEES]));
}
