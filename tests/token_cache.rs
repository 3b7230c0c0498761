//! The token cache under load and over time: single flight, cancellation, refresh at
//! ~90% of the lifetime without making callers wait, and a failing refresh. Every test
//! counts the hits on the token endpoint and on the API.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::raw::{self, Gate, RawServer, Reply};
use common::*;
use flowpayroll::clock::ManualClock;
use flowpayroll::operation::Operation;
use flowpayroll::{Environment, FlowPayroll, TokenId};
use httpmock::prelude::*;
use httpmock::Mock;
use serde_json::json;

/// A token endpoint that issues `token` at most once, after `delay`.
async fn mint_once<'a>(
    server: &'a MockServer,
    token: &str,
    lifetime: u64,
    delay: Duration,
) -> Mock<'a> {
    let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime});
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(200)
                .json_body(body)
                .delay(delay)
                .up_to_n_times(1);
        })
        .await
}

const TOKEN_PATH: &str = "/oauth2/token";
const TOKENS_PATH: &str = "/2023-03-01/management/tokens";

/// A server whose n-th token request gets `tokens[n]` (for `lifetime` seconds), held
/// until the n-th gate opens, and whose API answers `[]`. A mint is in flight exactly
/// as long as the test keeps its gate shut: no delay to outlast.
fn gated_tokens(tokens: &[String], lifetime: u64) -> (RawServer, Vec<Gate>) {
    let gates: Vec<Gate> = tokens.iter().map(|_| Gate::default()).collect();
    let (tokens, held, mints) = (tokens.to_vec(), gates.clone(), AtomicUsize::new(0));
    let server = RawServer::start(move |_, request| {
        if request.path() != TOKEN_PATH {
            return raw::json(200, "[]");
        }
        let n = mints.fetch_add(1, Ordering::SeqCst);
        let Some(token) = tokens.get(n) else {
            return raw::json(500, r#"{"message":"one token request too many"}"#);
        };
        let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime});
        let bytes = raw::response(
            200,
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        );
        Reply::Gated {
            gate: held[n].clone(),
            bytes,
        }
    });
    (server, gates)
}

/// A client of `server`, on `clock`.
fn client_of(server: &RawServer, clock: Arc<ManualClock>) -> FlowPayroll {
    FlowPayroll::builder()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .environment(Environment::Custom {
            token_url: server.url(TOKEN_PATH).parse().unwrap(),
            api_url: server.url("").parse().unwrap(),
        })
        .clock(clock)
        .build()
        .unwrap()
}

/// API requests `server` received with `token`.
fn served_by(server: &RawServer, token: &str) -> usize {
    let header = format!("x-auth-token: {}", token.to_ascii_lowercase());
    server
        .requests()
        .iter()
        .filter(|r| r.path() == TOKENS_PATH && r.rest.to_ascii_lowercase().contains(&header))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_cold_calls_mint_once() {
    let token = jwt("jti-cold");
    // The mint is held until every caller has started; a second token request would
    // get a 500 and fail the calls that made it.
    let (server, gates) = gated_tokens(std::slice::from_ref(&token), 3600);
    let fp = client_of(&server, Arc::new(ManualClock::new()));
    let started = Arc::new(AtomicUsize::new(0));
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let (fp, started) = (fp.clone(), started.clone());
            tokio::spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                fp.management().tokens().await
            })
        })
        .collect();
    eventually("every caller started and the mint is held", || {
        started.load(Ordering::SeqCst) == 1000 && server.hits(TOKEN_PATH) == 1
    })
    .await;
    assert_eq!(
        served_by(&server, &token),
        0,
        "a call went out without the token"
    );
    gates[0].open();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.hits(TOKEN_PATH), 1);
    assert_eq!(served_by(&server, &token), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_caller_that_started_the_mint_does_not_cancel_it() {
    let token = jwt("jti-survivor");
    let (server, gates) = gated_tokens(std::slice::from_ref(&token), 3600);
    let fp = client_of(&server, Arc::new(ManualClock::new()));

    let first = tokio::spawn({
        let fp = fp.clone();
        async move { fp.management().tokens().await }
    });
    eventually("the first caller's token request arrived", || {
        server.hits(TOKEN_PATH) == 1
    })
    .await;
    // The answer is held: the abort lands while the mint is in flight, however slow
    // the machine.
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    assert!(fp.token_status().refreshing);

    let others = tokio::spawn({
        let fp = fp.clone();
        async move { list_tokens_concurrently(&fp, 10).await }
    });
    gates[0].open();
    for result in others.await.unwrap() {
        result.unwrap();
    }
    assert_eq!(server.hits(TOKEN_PATH), 1);
    assert_eq!(served_by(&server, &token), 10);
    assert_eq!(fp.token_status().tokens_minted, 1);
}

#[tokio::test]
async fn tokens_are_refreshed_at_ninety_percent_of_their_lifetime_without_waiting() {
    let lifetime = 100;
    let names = ["jti-r0", "jti-r1", "jti-r2"];
    let tokens: Vec<String> = names.iter().map(|n| jwt(n)).collect();
    let (server, gates) = gated_tokens(&tokens, lifetime);
    gates[0].open();
    let clock = Arc::new(ManualClock::new());
    let fp = client_of(&server, clock.clone());

    // One call a second for 2.5 lifetimes. Each refresh's answer is held until the call
    // that started it has returned: that call cannot have waited for it.
    let mut minted_at = Vec::new();
    let mut served_by_old_token_during_refresh = 0;
    for second in 0..=250u64 {
        let before = fp.token_status().tokens_minted;
        let old = fp.token_status().token_id;
        fp.management().tokens().await.unwrap();
        if fp.token_status().refreshing && before > 0 {
            assert_eq!(fp.token_status().token_id, old);
            served_by_old_token_during_refresh += 1;
            gates[before as usize].open();
        }
        eventually("the refresh finished", || !fp.token_status().refreshing).await;
        if fp.token_status().tokens_minted > before {
            minted_at.push(second);
        }
        clock.advance(Duration::from_secs(1));
    }

    assert_eq!(minted_at.len(), 3, "mints at {minted_at:?}");
    assert_eq!(minted_at[0], 0);
    for pair in minted_at.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            (89..=90).contains(&gap),
            "refresh after {gap} s of a {lifetime} s lifetime: {minted_at:?}"
        );
    }
    assert_eq!(served_by_old_token_during_refresh, 2);
    assert_eq!(server.hits(TOKEN_PATH), 3);
    // Each token served every call from its mint to the next one's (the call that
    // started a refresh was still served by the old token).
    let served: Vec<usize> = tokens.iter().map(|t| served_by(&server, t)).collect();
    assert_eq!(served.iter().sum::<usize>(), 251);
    assert_eq!(served[0], minted_at[1] as usize + 1);
    assert_eq!(
        fp.token_status().token_id,
        Some(TokenId::Jti("jti-r2".into()))
    );
}

