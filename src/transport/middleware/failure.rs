//! What went wrong in a [`Stack`](super::Stack) that the HTTP client did not report: a
//! layer's own error, a panic, the timeout, or the innermost service's refusal to send
//! the credentials to another origin ([`StackError`]); and its way through the generated
//! client, whose hook must answer a `reqwest::Error` ([`StackError::into_reqwest`]).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;

use super::BoxError;
use crate::error::{Error, Limit};
use crate::generated::model::Operation;
use crate::secret::redact::mask;
use crate::secret::terminal::escape;

/// The most bytes of a layer's error message an [`Error::Middleware`] keeps.
pub(crate) const MESSAGE_LIMIT: usize = 512;

/// How sending through the layers failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The HTTP client's own error, passed up by the layers unchanged.
    Reqwest(reqwest::Error),
    /// Everything else.
    Stack(StackError),
}

impl Failure {
    /// The failure for `error`, returned by the layers: the HTTP client's or the
    /// innermost service's error as it is, anything else a layer's, its message masked
    /// of `secrets`.
    pub(crate) fn from_layer(error: BoxError, secrets: &[&str]) -> Self {
        let error = match error.downcast::<reqwest::Error>() {
            Ok(error) => return Failure::Reqwest(*error),
            Err(error) => error,
        };
        match error.downcast::<StackError>() {
            Ok(error) => Failure::Stack(*error),
            Err(error) => Failure::Stack(StackError::layer(&error.to_string(), secrets)),
        }
    }
}

/// A failure of the layers (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StackError {
    /// A layer returned an error; its message, masked and escaped.
    Layer(String),
    /// A layer panicked.
    Panicked,
    /// The layers did not answer within the request's timeout.
    TimedOut(Duration),
    /// A layer sent the request to another origin than its credentials may go to.
    Refused(String),
}

impl StackError {
    pub(crate) fn layer(message: &str, secrets: &[&str]) -> Self {
        let masked = mask(message.as_bytes(), secrets);
        let text = String::from_utf8_lossy(&masked);
        let escaped = escape(&text);
        let mut end = escaped.len().min(MESSAGE_LIMIT);
        while !escaped.is_char_boundary(end) {
            end -= 1;
        }
        StackError::Layer(escaped[..end].to_owned())
    }

    pub(crate) fn panicked() -> Self {
        StackError::Panicked
    }

    pub(crate) fn timed_out(after: Duration) -> Self {
        StackError::TimedOut(after)
    }

    /// The refusal to send credentials to `url`: its origin is named, never its path
    /// or query (a layer may have put anything there).
    pub(crate) fn refused(url: &url::Url) -> Self {
        StackError::Refused(escape(&url.origin().ascii_serialization()).into_owned())
    }

    /// The crate's error for a request of `operation` whose timeout is `limit`.
    pub(crate) fn to_error(&self, operation: Operation, limit: Limit) -> Error {
        match self {
            StackError::Layer(message) => Error::Middleware {
                operation,
                message: message.clone(),
            },
            StackError::Panicked => Error::Middleware {
                operation,
                message: "a layer panicked (its message went to the panic hook, not here)"
                    .to_owned(),
            },
            StackError::TimedOut(after) => Error::Timeout {
                operation,
                after: *after,
                limit,
                phase: None,
                host: None,
            },
            StackError::Refused(origin) => Error::InvalidRequest {
                operation: Some(operation),
                message: format!(
                    "a middleware layer sent the request to {origin}; its credentials only go \
                     to the configured origin, so nothing was sent"
                ),
            },
        }
    }

    /// A `reqwest::Error` whose source is this error, for the generated client's `exec`
    /// hook (it can only fail with one); [`stack_error`] finds it again. reqwest makes
    /// its errors itself: this one is the error of reading a body that fails at once.
    pub(crate) async fn into_reqwest(self) -> reqwest::Error {
        let body = reqwest::Body::wrap(Failing(Some(self)));
        match reqwest::Response::from(http::Response::new(body))
            .chunk()
            .await
        {
            Err(error) => error,
            Ok(_) => unreachable!("a body whose first frame is an error yields it"),
        }
    }
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::Layer(message) => write!(f, "a middleware layer failed: {message}"),
            StackError::Panicked => f.write_str("a middleware layer panicked"),
            StackError::TimedOut(after) => {
                write!(f, "the middleware layers did not answer within {after:?}")
            }
            StackError::Refused(origin) => write!(
                f,
                "a middleware layer sent the request to {origin}; the credentials only go to \
                 the configured origin"
            ),
        }
    }
}

impl std::error::Error for StackError {}

/// The [`StackError`] among `error`'s sources, if any.
pub(crate) fn stack_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a StackError> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<StackError>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

/// A body whose first frame is its error.
struct Failing(Option<StackError>);

impl http_body::Body for Failing {
    type Data = Bytes;
    type Error = StackError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StackError>>> {
        Poll::Ready(self.0.take().map(Err))
    }
}
