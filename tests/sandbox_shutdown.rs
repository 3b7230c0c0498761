//! Shutting the embedded sandbox down: it returns once the port is closed, pooled
//! connections are closed with it, and a request in flight is answered.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::HANG;
use flowpayroll::clock::ManualClock;
use flowpayroll::deps::http::StatusCode;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox, SandboxConfig};
use flowpayroll::{Error, RetryPolicy};

#[tokio::test]
async fn shutdown_returns_once_the_port_is_closed() {
    let sandbox = Sandbox::start().await.unwrap();
    let address = sandbox.address();
    assert_eq!(sandbox.url().as_str(), format!("http://{address}/"));
    assert_eq!(
        sandbox.token_url().as_str(),
        format!("http://{address}/oauth2/token")
    );
    let fp = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap();
    // The client keeps an idle keep-alive connection to the sandbox.
    fp.providers().await.unwrap();

    tokio::time::timeout(HANG, sandbox.shutdown())
        .await
        .expect("shutdown hung");

    let refused = tokio::net::TcpStream::connect(address).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // The pooled connection was closed too: the next call fails, it does not hang.
    let error = tokio::time::timeout(HANG, fp.providers())
        .await
        .expect("a call after shutdown hung")
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transport { .. }) && error.to_string().contains("refused"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_request_in_flight_at_shutdown_is_answered() {
    // The slow answer waits on a manual clock that nobody moves: only shutdown ends it.
    let clock = Arc::new(ManualClock::new());
    let sandbox = Sandbox::start_with(SandboxConfig::default().with_clock(clock.clone()))
        .await
        .unwrap();
    let fp = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    sandbox.fail_next(
        Operation::ListProviders,
        1,
        Fault::Slow(Duration::from_secs(3600)),
    );
    let call = tokio::spawn(async move { fp.providers().await });
    tokio::time::timeout(HANG, async {
        while clock.sleepers() == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the slow answer never started waiting");
    assert_eq!(sandbox.api_requests(Operation::ListProviders), 1);

    tokio::time::timeout(HANG, sandbox.shutdown())
        .await
        .expect("shutdown waited for the slow answer");

    let error = tokio::time::timeout(HANG, call)
        .await
        .expect("the call in flight hung")
        .unwrap()
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(StatusCode::SERVICE_UNAVAILABLE),
        "{error:?}"
    );
    assert_eq!(clock.sleepers(), 0, "the slow answer stopped waiting");
}
