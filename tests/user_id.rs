//! `User-Id` validation: a value that is empty, longer than
//! [`flowpayroll::header::MAX_USER_ID_LEN`] bytes or outside the spec's pattern (printable ASCII,
//! no space at either end) fails with [`Error::InvalidRequest`] on every path, before any
//! request is sent (no token request, no API call); the sandbox answers such a header
//! with the documented 400.

mod common;

use common::*;
use flowpayroll::Error;
use httpmock::prelude::*;

const BAD: &str = "bad\nvalue";

/// An id refused where it is given (the builder, `as_user`), before any operation.
fn refused(result: Result<impl std::fmt::Debug, Error>) {
    match result {
        Err(Error::InvalidRequest { operation, message }) => {
            assert_eq!(operation, None);
            assert!(!message.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_invalid_user_id_fails_alike_on_every_path_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let mint = token_endpoint(&server, &jwt("jti-user-id"), 3600).await;
    let tokens = server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/tokens");
            then.status(200).json_body(serde_json::json!([]));
        })
        .await;

    refused(builder(&server).user_id(BAD).build());
    refused(builder(&server).build().unwrap().as_user(BAD));

    let long = "u".repeat(flowpayroll::header::MAX_USER_ID_LEN + 1);
    for odd in [
        "",
        long.as_str(),
        "tab\there",
        " leading",
        "trailing ",
        "caf\u{e9}",
    ] {
        refused(builder(&server).user_id(odd).build());
        refused(builder(&server).build().unwrap().as_user(odd));
    }
    let longest = "u".repeat(flowpayroll::header::MAX_USER_ID_LEN);

    assert_eq!(mint.calls_async().await, 0);
    assert_eq!(tokens.calls_async().await, 0);
    // The same client with a valid User-Id works: the mocks can count.
    let fine = builder(&server).build().unwrap().as_user(&longest).unwrap();
    fine.management().tokens().await.unwrap();
    fine.as_user("user 42")
        .unwrap()
        .management()
        .tokens()
        .await
        .unwrap();
    assert_eq!(mint.calls_async().await, 1);
    assert_eq!(tokens.calls_async().await, 2);
}

/// The sandbox refuses a `User-Id` outside the spec's rules with its 400, and serves one
/// inside them; the client cannot send a bad one, so this goes through raw HTTP. (Spaces
/// at either end cannot be tried: HTTP strips them on the way.)
#[cfg(feature = "sandbox")]
#[tokio::test]
async fn the_sandbox_answers_400_to_a_user_id_outside_the_spec() {
    let sandbox = flowpayroll::sandbox::Sandbox::start().await.unwrap();
    let token = sandbox
        .client_builder()
        .build()
        .unwrap()
        .access_token()
        .await
        .unwrap();
    let url = sandbox.url().join("/2023-03-01/management/tokens").unwrap();
    let http = reqwest::Client::new();
    let long = "u".repeat(flowpayroll::header::MAX_USER_ID_LEN + 1);
    for (user_id, status) in [
        ("user 42", 200),
        ("", 400),
        ("tab\there", 400),
        (long.as_str(), 400),
    ] {
        let answer = http
            .get(url.clone())
            .header("X-Auth-Token", token.expose_secret())
            .header("User-Id", user_id)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), status, "{user_id:?}");
    }
    sandbox.shutdown().await;
}
