//! Cases 1, 3 and 10: wire values that overflowed time arithmetic, and mints that left
//! the token cache wedged.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use flowpayroll::clock::ManualClock;
use flowpayroll::limits::MAX_LIFETIME;
use flowpayroll::FlowPayroll;

use super::common::raw::{json, RawServer, Reply};
use super::common::{eventually, jwt, jwt_with_claims};
use super::*;

/// Case 1: a JWT `exp` past what the clock can hold (and no `expires_in`) used to panic
/// the mint task and leave the cache "refreshing" forever.
#[tokio::test]
async fn case_1_a_huge_jwt_exp_is_capped_not_a_panic() {
    let token = jwt_with_claims(r#"{"jti":"jti-huge-exp","exp":18446744073709551615}"#);
    let issued = token.clone();
    let server = RawServer::start(move |_, request| match request.path() {
        TOKEN_PATH => token_reply(&issued, ""),
        _ => json(200, "[]"),
    });
    let fp = builder_for(&server).build().unwrap();

    fp.management().tokens().await.unwrap();
    fp.management().tokens().await.unwrap();
    let status = fp.token_status();
    assert!(!status.refreshing);
    assert_eq!(status.tokens_minted, 1);
    let valid_for = status.valid_for.unwrap();
    assert!(valid_for <= MAX_LIFETIME && valid_for > MAX_LIFETIME - Duration::from_secs(60));
    assert_eq!(server.hits(TOKEN_PATH), 1);
    assert_eq!(server.hits(TOKENS_PATH), 2);
}

/// Case 3: `Retry-After: 1` then `Retry-After: 18446744073709551615` overflowed the
/// total wait and panicked the caller. Now the second wait does not fit the call's
/// budget: the 429 is returned with its `Retry-After`.
#[tokio::test]
async fn case_3_an_overflowing_retry_after_gives_up_with_the_429() {
    let leaks = LeakCheck::start();
    // Request 0 is the token request; 1 and 2 are the call and its retry.
    let server = RawServer::start(|number, request| match request.path() {
        TOKEN_PATH => token_reply(&jwt("jti-429"), r#","expires_in":3600"#),
        _ if number == 1 => rate_limited("1"),
        _ => rate_limited("18446744073709551615"),
    });
    let clock = Arc::new(ManualClock::new());
    let fp = builder_for(&server).clock(clock.clone()).build().unwrap();

    let call = tokio::spawn(async move { fp.management().tokens().await });
    eventually("the call waits out the first 429", || clock.sleepers() > 0).await;
    clock.advance(Duration::from_secs(1));
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(u64::MAX)));
    assert_eq!(server.hits(TOKENS_PATH), 2);
    leaks.assert_no_secret(&error, &[]);
}

fn rate_limited(retry_after: &str) -> Reply {
    Reply::Bytes(super::common::raw::response(
        429,
        &[
            ("retry-after", retry_after),
            ("content-type", "application/json"),
        ],
        br#"{"message":"slow down"}"#,
    ))
}

/// Case 10: a client kept in a `static` and used from two runtimes. The first runtime
/// ends while its mint is in flight (the token endpoint never answers it); the second
/// runtime's call must mint again instead of failing with the abandoned flight.
#[test]
fn case_10_a_static_client_survives_the_runtime_that_started_its_mint() {
    static CLIENT: OnceLock<FlowPayroll> = OnceLock::new();
    let token = jwt("jti-second-runtime");
    let server = RawServer::start(move |number, request| match request.path() {
        TOKEN_PATH if number == 0 => Reply::Hang,
        TOKEN_PATH => token_reply(&token, r#","expires_in":3600"#),
        _ => json(200, "[]"),
    });
    let fp = CLIENT.get_or_init(|| builder_for(&server).build().unwrap());
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };

    let first = runtime();
    first.block_on(async {
        tokio::spawn(async { fp.management().tokens().await });
        eventually("the first mint reached the server", || {
            server.hits(TOKEN_PATH) == 1
        })
        .await;
    });
    assert!(fp.token_status().refreshing);
    drop(first);
    assert!(!fp.token_status().refreshing);

    let second = runtime();
    second.block_on(async {
        fp.management().tokens().await.unwrap();
    });
    assert_eq!(server.hits(TOKEN_PATH), 2);
    assert_eq!(server.hits(TOKENS_PATH), 1);
    let status = fp.token_status();
    assert_eq!(status.tokens_minted, 1);
    assert_eq!(status.token_id.unwrap().to_string(), "jti-second-runtime");
}

/// Without a Tokio runtime every call returns `Error::NoRuntime` (it used to reach
/// Tokio's timers first and panic), and sends nothing.
#[test]
fn calls_outside_a_tokio_runtime_are_an_error_not_a_panic() {
    let server = RawServer::start(|_, _| json(200, "[]"));
    let fp = builder_for(&server).build().unwrap();
    use futures::executor::block_on;
    assert!(matches!(
        block_on(fp.management().tokens()),
        Err(Error::NoRuntime)
    ));
    assert!(matches!(block_on(fp.providers()), Err(Error::NoRuntime)));
    assert!(matches!(block_on(fp.authenticate()), Err(Error::NoRuntime)));
    assert!(matches!(block_on(fp.access_token()), Err(Error::NoRuntime)));
    assert!(matches!(block_on(fp.raw()), Err(Error::NoRuntime)));
    assert!(matches!(
        block_on(fp.request_context()),
        Err(Error::NoRuntime)
    ));
    assert_eq!(server.requests().len(), 0);
}
