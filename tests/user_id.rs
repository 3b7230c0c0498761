//! `User-Id` validation: a value that is empty, longer than
//! [`flowpayroll::MAX_USER_ID_LEN`] bytes or not a valid header value fails with
//! [`Error::InvalidRequest`] on every path, before any request is sent (no token
//! request, no API call).

mod common;

use common::*;
use flowpayroll::Error;
use httpmock::prelude::*;

const BAD: &str = "bad\nvalue";

fn refused(result: Result<impl std::fmt::Debug, Error>, expected: &str) {
    match result {
        Err(Error::InvalidRequest { operation, message }) => {
            assert_eq!(operation, expected);
            assert!(!message.is_empty());
        }
        other => panic!("{expected}: {other:?}"),
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

    refused(builder(&server).user_id(BAD).build(), "build");
    let fp = builder(&server).build().unwrap().as_user(BAD);
    refused(fp.management().tokens().await, "list_tokens");
    refused(fp.management().disconnect().await, "disconnect_token");
    refused(fp.providers().await, "list_providers");
    refused(fp.raw().await, "raw");
    refused(fp.request_context().await, "request_context");

    let long = "u".repeat(flowpayroll::MAX_USER_ID_LEN + 1);
    for odd in ["", long.as_str()] {
        refused(builder(&server).user_id(odd).build(), "build");
        let fp = builder(&server).build().unwrap().as_user(odd);
        refused(fp.management().tokens().await, "list_tokens");
        refused(fp.request_context().await, "request_context");
    }
    let longest = "u".repeat(flowpayroll::MAX_USER_ID_LEN);

    assert_eq!(mint.calls_async().await, 0);
    assert_eq!(tokens.calls_async().await, 0);
    // The same client with a valid User-Id works: the mocks can count.
    let fine = builder(&server).build().unwrap().as_user(&longest);
    fine.management().tokens().await.unwrap();
    assert_eq!(mint.calls_async().await, 1);
    assert_eq!(tokens.calls_async().await, 1);
}
