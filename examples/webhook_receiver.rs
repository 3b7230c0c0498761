//! A webhook receiver on axum: `cargo run --example webhook_receiver`.
//!
//! The handler is what to copy: take the raw body (`Bytes`, never a parsed and
//! re-serialised `Json`), verify the signature, refuse a replay, hand the work off, and
//! answer 2xx at once. With `FLOWPAYROLL_CLIENT_SECRET` set it serves on
//! `127.0.0.1:${PORT:-8787}` until Ctrl-C; without it, it starts the embedded sandbox,
//! points the sandbox client's `webhook_uri` at itself and has the sandbox deliver one
//! signed change.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use flowpayroll::sandbox::{Sandbox, WebhookPayload};
use flowpayroll::types::EmployeesChanged;
use flowpayroll::webhook::{ReplayGuard, Verifier, WebhookError};
use flowpayroll::{Error, SecretString};
use tokio::sync::{mpsc, Notify};

/// What the handler shares: the verifier, the replay guard, and the queue the work goes to.
struct Receiver {
    verifier: Verifier,
    replays: ReplayGuard,
    work: mpsc::Sender<EmployeesChanged>,
}

async fn webhook(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let change: EmployeesChanged = match receiver.verifier.verify_json(&body, &headers) {
        Ok(change) => change,
        // Not from Flow Payroll (or not decodable): say no, and do nothing with it.
        Err(error) => {
            eprintln!("refused a delivery: {error}");
            return StatusCode::UNAUTHORIZED;
        }
    };
    match receiver.replays.check(&body) {
        Ok(()) => {}
        // Already received: acknowledge, so that it is not sent again.
        Err(WebhookError::Replayed) => return StatusCode::OK,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    }
    // Queue the work and answer at once; a full queue asks the sender to try later.
    match receiver.work.try_send(change) {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn router(secret: SecretString, work: mpsc::Sender<EmployeesChanged>) -> Router {
    let receiver = Receiver {
        verifier: Verifier::new(secret),
        // Deliveries come hourly at most: a day of them fits easily.
        replays: ReplayGuard::new(Duration::from_secs(24 * 3600), 10_000),
        work,
    };
    Router::new()
        .route("/webhooks/flowpayroll", post(webhook))
        .with_state(Arc::new(receiver))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (work, mut queue) = mpsc::channel::<EmployeesChanged>(64);
    let handled = Arc::new(Notify::new());
    let worker_handled = Arc::clone(&handled);
    tokio::spawn(async move {
        while let Some(change) = queue.recv().await {
            println!(
                "employees changed: {} added, {} removed, {} updated",
                change.added.len(),
                change.removed.len(),
                change.updated.len()
            );
            worker_handled.notify_one();
        }
    });
    let configured = std::env::var("FLOWPAYROLL_CLIENT_SECRET").ok();
    let sandbox = match configured {
        Some(_) => None,
        None => Some(Sandbox::start().await?),
    };
    let secret = match (&sandbox, configured) {
        (Some(sandbox), _) => sandbox.client_secret(),
        (None, Some(secret)) => SecretString::new(secret),
        (None, None) => unreachable!("a sandbox is started without a secret"),
    };
    let port = match (&sandbox, std::env::var("PORT")) {
        (None, Ok(port)) => port
            .parse()
            .map_err(|_| Error::Config("PORT is not a port number".into()))?,
        (None, Err(_)) => 8787,
        (Some(_), _) => 0,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Error::Config(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| Error::Config(e.to_string()))?;
    let app = router(secret, work);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let uri = format!("http://{address}/webhooks/flowpayroll");
    println!("Receiving webhooks on {uri}");

    let Some(sandbox) = sandbox else {
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| Error::Config(e.to_string()))?;
        return Ok(());
    };
    // The sandbox starts with webhooks off; point them at this receiver.
    sandbox.set_webhook_uri(Some(&uri));
    let payload = WebhookPayload::Generated {
        added: 2,
        removed: 0,
        updated: 1,
    };
    let delivery = sandbox.deliver_webhook(payload).await?;
    println!(
        "the sandbox delivered {} bytes; the receiver answered {:?}",
        delivery.bytes, delivery.status
    );
    if delivery.delivered() {
        handled.notified().await;
    }
    server.abort();
    Ok(())
}
