//! Metrics and spans against the sandbox (features `metrics` and `sandbox`), with exact
//! counts: each test records into its own in-memory recorder (metrics-util's debugging
//! recorder, installed for this thread only) on a current-thread runtime, so the
//! cache's flight task records into it too. Every metric recorded must be in
//! `docs/observability.md` with the labels listed there.

mod common;
#[path = "common/recorded.rs"]
mod recorded;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::eventually;
use flowpayroll::clock::ManualClock;
use flowpayroll::deps::http::StatusCode;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox};
use flowpayroll::webhook::{sign, Verifier};
use flowpayroll::{FlowPayroll, SecretString};
use recorded::{count, recorded, samples, total};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

const MINTS: &str = "flowpayroll.token.mints";
const CALLS: &str = "flowpayroll.operation.duration";
const LOCAL: (&str, &str) = ("mode", "local");

fn client(sandbox: &Sandbox, clock: Option<Arc<ManualClock>>) -> FlowPayroll {
    let builder = sandbox.client_builder();
    match clock {
        Some(clock) => builder.clock(clock),
        None => builder,
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn a_cold_start_with_50_concurrent_callers_records_one_cold_mint() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = client(&sandbox, None);
    let series = recorded(async {
        let calls = (0..50).map(|_| async { fp.management().tokens().await });
        for result in futures::future::join_all(calls).await {
            result.unwrap();
        }
    })
    .await;
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(count(&series, MINTS, &[("trigger", "cold"), LOCAL]), 1);
    assert_eq!(total(&series, MINTS), 1);
    assert_eq!(total(&series, "flowpayroll.token.cache.lookups"), 50);
    assert_eq!(
        samples(&series, CALLS, &[("flowpayroll.operation", "list_tokens")]).len(),
        50
    );
    let minted = samples(
        &series,
        "flowpayroll.token.mint.duration",
        &[LOCAL, ("result", "minted")],
    );
    assert_eq!(minted.len(), 1);
}

#[tokio::test]
async fn a_refresh_ahead_records_one_refresh_mint_and_no_failed_call() {
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new());
    let fp = client(&sandbox, Some(clock.clone()));
    let series = recorded(async {
        fp.management().tokens().await.unwrap();
        // The sandbox's tokens live an hour: at 3500 s the token is in its refresh
        // window (at most 10% + 10% jitter of the lifetime before expiry) and valid.
        clock.advance(Duration::from_secs(3500));
        fp.management().tokens().await.unwrap();
        eventually("the refresh ends", || fp.token_status().tokens_minted == 2).await;
        fp.management().tokens().await.unwrap();
    })
    .await;
    assert_eq!(count(&series, MINTS, &[("trigger", "cold"), LOCAL]), 1);
    assert_eq!(
        count(&series, MINTS, &[("trigger", "refresh_ahead"), LOCAL]),
        1
    );
    assert_eq!(total(&series, "flowpayroll.token.mint.failures"), 0);
    let lists = samples(&series, CALLS, &[("flowpayroll.operation", "list_tokens")]);
    assert_eq!(lists.len(), 3);
    let failed = series
        .keys()
        .filter(|(name, l)| name == CALLS && l.iter().any(|(k, _)| k == "error.type"))
        .count();
    assert_eq!(failed, 0);
    let hits = [("tier", "memory"), ("result", "hit")];
    assert_eq!(count(&series, "flowpayroll.token.cache.lookups", &hits), 2);
}

#[tokio::test]
async fn a_token_left_to_expire_records_one_expired_mint() {
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new());
    let fp = client(&sandbox, Some(clock.clone()));
    let series = recorded(async {
        fp.management().tokens().await.unwrap();
        // No call during the refresh window: at 3700 s the hour-long token is past its
        // expiry, so the next call waits for a new one.
        clock.advance(Duration::from_secs(3700));
        fp.management().tokens().await.unwrap();
    })
    .await;
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(count(&series, MINTS, &[("trigger", "cold"), LOCAL]), 1);
    assert_eq!(count(&series, MINTS, &[("trigger", "expired"), LOCAL]), 1);
    assert_eq!(total(&series, MINTS), 2);
    assert_eq!(total(&series, "flowpayroll.token.mint.failures"), 0);
}

/// Records the `http.request.resend_count` of every attempt span (0 when absent), and
/// every `flowpayroll.request_id` recorded on one.
#[derive(Clone, Default)]
struct Resends(Arc<Mutex<Vec<u64>>>, Arc<Mutex<Vec<String>>>);

#[derive(Default)]
struct AttemptFields {
    resends: u64,
    request_id: Option<String>,
}

impl tracing::field::Visit for AttemptFields {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "http.request.resend_count" {
            self.resends = value;
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "flowpayroll.request_id" {
            self.request_id = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for Resends {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        if attrs.metadata().name() == "http.client.request" {
            self.0.lock().unwrap().push(0);
        }
    }

    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: Context<'_, S>,
    ) {
        let mut fields = AttemptFields::default();
        values.record(&mut fields);
        if fields.resends > 0 {
            if let Some(last) = self.0.lock().unwrap().last_mut() {
                *last = fields.resends;
            }
        }
        if let Some(id) = fields.request_id {
            self.1.lock().unwrap().push(id);
        }
    }
}

#[tokio::test]
async fn a_forced_401_records_one_after_401_mint_and_a_resend() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = client(&sandbox, None);
    fp.authenticate().await.unwrap();
    let resends = Resends::default();
    let _spans =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(resends.clone()));
    let series = recorded(async {
        sandbox.fail_next(
            Operation::ListTokens,
            1,
            Fault::Status(StatusCode::UNAUTHORIZED),
        );
        fp.management().tokens().await.unwrap();
    })
    .await;
    assert_eq!(count(&series, MINTS, &[("trigger", "after_401"), LOCAL]), 1);
    assert_eq!(total(&series, MINTS), 1);
    // The refused attempt, then the replay: its span says it is the first resend.
    assert_eq!(*resends.0.lock().unwrap(), [0, 0, 1], "list, mint, replay");
    // The refused call's span and the replay's carry the ids the sandbox gave their
    // answers (a mint keeps none: its answer is a token, not an API call).
    let ids = resends.1.lock().unwrap().clone();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("sandbox-")), "{ids:?}");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 2, "{ids:?}");
    let refused = [("http.response.status_code", "401"), ("error.type", "401")];
    assert_eq!(
        samples(&series, "http.client.request.duration", &refused).len(),
        1
    );
    let lists = samples(&series, CALLS, &[("flowpayroll.operation", "list_tokens")]);
    assert_eq!(lists.len(), 1);
}

