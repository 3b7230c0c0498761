//! Retries of API calls after transient failures (opt-in): a GET retried on 5xx until
//! it succeeds, a POST not retried on 5xx but retried when its connection was refused,
//! the retry budget drained across clones during an outage, and a custom classifier.
//! Every wait is on a manual clock.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::logs::captured_logs;
use common::{eventually, real_pause};
use flowpayroll::clock::ManualClock;
use flowpayroll::deps::http::StatusCode;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox};
use flowpayroll::types::ClientUpdate;
use flowpayroll::{Error, FlowPayroll, IdempotentOnly, RetryClassifier, TransientRetries};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const UNAVAILABLE: Fault = Fault::Status(StatusCode::SERVICE_UNAVAILABLE);

/// A sandbox client on a manual clock with transient retries under `policy`.
fn client(sandbox: &Sandbox, policy: TransientRetries) -> (FlowPayroll, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let client = sandbox
        .client_builder()
        .clock(clock.clone())
        .retry_transient_failures(policy)
        .build()
        .unwrap();
    (client, clock)
}

/// Runs `call` to its end, moving `clock` to the end of each backoff it sleeps (a
/// backoff here is at most a few seconds; the call's 60 s budget timer is never
/// reached).
async fn drive<T: Send + 'static>(
    clock: &ManualClock,
    call: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let call = tokio::spawn(call);
    while !call.is_finished() {
        let now = clock.elapsed();
        if let Some(wait) = clock.next_wake().and_then(|at| at.checked_sub(now)) {
            if wait <= Duration::from_secs(10) {
                clock.advance(wait);
            }
        }
        real_pause(1).await;
    }
    call.await.unwrap()
}

fn update(sandbox: &Sandbox) -> ClientUpdate {
    ClientUpdate::builder()
        .name("Retries")
        .client_secret(vec![sandbox.client_secret()])
        .redirect_uris(vec!["https://example.com/callback".to_owned()])
        .build()
}

#[tokio::test]
async fn a_get_answered_5xx_is_retried_until_it_succeeds() {
    let sandbox = Sandbox::start().await.unwrap();
    let (fp, clock) = client(&sandbox, TransientRetries::default());
    sandbox.fail_next(Operation::ListTokens, 2, UNAVAILABLE);
    let call = fp.clone();
    drive(&clock, async move { call.management().tokens().await })
        .await
        .unwrap();
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 3);
    // Two retries at 5 each, one success back.
    assert_eq!(fp.retry_budget_left(), Some(500 - 10 + 1));

    // Past `max_retries` (3), the 5xx goes to the caller.
    sandbox.fail_next(Operation::ListTokens, 10, UNAVAILABLE);
    let call = fp.clone();
    let error = drive(&clock, async move { call.management().tokens().await })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 3 + 4);
}

#[tokio::test]
async fn a_post_answered_5xx_is_not_retried() {
    let sandbox = Sandbox::start().await.unwrap();
    let (fp, clock) = client(&sandbox, TransientRetries::default());
    sandbox.fail_next(Operation::UpdateClient, 1, UNAVAILABLE);
    let (call, update) = (fp.clone(), update(&sandbox));
    let error = drive(&clock, async move {
        call.management().update_client(&update).await
    })
    .await
    .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(sandbox.api_requests(Operation::UpdateClient), 1);
    assert_eq!(fp.retry_budget_left(), Some(500));
}

#[tokio::test]
async fn without_the_opt_in_a_get_answered_5xx_is_not_retried() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    sandbox.fail_next(Operation::ListTokens, 1, UNAVAILABLE);
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
    assert_eq!(fp.retry_budget_left(), None);
}

