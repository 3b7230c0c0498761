//! A fault-injecting middleware layer for an application's own tests: it answers
//! chosen operations with a status of its choosing (here a 503, then a 429) instead of
//! sending them, so the application's handling of those answers can be tested against
//! any server. `cargo run --example middleware_faults` runs it against the embedded
//! sandbox.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use flowpayroll::deps::http::{header, StatusCode};
use flowpayroll::deps::tower::layer::layer_fn;
use flowpayroll::deps::tower::{service_fn, ServiceExt as _};
use flowpayroll::middleware::{HttpRequest, HttpResponse, Inner};
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::Error;

/// The faults still to inject: the operation and the status it answers with, in order.
type Faults = Arc<Mutex<VecDeque<(Operation, StatusCode)>>>;

/// An answer with `status` and an empty JSON object, as a server would send it.
fn answer(status: StatusCode) -> HttpResponse {
    let mut response = HttpResponse::new(reqwest::Body::from("{}"));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    response
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let sandbox = Sandbox::start().await?;
    let faults: Faults = Arc::new(Mutex::new(VecDeque::from([
        (Operation::ListProviders, StatusCode::SERVICE_UNAVAILABLE),
        (Operation::ListTokens, StatusCode::TOO_MANY_REQUESTS),
    ])));
    let queue = Arc::clone(&faults);
    let fp = sandbox
        .client_builder()
        .layer(layer_fn(move |inner: Inner| {
            let queue = Arc::clone(&queue);
            service_fn(move |request: HttpRequest| {
                let (inner, queue) = (inner.clone(), Arc::clone(&queue));
                async move {
                    let operation = request.extensions().get::<Operation>().copied();
                    let fault = {
                        let mut queue = queue.lock().expect("no panic holds the queue");
                        match queue.front() {
                            Some((target, _)) if Some(*target) == operation => queue.pop_front(),
                            _ => None,
                        }
                    };
                    match fault {
                        Some((_, status)) => Ok(answer(status)),
                        None => inner.oneshot(request).await,
                    }
                }
            })
        }))
        .build()?;

    let error = fp.providers().await.unwrap_err();
    println!("injected: {error}");
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    // A 429 is waited out and retried by the client, as for a real server's.
    let tokens = fp.management().tokens().await?;
    println!("after an injected 429: {} token(s)", tokens.len());
    assert!(faults.lock().expect("no panic holds the queue").is_empty());
    Ok(())
}
