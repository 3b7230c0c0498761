//! The sandbox delivers signed webhooks to a receiver built only on the public API
//! (`flowpayroll::webhook`): verified, decoded, counted with the receiver's status; the
//! replay guard refuses a second copy; a receiver that hangs or answers 500 does not
//! stall the sandbox; `webhook_uri: null` turns webhooks off; bounds and redirects.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::sandbox_http::http;
use flowpayroll::sandbox::{Sandbox, SandboxConfig, WebhookPayload, MAX_GENERATED};
use flowpayroll::types::{ClientUpdate, EmployeesChanged};
use flowpayroll::webhook::{ReplayGuard, Verifier, WebhookError};
use flowpayroll::{Error, FlowPayroll};
use serde_json::{json, Value};
use tokio::sync::Notify;

/// What the test receiver saw.
struct Receiver {
    verifier: Verifier,
    guard: ReplayGuard,
    verified: AtomicU64,
    employees: AtomicU64,
    replays: AtomicU64,
    refused: AtomicU64,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let change: EmployeesChanged = match receiver.verifier.verify_json(&body, &headers) {
        Ok(change) => change,
        Err(_) => {
            receiver.refused.fetch_add(1, Ordering::SeqCst);
            return StatusCode::UNAUTHORIZED;
        }
    };
    if receiver.guard.check(&body) == Err(WebhookError::Replayed) {
        receiver.replays.fetch_add(1, Ordering::SeqCst);
        return StatusCode::OK;
    }
    let count = change.added.len() + change.removed.len() + change.updated.len();
    receiver.employees.fetch_add(count as u64, Ordering::SeqCst);
    receiver.verified.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}/hooks")
}

