//! A test application, not a library (run with `cargo test --manifest-path
//! tests/ring-app/Cargo.toml`): flowpayroll with `rustls-ring` beside a reqwest
//! client of the application's own. Its tests (`tests/`) show what happens to that
//! client without [`flowpayroll::install_ring_provider`] and that it works with it.

use flowpayroll::sandbox::Sandbox;

/// What the application does with its own client: reads the sandbox's statistics page
/// over plain HTTP and returns the status and the number of tokens it issued.
pub async fn own_client_call(client: &reqwest::Client, sandbox: &Sandbox) -> (u16, Option<u64>) {
    let url = sandbox
        .url()
        .join("/__sandbox/stats")
        .expect("a valid path");
    let response = client.get(url).send().await.expect("the sandbox answers");
    let status = response.status().as_u16();
    let stats: serde_json::Value = response.json().await.expect("JSON statistics");
    (
        status,
        stats.pointer("/tokens_issued").and_then(|v| v.as_u64()),
    )
}
