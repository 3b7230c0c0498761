//! Throughput of `FlowPayroll` against plain reqwest (`cargo bench -p flowpayroll-bench --bench overhead`).
//!
//! Both send `GET /2023-03-01/management/tokens` and decode the seed's JSON body against
//! the same axum server on 127.0.0.1. The server runs on its own thread and runtime, the
//! clients on one current-thread runtime, so the two cores are not fought over. Rounds
//! alternate between the two clients so that drift in the machine's speed hits both
//! alike, and the medians of the rounds are compared. Prints requests/s for each and the
//! ratio (FlowPayroll / plain reqwest), one request at a time and with 8 in flight.
#![allow(missing_docs, clippy::disallowed_methods)]

use std::time::Instant;

use futures::future::join_all;

mod common;
use common::{benchmarking, client, plain_call, reqwest_alike, start_server, TOKENS_PATH};

/// Rounds and requests per round under `cargo bench`; without `--bench` (as under
/// `cargo test --all-targets`) one short round checks that the comparison runs.
const ROUNDS: usize = 21;
const REQUESTS_PER_ROUND: usize = 2_000;
const SMOKE_ROUNDS: usize = 1;
const SMOKE_REQUESTS_PER_ROUND: usize = 40;

fn main() {
    let base = start_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(compare(&base));
}

async fn compare(base: &str) {
    let fp = client(base);
    fp.authenticate().await.unwrap();
    let plain = reqwest::Client::new();
    let configured = reqwest_alike();
    let url = format!("{base}{TOKENS_PATH}");

    let ours = || async {
        fp.management().tokens().await.unwrap();
    };
    let bare = || plain_call(&plain, &url);
    let alike = || plain_call(&configured, &url);
    compare_with("plain reqwest", &ours, &bare).await;
    compare_with("reqwest configured alike", &ours, &alike).await;
}

async fn compare_with<F, G, Fut, Gut>(baseline: &str, ours: &F, theirs: &G)
where
    F: Fn() -> Fut,
    G: Fn() -> Gut,
    Fut: std::future::Future<Output = ()>,
    Gut: std::future::Future<Output = ()>,
{
    let (rounds, per_round) = if benchmarking() {
        (ROUNDS, REQUESTS_PER_ROUND)
    } else {
        (SMOKE_ROUNDS, SMOKE_REQUESTS_PER_ROUND)
    };
    for concurrency in [1usize, 8] {
        let (mut fp_rates, mut plain_rates) = (Vec::new(), Vec::new());
        for round in 0..=rounds {
            // Alternate which client goes first; round 0 only warms up.
            let (a, b) = if round % 2 == 0 {
                (
                    rate(per_round, concurrency, ours).await,
                    rate(per_round, concurrency, theirs).await,
                )
            } else {
                let b = rate(per_round, concurrency, theirs).await;
                (rate(per_round, concurrency, ours).await, b)
            };
            if round > 0 {
                fp_rates.push(a);
                plain_rates.push(b);
            }
        }
        let (fp_rate, plain_rate) = (median(fp_rates), median(plain_rates));
        println!(
            "concurrency {concurrency}: flowpayroll {fp_rate:.0} req/s, {baseline} {plain_rate:.0} req/s, ratio {:.3}",
            fp_rate / plain_rate
        );
    }
}

async fn rate<F, Fut>(requests: usize, concurrency: usize, call: &F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    for _ in 0..requests / concurrency {
        join_all((0..concurrency).map(|_| call())).await;
    }
    requests as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
