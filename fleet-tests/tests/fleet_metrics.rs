//! Fleet mode's metrics (feature `metrics`) against a real `redis-server`: the first
//! member mints (a fleet miss, a mint in mode `fleet`), the others adopt its token
//! (fleet hits). One in-memory recorder for this thread, on a current-thread runtime.
//! Without `redis-server` it prints one line and passes, unless
//! `FLOWPAYROLL_REQUIRE_REDIS=1`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::redis_server::RedisServer;
use common::*;
use flowpayroll::clock::ManualClock;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// A counter as the recorder saw it: its name, its labels, its value.
type Counter = (String, Vec<(String, String)>, u64);

/// The counter `name` with exactly the labels `pairs`; 0 when never recorded.
fn counter(snapshot: &[Counter], name: &str, pairs: &[(&str, &str)]) -> u64 {
    let mut wanted: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    wanted.sort();
    snapshot
        .iter()
        .filter(|(n, labels, _)| n == name && *labels == wanted)
        .map(|(_, _, value)| value)
        .sum()
}

#[tokio::test]
async fn members_that_adopt_the_shared_token_record_fleet_hits() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    let fleet = members(&sandbox, &redis.url(), 3);
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    {
        let _local = metrics::set_default_local_recorder(&recorder);
        for member in &fleet {
            member.management().tokens().await.unwrap();
        }
    }
    assert_eq!(sandbox.token_requests(), 1);
    let snapshot: Vec<Counter> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| {
            let DebugValue::Counter(count) = value else {
                return None;
            };
            let mut labels: Vec<(String, String)> = key
                .key()
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            labels.sort();
            Some((key.key().name().to_owned(), labels, count))
        })
        .collect();
    let lookups = "flowpayroll.token.cache.lookups";
    assert_eq!(
        counter(&snapshot, lookups, &[("result", "hit"), ("tier", "fleet")]),
        2
    );
    assert_eq!(
        counter(&snapshot, lookups, &[("result", "miss"), ("tier", "fleet")]),
        1
    );
    let mints = "flowpayroll.token.mints";
    assert_eq!(
        counter(&snapshot, mints, &[("mode", "fleet"), ("trigger", "cold")]),
        1
    );
    assert_eq!(
        counter(
            &snapshot,
            lookups,
            &[("result", "miss"), ("tier", "memory")]
        ),
        3
    );
}

#[tokio::test]
async fn a_hold_one_member_publishes_is_recorded_by_the_other_as_a_fleet_hold() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    // One manual clock for both members: it moves only once the test has seen what it
    // waits for. Redis's TTL of the hold (the Retry-After, 20 s) runs on real time.
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new());
    let fleet = members_on_clock(&sandbox, &redis.url(), &clock, 2);
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    {
        let _local = metrics::set_default_local_recorder(&recorder);
        for member in &fleet {
            member.management().tokens().await.unwrap();
        }
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
        // The other member's watcher sleeps at most 1.5 poll intervals: past that it
        // reads the hold.
        clock.advance(fleet_policy().poll_interval.mul_f64(1.5) + Duration::from_millis(1));
        until("the other member learned the hold", || {
            fleet[1].token_status().rate_limited_for.is_some()
        })
        .await;
        // The hold ends for everyone: in Redis (its key goes, as at its TTL) and on the
        // clock, so no watcher learns it again.
        let key = redis.key("hold");
        let _: i64 = redis::cmd("DEL")
            .arg(&key)
            .query(&mut redis.connection())
            .unwrap();
        clock.advance(hold);
        first.await.unwrap().unwrap();
    }
    let holds: Vec<(String, f64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == "flowpayroll.rate_limit.hold.duration")
        .flat_map(|(key, _, _, value)| {
            let source = key
                .key()
                .labels()
                .find(|l| l.key() == "source")
                .map(|l| l.value().to_owned())
                .unwrap_or_default();
            let DebugValue::Histogram(samples) = value else {
                panic!("the hold duration is a histogram");
            };
            samples
                .into_iter()
                .map(move |s| (source.clone(), s.into_inner()))
        })
        .collect();
    // The member that saw the 429 holds for 20 s on its own account; the other learns
    // the same hold from the fleet, less the real time Redis's TTL ran meanwhile. (The
    // first member's watcher may add the few milliseconds by which the TTL it reads
    // outlasts its own hold on the manual clock.)
    let of = |source: &str| -> Vec<f64> {
        holds
            .iter()
            .filter(|(s, _)| s == source)
            .map(|h| h.1)
            .collect()
    };
    assert_eq!(of("own"), [20.0], "{holds:?}");
    let learned = of("fleet");
    assert_eq!(
        learned.iter().filter(|&&s| s >= 10.0).count(),
        1,
        "{holds:?}"
    );
    assert!(learned.iter().all(|&s| s <= 20.0), "{holds:?}");
    assert_eq!(holds.len(), 1 + learned.len(), "{holds:?}");
}