/// A sandbox whose webhooks go, from the start, to a receiver of this test.
async fn sandbox_with_receiver() -> (Sandbox, FlowPayroll, Arc<Receiver>) {
    let secret = flowpayroll::SecretString::new("webhook-test-secret");
    let receiver = Arc::new(Receiver {
        verifier: Verifier::new(secret.clone()),
        guard: ReplayGuard::new(Duration::from_secs(3600), 1000),
        verified: AtomicU64::new(0),
        employees: AtomicU64::new(0),
        replays: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let uri = serve(
        Router::new()
            .route("/hooks", post(receive))
            .with_state(Arc::clone(&receiver)),
    )
    .await;
    let config = SandboxConfig::default()
        .with_client_secret(secret)
        .with_webhook_uri(uri);
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    (sandbox, fp, receiver)
}

/// Webhooks off is `deliver_webhook`'s refusal, with nothing attempted.
async fn assert_off(sandbox: &Sandbox) {
    let error = sandbox
        .deliver_webhook(WebhookPayload::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidRequest {
                operation: None,
                ..
            }
        ),
        "{error}"
    );
}

/// A sandbox nobody configured sends nothing anywhere: its `webhook_uri` is null (not
/// the spec example's host on the internet), and a delivery is refused, not attempted.
#[tokio::test]
async fn a_fresh_sandbox_has_webhooks_off_and_sends_nothing() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    assert_eq!(fp.management().client().await.unwrap().webhook_uri, None);
    assert_off(&sandbox).await;
    let control = http()
        .post(sandbox.url().join("/__sandbox/webhooks/deliver").unwrap())
        .json(&json!({"generate": {"added": 1, "removed": 0, "updated": 0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(control.status(), 409);
    assert_eq!(sandbox.stats().webhooks.attempted, 0);
}

/// `set_webhook_uri` points the webhooks at a receiver and turns them off again; a
/// reset goes back to the configured URI.
#[tokio::test]
async fn set_webhook_uri_points_turns_off_and_reset_restores_the_configured_one() {
    let (sandbox, fp, receiver) = sandbox_with_receiver().await;
    let configured = fp.management().client().await.unwrap().webhook_uri.unwrap();
    sandbox.set_webhook_uri(None);
    assert_eq!(fp.management().client().await.unwrap().webhook_uri, None);
    assert_off(&sandbox).await;
    sandbox.set_webhook_uri(Some(&configured));
    let delivery = sandbox
        .deliver_webhook(WebhookPayload::default())
        .await
        .unwrap();
    assert_eq!(delivery.status, Some(204));
    sandbox.set_webhook_uri(None);
    sandbox.reset();
    let delivery = sandbox
        .deliver_webhook(WebhookPayload::default())
        .await
        .unwrap();
    assert_eq!(
        delivery.status,
        Some(204),
        "delivered to the configured receiver"
    );
    assert_eq!(receiver.verified.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_delivery_is_verified_decoded_and_counted_and_its_replay_refused() {
    let (sandbox, _fp, receiver) = sandbox_with_receiver().await;
    let payload = WebhookPayload::Generated {
        added: 2,
        removed: 1,
        updated: 3,
    };
    let delivery = sandbox.deliver_webhook(payload).await.unwrap();
    assert_eq!((delivery.status, delivery.delivered()), (Some(204), true));
    assert_eq!(receiver.verified.load(Ordering::SeqCst), 1);
    assert_eq!(receiver.employees.load(Ordering::SeqCst), 6);

    // The same bytes twice: the second copy is a replay.
    let fixed = json!({"added": [], "removed": [{"employee_number": "1"}], "updated": []});
    sandbox
        .deliver_webhook(WebhookPayload::Json(fixed.clone()))
        .await
        .unwrap();
    let again = sandbox
        .deliver_webhook(WebhookPayload::Json(fixed))
        .await
        .unwrap();
    assert_eq!(again.status, Some(200));
    assert_eq!(receiver.verified.load(Ordering::SeqCst), 2);
    assert_eq!(receiver.replays.load(Ordering::SeqCst), 1);
    assert_eq!(receiver.refused.load(Ordering::SeqCst), 0);

    let stats = sandbox.stats().webhooks;
    assert_eq!((stats.attempted, stats.delivered), (3, 3));
    assert_eq!(
        stats.statuses,
        [("200".to_owned(), 1), ("204".to_owned(), 2)].into()
    );
}

#[tokio::test]
async fn the_control_call_delivers_and_a_rotated_out_secret_is_refused_by_the_receiver() {
    let (sandbox, fp, receiver) = sandbox_with_receiver().await;
    let url = sandbox.url().join("/__sandbox/webhooks/deliver").unwrap();
    let answer: Value = http()
        .post(url.clone())
        .json(&json!({"generate": {"added": 1}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["status"], 204);
    assert_eq!(receiver.employees.load(Ordering::SeqCst), 1);

    // The sandbox signs with the first secret; a receiver that does not know it refuses.
    let current = fp.management().client().await.unwrap();
    let update = ClientUpdate::builder()
        .name(current.name)
        .client_secret(["a-new-secret".to_owned()])
        .redirect_uris(current.redirect_uris)
        .build();
    fp.management().update_client(&update).await.unwrap();
    let answer: Value = http()
        .post(url)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["status"], 401);
    assert_eq!(receiver.refused.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn webhook_uri_null_turns_webhooks_off() {
    let (sandbox, fp, receiver) = sandbox_with_receiver().await;
    let current = fp.management().client().await.unwrap();
    let update = ClientUpdate::builder()
        .name(current.name)
        .client_secret(current.client_secret)
        .redirect_uris(current.redirect_uris)
        .clear_webhook_uri()
        .build();
    assert_eq!(
        fp.management()
            .update_client(&update)
            .await
            .unwrap()
            .webhook_uri,
        None
    );
    assert_off(&sandbox).await;
    let url = sandbox.url().join("/__sandbox/webhooks/deliver").unwrap();
    assert_eq!(
        http()
            .post(url)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        409
    );
    assert_eq!(receiver.verified.load(Ordering::SeqCst), 0);
    assert_eq!(sandbox.stats().webhooks.attempted, 0);
}

#[tokio::test]
async fn a_hanging_or_failing_receiver_does_not_stall_the_sandbox() {
    let config = SandboxConfig::default().with_webhook_timeout(Duration::from_millis(300));
    let sandbox = Arc::new(Sandbox::start_with(config).await.unwrap());
    let fp = sandbox.client_builder().build().unwrap();
    let arrived = Arc::new(Notify::new());
    let hang = {
        let arrived = Arc::clone(&arrived);
        move || async move {
            arrived.notify_one();
            std::future::pending::<StatusCode>().await
        }
    };
    let hanging = serve(Router::new().route("/hooks", post(hang))).await;
    sandbox.set_webhook_uri(Some(&hanging));
    let delivery = tokio::spawn({
        let sandbox = Arc::clone(&sandbox);
        async move { sandbox.deliver_webhook(WebhookPayload::default()).await }
    });
    arrived.notified().await;
    // While the receiver holds the delivery, the sandbox still answers.
    assert_eq!(
        fp.management()
            .client()
            .await
            .unwrap()
            .webhook_uri
            .as_deref(),
        Some(&*hanging)
    );
    let delivery = delivery.await.unwrap().unwrap();
    assert_eq!(delivery.status, None);
    assert!(delivery.error.unwrap().starts_with("no answer within"));

    let failing = serve(Router::new().route(
        "/hooks",
        post(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
    ))
    .await;
    sandbox.set_webhook_uri(Some(&failing));
    let delivery = sandbox
        .deliver_webhook(WebhookPayload::default())
        .await
        .unwrap();
    assert_eq!((delivery.status, delivery.delivered()), (Some(500), false));
    let stats = sandbox.stats().webhooks;
    assert_eq!((stats.attempted, stats.delivered), (2, 0));
    assert_eq!(
        stats.statuses,
        [("500".to_owned(), 1), ("none".to_owned(), 1)].into()
    );
}

#[tokio::test]
async fn redirects_are_not_followed_and_sizes_are_bounded() {
    let (sandbox, fp, receiver) = sandbox_with_receiver().await;
    let target = fp.management().client().await.unwrap().webhook_uri.unwrap();
    let redirect = serve(Router::new().route(
        "/hooks",
        post(move || async move { (StatusCode::TEMPORARY_REDIRECT, [("location", target)]) }),
    ))
    .await;
    sandbox.set_webhook_uri(Some(&redirect));
    let delivery = sandbox
        .deliver_webhook(WebhookPayload::default())
        .await
        .unwrap();
    assert_eq!(delivery.status, Some(307));
    assert_eq!(
        receiver.verified.load(Ordering::SeqCst),
        0,
        "the redirect was not followed"
    );

    let too_many = WebhookPayload::Generated {
        added: MAX_GENERATED + 1,
        removed: 0,
        updated: 0,
    };
    assert!(matches!(
        sandbox.deliver_webhook(too_many).await,
        Err(Error::InvalidRequest { .. })
    ));
    let too_big = WebhookPayload::Json(json!({"added": ["x".repeat(1024 * 1024)]}));
    assert!(matches!(
        sandbox.deliver_webhook(too_big).await,
        Err(Error::InvalidRequest { .. })
    ));
    assert_eq!(sandbox.stats().webhooks.attempted, 1);
}
