//! Fleet mode measured (`cargo bench -p flowpayroll-fleet-tests --bench fleet`):
//!
//! * **mints per lifetime**: N = 1, 8, 32 in-process members (separate clients, separate
//!   caches) call the embedded sandbox every 20 ms for 3 token lifetimes (2 s tokens,
//!   refreshed 200 ms before expiry), alone and in fleet mode; the sandbox counts mints;
//! * **fast-path latency**: the headers of one call with a cached token
//!   (`request_context`, completed on its first poll), alone and as a fleet member, and
//!   the Redis commands the server processed meanwhile (0: no round trip).
//!
//! Needs `redis-server` on PATH.
#![allow(missing_docs, clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use flowpayroll::fleet::FleetPolicy;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::{FlowPayroll, RefreshPolicy};
use flowpayroll_fleet_tests::redis_server::RedisServer;
use futures::FutureExt as _;

const LIFETIME: Duration = Duration::from_secs(2);
const LIFETIMES: u32 = 3;

fn members(
    sandbox: &Sandbox,
    redis: Option<&str>,
    n: usize,
    policy: &FleetPolicy,
) -> Vec<FlowPayroll> {
    (0..n)
        .map(|_| {
            let builder = sandbox.client_builder().refresh_policy(
                RefreshPolicy::default()
                    .with_fraction(0.1)
                    .with_min_margin(Duration::from_millis(100))
                    .with_jitter(0.0),
            );
            match redis {
                Some(url) => builder.redis_url(url).fleet_policy(policy.clone()),
                None => builder,
            }
            .build()
            .unwrap()
        })
        .collect()
}

async fn mints_per_lifetime(redis: Option<&str>, n: usize) -> (f64, u64) {
    let sandbox = Sandbox::start_with(SandboxConfig::default().with_token_lifetime(LIFETIME))
        .await
        .unwrap();
    let mut policy = FleetPolicy::default();
    policy.timeout = Duration::from_secs(1);
    let fleet = members(&sandbox, redis, n, &policy);
    let end = Instant::now() + LIFETIME * LIFETIMES;
    let tasks: Vec<_> = fleet
        .into_iter()
        .map(|member| {
            tokio::spawn(async move {
                let mut failed = 0u64;
                while Instant::now() < end {
                    if member.management().tokens().await.is_err() {
                        failed += 1;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                failed
            })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        failed += task.await.unwrap();
    }
    (
        sandbox.token_requests() as f64 / f64::from(LIFETIMES),
        failed,
    )
}

/// Nanoseconds per `request_context` with a cached token, over `iterations` calls.
fn fast_path_ns(member: &FlowPayroll, iterations: u32) -> f64 {
    let began = Instant::now();
    for _ in 0..iterations {
        black_box(member.request_context().now_or_never().unwrap().unwrap());
    }
    began.elapsed().as_nanos() as f64 / f64::from(iterations)
}

fn main() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!("mints per token lifetime ({LIFETIMES} lifetimes of {LIFETIME:?}, a call per member every 20 ms)");
    println!(
        "{:>8} {:>12} {:>12} {:>14}",
        "members", "alone", "fleet", "failed calls"
    );
    for n in [1, 8, 32] {
        let (alone, failed_alone) = runtime.block_on(mints_per_lifetime(None, n));
        redis.connection();
        let (fleet, failed_fleet) = runtime.block_on(mints_per_lifetime(Some(&redis.url()), n));
        println!(
            "{n:>8} {alone:>12.2} {fleet:>12.2} {:>14}",
            failed_alone + failed_fleet
        );
    }

    // The fast path: a valid cached token, no refresh due. The watcher is slowed down
    // so that any command Redis sees during the loop would come from the fast path.
    let sandbox = runtime.block_on(Sandbox::start()).unwrap();
    let mut policy = FleetPolicy::default();
    policy.poll_interval = Duration::from_secs(3600);
    let alone = members(&sandbox, None, 1, &policy).remove(0);
    let member = members(&sandbox, Some(&redis.url()), 1, &policy).remove(0);
    runtime.block_on(async {
        alone.authenticate().await.unwrap();
        member.authenticate().await.unwrap();
    });
    let iterations = 2_000_000;
    for _ in 0..2 {
        // Warm-up, then the measured rounds.
        fast_path_ns(&alone, iterations / 10);
        fast_path_ns(&member, iterations / 10);
    }
    let before = redis.commands_processed();
    let alone_ns = fast_path_ns(&alone, iterations);
    let fleet_ns = fast_path_ns(&member, iterations);
    // The INFO call itself is the one command between the two readings.
    let during = redis.commands_processed() - before - 1;
    println!();
    println!("fast path ({iterations} calls each): alone {alone_ns:.0} ns/call, fleet member {fleet_ns:.0} ns/call, added {:.0} ns; Redis commands during the fleet loop: {during}", fleet_ns - alone_ns);
}
