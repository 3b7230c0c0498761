//! Fleets of OS processes (`fleet-member`) sharing one sandbox and one store (Redis,
//! or a SQLite file): one mint at cold start, then one per token lifetime (+1 at most),
//! no failed call; and a member killed while it holds the mint lease mid-mint: its lease
//! stops being renewed, the others take over and mint once, without waiting out the
//! whole lease.
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::Duration;

use common::redis_server::RedisServer;
use common::*;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox, SandboxConfig};

/// Four processes on `store` for three lifetimes: one mint per lifetime (+1 at most).
async fn four_processes_share_one_token(sandbox: &Sandbox, store: (&str, &str)) {
    let lifetimes = 3;
    let run_ms = (LIFETIME * lifetimes).as_millis();
    let children = (0..4)
        .map(|_| spawn_member(sandbox, store, run_ms))
        .collect();
    let reports = reports(children).await;

    let sum = |name| reports.iter().map(|r| field(r, name)).sum::<u64>();
    assert_eq!(sum("failed"), 0, "{reports:?}");
    for report in &reports {
        assert!(field(report, "ok") >= 50, "{report}");
        assert_eq!(field(report, "local"), 0, "{report}");
    }
    let mints = sandbox.token_requests();
    assert_eq!(sum("minted"), mints, "{reports:?}");
    assert!(
        (u64::from(lifetimes)..=u64::from(lifetimes) + 1).contains(&mints),
        "{mints} mints over {lifetimes} lifetimes: {reports:?}"
    );
    // Every process but the first took its first token from the fleet.
    let adopted_any = reports.iter().filter(|r| field(r, "adopted") > 0).count();
    assert!(adopted_any >= 3, "{reports:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_mint_once_cold_and_once_per_lifetime() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    four_processes_share_one_token(&sandbox, ("FLOWPAYROLL_REDIS_URL", &redis.url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_on_sqlite_mint_once_cold_and_once_per_lifetime() {
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
    let mut holder = spawn_member(&sandbox, store, 60_000);
    until("the first member to be minting", || {
        sandbox.token_requests() == 1
    })
    .await;
    let others: Vec<_> = (0..2)
        .map(|_| spawn_member(&sandbox, store, 3_000))
        .collect();

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
