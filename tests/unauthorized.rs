//! 401 from the API: drop the token (once, however many callers saw it), mint a fresh
//! one, replay once; a second 401 is returned. 403 is returned without a re-mint.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::raw::{self, Gate, RawServer, Reply};
use common::*;
use flowpayroll::{Environment, FlowPayroll};
use httpmock::prelude::*;
use httpmock::Mock;

const TOKENS_PATH: &str = "/2023-03-01/management/tokens";
use serde_json::json;

async fn mint<'a>(server: &'a MockServer, token: &str) -> Mock<'a> {
    let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600});
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(200).json_body(body).up_to_n_times(1);
        })
        .await
}

#[tokio::test]
async fn one_401_causes_one_remint_and_one_replay() {
    let server = MockServer::start_async().await;
    let (stale, fresh) = (jwt("jti-stale"), jwt("jti-fresh"));
    let (mint_stale, mint_fresh) = (mint(&server, &stale).await, mint(&server, &fresh).await);
    let (refused, accepted) = (
        tokens_answer_for(&server, &stale, 401).await,
        tokens_answer_for(&server, &fresh, 200).await,
    );
    let fp = builder(&server).build().unwrap();

    fp.management().tokens().await.unwrap();
    mint_stale.assert_calls_async(1).await;
    mint_fresh.assert_calls_async(1).await;
    refused.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_second_401_is_returned_after_exactly_two_api_hits() {
    let server = MockServer::start_async().await;
    let token = jwt("jti-never-good");
    let minted = token_endpoint(&server, &token, 3600).await;
    let refused = tokens_answer_for(&server, &token, 401).await;
    let fp = builder(&server).build().unwrap();

    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    refused.assert_calls_async(2).await;
    minted.assert_calls_async(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_401s_on_one_token_cause_one_remint() {
    const CALLS: usize = 100;
    let (stale, fresh) = (jwt("jti-shared-stale"), jwt("jti-shared-fresh"));
    // The 401s are held until all 100 calls have arrived with the stale token, so none
    // of them sees a 401 (and none starts with the new token) before the last is sent:
    // a gate opened by a count, not a delay.
    let gate = Gate::default();
    let stale_seen = Arc::new(AtomicUsize::new(0));
    let server = {
        let (stale, fresh, gate, stale_seen) = (
            stale.clone(),
            fresh.clone(),
            gate.clone(),
            stale_seen.clone(),
        );
        let mints = AtomicUsize::new(0);
        RawServer::start(move |_, request| {
            let sent = |token: &str| {
                request
                    .rest
                    .to_ascii_lowercase()
                    .contains(&format!("x-auth-token: {}", token.to_ascii_lowercase()))
            };
            if request.path() == "/oauth2/token" {
                let token = [&stale, &fresh][mints.fetch_add(1, Ordering::SeqCst).min(1)];
                let body =
                    json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600});
                raw::json(200, &body.to_string())
            } else if sent(&stale) {
                if stale_seen.fetch_add(1, Ordering::SeqCst) + 1 == CALLS {
                    gate.open();
                }
                let bytes = raw::response(
                    401,
                    &[("content-type", "application/json")],
                    br#"{"message":"no"}"#,
                );
                Reply::Gated {
                    gate: gate.clone(),
                    bytes,
                }
            } else if sent(&fresh) {
                raw::json(200, "[]")
            } else {
                raw::json(500, r#"{"message":"unexpected request"}"#)
            }
        })
    };
    let fp = FlowPayroll::builder()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .environment(Environment::Custom {
            token_url: server.url("/oauth2/token").parse().unwrap(),
            api_url: server.url("").parse().unwrap(),
        })
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();

    for result in list_tokens_concurrently(&fp, CALLS).await {
        result.unwrap();
    }
    assert_eq!(server.hits("/oauth2/token"), 2);
    assert_eq!(stale_seen.load(Ordering::SeqCst), CALLS);
    assert_eq!(server.hits(TOKENS_PATH), 2 * CALLS);
}

#[tokio::test]
async fn a_403_is_returned_without_a_new_token() {
    let server = MockServer::start_async().await;
    let token = jwt("jti-scoped");
    let minted = token_endpoint(&server, &token, 3600).await;
    let forbidden = tokens_answer_for(&server, &token, 403).await;
    let fp = builder(&server).build().unwrap();

    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    forbidden.assert_calls_async(1).await;
    minted.assert_calls_async(1).await;
}

#[tokio::test]
async fn disconnect_drops_the_token_it_disconnected() {
    let server = MockServer::start_async().await;
    let (first, second) = (jwt("jti-disconnected"), jwt("jti-next"));
    mint(&server, &first).await;
    let mint_second = mint(&server, &second).await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/2023-03-01/management/disconnect");
            then.status(200).json_body(json!({"disconnected": true}));
        })
        .await;
    let next = tokens_answer_for(&server, &second, 200).await;
    let fp = builder(&server).build().unwrap();

    assert!(fp.management().disconnect().await.unwrap().disconnected);
    fp.management().tokens().await.unwrap();
    mint_second.assert_calls_async(1).await;
    next.assert_calls_async(1).await;
}
