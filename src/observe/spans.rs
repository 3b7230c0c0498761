//! The spans (through `tracing`, with OpenTelemetry field names, so that
//! `tracing-opentelemetry` makes standard traces of them) and the durations measured
//! with them: [`call`] wraps one whole operation, an [`Attempt`] one HTTP request of it.

use std::borrow::Cow;
use std::future::Future;
#[cfg(feature = "metrics")]
use std::time::Instant;

use progenitor_client::ResponseValue;
use tracing::field::Empty;
use tracing::instrument::{Instrument, Instrumented};
use tracing::Span;

use super::error_type;
#[cfg(feature = "metrics")]
use super::OPERATION;
use crate::clock::Clock;
use crate::error::request_id::request_id;
use crate::error::Error;
use crate::generated::model::Operation;

/// A successful answer of an attempt: its status and the server's id for it.
pub(crate) trait Answer {
    fn status(&self) -> u16;
    fn request_id(&self) -> Option<String>;
}

impl<T> Answer for ResponseValue<T> {
    fn status(&self) -> u16 {
        ResponseValue::status(self).as_u16()
    }

    fn request_id(&self) -> Option<String> {
        request_id(self.headers())
    }
}

/// The span of one mint of the token cache (its retries included), started for
/// `reason`; a request of it gets its own [`Attempt`] span inside.
pub(crate) fn mint_span(reason: super::MintReason) -> Span {
    // A root: the mint is shared by every caller that waits for it, not one call's.
    tracing::info_span!(
        parent: None,
        "flowpayroll.token.mint",
        otel.kind = "internal",
        flowpayroll.mint.reason = reason.label(),
    )
}

/// Runs one whole operation (`work`: its attempts and waits) in its span, and records
/// its duration on `clock`.
pub(crate) async fn call<T>(
    operation: Operation,
    clock: &dyn Clock,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let span = tracing::info_span!(
        "flowpayroll.operation",
        otel.name = operation.id(),
        otel.kind = "internal",
        flowpayroll.operation = operation.id(),
        error.type = Empty,
        otel.status_code = Empty,
    );
    #[cfg(feature = "metrics")]
    let started = clock.now();
    let result = work.instrument(span.clone()).await;
    let error = result.as_ref().err().map(error_type);
    if let Some(error) = &error {
        span.record("error.type", &**error);
        span.record("otel.status_code", "ERROR");
    }
    #[cfg(feature = "metrics")]
    super::emit::seconds(
        super::OPERATION_DURATION,
        labels(&[(OPERATION, operation.id().into())], error),
        clock.now().saturating_duration_since(started),
    );
    let _ = clock;
    result
}

/// One HTTP request of an operation: its span, and its duration once it has ended.
#[derive(Debug)]
pub(crate) struct Attempt<'a> {
    span: Span,
    operation: Operation,
    /// The URL the request goes to, for `server.address`.
    url: &'a str,
    clock: &'a dyn Clock,
    /// When it started (read only to be recorded).
    #[cfg(feature = "metrics")]
    started: Instant,
}

impl<'a> Attempt<'a> {
    /// Starts the attempt after `resends` earlier ones, to the server of `url`.
    pub fn start(operation: Operation, url: &'a str, resends: u32, clock: &'a dyn Clock) -> Self {
        let span = tracing::info_span!(
            "http.client.request",
            otel.name = %format_args!("{} {}", operation.method(), operation.path()),
            otel.kind = "client",
            http.request.method = operation.method(),
            server.address = Empty,
            url.template = operation.path(),
            flowpayroll.operation = operation.id(),
            http.request.resend_count = Empty,
            http.response.status_code = Empty,
            error.type = Empty,
            flowpayroll.request_id = Empty,
            otel.status_code = Empty,
        );
        if !span.is_disabled() {
            span.record("server.address", server_address(url));
        }
        if resends > 0 {
            span.record("http.request.resend_count", resends);
        }
        Self {
            span,
            operation,
            url,
            clock,
            #[cfg(feature = "metrics")]
            started: clock.now(),
        }
    }

    /// `request`, run inside the attempt's span.
    pub fn run<F: Future>(&self, request: F) -> Instrumented<F> {
        request.instrument(self.span.clone())
    }

    /// Ends the attempt with `result` (handed back): its status, error and request id
    /// go on the span, its duration to the metrics.
    pub fn end<T: Answer>(self, result: Result<T, Error>) -> Result<T, Error> {
        match &result {
            Ok(answer) => self.succeeded_with(answer),
            Err(error) => {
                let status = error.status().map(|s| s.as_u16());
                let id = error
                    .as_api()
                    .and_then(|a| a.request_id())
                    .map(str::to_owned);
                self.record(status, id, Some(error_type(error)));
            }
        }
        result
    }

    /// [`Self::end`] for an answer that succeeded.
    pub fn succeeded<T: Answer>(self, answer: T) -> T {
        self.succeeded_with(&answer);
        answer
    }

    fn succeeded_with<T: Answer>(self, answer: &T) {
        // Reading the request id costs a header lookup: only for a span that is kept.
        let id = (!self.span.is_disabled()).then(|| answer.request_id());
        self.record(Some(answer.status()), id.flatten(), None);
    }

    fn record(self, status: Option<u16>, id: Option<String>, error: Option<Cow<'static, str>>) {
        if let Some(status) = status {
            self.span.record("http.response.status_code", status);
        }
        if let Some(id) = &id {
            self.span.record("flowpayroll.request_id", id.as_str());
        }
        if let Some(error) = &error {
            self.span.record("error.type", &**error);
            self.span.record("otel.status_code", "ERROR");
        }
        #[cfg(feature = "metrics")]
        {
            let mut fixed = vec![
                ("http.request.method", self.operation.method().into()),
                ("server.address", server_address(self.url).to_owned().into()),
                (OPERATION, self.operation.id().into()),
            ];
            if let Some(status) = status {
                fixed.push(("http.response.status_code", status.to_string().into()));
            }
            super::emit::seconds(
                super::REQUEST_DURATION,
                labels(&fixed, error),
                self.clock.now().saturating_duration_since(self.started),
            );
        }
        let _ = (self.operation, self.url, self.clock);
    }
}

/// The labels `fixed`, then `error.type` when there is one.
#[cfg(feature = "metrics")]
fn labels(
    fixed: &[(&'static str, Cow<'static, str>)],
    error: Option<Cow<'static, str>>,
) -> Vec<metrics::Label> {
    fixed
        .iter()
        .cloned()
        .chain(error.map(|e| ("error.type", e)))
        .map(|(key, value)| metrics::Label::new(key, value))
        .collect()
}

/// The host of `url` (`https://host:port/path` → `host`; `[::1]` stays bracketed).
pub(crate) fn server_address(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    match host.rsplit_once(':') {
        Some((name, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!name.starts_with('[') || name.ends_with(']')) =>
        {
            name
        }
        _ => host,
    }
}
