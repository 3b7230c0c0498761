//! Forcing a new token and dropping the cached one: each mint is a single flight, and
//! its reason shows in `token_status()`.

mod common;

use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::MintReason;

#[tokio::test]
async fn a_forced_refresh_mints_once_for_every_caller_and_says_why() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let first = fp.authenticate().await.unwrap();
    assert_eq!(first.last_mint_reason, Some(MintReason::Cold));
    assert_eq!(sandbox.token_requests(), 1);

    // Eight clones force a refresh at once: one request to the token endpoint.
    let clones: Vec<_> = (0..8).map(|_| fp.clone()).collect();
    let forced =
        futures::future::join_all(clones.iter().map(|client| client.force_refresh())).await;
    assert_eq!(sandbox.token_requests(), 2);
    let ids: Vec<_> = forced
        .into_iter()
        .map(|status| status.unwrap().token_id)
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_ne!(ids[0], first.token_id);
    let status = fp.token_status();
    assert_eq!(status.last_mint_reason, Some(MintReason::Forced));
    assert_eq!(status.tokens_minted, 2);

    // Calls use the new token without another mint.
    fp.management().tokens().await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
}

#[tokio::test]
async fn an_invalidated_token_is_replaced_by_the_next_call() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    assert!(!fp.invalidate_token());
    let before = fp.authenticate().await.unwrap();
    assert!(fp.invalidate_token());
    let status = fp.token_status();
    assert_eq!(status.token_id, None);
    // Nothing is sent until a call needs a token.
    assert_eq!(sandbox.token_requests(), 1);

    fp.management().tokens().await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);
    let after = fp.token_status();
    assert_eq!(after.last_mint_reason, Some(MintReason::Invalidated));
    assert_ne!(after.token_id, before.token_id);
}

#[tokio::test]
async fn a_forced_refresh_that_fails_keeps_the_cached_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox
        .client_builder()
        .token_request_policy(flowpayroll::TokenRequestPolicy::default().with_attempts(1))
        .build()
        .unwrap();
    let before = fp.authenticate().await.unwrap();
    sandbox.fail_next(
        Operation::RequestToken,
        1,
        flowpayroll::sandbox::Fault::Status(flowpayroll::deps::http::StatusCode::BAD_GATEWAY),
    );
    let error = fp.force_refresh().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    let status = fp.token_status();
    assert_eq!(status.token_id, before.token_id);
    assert_eq!(status.consecutive_failures, 1);
    // Its cooldown does not stop the next forced refresh.
    let after = fp.force_refresh().await.unwrap();
    assert_ne!(after.token_id, before.token_id);
    assert_eq!(sandbox.token_requests(), 3);
}
