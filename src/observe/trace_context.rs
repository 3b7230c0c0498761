//! W3C trace context on the wire (feature `opentelemetry`): each request carries the
//! context of the span it is sent in (the attempt's span, a child of the caller's
//! current span), through the text-map propagator the application installed with
//! `opentelemetry::global::set_text_map_propagator` (`traceparent` and `tracestate`
//! with the W3C one). Without the feature, [`inject`] is an empty `#[inline]` function.

use reqwest::header::HeaderMap;

/// Puts the current span's trace context on `headers`.
#[cfg(feature = "opentelemetry")]
pub(crate) fn inject(headers: &mut HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut Headers(headers));
    });
}

/// Without the feature: nothing.
#[cfg(not(feature = "opentelemetry"))]
#[inline(always)]
pub(crate) fn inject(_headers: &mut HeaderMap) {}

/// `headers` as the propagator writes them: a name or value that is not a valid header
/// is left out (the W3C propagator writes only valid ones), and so is an empty value
/// (the W3C propagator writes an empty `tracestate`, which its spec lets a sender omit).
#[cfg(feature = "opentelemetry")]
struct Headers<'a>(&'a mut HeaderMap);

#[cfg(feature = "opentelemetry")]
impl opentelemetry::propagation::Injector for Headers<'_> {
    fn set(&mut self, key: &str, value: String) {
        if value.is_empty() {
            return;
        }
        let name = reqwest::header::HeaderName::from_bytes(key.as_bytes());
        let value = reqwest::header::HeaderValue::from_str(&value);
        if let (Ok(name), Ok(value)) = (name, value) {
            self.0.insert(name, value);
        }
    }
}
