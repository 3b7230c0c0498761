//! What the benchmarks share: the loopback server, the client under test and the
//! reqwest baselines it is compared with.
#![allow(dead_code)]

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

pub const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJqdGkiOiJiZW5jaCJ9.c2ln";
pub const TOKENS_PATH: &str = "/2023-03-01/management/tokens";

/// Serves the token endpoint and `tokens` (the seed's JSON body) on 127.0.0.1 from a
/// thread and runtime of its own; returns the base URL.
pub fn start_server() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/examples/list_tokens.200.seed.application_json.json"
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
                    post(|| async {
                        Json(json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 86_400}))
                    }),
                )
                .route(
                    TOKENS_PATH,
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

/// The client under test, with the crate's defaults, against `base`.
pub fn client(base: &str) -> flowpayroll::FlowPayroll {
    flowpayroll::FlowPayroll::builder()
        .credentials("bench-client", "bench-secret")
        .token_url(format!("{base}/oauth2/token"))
        .api_url(base)
        .build()
        .unwrap()
}

/// reqwest with the same HTTP settings as FlowPayroll's own client (timeouts, no
/// redirects, User-Agent), to separate what they cost from what the client layer costs.
pub fn reqwest_alike() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("flowpayroll-rust/0.1.0")
        .build()
        .unwrap()
}

/// One `tokens` call through reqwest alone, with a fixed `X-Auth-Token`, decoded.
pub async fn plain_call(client: &reqwest::Client, url: &str) {
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

/// Whether the binary runs as a benchmark (`cargo bench` passes `--bench`); otherwise
/// (`cargo test --all-targets`) it only checks that it runs, in a few seconds.
pub fn benchmarking() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}
