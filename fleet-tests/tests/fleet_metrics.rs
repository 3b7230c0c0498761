//! Fleet mode's metrics (feature `metrics`) against a real `redis-server`: the first
//! member mints (a fleet miss, a mint in mode `fleet`), the others adopt its token
//! (fleet hits). One in-memory recorder for this thread, on a current-thread runtime.
//! Without `redis-server` it prints one line and passes, unless
//! `FLOWPAYROLL_REQUIRE_REDIS=1`.

mod common;

use common::redis_server::RedisServer;
use common::*;
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
