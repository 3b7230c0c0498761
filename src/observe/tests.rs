//! `docs/observability.md` against the code: its metric table against [`METRICS`], its
//! span table against the spans [`call`] and [`Attempt`] really open.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

use super::*;
use crate::clock::SystemClock;
use crate::generated::model::Operation;

const DOC: &str = include_str!("../../docs/observability.md");

/// The rows of the table under `heading`: its cells, backquotes kept.
fn rows(heading: &str) -> Vec<Vec<String>> {
    let section = DOC
        .split(heading)
        .nth(1)
        .expect("the heading is in the doc");
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned())
                .collect()
        })
        .collect()
}

/// `` `a`, `b` `` → `["a", "b"]`.
fn names(cell: &str) -> Vec<String> {
    cell.split(',')
        .map(|name| name.trim().trim_matches('`').to_owned())
        .collect()
}

#[test]
fn the_metric_table_lists_every_metric_as_recorded() {
    let documented: Vec<(String, String, String, Vec<String>)> = rows("## Metrics\n")
        .iter()
        .map(|row| {
            (
                row[0].trim_matches('`').to_owned(),
                row[1].clone(),
                row[2].trim_matches('`').to_owned(),
                names(&row[3]),
            )
        })
        .collect();
    let coded: Vec<(String, String, String, Vec<String>)> = METRICS
        .iter()
        .map(|m| {
            (
                m.name.to_owned(),
                m.kind.to_owned(),
                m.unit.to_owned(),
                m.labels.iter().map(|l| (*l).to_owned()).collect(),
            )
        })
        .collect();
    assert_eq!(documented, coded);
    for metric in METRICS {
        assert!(
            metric.name.starts_with("flowpayroll.") || metric.name.starts_with("http.client."),
            "{}",
            metric.name
        );
        assert!(matches!(metric.kind, "counter" | "histogram"));
        assert_eq!(
            metric.kind == "histogram",
            metric.unit == "s",
            "{}",
            metric.name
        );
    }
}

/// Records the name, `otel.kind` and field names of every span opened.
/// Each span seen: its name, then its parent and its fields.
type SpanTable = BTreeMap<String, (String, Vec<String>)>;

#[derive(Clone, Default)]
struct Spans(Arc<Mutex<SpanTable>>);

/// Reads `otel.kind` out of a span's values.
#[derive(Default)]
struct Kind(String);

impl tracing::field::Visit for Kind {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "otel.kind" {
            value.clone_into(&mut self.0);
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        let fields = attrs
            .metadata()
            .fields()
            .iter()
            .map(|f| f.name().to_owned());
        let mut kind = Kind::default();
        attrs.record(&mut kind);
        self.0.lock().unwrap().insert(
            attrs.metadata().name().to_owned(),
            (kind.0, fields.collect()),
        );
    }
}

#[test]
fn the_span_table_lists_every_span_with_its_fields() {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    tracing::subscriber::with_default(subscriber, || {
        let clock = SystemClock;
        let work = async {
            let attempt = Attempt::start(Operation::ListTokens, "https://api.test/", 1, &clock);
            let answer: Result<(), Error> = Err(Error::Config("x".to_owned()));
            let _ = attempt.end(answer.map(|()| Ok200));
            Ok::<_, Error>(())
        };
        futures::executor::block_on(call(Operation::ListTokens, &clock, work)).unwrap();
        drop(super::spans::mint_span(MintReason::Forced));
    });
    let opened = spans.0.lock().unwrap().clone();
    let documented: BTreeMap<String, (String, Vec<String>)> = rows("## Spans\n")
        .iter()
        .map(|row| {
            let kind = row[1].trim_matches('`').to_owned();
            (row[0].trim_matches('`').to_owned(), (kind, names(&row[2])))
        })
        .collect();
    assert_eq!(documented, opened);
}

/// A 200 without a request id.
struct Ok200;

impl Answer for Ok200 {
    fn status(&self) -> u16 {
        200
    }

    fn request_id(&self) -> Option<String> {
        None
    }
}

#[test]
fn the_mint_row_names_every_trigger_and_mode() {
    let table = rows("## Metrics\n");
    let row = |name: &str| {
        let row = table.iter().find(|row| row[0] == format!("`{name}`"));
        row.expect("the metric is in the table")[4].clone()
    };
    let triggers = [
        MintReason::Cold,
        MintReason::Expired,
        MintReason::RefreshAhead,
        MintReason::After401,
        MintReason::Forced,
        MintReason::Invalidated,
    ];
    let mints = row(MINTS);
    for trigger in triggers {
        let value = format!("`{}`", trigger.label());
        assert!(mints.contains(&value), "{value}");
    }
    for mode in [Mode::Local, Mode::Fleet] {
        let value = format!("`{}`", mode.label());
        assert!(mints.contains(&value), "{value}");
    }
}

#[test]
fn the_server_address_is_the_host_alone() {
    for (url, host) in [
        ("https://api.flowpayroll.test/", "api.flowpayroll.test"),
        ("http://127.0.0.1:8080/base/", "127.0.0.1"),
        ("http://[::1]:41234/", "[::1]"),
        ("http://[::1]/", "[::1]"),
        ("https://user:pass@host.test:443/x?y#z", "host.test"),
        ("host.test", "host.test"),
        ("", ""),
    ] {
        assert_eq!(spans::server_address(url), host, "{url}");
    }
}

#[test]
fn error_types_and_failure_kinds_are_fixed_words() {
    let timeout = Error::Timeout {
        operation: Operation::ListTokens,
        after: Duration::from_secs(1),
        limit: crate::error::Limit::Request,
        phase: None,
        host: None,
    };
    assert_eq!(error_type(&timeout), "timeout");
    assert_eq!(failure_kind(&timeout), "timeout");
    let gone = Error::TokenUnavailable("gone".to_owned());
    assert_eq!(error_type(&gone), "token_unavailable");
    assert_eq!(failure_kind(&gone), "abandoned");
    let decode = Error::Decode {
        operation: Operation::ListTokens,
        reason: "secret-looking text".to_owned(),
    };
    assert_eq!(error_type(&decode), "decode");
    assert_eq!(failure_kind(&decode), "invalid_response");
    assert_eq!(failure_kind(&Error::Config("c".to_owned())), "other");
    assert_eq!(
        webhook_outcome(&Err(WebhookError::MalformedSignature("x"))),
        "malformed_signature"
    );
    assert_eq!(webhook_outcome(&Ok(())), "accepted");
}
