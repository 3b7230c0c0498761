//! The rate limiter in fleet mode, against a real `redis-server` and the sandbox's
//! quota: members sharing one client id take their slots from one budget in Redis (so
//! together they stay under a quota each alone would fill), and when Redis dies each
//! falls back to its share, never failing a call and never going unlimited.
// Real time: Redis's `TIME` decides the slots, and the members are real clients.
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::Duration;

use common::redis_server::RedisServer;
use common::*;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::{FlowPayroll, Quota, RateLimit};

const CALLS: u32 = 10;
const WINDOW: Duration = Duration::from_secs(1);

fn quota() -> Quota {
    Quota::new(CALLS, WINDOW).unwrap()
}

fn limited_members(sandbox: &Sandbox, redis_url: &str, n: usize) -> Vec<FlowPayroll> {
    (0..n)
        .map(|_| {
            sandbox
                .client_builder()
                .fleet_policy(fleet_policy())
                .redis_url(redis_url)
                .rate_limit(RateLimit::quota(quota()))
                .build()
                .unwrap()
        })
        .collect()
}

/// Every member calls `tokens()` back to back (the limiter spaces them) until `end`.
async fn hammer(members: &[FlowPayroll], duration: Duration) -> (usize, usize) {
    let end = std::time::Instant::now() + duration;
    let tasks: Vec<_> = members
        .iter()
        .cloned()
        .map(|member| {
            tokio::spawn(async move {
                let (mut ok, mut failed) = (0, 0);
                while std::time::Instant::now() < end {
                    match member.management().tokens().await {
                        Ok(_) => ok += 1,
                        Err(error) => {
                            eprintln!("call failed: {error}");
                            failed += 1;
                        }
                    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_share_one_budget_and_the_service_refuses_none() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::start_with(SandboxConfig::default().with_quota(quota()))
        .await
        .unwrap();
    let members = limited_members(&sandbox, &redis.url(), 4);
    let (ok, failed) = hammer(&members, Duration::from_millis(2500)).await;
    assert_eq!(failed, 0);
    // Four members, each alone allowed the whole quota: together they never passed it.
    assert_eq!(sandbox.stats().rate_limited, Default::default());
    assert_eq!(sandbox.api_requests(Operation::ListTokens), ok as u64);
    assert!(redis.has_key("members"));
    assert!(redis.has_key("rate:/2023-03-01/management/tokens"));
    let served: Vec<u64> = sandbox.stats().quotas[Operation::ListTokens.path()]
        .windows
        .iter()
        .map(|w| w.served)
        .collect();
    assert!(served.iter().all(|&n| n <= u64::from(CALLS)), "{served:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_dead_each_member_keeps_its_share_and_no_call_fails() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::start_with(SandboxConfig::default().with_quota(quota()))
        .await
        .unwrap();
    let members = limited_members(&sandbox, &redis.url(), 4);
    let (_, failed) = hammer(&members, Duration::from_millis(1200)).await;
    assert_eq!(failed, 0);
    redis.kill();
    let (ok, failed) = hammer(&members, Duration::from_millis(2500)).await;
    assert_eq!(failed, 0);
    assert!(ok > 0);
    for member in &members {
        let fleet = member.token_status().fleet.unwrap();
        assert_eq!(fleet.state, flowpayroll::fleet::FleetState::Unavailable);
    }
    // Each member spaces its calls by a quarter of the quota: the service refuses
    // nothing, though no member can ask the others.
    assert_eq!(sandbox.stats().rate_limited, Default::default());
}
