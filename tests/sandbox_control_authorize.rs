//! Authorization codes issued through the control API (`POST /__sandbox/authorize`):
//! only for one of the client's redirect URIs, exchanged only with the URI they were
//! issued for (exact match, a refusal does not spend the code), and only once.

mod common;

use common::sandbox_http::control;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::{AuthorizationCode, ErrorBody};
use serde_json::json;

#[tokio::test]
async fn an_authorized_code_is_exchanged_only_with_its_redirect_uri() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let registered = fp.management().client().await.unwrap().redirect_uris;
    let (issued_for, other) = (registered[0].clone(), registered[1].clone());
    let authorize = |redirect_uri: &str| {
        let body = json!({"redirect_uri": redirect_uri});
        control(&sandbox, "POST", "authorize", Some(body))
    };

    let refused = authorize("https://elsewhere.example/cb").await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body["message"],
        "redirect_uri is not one of the client's redirect URIs"
    );
    let issued = authorize(&issued_for).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let code = issued.body["code"].as_str().unwrap().to_owned();

    // Another of the client's URIs, one it does not have, the same with a slash added:
    // refused (exact string match), and the code is not spent.
    let slash = format!("{issued_for}/");
    for (wrong, why) in [
        (
            other.as_str(),
            "redirect_uri is not the one the code was issued for",
        ),
        (
            "https://elsewhere.example/cb",
            "redirect_uri is not one of the client's redirect URIs",
        ),
        (
            slash.as_str(),
            "redirect_uri is not one of the client's redirect URIs",
        ),
    ] {
        let error = fp
            .management()
            .exchange_authorization_code(&AuthorizationCode::new(code.as_str()), wrong)
            .await
            .unwrap_err();
        let api = error.as_api().unwrap();
        assert_eq!(api.status().as_u16(), 400, "{wrong}");
        match api.body() {
            Some(ErrorBody::BadRequestError(body)) => {
                assert_eq!(body.validation_error.as_deref(), Some(why), "{wrong}")
            }
            other => panic!("{wrong}: {other:?}"),
        }
    }
    assert_eq!(sandbox.tokens_issued(), 1);

    let connection = fp
        .management()
        .exchange_authorization_code(&AuthorizationCode::new(code.as_str()), &issued_for)
        .await
        .unwrap();
    assert!(!connection.access_token.expose_secret().is_empty());
    assert_eq!(sandbox.tokens_issued(), 2);
    let again = fp
        .management()
        .exchange_authorization_code(&AuthorizationCode::new(code.as_str()), &issued_for)
        .await
        .unwrap_err();
    assert_eq!(again.status().unwrap().as_u16(), 409);
    assert_eq!(sandbox.tokens_issued(), 2);
}
