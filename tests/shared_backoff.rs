//! A 429 seen by one caller holds back every other caller of the same client: they wait
//! for the `Retry-After` instead of sending (in virtual time). Fleet mode extends this to
//! other processes (`fleet-tests/tests/fleet.rs`).

mod common;

use std::time::Duration;

use common::*;
use httpmock::prelude::*;

const PATH: &str = "/2023-03-01/management/tokens";

#[tokio::test]
async fn callers_wait_out_a_429_seen_by_another_caller() {
    let server = MockServer::start_async().await;
    let mint = token_endpoint(&server, &jwt("jti-hold"), 3600).await;
    let (fp, clock) = client_with_clock(&server);
    let (limited, ok) = rate_limited_once(&server, PATH, "2").await;

    let first = tokio::spawn({
        let fp = fp.clone();
        async move { fp.management().tokens().await }
    });
    eventually("the first call is waiting out the 429", || {
        clock.sleepers() == 1
    })
    .await;
    assert_eq!(
        fp.token_status().rate_limited_for,
        Some(Duration::from_secs(2))
    );
    // Five more callers (clones, as other tasks would hold): none of them sends.
    let others: Vec<_> = (0..5)
        .map(|_| {
            let fp = fp.clone();
            tokio::spawn(async move { fp.management().tokens().await })
        })
        .collect();
    eventually("every caller is waiting", || clock.sleepers() == 6).await;
    clock.advance(Duration::from_millis(1900));
    // Every caller's sleep still ends after the time the clock shows: none can have
    // woken and sent (no real-time window).
    assert_eq!(clock.next_wake(), Some(Duration::from_secs(2)));
    assert_eq!(clock.sleepers(), 6);
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(0).await;
    assert_eq!(
        fp.token_status().rate_limited_for,
        Some(Duration::from_millis(100))
    );

    clock.advance(Duration::from_millis(100));
    first.await.unwrap().unwrap();
    for other in others {
        other.await.unwrap().unwrap();
    }
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(6).await;
    mint.assert_calls_async(1).await;
    assert_eq!(fp.token_status().rate_limited_for, None);
}
