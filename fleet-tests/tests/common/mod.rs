//! Helpers of the fleet tests: a real `redis-server` ([`redis_server`]) and fleet
//! members (clients with separate caches that share a Redis), on real time (Redis TTLs
//! run on real time), with short lifetimes.
#![allow(clippy::disallowed_methods, dead_code)]

#[allow(unused_imports)]
pub use flowpayroll_fleet_tests::redis_server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use flowpayroll::clock::ManualClock;
use flowpayroll::fleet::FleetPolicy;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::{FlowPayroll, RefreshPolicy};

/// The token lifetime of the fleet tests' sandboxes.
pub const LIFETIME: Duration = Duration::from_secs(2);

/// A sandbox issuing tokens that live [`LIFETIME`].
pub async fn sandbox() -> Sandbox {
    Sandbox::start_with(SandboxConfig::default().with_token_lifetime(LIFETIME))
        .await
        .unwrap()
}

/// Refresh 200 ms before expiry, without jitter: one refresh per 1.8 s.
pub fn refresh_policy() -> RefreshPolicy {
    RefreshPolicy::default()
        .with_fraction(0.1)
        .with_min_margin(Duration::from_millis(100))
        .with_jitter(0.0)
}

/// Generous timeouts (the test machine is shared), quick polling.
pub fn fleet_policy() -> FleetPolicy {
    let mut policy = FleetPolicy::default();
    policy.timeout = Duration::from_secs(2);
    policy.lease = Duration::from_secs(5);
    policy.wait_poll = Duration::from_millis(20);
    policy.poll_interval = Duration::from_millis(50);
    policy
}

/// `n` members of one fleet: separate clients, separate caches.
pub fn members(sandbox: &Sandbox, redis_url: &str, n: usize) -> Vec<FlowPayroll> {
    (0..n)
        .map(|_| {
            sandbox
                .client_builder()
                .refresh_policy(refresh_policy())
                .fleet_policy(fleet_policy())
                .redis_url(redis_url)
                .build()
                .unwrap()
        })
        .collect()
}

/// `n` members of one fleet on one manual clock (the crate's default refresh policy).
pub fn members_on_clock(
    sandbox: &Sandbox,
    redis_url: &str,
    clock: &Arc<ManualClock>,
    n: usize,
) -> Vec<FlowPayroll> {
    (0..n)
        .map(|_| {
            sandbox
                .client_builder()
                .fleet_policy(fleet_policy())
                .redis_url(redis_url)
                .clock(clock.clone())
                .build()
                .unwrap()
        })
        .collect()
}

/// Every member calls `tokens()` in a loop (a pause of 20 ms between calls) for
/// `duration`; returns (successful calls, failed calls).
pub async fn run_calls(members: &[FlowPayroll], duration: Duration) -> (usize, usize) {
    let end = Instant::now() + duration;
    let tasks: Vec<_> = members
        .iter()
        .cloned()
        .map(|member| {
            tokio::spawn(async move {
                let (mut ok, mut failed) = (0, 0);
                while Instant::now() < end {
                    match member.management().tokens().await {
                        Ok(_) => ok += 1,
                        Err(error) => {
                            eprintln!("call failed: {error}");
                            failed += 1
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                (ok, failed)
            })
        })
        .collect();
    let mut totals = (0, 0);
    for task in tasks {
        let (ok, failed) = task.await.unwrap();
        totals.0 += ok;
        totals.1 += failed;
    }
    totals
}

/// Calls every member concurrently once; panics on a failure.
pub async fn call_all(members: &[FlowPayroll]) {
    let calls: Vec<_> = members
        .iter()
        .cloned()
        .map(|m| tokio::spawn(async move { m.management().tokens().await }))
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
}

/// Waits (on real time) until `condition` holds, checking every 5 ms; fails the test
/// after 3,000 checks (15 s or more): the bound that turns a hang into a failure.
pub async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if condition() {
            return;
        }
        real_pause(5).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Lets real time pass.
pub async fn real_pause(millis: u64) {
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

/// Waits until `condition` holds, moving `clock` 2 ms at each of at most 3,000 checks
/// (5 ms of real time apart): members polling the fleet on the clock wake, yet the
/// clock moves only a few seconds in all. Fails the test after the last check.
pub async fn settle(clock: &ManualClock, what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if condition() {
            return;
        }
        clock.advance(Duration::from_millis(2));
        real_pause(5).await;
    }
    panic!("timed out waiting for: {what}");
}
