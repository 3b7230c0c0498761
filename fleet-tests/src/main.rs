//! `fleet-member`: one member of a flowpayroll fleet as its own process. It builds a
//! client from the `FLOWPAYROLL_*` variables (`FLOWPAYROLL_REDIS_URL` included), calls
//! `GET /2023-03-01/management/tokens` every 20 ms for `FLEET_MEMBER_RUN_MS`
//! milliseconds, and prints one line: `ok=<calls> failed=<calls> minted=<tokens>
//! adopted=<tokens> local=<tokens>`. The multi-process test starts several against one
//! sandbox and one Redis and counts the sandbox's mints.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use flowpayroll::{FlowPayrollBuilder, RefreshPolicy};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let run_ms: u64 = std::env::var("FLEET_MEMBER_RUN_MS")?.parse()?;
    let mut policy = flowpayroll::fleet::FleetPolicy::default();
    policy.timeout = Duration::from_secs(2);
    policy.wait_poll = Duration::from_millis(20);
    let client = FlowPayrollBuilder::from_env()?
        .refresh_policy(
            RefreshPolicy::default()
                .with_fraction(0.1)
                .with_min_margin(Duration::from_millis(100))
                .with_jitter(0.0),
        )
        .fleet_policy(policy)
        .build()?;
    let end = Instant::now() + Duration::from_millis(run_ms);
    let (mut ok, mut failed) = (0u64, 0u64);
    while Instant::now() < end {
        match client.management().tokens().await {
            Ok(_) => ok += 1,
            Err(error) => {
                eprintln!("fleet-member: call failed: {error}");
                failed += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = client.token_status();
    let fleet = status
        .fleet
        .ok_or("not in fleet mode: set FLOWPAYROLL_REDIS_URL")?;
    println!(
        "ok={ok} failed={failed} minted={} adopted={} local={}",
        status.tokens_minted, fleet.tokens_adopted, fleet.local_mints
    );
    Ok(())
}
