//! A fleet of four OS processes (`fleet-member`) sharing one Redis and one sandbox,
//! checked per token generation rather than over a stretch of wall-clock time: one mint
//! at cold start, then one for each token that reaches its refresh point (no two mints
//! replace the same token), every mint used by the fleet, no failed call.
#![allow(clippy::disallowed_methods)]

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use common::redis_server::RedisServer;
use common::*;

/// One field of a member's report: `ok=.. failed=.. minted=.. adopted=.. local=..
/// used=.. mints=..`.
fn text<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {name} in {report:?}"))
}

fn field(report: &str, name: &str) -> u64 {
    text(report, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number in {report:?}"))
}

fn list<'a>(report: &'a str, name: &str) -> Vec<&'a str> {
    text(report, name)
        .split(',')
        .filter(|s| !s.is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_mint_once_cold_and_once_per_generation() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    // The cold mint and two refreshes: the members stop once the sandbox has issued
    // that many tokens, whenever that is.
    let generations: u64 = 3;
    let mut children: Vec<_> = (0..4)
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
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("fleet-member starts")
        })
        .collect();
    // 12,000 checks of 5 ms (a minute or more) bound the wait; the count does not
    // depend on how long it takes.
    for _ in 0..12_000 {
        if sandbox.token_requests() >= generations {
            break;
        }
        real_pause(5).await;
    }
    assert!(
        sandbox.token_requests() >= generations,
        "the fleet never refreshed"
    );
    for child in &mut children {
        drop(child.stdin.take());
    }
    // The sandbox serves from this runtime while the children finish.
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
        assert!(field(report, "ok") >= 1, "{report}");
        assert_eq!(field(report, "local"), 0, "{report}");
        assert_eq!(
            list(report, "mints").len() as u64,
            field(report, "minted"),
            "{report}"
        );
    }
    let mints = sandbox.token_requests() as u64;
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
