//! Metrics in Prometheus's text format: `cargo run -p prometheus-example`.
//!
//! Installs a Prometheus recorder (`metrics-exporter-prometheus`, rendering only: no HTTP
//! listener), runs calls against the embedded sandbox with a 429 and a 401 among them,
//! and prints the scrape text a Prometheus server would read. The metrics are listed in
//! `docs/observability.md`.

use std::time::Duration;

use flowpayroll::deps::http::StatusCode;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox};
use flowpayroll::Error;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The union of the buckets docs/observability.md suggests per duration metric.
    let buckets = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    ];
    // Prometheus names: `_total` on counters, `_seconds` on durations (with the units
    // `describe_metrics` gives).
    let prometheus = PrometheusBuilder::new()
        .with_recommended_naming(true)
        .set_buckets_for_metric(Matcher::Suffix("duration".to_owned()), &buckets)?
        .install_recorder()?;
    flowpayroll::describe_metrics();

    let sandbox = Sandbox::start().await?;
    let fp = sandbox.client_builder().build()?;
    // The first call mints (cold); the next two are served from the cache.
    for _ in 0..3 {
        fp.management().tokens().await?;
    }
    // A 429 with `Retry-After: 1`: the call waits a second and succeeds.
    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::TooManyRequests {
            retry_after: Duration::from_secs(1),
        },
    );
    fp.management().tokens().await?;
    // A 401: the token is dropped, a new one minted (after_401), the call replayed.
    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::Status(StatusCode::UNAUTHORIZED),
    );
    fp.management().tokens().await?;
    // A refused call: a 403 goes back to the caller.
    sandbox.fail_next(
        Operation::GetClient,
        1,
        Fault::Status(StatusCode::FORBIDDEN),
    );
    let refused = fp.management().client().await;
    assert!(matches!(refused, Err(Error::Api(_))), "{refused:?}");

    println!("{}", prometheus.render());
    sandbox.shutdown().await;
    Ok(())
}
