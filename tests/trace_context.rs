//! W3C trace context on the wire (feature `opentelemetry`): each request a loopback
//! server receives carries a `traceparent` naming the span the client exported for
//! that request (its `http.client.request` span), in the caller's trace.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Uri};
use axum::routing::{get, post};
use axum::Router;
use flowpayroll::FlowPayroll;
use opentelemetry::trace::{SpanId, TraceContextExt as _, TraceId, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

/// What the server heard: each request's path and its `traceparent`, `tracestate`.
type Heard = Arc<Mutex<Vec<(String, Option<String>, Option<String>)>>>;

/// A loopback token endpoint and `GET /providers`, recording what it hears.
async fn server() -> (String, Heard) {
    let heard: Heard = Arc::default();
    let record = |heard: Heard| {
        move |uri: Uri, headers: HeaderMap| {
            let text = |name: &str| {
                headers
                    .get(name)
                    .map(|value| value.to_str().unwrap().to_owned())
            };
            heard.lock().unwrap().push((
                uri.path().to_owned(),
                text("traceparent"),
                text("tracestate"),
            ));
        }
    };
    let (on_token, on_providers) = (record(Arc::clone(&heard)), record(Arc::clone(&heard)));
    let app = Router::new()
        .route(
            "/oauth2/token",
            post(move |uri: Uri, headers: HeaderMap| async move {
                on_token(uri, headers);
                (
                    [("content-type", "application/json")],
                    r#"{"access_token":"tok-traced-1","token_type":"Bearer","expires_in":300}"#,
                )
            }),
        )
        .route(
            "/providers",
            get(move |uri: Uri, headers: HeaderMap| async move {
                on_providers(uri, headers);
                ([("content-type", "application/json")], "[]")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, heard)
}

/// The trace and span ids of a `traceparent` (`00-trace-span-flags`).
fn ids(traceparent: &str) -> (TraceId, SpanId) {
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!(parts[0], "00", "{traceparent}");
    (
        TraceId::from_hex(parts[1]).unwrap(),
        SpanId::from_hex(parts[2]).unwrap(),
    )
}

/// A client of the server at `base`.
fn client(base: &str) -> FlowPayroll {
    FlowPayroll::builder()
        .credentials("client-traced", "secret-traced-0001")
        .token_url(format!("{base}/oauth2/token"))
        .api_url(base)
        .build()
        .unwrap()
}

// One test (the propagator is global), on one thread: the subscriber is this thread's, and the token cache's mint task runs on
// it too.
#[tokio::test(flavor = "current_thread")]
async fn the_span_id_on_the_wire_is_the_exported_request_span() {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    // Without a span (no subscriber yet), no trace context is made up.
    let (base, heard) = server().await;
    let fp = client(&base);
    fp.providers().await.unwrap();
    let untraced = heard.lock().unwrap().clone();
    assert_eq!(untraced.len(), 2);
    assert!(
        untraced
            .iter()
            .all(|(_, parent, state)| parent.is_none() && state.is_none()),
        "{untraced:?}"
    );

    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let _subscriber = tracing::subscriber::set_default(subscriber);
    let (base, heard) = server().await;
    let fp = client(&base);
    let caller = tracing::info_span!("caller");
    let caller_trace = caller.context().span().span_context().trace_id();
    let providers = fp.providers().instrument(caller).await.unwrap();
    assert!(providers.is_empty());
    provider.force_flush().unwrap();

    let exported = exporter.get_finished_spans().unwrap();
    let heard = heard.lock().unwrap().clone();
    let paths: Vec<&str> = heard.iter().map(|(path, _, _)| path.as_str()).collect();
    assert_eq!(paths, ["/oauth2/token", "/providers"]);
    for (path, traceparent, tracestate) in &heard {
        let (trace, span) = ids(traceparent.as_deref().expect("a traceparent"));
        // An empty `tracestate` is left out.
        assert_eq!(tracestate, &None, "{path}");
        let matching: Vec<_> = exported
            .iter()
            .filter(|data| data.span_context.span_id() == span)
            .collect();
        assert_eq!(matching.len(), 1, "{path}: {span} among {exported:#?}");
        let data = matching[0];
        assert_eq!(data.span_context.trace_id(), trace, "{path}");
        assert_eq!(
            data.span_kind,
            opentelemetry::trace::SpanKind::Client,
            "{path}"
        );
        let method = if path == "/providers" { "GET" } else { "POST" };
        assert_eq!(data.name, format!("{method} {path}"), "{path}");
        if path == "/providers" {
            assert_eq!(
                trace, caller_trace,
                "the API request is in the caller's trace"
            );
        }
    }
}
