//! `fleet-member`: one member of a flowpayroll fleet as its own process. It builds a
//! client from the `FLOWPAYROLL_*` variables (`FLOWPAYROLL_REDIS_URL` included), calls
//! `GET /2023-03-01/management/tokens` every 20 ms for `FLEET_MEMBER_RUN_MS`
//! milliseconds, and prints one line: `ok=<calls> failed=<calls> minted=<tokens>
//! adopted=<tokens> local=<tokens> first_call_ms=<ms>`. With `FLEET_MEMBER_SQLITE=<path>`
//! the fleet meets in that SQLite database ([`SqliteStore`]) instead of Redis. The
//! multi-process tests start several against one sandbox and one store and count the
//! sandbox's mints.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use std::sync::Arc;

use flowpayroll::{FlowPayrollBuilder, RefreshPolicy};
use flowpayroll_fleet_tests::sqlite_store::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let run_ms: u64 = std::env::var("FLEET_MEMBER_RUN_MS")?.parse()?;
    let mut policy = flowpayroll::fleet::FleetPolicy::default();
    policy.timeout = Duration::from_secs(2);
    policy.wait_poll = Duration::from_millis(20);
    let mut builder = FlowPayrollBuilder::from_env()?;
    if let Some(path) = std::env::var_os("FLEET_MEMBER_SQLITE") {
        builder = builder.token_store(Arc::new(SqliteStore::open(path.as_ref())?));
    }
    let client = builder
        .refresh_policy(
            RefreshPolicy::default()
                .with_fraction(0.1)
                .with_min_margin(Duration::from_millis(100))
                .with_jitter(0.0),
        )
        .fleet_policy(policy)
        .build()?;
    let start = Instant::now();
    let end = start + Duration::from_millis(run_ms);
    let (mut ok, mut failed) = (0u64, 0u64);
    let mut first_call_ms = None;
    while Instant::now() < end {
        match client.management().tokens().await {
            Ok(_) => ok += 1,
            Err(error) => {
                eprintln!("fleet-member: call failed: {error}");
                failed += 1;
            }
        }
        first_call_ms.get_or_insert(start.elapsed().as_millis());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = client.token_status();
    let fleet = status
        .fleet
        .ok_or("not in fleet mode: set FLOWPAYROLL_REDIS_URL or FLEET_MEMBER_SQLITE")?;
    println!(
        "ok={ok} failed={failed} minted={} adopted={} local={} first_call_ms={}",
        status.tokens_minted,
        fleet.tokens_adopted,
        fleet.local_mints,
        first_call_ms.unwrap_or(0)
    );
    Ok(())
}
