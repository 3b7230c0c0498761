//! The cached-token fast path (`cargo bench -p flowpayroll-bench --bench fast_path`): getting the headers of
//! a call (`FlowPayroll::request_context`) with a valid cached token, on one thread and on
//! two threads at once. The end-to-end comparison with plain reqwest is
//! `overhead.rs`.
//!
//! With `FAST_PATH_CALLS=n` it makes exactly `n` fast-path calls and exits, for counting
//! instructions: `valgrind --tool=callgrind` with two values of `n`, the difference of the
//! totals divided by the difference of `n` is the instructions of one call.
#![allow(missing_docs, clippy::disallowed_methods)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, Criterion, Throughput};
use futures::FutureExt as _;

mod common;
use common::{client, start_server};

fn fast_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let base = start_server();
    let fp = client(&base);
    runtime.block_on(fp.authenticate()).unwrap();
    // With a valid cached token the future completes on its first poll.
    let headers =
        |fp: &flowpayroll::FlowPayroll| fp.request_context().now_or_never().unwrap().unwrap();

    let mut group = c.benchmark_group("fast_path");
    group.throughput(Throughput::Elements(1));
    group.bench_function("1_thread", |b| b.iter(|| black_box(headers(&fp))));
    group.bench_function("2_threads", |b| {
        b.iter_custom(|iterations| {
            let start = Arc::new(std::sync::Barrier::new(2));
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let (fp, start) = (fp.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        let began = Instant::now();
                        for _ in 0..iterations {
                            black_box(headers(&fp));
                        }
                        began.elapsed()
                    })
                })
                .collect();
            // Time per call on each thread while both run.
            threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .max()
                .unwrap()
        })
    });
    group.finish();
}

/// `n` calls of the fast path after one warm-up call, nothing else.
fn counted_calls(n: u64) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let base = start_server();
    let fp = client(&base);
    runtime.block_on(fp.authenticate()).unwrap();
    for _ in 0..n {
        black_box(fp.request_context().now_or_never().unwrap().unwrap());
    }
}

criterion_group!(benches, fast_path);

fn main() {
    match std::env::var("FAST_PATH_CALLS").map(|n| n.parse::<u64>()) {
        Ok(Ok(n)) => counted_calls(n),
        _ => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
