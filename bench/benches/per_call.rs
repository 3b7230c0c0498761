//! A fixed number of calls, for counting instructions per call with
//! `valgrind --tool=callgrind` (load-independent, unlike the timed benchmarks):
//!
//! ```sh
//! cargo bench -p flowpayroll-bench --no-run --bench per_call
//! valgrind --tool=callgrind --separate-threads=yes target/release/deps/per_call-* fast 200000
//! ```
//!
//! `fast N`: N `request_context` calls with a cached token. `ours N`, `plain N`,
//! `alike N`: N `GET .../tokens` calls one at a time, through `FlowPayroll`, a bare
//! `reqwest::Client::new()` and reqwest configured like the client. Run each with two
//! counts: the difference of the totals over the difference of the counts is the cost
//! of one call, without the start-up. The server runs on its own thread, so the client's
//! count is the main thread's (`callgrind.out.PID-01`). Without arguments (as under
//! `cargo test --all-targets`) it makes a few calls of each kind and exits.
#![allow(missing_docs, clippy::disallowed_methods)]

use std::hint::black_box;

use futures::FutureExt as _;

mod common;
use common::{client, plain_call, reqwest_alike, start_server, TOKENS_PATH};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let calls = |at: usize| args.get(at).map_or(20, |n| n.parse().expect("a count"));
    let base = start_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let fp = client(&base);
        fp.authenticate().await.unwrap();
        let url = format!("{base}{TOKENS_PATH}");
        let (plain, alike) = (reqwest::Client::new(), reqwest_alike());
        let kinds = match args.first() {
            Some(kind) => vec![kind.as_str()],
            None => vec!["fast", "ours", "plain", "alike"],
        };
        for kind in kinds {
            let n = calls(1);
            for _ in 0..n {
                match kind {
                    "fast" => {
                        black_box(fp.request_context().now_or_never().unwrap().unwrap());
                    }
                    "ours" => {
                        black_box(fp.management().tokens().await.unwrap());
                    }
                    "plain" => plain_call(&plain, &url).await,
                    "alike" => plain_call(&alike, &url).await,
                    other => panic!("unknown kind `{other}`: fast, ours, plain or alike"),
                }
            }
        }
    });
}