#[tokio::test]
async fn a_429_with_retry_after_1_records_a_one_second_hold() {
    let sandbox = Sandbox::start().await.unwrap();
    let clock = Arc::new(ManualClock::new());
    let fp = client(&sandbox, Some(clock.clone()));
    fp.authenticate().await.unwrap();
    let series = recorded(async {
        sandbox.fail_next(
            Operation::ListTokens,
            1,
            Fault::TooManyRequests {
                retry_after: Duration::from_secs(1),
            },
        );
        let call = async { fp.management().tokens().await };
        let advance = async {
            eventually("the call waits out the 429", || clock.sleepers() > 0).await;
            clock.advance(Duration::from_secs(1));
        };
        let (result, ()) = tokio::join!(call, advance);
        result.unwrap();
    })
    .await;
    let hold = "flowpayroll.rate_limit.hold.duration";
    assert_eq!(samples(&series, hold, &[("source", "own")]), [1.0]);
    assert_eq!(
        samples(&series, CALLS, &[]),
        [1.0],
        "the call took the hold, on its clock"
    );
    let limited = [("http.response.status_code", "429"), ("error.type", "429")];
    assert_eq!(
        samples(&series, "http.client.request.duration", &limited).len(),
        1
    );
}

#[tokio::test]
async fn a_refused_mint_records_its_failure_kind() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = FlowPayroll::builder()
        .credentials(sandbox.client_id(), "not-the-secret")
        .environment(sandbox.environment())
        .build()
        .unwrap();
    let series = recorded(async {
        assert!(fp.management().tokens().await.is_err());
    })
    .await;
    let refused = [("kind", "refused"), ("trigger", "cold"), LOCAL];
    assert_eq!(
        count(&series, "flowpayroll.token.mint.failures", &refused),
        1
    );
    assert_eq!(total(&series, "flowpayroll.token.mint.failures"), 1);
    assert_eq!(total(&series, MINTS), 0);
    let errors = samples(
        &series,
        "flowpayroll.token.mint.duration",
        &[LOCAL, ("result", "error")],
    );
    assert_eq!(errors.len(), 1);
}

#[tokio::test]
async fn a_thousand_user_ids_leave_the_label_sets_bounded_and_no_secret_in_them() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = client(&sandbox, None);
    let token = fp.access_token().await.unwrap();
    let series = recorded(async {
        for chunk in (0..1000).collect::<Vec<u32>>().chunks(50) {
            let calls = chunk.iter().map(|i| {
                let user = fp.as_user(&format!("user-{i}")).unwrap();
                async move { user.management().tokens().await }
            });
            for result in futures::future::join_all(calls).await {
                result.unwrap();
            }
        }
        sandbox.fail_next(
            Operation::ListTokens,
            1,
            Fault::Status(StatusCode::UNAUTHORIZED),
        );
        fp.as_user("user-401")
            .unwrap()
            .management()
            .tokens()
            .await
            .unwrap();
    })
    .await;
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1002);
    assert!(
        series.len() <= 12,
        "{} series: {:#?}",
        series.len(),
        series.keys()
    );
    let secrets = [
        sandbox.client_secret().expose_secret().to_owned(),
        token.expose_secret().to_owned(),
        sandbox.client_id().to_owned(),
    ];
    for (name, labels) in series.keys() {
        for (key, value) in labels {
            assert!(!secrets.contains(value), "{name} {key}");
            assert!(!value.starts_with("user-"), "{name} {key}={value}");
        }
    }
}

#[tokio::test]
async fn webhook_checks_are_counted_by_outcome() {
    let secret = SecretString::new("whsec-test");
    let verifier = Verifier::new(secret.clone());
    let guard = flowpayroll::webhook::ReplayGuard::new(Duration::from_secs(60), 100);
    let series = recorded(async {
        let body = br#"{"event":"x"}"#;
        verifier
            .verify_signature(body, &sign(&secret, body))
            .unwrap();
        verifier
            .verify_signature(body, &sign(&secret, b"other"))
            .unwrap_err();
        verifier.verify(body, &http::HeaderMap::new()).unwrap_err();
        guard.check(body).unwrap();
        guard.check(body).unwrap_err();
    })
    .await;
    let verified = "flowpayroll.webhook.verifications";
    assert_eq!(count(&series, verified, &[("outcome", "accepted")]), 1);
    assert_eq!(count(&series, verified, &[("outcome", "mismatch")]), 1);
    assert_eq!(
        count(&series, verified, &[("outcome", "missing_signature")]),
        1
    );
    let replays = "flowpayroll.webhook.replay_checks";
    assert_eq!(count(&series, replays, &[("outcome", "accepted")]), 1);
    assert_eq!(count(&series, replays, &[("outcome", "replayed")]), 1);
}
