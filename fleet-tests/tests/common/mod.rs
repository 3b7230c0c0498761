//! Helpers of the fleet tests: a real `redis-server` ([`redis_server`]) and fleet
//! members (clients with separate caches that share a Redis), on real time (Redis TTLs
//! run on real time), with short lifetimes.
#![allow(clippy::disallowed_methods, dead_code)]

#[allow(unused_imports)]
pub use flowpayroll_fleet_tests::redis_server;

use std::process::{Child, Command, Stdio};
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

/// A SQLite database file for one test, deleted (with its WAL files) when dropped.
#[derive(Debug)]
pub struct TempDatabase(pub std::path::PathBuf);

impl TempDatabase {
    /// A fresh path in the system's temporary directory.
    pub fn new() -> Self {
        let name = format!(
            "flowpayroll-fleet-{}-{:016x}.sqlite",
            std::process::id(),
            fastrand_u64()
        );
        Self(std::env::temp_dir().join(name))
    }

    /// One member's connection to the database.
    pub fn store(&self) -> Arc<flowpayroll_fleet_tests::sqlite_store::SqliteStore> {
        Arc::new(flowpayroll_fleet_tests::sqlite_store::SqliteStore::open(&self.0).unwrap())
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A number unlikely to repeat between tests (names of temporary files).
fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now())
}

/// `n` members of one fleet that meets in the SQLite database `db` instead of Redis.
pub fn sqlite_members(sandbox: &Sandbox, db: &TempDatabase, n: usize) -> Vec<FlowPayroll> {
    (0..n)
        .map(|_| {
            sandbox
                .client_builder()
                .refresh_policy(refresh_policy())
                .fleet_policy(fleet_policy())
                .token_store(db.store())
                .build()
                .unwrap()
        })
        .collect()
}

/// One field of a member's report (`ok=.. failed=.. minted=.. adopted=.. local=..
/// used=.. mints=.. first_call_ms=..`), as text.
pub fn text<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {name} in {report:?}"))
}

/// One numeric field of a member's report.
pub fn field(report: &str, name: &str) -> u64 {
    text(report, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number in {report:?}"))
}

/// One comma-separated field of a member's report.
pub fn list<'a>(report: &'a str, name: &str) -> Vec<&'a str> {
    text(report, name)
        .split(',')
        .filter(|s| !s.is_empty())
        .collect()
}

/// Starts one `fleet-member` of `sandbox`'s client that meets the others through the
/// store named by `store` (`FLOWPAYROLL_REDIS_URL` or `FLEET_MEMBER_SQLITE`, with its
/// value); it calls until [`reports`] closes its standard input.
pub fn spawn_member(sandbox: &Sandbox, store: (&str, &str)) -> Child {
    spawn_member_with(sandbox, &[store])
}

/// [`spawn_member`] with several variables for its store (a Redis URL and its CA).
pub fn spawn_member_with(sandbox: &Sandbox, store: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fleet-member"))
        .env_clear()
        .env("FLOWPAYROLL_CLIENT_ID", sandbox.client_id())
        .env(
            "FLOWPAYROLL_CLIENT_SECRET",
            sandbox.client_secret().expose_secret(),
        )
        .env("FLOWPAYROLL_TOKEN_URL", sandbox.token_url().as_str())
        .env("FLOWPAYROLL_API_URL", sandbox.url().as_str())
        .envs(store.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fleet-member starts")
}

/// Waits until `sandbox` has issued `tokens` tokens: 12,000 checks of 5 ms (a minute or
/// more) bound the wait; the count does not depend on how long it takes.
pub async fn until_tokens(sandbox: &Sandbox, tokens: u64) {
    for _ in 0..12_000 {
        if sandbox.token_requests() >= tokens {
            return;
        }
        real_pause(5).await;
    }
    panic!(
        "the sandbox issued {} tokens, not {tokens}",
        sandbox.token_requests()
    );
}

/// Stops `children` (closes their standard input) and returns their reports, each of
/// which must succeed (waited for off the runtime, which serves the sandbox meanwhile).
pub async fn reports(mut children: Vec<Child>) -> Vec<String> {
    for child in &mut children {
        drop(child.stdin.take());
    }
    tokio::task::spawn_blocking(move || {
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
    .unwrap()
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
