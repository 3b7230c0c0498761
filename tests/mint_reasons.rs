//! The reason of each mint (a forced refresh, an invalidation) in the mint metric's
//! `trigger` label and the mint span's `flowpayroll.mint.reason`, with exact counts
//! (features `metrics` and `sandbox`; the recorder as in `metrics.rs`).

mod common;
#[path = "common/recorded.rs"]
mod recorded;

use std::sync::{Arc, Mutex};

use flowpayroll::sandbox::Sandbox;
use recorded::{count, recorded, total};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

const MINTS: &str = "flowpayroll.token.mints";
const LOCAL: (&str, &str) = ("mode", "local");

/// Records the `flowpayroll.mint.reason` of every mint span.
#[derive(Clone, Default)]
struct MintReasons(Arc<Mutex<Vec<String>>>);

struct ReasonField(Option<String>);

impl tracing::field::Visit for ReasonField {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "flowpayroll.mint.reason" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for MintReasons {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        if attrs.metadata().name() == "flowpayroll.token.mint" {
            let mut reason = ReasonField(None);
            attrs.record(&mut reason);
            self.0.lock().unwrap().push(reason.0.unwrap_or_default());
        }
    }
}

#[tokio::test]
async fn a_forced_refresh_and_an_invalidation_record_their_reasons() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let reasons = MintReasons::default();
    let _spans =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(reasons.clone()));
    let series = recorded(async {
        fp.authenticate().await.unwrap();
        fp.force_refresh().await.unwrap();
        fp.invalidate_token();
        fp.management().tokens().await.unwrap();
    })
    .await;
    assert_eq!(sandbox.token_requests(), 3);
    assert_eq!(count(&series, MINTS, &[("trigger", "cold"), LOCAL]), 1);
    assert_eq!(count(&series, MINTS, &[("trigger", "forced"), LOCAL]), 1);
    assert_eq!(
        count(&series, MINTS, &[("trigger", "invalidated"), LOCAL]),
        1
    );
    assert_eq!(total(&series, MINTS), 3);
    assert_eq!(
        *reasons.0.lock().unwrap(),
        ["cold", "forced", "invalidated"]
    );
}
