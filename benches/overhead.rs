//! Throughput of `FlowPayroll` against plain reqwest (`cargo bench --bench overhead`).
//!
//! Both send `GET /2023-03-01/management/tokens` and decode the seed's JSON body against
//! the same axum server on 127.0.0.1. The server runs on its own thread and runtime, the
//! clients on one current-thread runtime, so the two cores are not fought over. Rounds
//! alternate between the two clients so that drift in the machine's speed hits both
//! alike, and the medians of the rounds are compared. Prints requests/s for each and the
//! ratio (FlowPayroll / plain reqwest), one request at a time and with 8 in flight.
#![allow(missing_docs, clippy::disallowed_methods)]

use std::time::Instant;

use axum::routing::{get, post};
use axum::{Json, Router};
use futures::future::join_all;
use serde_json::json;

const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJqdGkiOiJiZW5jaCJ9.c2ln";
const ROUNDS: usize = 21;
const REQUESTS_PER_ROUND: usize = 2_000;

fn main() {
    let base = start_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(compare(&base));
}

/// Serves the token endpoint and `tokens` on 127.0.0.1 from a thread of its own.
fn start_server() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/examples/list_tokens.200.seed.application_json.json"
    ))
    .unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = Router::new()
                .route(
                    "/oauth2/token",
                    post(|| async { Json(json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 86_400})) }),
                )
                .route(
                    "/2023-03-01/management/tokens",
                    get(move || {
                        let body = body.clone();
                        async move { Json(body) }
                    }),
                );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    base
}

async fn compare(base: &str) {
    let fp = flowpayroll::FlowPayroll::builder()
        .credentials("bench-client", "bench-secret")
        .token_url(format!("{base}/oauth2/token"))
        .api_url(base)
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    let plain = reqwest::Client::new();
    // The same HTTP settings as FlowPayroll's own client (timeouts, no redirects,
    // User-Agent), to separate what they cost from what the client layer costs.
    let configured = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("flowpayroll-rust/0.1.0")
        .build()
        .unwrap();
    let url = format!("{base}/2023-03-01/management/tokens");

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
    for concurrency in [1usize, 8] {
        let (mut fp_rates, mut plain_rates) = (Vec::new(), Vec::new());
        for round in 0..=ROUNDS {
            // Alternate which client goes first; round 0 only warms up.
            let (a, b) = if round % 2 == 0 {
                (
                    rate(concurrency, ours).await,
                    rate(concurrency, theirs).await,
                )
            } else {
                let b = rate(concurrency, theirs).await;
                (rate(concurrency, ours).await, b)
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

/// One request through reqwest alone, with a fixed `X-Auth-Token`.
async fn plain_call(client: &reqwest::Client, url: &str) {
    let response = client
        .get(url)
        .header("x-auth-token", TOKEN)
        .send()
        .await
        .unwrap();
    response
        .json::<Vec<flowpayroll::types::TokenSummary>>()
        .await
        .unwrap();
}

async fn rate<F, Fut>(concurrency: usize, call: &F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    for _ in 0..REQUESTS_PER_ROUND / concurrency {
        join_all((0..concurrency).map(|_| call())).await;
    }
    REQUESTS_PER_ROUND as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
