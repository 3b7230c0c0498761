//! Case 2: decode errors and echoed requests must not print secrets, however the server
//! escapes them; and case 6's library half: server text in errors and logs is escaped.

use flowpayroll::{ErrorBody, TokenId};

use super::common::jwt;
use super::common::raw::{json, RawServer, Reply};
use super::*;

/// A gateway that JSON-encodes the JSON body a second time.
fn double_encoded(inner: &str) -> Reply {
    json(200, &serde_json::to_string(inner).unwrap())
}

#[tokio::test]
async fn case_2_a_double_encoded_token_response_does_not_print_the_token() {
    let leaks = LeakCheck::start();
    let token = "tok-LEAK-double-encoded-4f9a";
    let inner = format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":60}}"#);
    let server = RawServer::start(move |_, _| double_encoded(&inner));
    let fp = builder_for(&server)
        .token_request_policy(one_attempt())
        .build()
        .unwrap();

    let error = fp.authenticate().await.unwrap_err();
    let Error::Decode { operation, reason } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*operation, flowpayroll::operation::Operation::RequestToken);
    assert!(
        reason.starts_with("expected struct AccessTokenResponse, found string"),
        "{reason}"
    );
    assert_eq!(server.hits(TOKEN_PATH), 1);
    leaks.assert_no_secret(&error, &[token]);
}

#[tokio::test]
async fn case_2_a_double_encoded_client_get_does_not_print_either_secret() {
    let leaks = LeakCheck::start();
    let token = jwt("jti-client-get");
    let (first, second) = ("cs-LEAK-first-7e2d", "cs-LEAK-second-91ab");
    let inner = format!(
        r#"{{"client_id":"c","name":"n","client_secret":["{first}","{second}"],"redirect_uris":[]}}"#
    );
    let server = behind_token(&token, move |_| double_encoded(&inner));
    let fp = builder_for(&server).build().unwrap();

    let error = fp.management().client().await.unwrap_err();
    let Error::Decode { reason, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(reason.contains("found string"), "{reason}");
    assert_eq!(server.hits("/2023-03-01/management/client"), 1);
    leaks.assert_no_secret(&error, &[first, second, &token]);
}

#[tokio::test]
async fn case_2_a_400_that_echoes_the_request_has_the_secret_masked() {
    let leaks = LeakCheck::start();
    // The token endpoint answers 400 with the form it was sent, as some gateways do.
    let server = RawServer::start(|_, request| {
        let form = request.rest.rsplit("\r\n").next().unwrap_or_default();
        json(
            400,
            &serde_json::json!({"error": "invalid_request", "error_description": form}).to_string(),
        )
    });
    let fp = builder_for(&server)
        .token_request_policy(one_attempt())
        .build()
        .unwrap();

    let error = fp.authenticate().await.unwrap_err();
    let api = error.as_api().unwrap();
    assert_eq!(api.status().as_u16(), 400);
    assert!(server.requests()[0].rest.contains(CLIENT_SECRET));
    let Some(ErrorBody::OAuthError(body)) = api.body() else {
        panic!("{error:?}")
    };
    let description = body.error_description.as_deref().unwrap();
    assert!(
        description.contains("client_secret=[redacted]"),
        "{description}"
    );
    assert!(api.raw_body().text().contains("[redacted]"));
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn an_api_error_that_echoes_the_token_has_it_masked() {
    let leaks = LeakCheck::start();
    let token = jwt("jti-echoed");
    let server = behind_token(&token, move |request| {
        // A 400 quoting the request headers, X-Auth-Token included.
        json(
            400,
            &serde_json::json!({"message": request.rest}).to_string(),
        )
    });
    let fp = builder_for(&server).build().unwrap();

    let error = fp.management().client().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let message = error.as_api().unwrap().message().unwrap();
    assert!(message.contains("x-auth-token: [redacted]"), "{message}");
    leaks.assert_no_secret(&error, &[&token]);
}

#[tokio::test]
async fn server_text_is_escaped_in_errors_and_logs() {
    let leaks = LeakCheck::start();
    // JSON escapes: the claim decodes to ESC, CR and BEL.
    let token = jwt(r"jti-\u001b[2J\rforged\u0007");
    let server = behind_token(&token, move |_| {
        json(400, r#"{"message":"gone\u001b[31m\rrewritten line\u0007"}"#)
    });
    let fp = builder_for(&server).build().unwrap();

    let error = fp.management().client().await.unwrap_err();
    let shown = error.to_string();
    assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
    assert!(
        shown.contains("gone\\u{1b}[31m\\rrewritten line\\u{7}"),
        "{shown}"
    );
    // `Display` escapes the id like all server text; the variant holds it exactly.
    let id = fp.token_status().token_id.unwrap();
    assert_eq!(id.to_string(), "jti-\\u{1b}[2J\\rforged\\u{7}");
    assert!(matches!(&id, TokenId::Jti(jti) if jti == "jti-\u{1b}[2J\rforged\u{7}"));
    let logged = leaks.0.text();
    assert!(logged.contains("jti-\\u{1b}[2J\\rforged\\u{7}"), "{logged}");
    assert!(!logged.contains('\u{1b}') && !logged.contains('\u{7}'));
    leaks.assert_no_secret(&error, &[&token]);
}