#[tokio::test]
async fn a_post_whose_connection_was_refused_is_retried() {
    let sandbox = Sandbox::start().await.unwrap();
    // A port nobody listens on, until the classifier has seen the refusal.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opened: Arc<Mutex<Option<std::net::TcpListener>>> = Arc::default();
    let asked = Arc::new(AtomicU32::new(0));
    let (slot, count) = (opened.clone(), asked.clone());
    let classifier = move |operation: Operation, error: &Error| {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            assert_eq!(
                error.transport_cause(),
                Some(&flowpayroll::TransportCause::Connect)
            );
            let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
            *slot.lock().unwrap() = Some(listener);
        }
        IdempotentOnly.should_retry(operation, error)
    };
    let clock = Arc::new(ManualClock::new());
    let fp = sandbox
        .client_builder()
        .api_url(format!("http://127.0.0.1:{port}/"))
        .clock(clock.clone())
        .retry_classifier(classifier)
        .build()
        .unwrap();
    let (call, update) = (fp.clone(), update(&sandbox));
    let driver = clock.clone();
    let call = tokio::spawn(async move {
        drive(&driver, async move {
            call.management().update_client(&update).await
        })
        .await
    });
    // The server behind the port: it reads one request and refuses it with a 400.
    eventually("the classifier opened the port", || {
        opened.lock().unwrap().is_some()
    })
    .await;
    let listener = opened.lock().unwrap().take().unwrap();
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let (mut stream, _) = listener.accept().await.unwrap();
    let mut request = vec![0; 65536];
    let read = stream.read(&mut request).await.unwrap();
    let line = String::from_utf8_lossy(&request[..read]).into_owned();
    assert!(
        line.starts_with("POST /2023-03-01/management/client "),
        "{line}"
    );
    let body = r#"{"message":"seen"}"#;
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes()).await.unwrap();
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    // Asked for the refusal (retried) and for the 400 (not transient: not retried).
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    assert_eq!(fp.retry_budget_left(), Some(500 - 5));
}

#[tokio::test]
async fn an_outage_drains_the_budget_shared_by_the_clones() {
    let logs = captured_logs();
    let sandbox = Sandbox::start().await.unwrap();
    // Room for exactly four retries.
    let policy = TransientRetries::default().with_capacity(20);
    let (fp, clock) = client(&sandbox, policy);
    sandbox.fail_next(Operation::ListTokens, 7, UNAVAILABLE);
    let mut requests = Vec::new();
    for _ in 0..3 {
        let call = fp.clone();
        let result = drive(&clock, async move { call.management().tokens().await }).await;
        assert_eq!(
            result.unwrap_err().status(),
            Some(StatusCode::SERVICE_UNAVAILABLE)
        );
        requests.push(sandbox.api_requests(Operation::ListTokens));
    }
    // The first clone: 1 + 3 retries; the second: 1 + the last retry; the third: 1.
    assert_eq!(requests, [4, 6, 7]);
    assert_eq!(fp.retry_budget_left(), Some(0));
    let other = fp.as_user("u-1").unwrap();
    assert_eq!(other.retry_budget_left(), Some(0));
    assert!(logs.text().contains("the retry budget is empty"));

    // Calls succeed again: each puts one token back, and a retry costs five.
    for _ in 0..5 {
        fp.management().tokens().await.unwrap();
    }
    assert_eq!(fp.retry_budget_left(), Some(5));
}

#[tokio::test]
async fn a_custom_classifier_decides() {
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new());
    // This service applies `update_client` idempotently; nothing else is retried.
    let fp = sandbox
        .client_builder()
        .clock(clock.clone())
        .retry_classifier(|operation: Operation, error: &Error| {
            operation == Operation::UpdateClient && error.is_transient()
        })
        .build()
        .unwrap();
    sandbox.fail_next(Operation::UpdateClient, 1, UNAVAILABLE);
    let (call, update) = (fp.clone(), update(&sandbox));
    drive(&clock, async move {
        call.management().update_client(&update).await
    })
    .await
    .unwrap();
    assert_eq!(sandbox.api_requests(Operation::UpdateClient), 2);

    sandbox.fail_next(Operation::ListTokens, 1, UNAVAILABLE);
    let call = fp.clone();
    let error = drive(&clock, async move { call.management().tokens().await })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
}

#[tokio::test]
async fn a_429_keeps_its_rule_with_transient_retries_on() {
    let sandbox = Sandbox::start().await.unwrap();
    let (fp, clock) = client(&sandbox, TransientRetries::default());
    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::TooManyRequests {
            retry_after: Duration::from_secs(2),
        },
    );
    let call = fp.clone();
    drive(&clock, async move { call.management().tokens().await })
        .await
        .unwrap();
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 2);
    // A 429 takes nothing from the retry budget; the success puts nothing over the top.
    assert_eq!(fp.retry_budget_left(), Some(500));
}