#[tokio::test]
async fn a_failing_refresh_keeps_serving_the_valid_token() {
    let server = MockServer::start_async().await;
    let (old, new) = (jwt("jti-old"), jwt("jti-new"));
    let first = mint_once(&server, &old, 100, Duration::ZERO).await;
    let failing = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(503)
                .json_body(json!({"error": "temporarily_unavailable"}))
                .up_to_n_times(2);
        })
        .await;
    let second = mint_once(&server, &new, 100, Duration::ZERO).await;
    let api_old = tokens_answer_for(&server, &old, 200).await;
    let api_new = tokens_answer_for(&server, &new, 200).await;
    let (fp, clock) = client_without_token_retries(&server);

    fp.management().tokens().await.unwrap();
    clock.advance(Duration::from_secs(91));
    // Refresh 1 fails; the call is served with the old token.
    fp.management().tokens().await.unwrap();
    eventually("refresh 1 failed", || {
        fp.token_status().consecutive_failures == 1
    })
    .await;
    let status = fp.token_status();
    assert_eq!(
        status.last_error.unwrap().status().map(|s| s.as_u16()),
        Some(503)
    );
    assert_eq!(status.token_id, Some(TokenId::Jti("jti-old".into())));
    // Inside the 1 s cooldown no new refresh starts.
    fp.management().tokens().await.unwrap();
    assert!(!fp.token_status().refreshing);
    failing.assert_calls_async(1).await;

    clock.advance(Duration::from_secs(2));
    fp.management().tokens().await.unwrap();
    eventually("refresh 2 failed", || {
        fp.token_status().consecutive_failures == 2
    })
    .await;
    clock.advance(Duration::from_secs(3));
    fp.management().tokens().await.unwrap();
    eventually("refresh 3 succeeded", || {
        fp.token_status().tokens_minted == 2
    })
    .await;
    fp.management().tokens().await.unwrap();

    first.assert_calls_async(1).await;
    failing.assert_calls_async(2).await;
    second.assert_calls_async(1).await;
    api_old.assert_calls_async(5).await;
    api_new.assert_calls_async(1).await;
    let status = fp.token_status();
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.last_error.is_none());
}

#[tokio::test]
async fn an_expired_token_is_not_used_while_the_endpoint_fails() {
    let server = MockServer::start_async().await;
    let token = jwt("jti-expiring");
    mint_once(&server, &token, 10, Duration::ZERO).await;
    let failing = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(500).json_body(json!({"message": "down"}));
        })
        .await;
    let api = tokens_answer_for(&server, &token, 200).await;
    let (fp, clock) = client_without_token_retries(&server);
    fp.management().tokens().await.unwrap();
    clock.advance(Duration::from_secs(11));
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(error.as_api().unwrap().operation(), Operation::RequestToken);
    api.assert_calls_async(1).await;
    failing.assert_calls_async(1).await;
}
