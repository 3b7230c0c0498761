//! Fleet mode on a real Redis Cluster (`redis-server --cluster-enabled yes`, joined by
//! `redis-cli --cluster create`): a client's keys share one hash slot, so its scripts
//! stay atomic; four members mint once per lifetime through the cluster client; and
//! when the master serving that slot is killed mid-run, no call fails (members mint
//! alone while the slot has no master), the replica takes over, and the members share
//! through the cluster again. Without `redis-server` these tests print one line and
//! pass, unless `FLOWPAYROLL_REQUIRE_REDIS=1`.
#![allow(clippy::disallowed_methods)]

mod common;

use common::*;
use flowpayroll::fleet::FleetState;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::FlowPayroll;
use flowpayroll_fleet_tests::redis_cluster::RedisCluster;

fn cluster_members(sandbox: &Sandbox, cluster: &RedisCluster, n: usize) -> Vec<FlowPayroll> {
    (0..n)
        .map(|_| {
            sandbox
                .client_builder()
                .refresh_policy(refresh_policy())
                .fleet_policy(fleet_policy())
                .redis_cluster(cluster.urls())
                .build()
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_on_a_three_master_cluster_keeps_one_slot_and_one_mint_per_lifetime() {
    let Some(cluster) = tokio::task::spawn_blocking(|| RedisCluster::start(false))
        .await
        .unwrap()
    else {
        return;
    };
    let sandbox = sandbox().await;
    let fleet = cluster_members(&sandbox, &cluster, 4);

    call_all(&fleet).await;
    assert_eq!(sandbox.token_requests(), 1, "cold start");
    let lifetimes = 2;
    let (ok, failed) = run_calls(&fleet, LIFETIME * lifetimes).await;
    assert_eq!(failed, 0);
    assert!(ok > 4 * 30, "{ok} calls");
    let mints = sandbox.token_requests();
    assert!(
        (2..=3).contains(&mints),
        "{mints} mints over {lifetimes} lifetimes"
    );
    for member in &fleet {
        let status = member.token_status().fleet.unwrap();
        assert_eq!(status.state, FleetState::Connected, "{status:?}");
        assert_eq!(status.local_mints, 0, "{status:?}");
    }
    // The token and the lease's namespace: one hash tag, one slot.
    let token = cluster.keys("flowpayroll:*:token");
    assert_eq!(token.len(), 1, "{token:?}");
    let namespace = token[0].strip_suffix(":token").unwrap();
    let slots: Vec<i64> = ["token", "lease", "hold", "cooldown"]
        .iter()
        .map(|kind| cluster.slot(&format!("{namespace}:{kind}")))
        .collect();
    assert!(slots.iter().all(|s| *s == slots[0]), "{slots:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_master_of_the_fleets_slot_fails_no_call_and_the_fleet_shares_again() {
    let Some(mut cluster) = tokio::task::spawn_blocking(|| RedisCluster::start(true))
        .await
        .unwrap()
    else {
        return;
    };
    let sandbox = sandbox().await;
    let fleet = cluster_members(&sandbox, &cluster, 4);
    call_all(&fleet).await;
    assert_eq!(sandbox.token_requests(), 1);

    let token = cluster.keys("flowpayroll:*:token").remove(0);
    let slot = cluster.slot(&token);
    let killed = cluster.kill_master_of(slot);
    // Through the failover (about the 1 s node timeout) and after it.
    let (ok, failed) = run_calls(&fleet, LIFETIME * 3).await;
    assert_eq!(failed, 0);
    assert!(ok > 4 * 50, "{ok} calls");
    let promoted = tokio::task::spawn_blocking(move || {
        let port = cluster.master_of(slot);
        (cluster, port)
    })
    .await
    .unwrap();
    let (cluster, port) = promoted;
    assert_ne!(port, killed, "no replica took over the slot");

    // Every member is (back) on the cluster: from here, one mint per lifetime again.
    until("every member connected to the cluster again", || {
        fleet
            .iter()
            .all(|m| m.token_status().fleet.unwrap().state == FleetState::Connected)
    })
    .await;
    let before = sandbox.token_requests();
    let local_before: u64 = fleet
        .iter()
        .map(|m| m.token_status().fleet.unwrap().local_mints)
        .sum();
    let (_, failed) = run_calls(&fleet, LIFETIME * 2).await;
    assert_eq!(failed, 0);
    let mints = sandbox.token_requests() - before;
    assert!((1..=3).contains(&mints), "{mints} mints over 2 lifetimes");
    let local_after: u64 = fleet
        .iter()
        .map(|m| m.token_status().fleet.unwrap().local_mints)
        .sum();
    assert_eq!(
        local_after, local_before,
        "members minted alone after the failover"
    );
    drop(cluster);
}
