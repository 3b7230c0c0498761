//! The control API's stats and reset under `/__sandbox/`, driven by plain HTTP as a test
//! in another language would: the counts of requests, tokens and user ids (the same
//! figures as the Rust API), and a reset that forgets tokens, faults, counts and settings.

mod common;

use common::sandbox_http::{call, control, fault, mint, request_token, secret, stats};
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;
use serde_json::json;

#[tokio::test]
async fn stats_count_requests_tokens_and_user_ids() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    fp.as_user("u-7")
        .unwrap()
        .management()
        .tokens()
        .await
        .unwrap();
    fp.management().introspect().await.unwrap();
    request_token(&sandbox, "wrong", None).await;

    let stats = stats(&sandbox).await;
    assert_eq!(stats["requests"]["request_token"], 2);
    assert_eq!(stats["requests"]["list_tokens"], 1);
    assert_eq!(stats["requests"]["introspect_token"], 1);
    assert_eq!(stats["requests"]["list_providers"], 0);
    assert_eq!(stats["tokens_issued"], 1);
    assert_eq!(stats["tokens_kept"], 1);
    assert_eq!(stats["user_id_requests"], 1);
    assert_eq!(stats["recent_user_ids"], json!(["u-7"]));
    assert_eq!(stats["faults_pending"], json!({}));
    // Every answer was asked for compressed (reqwest offers br, gzip and deflate).
    assert_eq!(stats["compressed_answers"], json!({"br": 4}));
    // The same figures as the Rust API, which also counts the stats answer itself: it
    // went out compressed after its figures were taken.
    let mut rust = serde_json::to_value(sandbox.stats()).unwrap();
    assert_eq!(rust["compressed_answers"], json!({"br": 5}));
    rust["compressed_answers"] = json!({"br": 4});
    assert_eq!(stats, rust);
}

#[tokio::test]
async fn reset_forgets_tokens_faults_counts_and_settings() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = mint(&sandbox).await;
    let rename =
        json!({"name": "Renamed", "client_secret": [secret(&sandbox)], "redirect_uris": []});
    call(
        &sandbox,
        Operation::UpdateClient,
        Some(&token),
        Some(&rename),
    )
    .await;
    fault(
        &sandbox,
        "get_client",
        5,
        json!({"kind": "status", "status": 500}),
    )
    .await;

    let reset = control(&sandbox, "POST", "reset", None).await;
    assert_eq!(reset.status, 204);
    let stats = stats(&sandbox).await;
    assert_eq!(stats["tokens_kept"], 0);
    assert_eq!(stats["tokens_issued"], 0);
    assert_eq!(stats["requests"]["update_client"], 0);
    assert_eq!(stats["faults_pending"], json!({}));

    assert_eq!(
        call(&sandbox, Operation::GetClient, Some(&token), None)
            .await
            .status,
        401
    );
    let fresh = mint(&sandbox).await;
    let settings = call(&sandbox, Operation::GetClient, Some(&fresh), None).await;
    assert_eq!(settings.status, 200);
    assert_eq!(settings.body["name"], "Your App");
}
