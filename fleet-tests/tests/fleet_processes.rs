//! A fleet of four OS processes (`fleet-member`) sharing one Redis and one sandbox:
//! one mint at cold start, then one per token lifetime (+1 at most), no failed call.
#![allow(clippy::disallowed_methods)]

mod common;

use std::process::{Command, Stdio};

use common::redis_server::RedisServer;
use common::*;

/// One line of a member's report: `ok=.. failed=.. minted=.. adopted=.. local=..`.
fn field(report: &str, name: &str) -> u64 {
    report
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {report:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_mint_once_cold_and_once_per_lifetime() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    let lifetimes = 3;
    let run_ms = (LIFETIME * lifetimes).as_millis().to_string();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_fleet-member"))
                .env_clear()
                .env("FLOWPAYROLL_CLIENT_ID", sandbox.client_id())
                .env(
                    "FLOWPAYROLL_CLIENT_SECRET",
                    sandbox.client_secret().expose_secret(),
                )
                .env("FLOWPAYROLL_TOKEN_URL", sandbox.token_url().as_str())
                .env("FLOWPAYROLL_API_URL", sandbox.url().as_str())
                .env("FLOWPAYROLL_REDIS_URL", redis.url())
                .env("FLEET_MEMBER_RUN_MS", &run_ms)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("fleet-member starts")
        })
        .collect();
    // The sandbox serves from this runtime while the children run.
    let reports = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|child| {
                let output = child.wait_with_output().unwrap();
                let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
                assert!(output.status.success(), "fleet-member failed: {stderr}");
                String::from_utf8(output.stdout).unwrap()
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();

    let sum = |name| reports.iter().map(|r| field(r, name)).sum::<u64>();
    assert_eq!(sum("failed"), 0, "{reports:?}");
    for report in &reports {
        assert!(field(report, "ok") >= 50, "{report}");
        assert_eq!(field(report, "local"), 0, "{report}");
    }
    let mints = sandbox.token_requests() as u64;
    assert_eq!(sum("minted"), mints, "{reports:?}");
    assert!(
        (u64::from(lifetimes)..=u64::from(lifetimes) + 1).contains(&mints),
        "{mints} mints over {lifetimes} lifetimes: {reports:?}"
    );
    // Every process but the first took its first token from the fleet.
    let adopted_any = reports.iter().filter(|r| field(r, "adopted") > 0).count();
    assert!(adopted_any >= 3, "{reports:?}");
}
