//! Fleets of OS processes (`fleet-member`) sharing one sandbox and one store (Redis,
//! or a SQLite file), checked per token generation rather than over a stretch of
//! wall-clock time: one mint at cold start, then one for each token that reaches its
//! refresh point (no two mints replace the same token), every mint used by the fleet,
//! no failed call; and a member killed while it holds the mint lease mid-mint: its
//! lease stops being renewed, the others take over and mint once, without waiting out
//! the whole lease.
#![allow(clippy::disallowed_methods)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::redis_server::RedisServer;
use common::*;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox, SandboxConfig};

/// Four processes on `store` until the sandbox has issued three tokens (the cold mint
/// and two refreshes, whenever that is): one mint per generation.
async fn four_processes_share_one_token(sandbox: &Sandbox, store: (&str, &str)) {
    let generations: u64 = 3;
    let children = (0..4).map(|_| spawn_member(sandbox, store)).collect();
    until_tokens(sandbox, generations).await;
    let reports = reports(children).await;

    let sum = |name| reports.iter().map(|r| field(r, name)).sum::<u64>();
    assert_eq!(sum("failed"), 0, "{reports:?}");
    for report in &reports {
        assert!(field(report, "ok") >= 1, "{report}");
        assert_eq!(field(report, "local"), 0, "{report}");
        assert_eq!(
            list(report, "mints").len() as u64,
            field(report, "minted"),
            "{report}"
        );
    }
    let mints = sandbox.token_requests();
    assert!(mints >= generations, "{mints}");
    assert_eq!(sum("minted"), mints, "{reports:?}");
    // Per generation: each mint names the token its member held before it. One cold
    // mint (`-`), and no token replaced twice: two members minting for one generation
    // would both name the same token.
    let replaced: Vec<&str> = reports
        .iter()
        .flat_map(|r| list(r, "mints"))
        .map(|m| m.split_once('>').expect("before>minted").0)
        .collect();
    let distinct: BTreeSet<&str> = replaced.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        replaced.len(),
        "a token replaced twice: {reports:?}"
    );
    assert_eq!(
        replaced.iter().filter(|r| **r == "-").count(),
        1,
        "{reports:?}"
    );
    // Every token minted went out on some member's calls: none was minted for nothing.
    let used: BTreeSet<&str> = reports.iter().flat_map(|r| list(r, "used")).collect();
    assert_eq!(used.len() as u64, mints, "{reports:?}");
    // Every process but the first took its first token from the fleet.
    let adopted_any = reports.iter().filter(|r| field(r, "adopted") > 0).count();
    assert!(adopted_any >= 3, "{reports:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_mint_once_cold_and_once_per_generation() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    four_processes_share_one_token(&sandbox, ("FLOWPAYROLL_REDIS_URL", &redis.url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_on_sqlite_mint_once_cold_and_once_per_generation() {
    let db = TempDatabase::new();
    let sandbox = sandbox().await;
    let path = db.0.to_str().unwrap().to_owned();
    four_processes_share_one_token(&sandbox, ("FLEET_MEMBER_SQLITE", &path)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_killed_mid_mint_is_taken_over_once_its_short_lease_lapses() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().with_token_lifetime(Duration::from_secs(60)))
            .await
            .unwrap();
    // The first token request never gets an answer: its member is stuck mid-mint.
    sandbox.fail_next(
        Operation::RequestToken,
        1,
        Fault::Slow(Duration::from_secs(3600)),
    );
    let store = ("FLOWPAYROLL_REDIS_URL", redis.url());
    let store = (store.0, store.1.as_str());
    let mut holder = spawn_member(&sandbox, store);
    until("the first member to be minting", || {
        sandbox.token_requests() == 1
    })
    .await;
    let others: Vec<_> = (0..2).map(|_| spawn_member(&sandbox, store)).collect();

    // The lease lives 1 s at most from its last renewal, and the holder renews it: after
    // more than one expiry it is still there, still its holder's.
    let lease = redis.key("lease");
    let mut conn = redis.connection();
    let read = |conn: &mut redis::Connection| -> (String, i64) {
        let holder: String = redis::cmd("GET").arg(&lease).query(conn).unwrap();
        let ttl: i64 = redis::cmd("PTTL").arg(&lease).query(conn).unwrap();
        (holder, ttl)
    };
    let (first_holder, ttl) = read(&mut conn);
    assert!((1..=1000).contains(&ttl), "lease TTL {ttl} ms");
    real_pause(1500).await;
    let (later_holder, ttl) = read(&mut conn);
    assert_eq!(
        later_holder, first_holder,
        "the lease changed hands while its holder lived"
    );
    assert!((1..=1000).contains(&ttl), "lease TTL {ttl} ms");
    assert_eq!(
        sandbox.token_requests(),
        1,
        "a second mint while the holder lived"
    );

    holder.kill().unwrap();
    holder.wait().unwrap();
    until_tokens(&sandbox, 2).await;
    let reports = reports(others).await;

    // One mint more after the holder died, by one of the others; none gave up on the
    // fleet or failed a call, and their first call did not wait out the 15 s lease.
    assert_eq!(sandbox.token_requests(), 2, "{reports:?}");
    let sum = |name| reports.iter().map(|r| field(r, name)).sum::<u64>();
    assert_eq!(
        (sum("minted"), sum("adopted"), sum("local"), sum("failed")),
        (1, 1, 0, 0),
        "{reports:?}"
    );
    for report in &reports {
        assert!(field(report, "first_call_ms") < 15_000, "{report}");
    }
}
