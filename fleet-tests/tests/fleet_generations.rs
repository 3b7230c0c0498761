//! Fleet mode per token generation, against a real `redis-server` and the embedded
//! sandbox: eight members mint once cold and once per generation, and a fleet that loses
//! Redis mints once per member and shares again when it is back.
//!
//! Mint counts are taken per generation on a manual clock shared by the members (the
//! sandbox's hour-long tokens outlive the test, and so do Redis's TTLs, on real time),
//! never inside a stretch of real time. Without `redis-server` they print one line and
//! pass, unless `FLOWPAYROLL_REQUIRE_REDIS=1`.
#![allow(clippy::disallowed_methods)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::redis_server::RedisServer;
use common::*;
use flowpayroll::clock::ManualClock;
use flowpayroll::fleet::FleetState;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::{FlowPayroll, TokenOrigin};

/// Eight members on `clock`, refreshing at 90% of a token's lifetime without jitter.
fn eight_on_clock(
    sandbox: &Sandbox,
    redis_url: &str,
    clock: &Arc<ManualClock>,
) -> Vec<FlowPayroll> {
    let builder = || sandbox.client_builder().refresh_policy(refresh_policy());
    let member = || builder().fleet_policy(fleet_policy()).clock(clock.clone());
    (0..8)
        .map(|_| member().redis_url(redis_url).build().unwrap())
        .collect()
}

/// Per token generation, on one manual clock for the whole fleet (the sandbox's hour-long
/// tokens do not expire meanwhile): each time the clock passes the refresh point, exactly
/// one member mints and the seven others adopt its token, whatever the machine's load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_of_eight_mints_once_cold_and_once_per_generation() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new());
    let fleet = eight_on_clock(&sandbox, &redis.url(), &clock);
    let mut previous = None;
    for generation in 1..=4u64 {
        if generation > 1 {
            // Past the refresh point (54 min: 10% of an hour), well before expiry.
            clock.advance(Duration::from_secs(55 * 60));
        }
        // The calls run while the clock moves: members waiting for the lease holder's
        // token poll the fleet on it.
        let members = fleet.clone();
        let round = tokio::spawn(async move { call_all(&members).await });
        let ids = || {
            fleet
                .iter()
                .map(|m| m.token_status().token_id)
                .collect::<Vec<_>>()
        };
        settle(&clock, "every member holds the new token", || {
            let ids = ids();
            round.is_finished()
                && ids[0] != previous
                && ids.iter().all(|id| *id == ids[0])
                && fleet.iter().all(|m| !m.token_status().refreshing)
        })
        .await;
        round.await.unwrap();
        previous = ids()[0].clone();
        assert_eq!(
            sandbox.token_requests(),
            generation,
            "generation {generation}"
        );
        let origins: Vec<_> = fleet.iter().map(|m| m.token_status().origin).collect();
        let minted = origins.iter().filter(|o| **o == Some(TokenOrigin::Minted));
        let adopted = origins
            .iter()
            .filter(|o| **o == Some(TokenOrigin::FleetCache));
        assert_eq!((minted.count(), adopted.count()), (1, 7), "{origins:?}");
        let by_members: u64 = fleet.iter().map(|m| m.token_status().tokens_minted).sum();
        assert_eq!(by_members, generation);
        call_all(&fleet).await;
        assert_eq!(sandbox.api_requests(Operation::ListTokens), 16 * generation);
        assert_eq!(
            sandbox.token_requests(),
            generation,
            "generation {generation}"
        );
    }
    for member in &fleet {
        let fleet_status = member.token_status().fleet.unwrap();
        assert_eq!(fleet_status.state, FleetState::Connected);
        assert_eq!(fleet_status.local_mints, 0);
    }
}

/// Per generation on one manual clock: shared (one mint), Redis down (each of the
/// eight members mints for itself, once), Redis back (one mint for the fleet again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_redis_fails_no_call_and_sharing_resumes_when_it_is_back() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new());
    let fleet = eight_on_clock(&sandbox, &redis.url(), &clock);
    // One generation: past the refresh point unless it is the first, every member
    // calls (none fails) while the clock moves, until `settled`.
    let generation = |first: bool, settled: &'static str| {
        let (fleet, clock) = (fleet.clone(), clock.clone());
        async move {
            if !first {
                clock.advance(Duration::from_secs(55 * 60));
            }
            let members = fleet.clone();
            let round = tokio::spawn(async move { call_all(&members).await });
            settle(&clock, settled, || {
                round.is_finished() && fleet.iter().all(|m| !m.token_status().refreshing)
            })
            .await;
            round.await.unwrap();
        }
    };
    generation(true, "the shared cold start").await;
    assert_eq!(sandbox.token_requests(), 1);

    redis.kill();
    generation(false, "each member's own refresh").await;
    assert_eq!(sandbox.token_requests(), 1 + 8, "each member minted once");
    for member in &fleet {
        let status = member.token_status().fleet.unwrap();
        assert_eq!(status.state, FleetState::Unavailable);
        assert!(status.reason.is_some());
        assert_eq!(status.local_mints, 1, "{status:?}");
    }

    redis.restart();
    settle(&clock, "every member reconnected", || {
        fleet
            .iter()
            .all(|m| m.token_status().fleet.unwrap().state == FleetState::Connected)
    })
    .await;
    generation(false, "the shared refresh").await;
    assert_eq!(
        sandbox.token_requests(),
        1 + 8 + 1,
        "one mint for the fleet again"
    );
    // And the whole fleet holds the same token.
    let ids: Vec<_> = fleet.iter().map(|m| m.token_status().token_id).collect();
    assert!(
        ids[0].is_some() && ids.iter().all(|id| *id == ids[0]),
        "{ids:?}"
    );
}
