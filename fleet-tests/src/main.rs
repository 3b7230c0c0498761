//! `fleet-member`: one member of a flowpayroll fleet as its own process. It builds a
//! client from the `FLOWPAYROLL_*` variables (`FLOWPAYROLL_REDIS_URL` included) and calls
//! `GET /2023-03-01/management/tokens` every 20 ms until its standard input closes (the
//! test closes it once the fleet has gone through the generations it waits for; 120 s
//! at most, a bound that turns a hang into a failure). Then it prints one line:
//! `ok=<calls> failed=<calls> minted=<tokens> adopted=<tokens> local=<tokens>
//! used=<id>,<id>.. mints=<before>><minted>,..` where `used` lists the token ids its
//! calls went out with, in order, and each of `mints` names the token this member held
//! before a call that minted (`-` at cold start) and the token it minted. The
//! multi-process test starts several against one sandbox and one Redis and checks the
//! fleet per token generation.
#![allow(clippy::disallowed_methods)]

use std::io::Read as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flowpayroll::{FlowPayrollBuilder, RefreshPolicy};

/// The longest a member runs if its standard input never closes.
const MAX_RUN: Duration = Duration::from_secs(120);

/// What one member saw, call by call.
#[derive(Default)]
struct Member {
    ok: u64,
    failed: u64,
    /// The token ids its calls went out with, each once, in order.
    used: Vec<String>,
    /// `held>minted` for each token it minted.
    mints: Vec<String>,
    minted: u64,
}

impl Member {
    async fn call(&mut self, client: &flowpayroll::FlowPayroll) {
        let held = self.used.last().cloned().unwrap_or_else(|| "-".to_owned());
        match client.management().tokens().await {
            Ok(_) => self.ok += 1,
            Err(error) => {
                eprintln!("fleet-member: call failed: {error}");
                self.failed += 1;
            }
        }
        let status = client.token_status();
        let id = status.token_id.map(|id| id.to_string());
        if let Some(id) = id.filter(|id| self.used.last() != Some(id)) {
            self.used.push(id);
        }
        if status.tokens_minted > self.minted {
            self.minted = status.tokens_minted;
            let minted = self.used.last().map_or("-", String::as_str);
            self.mints.push(format!("{held}>{minted}"));
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = Arc::clone(&stop);
    std::thread::spawn(move || {
        // Reads until end of file: the test closing the pipe (or dying) stops the member.
        let _ = std::io::copy(
            &mut std::io::stdin().lock().take(1 << 20),
            &mut std::io::sink(),
        );
        stopper.store(true, Ordering::Relaxed);
    });
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
    let end = Instant::now() + MAX_RUN;
    let mut member = Member::default();
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        member.call(&client).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A refresh still in flight at the stop ends, and its token goes out once, so that
    // every token this member minted is one it used (bounded: 10 s).
    for _ in 0..1000 {
        if !client.token_status().refreshing {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    member.call(&client).await;
    let Member {
        ok,
        failed,
        used,
        mints,
        ..
    } = member;
    let status = client.token_status();
    let fleet = status
        .fleet
        .ok_or("not in fleet mode: set FLOWPAYROLL_REDIS_URL")?;
    println!(
        "ok={ok} failed={failed} minted={} adopted={} local={} used={} mints={}",
        status.tokens_minted,
        fleet.tokens_adopted,
        fleet.local_mints,
        used.join(","),
        mints.join(","),
    );
    Ok(())
}
