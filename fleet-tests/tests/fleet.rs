//! Fleet mode against a real `redis-server` and the embedded sandbox: one re-mint for a
//! hundred 401s, a 429 that holds back every member, entries that are not this client's.
//! (One mint per generation and losing Redis: `fleet_generations.rs`; OS processes:
//! `fleet_processes.rs`.) Each test counts the sandbox's token and API requests.
//!
//! No count here is taken inside a stretch of real time: the tests wait for conditions
//! (bounded) or move a manual clock. Without `redis-server` they print one line and
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
use flowpayroll::sandbox::{Fault, Sandbox, SandboxConfig};
use flowpayroll::TokenOrigin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_401s_across_the_fleet_cause_one_re_mint() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    // The sandbox runs on a manual clock: moving it past the lifetime makes every
    // member's token really expire there, while the members still believe it valid.
    let sandbox_clock = Arc::new(ManualClock::new());
    let sandbox = Sandbox::start_with(SandboxConfig::default().with_clock(sandbox_clock.clone()))
        .await
        .unwrap();
    let fleet = members(&sandbox, &redis.url(), 8);
    call_all(&fleet).await;
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 8);

    sandbox_clock.advance(Duration::from_secs(3601));
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let member = fleet[i % fleet.len()].clone();
            tokio::spawn(async move { member.management().tokens().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(
        sandbox.token_requests(),
        2,
        "one re-mint for the whole fleet"
    );
    // A call that went out with the old token got a 401 and was replayed with the new
    // one: every member's first call did, but a call that started after its member had
    // dropped the refused token waited for the new one and went out once. So between
    // 8 and 100 of the 100 calls sent twice (how many depends on the scheduling).
    let api = sandbox.api_requests(Operation::ListTokens) - 8;
    assert!((100 + 8..=100 + 100).contains(&api), "{api} API requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_seen_by_one_member_holds_back_the_others_for_its_retry_after() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    // Hour-long tokens, and one manual clock for the whole fleet: it moves only once the
    // test has seen what it waits for. (Redis's TTL of the hold runs on real time: it is
    // the Retry-After, 20 s, far longer than the test needs.)
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new());
    let fleet = members_on_clock(&sandbox, &redis.url(), &clock, 8);
    // One after the other: the first member mints and shares, the others adopt.
    for member in &fleet {
        member.management().tokens().await.unwrap();
    }
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 8);

    let hold = Duration::from_secs(20);
    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::TooManyRequests { retry_after: hold },
    );
    let first = {
        let member = fleet[0].clone();
        tokio::spawn(async move { member.management().tokens().await })
    };
    until("the hold is in Redis", || redis.has_key("hold")).await;
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 9);
    // Every watcher sleeps at most 1.5 poll intervals (jitter) and has not woken since
    // the clock last moved: past that, each reads the hold once, which is in Redis.
    clock.advance(fleet_policy().poll_interval.mul_f64(1.5) + Duration::from_millis(1));
    until("every member learned the hold", || {
        fleet
            .iter()
            .all(|m| m.token_status().rate_limited_for.is_some())
    })
    .await;

    // The other members, and another caller of the first member's client, call now:
    // each waits out the hold asleep on the clock (8 watchers, the first call's retry
    // and these 8 calls), so none can have sent anything.
    let mut callers: Vec<_> = fleet[1..].to_vec();
    callers.push(fleet[0].clone());
    let others: Vec<_> = callers
        .into_iter()
        .map(|member| {
            let clock = clock.clone();
            tokio::spawn(async move {
                member.management().tokens().await.unwrap();
                clock.elapsed()
            })
        })
        .collect();
    until("every caller waits out the hold", || clock.sleepers() == 17).await;
    assert_eq!(
        sandbox.api_requests(Operation::ListTokens),
        9,
        "sent during the hold"
    );
    clock.advance(hold);
    for other in others {
        let done = other.await.unwrap();
        assert!(done >= hold, "a call finished {done:?} into the hold");
    }
    first.await.unwrap().unwrap();
    // The 429, the first member's retry, and one call from each of the 8 others.
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 9 + 1 + 8);
    assert_eq!(sandbox.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_endpoint_cooldown_holds_back_the_fleet() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    sandbox.fail_next(
        Operation::RequestToken,
        1,
        Fault::TooManyRequests {
            retry_after: Duration::from_secs(3),
        },
    );
    let fleet: Vec<_> = (0..4)
        .map(|_| {
            sandbox
                .client_builder()
                .fleet_policy(fleet_policy())
                .token_request_policy(flowpayroll::TokenRequestPolicy::default().with_attempts(1))
                .redis_url(redis.url())
                .build()
                .unwrap()
        })
        .collect();
    let error = fleet[0].authenticate().await.unwrap_err();
    assert_eq!(
        error.status(),
        Some(flowpayroll::deps::http::StatusCode::TOO_MANY_REQUESTS)
    );
    for member in &fleet[1..] {
        let error = member.authenticate().await.unwrap_err().to_string();
        assert!(error.contains("another member of the fleet"), "{error}");
    }
    assert_eq!(sandbox.token_requests(), 1, "the others did not ask");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_foreign_and_garbage_entries_are_ignored_and_never_sent() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    let new_member = || members(&sandbox, &redis.url(), 1).remove(0);
    new_member().management().tokens().await.unwrap();
    assert_eq!(sandbox.token_requests(), 1);
    let key = redis.key("token");
    let mut conn = redis.connection();
    let get = |conn: &mut redis::Connection| -> Vec<u8> {
        redis::cmd("GET").arg(&key).query(conn).unwrap()
    };
    let original = get(&mut conn);

    // Another client's entry (another sandbox, another secret), copied over ours.
    let other = Sandbox::start().await.unwrap();
    let stranger = other
        .client_builder()
        .redis_url(redis.url())
        .build()
        .unwrap();
    stranger.management().tokens().await.unwrap();
    let foreign: Vec<u8> = {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("flowpayroll:*:token")
            .query(&mut conn)
            .unwrap();
        let theirs = keys.into_iter().find(|k| *k != key).unwrap();
        redis::cmd("GET").arg(theirs).query(&mut conn).unwrap()
    };
    let mut tampered = original.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x20;

    let mut expected_mints = 1;
    for (what, value) in [
        ("tampered", tampered),
        ("foreign", foreign),
        ("garbage", b"not an entry at all".to_vec()),
    ] {
        let _: () = redis::cmd("SET")
            .arg(&key)
            .arg(&value)
            .query(&mut conn)
            .unwrap();
        let member = new_member();
        member.management().tokens().await.unwrap();
        expected_mints += 1;
        assert_eq!(sandbox.token_requests(), expected_mints, "{what}");
        assert_eq!(
            member.token_status().origin,
            Some(TokenOrigin::Minted),
            "{what}"
        );
        // The member's mint replaced the bad entry.
        assert_ne!(get(&mut conn), value, "{what}");
    }
    // A key of another type.
    let _: () = redis::cmd("DEL").arg(&key).query(&mut conn).unwrap();
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("f")
        .arg("v")
        .query(&mut conn)
        .unwrap();
    let member = new_member();
    member.management().tokens().await.unwrap();
    expected_mints += 1;
    assert_eq!(sandbox.token_requests(), expected_mints, "hash");
    // No bad token was ever sent: every call was answered 200 at the first try.
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 5);
    assert_eq!(other.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_values_in_the_fleet_keys_are_never_downloaded() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    let first = members(&sandbox, &redis.url(), 1).remove(0);
    first.management().tokens().await.unwrap();
    drop(first); // its watcher stops reading the hold
    let token_key = redis.key("token");
    let prefix = token_key.strip_suffix("token").unwrap();
    // 32 MiB planted in every key the fleet reads (Redis takes up to 512 MiB).
    let huge = vec![b'x'; 32 << 20];
    let mut conn = redis.connection();
    for kind in ["token", "hold", "cooldown"] {
        let _: () = redis::cmd("SET")
            .arg(format!("{prefix}{kind}"))
            .arg(&huge[..])
            .query(&mut conn)
            .unwrap();
    }

    let sent_before = redis.bytes_sent();
    let member = members(&sandbox, &redis.url(), 1).remove(0);
    member.management().tokens().await.unwrap();
    // The watcher reads the hold every 50 ms (jittered): about ten reads.
    real_pause(500).await;
    let sent = redis.bytes_sent() - sent_before;

    assert_eq!(sandbox.token_requests(), 2);
    let status = member.token_status();
    assert_eq!(status.origin, Some(TokenOrigin::Minted));
    assert_eq!(status.fleet.unwrap().state, FleetState::Connected);
    // The token entry was replaced by the member's own; nothing huge crossed the wire.
    let stored: usize = redis::cmd("STRLEN")
        .arg(&token_key)
        .query(&mut conn)
        .unwrap();
    assert!(stored < 16 * 1024, "{stored}");
    assert!(sent < 1 << 20, "Redis sent {sent} bytes to one member");
}
