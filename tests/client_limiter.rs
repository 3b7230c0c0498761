//! The client-side rate limiter against the sandbox's quotas, on one manual clock:
//! configured (waiting, and failing fast without sending), learning from the first 429,
//! and the token endpoint's own quota.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::drive_sleeps;
use flowpayroll::clock::ManualClock;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::{Error, Quota, RateLimit, WhenLimited};

const MS: fn(u64) -> Duration = Duration::from_millis;

async fn sandbox(clock: &Arc<ManualClock>, calls: u32, window: Duration) -> Sandbox {
    let config = SandboxConfig::default()
        .with_clock(clock.clone())
        .with_quota(Quota::new(calls, window).unwrap());
    Sandbox::start_with(config).await.unwrap()
}

/// Served and refused per window of the `list_tokens` quota.
fn windows(sandbox: &Sandbox) -> Vec<(u64, u64)> {
    sandbox.stats().quotas[Operation::ListTokens.path()]
        .windows
        .iter()
        .map(|w| (w.served, w.refused))
        .collect()
}

#[tokio::test]
async fn a_configured_quota_spaces_calls_and_the_service_never_refuses_one() {
    let clock = Arc::new(ManualClock::new());
    let sandbox = sandbox(&clock, 5, Duration::from_secs(1)).await;
    let limit =
        RateLimit::quota(Quota::new(5, Duration::from_secs(1)).unwrap()).with_headroom_percent(0);
    let fp = sandbox
        .client_builder()
        .clock(clock.clone())
        .rate_limit(limit)
        .build()
        .unwrap();
    let driver = drive_sleeps(clock.clone(), Duration::from_secs(3));
    for _ in 0..15 {
        fp.management().tokens().await.unwrap();
    }
    driver.abort();
    // One call every 200 ms: 14 spacings.
    assert_eq!(clock.elapsed(), MS(2800));
    assert_eq!(windows(&sandbox), [(5, 0), (5, 0), (5, 0)]);
    assert!(sandbox.stats().rate_limited.is_empty());
}

#[tokio::test]
async fn failing_fast_sends_nothing_and_says_when_to_retry() {
    let clock = Arc::new(ManualClock::new());
    let sandbox = sandbox(&clock, 5, Duration::from_secs(1)).await;
    let limit = RateLimit::quota(Quota::new(5, Duration::from_secs(1)).unwrap())
        .with_headroom_percent(0)
        .with_when_limited(WhenLimited::FailFast);
    let fp = sandbox
        .client_builder()
        .clock(clock.clone())
        .rate_limit(limit)
        .build()
        .unwrap();
    fp.management().tokens().await.unwrap();
    clock.advance(MS(50));
    let error = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(error, Error::RateLimited { operation: Operation::ListTokens, retry_after } if retry_after == MS(150)),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert_eq!(
        error.to_string(),
        "`list_tokens` not sent: the client's rate limit has no budget for it for another 150 ms"
    );
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
    // Another endpoint has budget of its own.
    fp.management().introspect().await.unwrap();
    clock.advance(MS(150));
    fp.management().tokens().await.unwrap();
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 2);
}

#[tokio::test]
async fn learning_costs_one_429_and_then_none() {
    let clock = Arc::new(ManualClock::new());
    let sandbox = sandbox(&clock, 4, Duration::from_secs(2)).await;
    let fp = sandbox
        .client_builder()
        .clock(clock.clone())
        .rate_limit(RateLimit::learning())
        .build()
        .unwrap();
    let driver = drive_sleeps(clock.clone(), Duration::from_secs(3));
    for _ in 0..20 {
        fp.management().tokens().await.unwrap();
    }
    driver.abort();
    let seen = windows(&sandbox);
    // The first window: 4 served, the 5th call refused once (then retried after
    // `Retry-After`); after it, 4 per window and no refusal.
    assert_eq!(seen[0], (4, 1), "{seen:?}");
    assert!(seen[1..].iter().all(|w| w.1 == 0), "{seen:?}");
    assert!(seen[1..seen.len() - 1].iter().all(|w| w.0 == 4), "{seen:?}");
    assert_eq!(sandbox.stats().rate_limited[&Operation::ListTokens], 1);
}

#[tokio::test]
async fn the_token_endpoint_keeps_its_own_quota() {
    let clock = Arc::new(ManualClock::new());
    let sandbox = sandbox(&clock, 100, Duration::from_secs(1)).await;
    let limit = RateLimit::quota(Quota::new(100, Duration::from_secs(1)).unwrap())
        .with_token_quota(Quota::new(1, Duration::from_secs(60)).unwrap())
        .with_headroom_percent(0);
    let fp = sandbox
        .client_builder()
        .clock(clock.clone())
        .rate_limit(limit)
        .build()
        .unwrap();
    let driver = drive_sleeps(clock.clone(), Duration::from_secs(1));
    fp.management().tokens().await.unwrap();
    // A 401 drops the token; the re-mint has no budget for a minute, longer than the
    // mint's deadline allows it to wait.
    sandbox.fail_next(
        Operation::ListTokens,
        1,
        flowpayroll::sandbox::Fault::Status(flowpayroll::deps::http::StatusCode::UNAUTHORIZED),
    );
    let error = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::RateLimited { operation: Operation::RequestToken, retry_after } if *retry_after == MS(59_990)
        ),
        "{error:?}"
    );
    assert_eq!(sandbox.token_requests(), 1);
    driver.abort();
}

#[test]
fn a_token_quota_faster_than_the_floor_fails_the_build() {
    let fast = Quota::new(10, Duration::from_secs(1)).unwrap();
    let built = flowpayroll::FlowPayroll::builder()
        .credentials("id", "secret")
        .rate_limit(RateLimit::learning().with_token_quota(fast))
        .build();
    assert!(matches!(built, Err(Error::Config(_))));
}
