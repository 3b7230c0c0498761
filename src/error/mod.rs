//! [`Error`], the crate's one public error type, and the pieces a caller acts on:
//! [`ApiError`] (status, typed body, `Retry-After`) and [`BodyPrefix`].
//!
//! Messages never contain a secret: bodies of successful responses (which may carry
//! tokens or client secrets) are never quoted, decode errors name a JSON path and the
//! expected type only, and any server text that is kept (error bodies, their messages)
//! has the client's secret and current token masked ([`crate::secret::redact`]). Every
//! `Display` escapes control characters in server text.

pub(crate) mod body_prefix;
pub(crate) mod classify;
pub(crate) mod decode_reason;
pub(crate) mod request_id;
pub(crate) mod size;
pub(crate) mod webhook;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

pub use crate::error::body_prefix::BodyPrefix;
use crate::error::size::size;
use crate::generated::model::ErrorBody;
use crate::generated::model::Operation;
use crate::secret::terminal::Escaped;

/// Everything that can go wrong when calling Flow Payroll.
///
/// It is `Clone` so that one failed token request can be handed to every caller that
/// was waiting for it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (a missing variable, a malformed URL, plain `http://`
    /// to a remote host...). Fix the configuration; retrying cannot help.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A local resource failed: the sandbox cannot listen on its port, a listener
    /// stopped. `context` says what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, in words.
        context: String,
        /// The underlying error.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// The call was polled outside a Tokio runtime: the client needs one (its token
    /// cache mints in a task, its time limits are Tokio timers). Nothing was sent.
    #[error("no Tokio runtime: call flowpayroll from within one (#[tokio::main], a spawned task)")]
    NoRuntime,

    /// The request could not be built from the caller's input (for example a `User-Id`
    /// that is not a valid header value). Nothing was sent.
    #[error("invalid request{}: {message}", for_operation(*operation))]
    InvalidRequest {
        /// The operation, when the input was refused by one; `None` when it was refused
        /// before any (by [`crate::FlowPayrollBuilder::build`],
        /// [`crate::FlowPayroll::as_user`], a [`crate::RequestContext`] method, or a
        /// sandbox control call).
        operation: Option<Operation>,
        /// What is wrong.
        message: String,
    },

    /// The server answered with a status that is not a success; the [`ApiError`] is
    /// boxed to keep `Result<_, Error>` small.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request did not get an answer: connection refused, TLS failure, timeout...
    #[error("`{operation}` failed: {}", describe_transport(source))]
    Transport {
        /// The operation.
        operation: Operation,
        /// The underlying error.
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// The call (all its attempts and waits, see [`crate::RetryPolicy::total_budget`]),
    /// a single request (the client's `timeout`, or `token_timeout` for a token request),
    /// connecting (its `connect_timeout`), or a token mint (see
    /// [`crate::TokenRequestPolicy::deadline`]) ran out of time. `after` is the limit
    /// that was reached, as configured.
    #[error("`{operation}` timed out after {}", seconds(*after))]
    Timeout {
        /// The operation.
        operation: Operation,
        /// The limit that was reached.
        after: Duration,
    },

    /// The server sent a body larger than the client reads (see
    /// [`crate::FlowPayrollBuilder::max_response_body`]); reading stopped at the limit.
    #[error("`{operation}` answered with a body larger than the {} limit; it was not read further", size(*limit))]
    BodyTooLarge {
        /// The operation.
        operation: Operation,
        /// The limit, in bytes.
        limit: usize,
    },

    /// No access token could be obtained for a reason other than an answer from the token
    /// endpoint (the task minting it was dropped, as when the runtime shuts down). Token
    /// endpoint answers are [`Error::Api`] with operation `request_token`.
    #[error("no access token: {0}")]
    TokenUnavailable(String),

    /// A successful response whose body does not match the spec.
    #[error("`{operation}` answered with a success body that does not decode: {reason}")]
    Decode {
        /// The operation.
        operation: Operation,
        /// Where and why decoding failed (a JSON path when there is one). Never quotes the
        /// body: success bodies may carry secrets.
        reason: String,
    },

    /// A webhook delivery was refused (see [`crate::webhook`]): it lets a receiver that
    /// already returns this crate's error use `?` on a verification. Code that only
    /// verifies can keep the narrower [`WebhookError`](crate::webhook::WebhookError).
    #[error("webhook refused: {0}")]
    Webhook(#[from] crate::error::webhook::WebhookError),
}

/// What happened to a request without a (whole) response, in words: "connection
/// reset by the server", "could not connect: ...", rather than reqwest's generic
/// "error decoding response body".
fn describe_transport(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    use std::io::ErrorKind;
    let mut causes = Vec::new();
    let mut current = error.source();
    while let Some(cause) = current {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe => return "connection reset by the server".to_owned(),
                ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
                ErrorKind::UnexpectedEof => {
                    return "the connection closed before the response was complete".to_owned()
                }
                _ => {}
            }
        }
        causes.push(cause.to_string());
        current = cause.source();
    }
    let detail = causes.last().cloned().unwrap_or_else(|| error.to_string());
    if detail.contains("connection closed before message completed")
        || detail.contains("end of file before message length reached")
    {
        "the connection closed before the response was complete".to_owned()
    } else if error.is_connect() {
        format!("could not connect: {}", Escaped(&detail))
    } else if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_body() || error.is_decode() {
        format!("the response could not be read: {}", Escaped(&detail))
    } else {
        format!("no response: {}", Escaped(&detail))
    }
}

/// ` for `list_tokens``, or nothing without an operation.
fn for_operation(operation: Option<Operation>) -> String {
    operation.map_or_else(String::new, |op| format!(" for `{op}`"))
}

/// `1.5 s`, `30 s`, `250 ms`: a limit as a person reads it.
pub(crate) fn seconds(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

impl Error {
    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The API error, when the server answered with an error status.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// How long the server asked to wait before retrying (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.as_api().and_then(ApiError::retry_after)
    }

    /// Whether the same request may succeed later: no response or a timeout, 408, 429
    /// or 5xx. The client's own retry loops use the same classification; a caller that
    /// retries on top of them (say, a job queue) can ask this instead of matching
    /// statuses. Refused credentials, other 4xx, bad input and bodies that do not decode
    /// are not transient.
    pub fn is_transient(&self) -> bool {
        matches!(
            crate::error::classify::classify(self),
            crate::error::classify::Failure::Throttled(_)
                | crate::error::classify::Failure::Unavailable(_)
        )
    }
}

/// An error status from the API, with its body decoded into the type the spec documents
/// for that operation and status.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub(crate) operation: Operation,
    pub(crate) request_id: Option<String>,
    pub(crate) status: StatusCode,
    pub(crate) body: Option<ErrorBody>,
    pub(crate) undecoded: Option<String>,
    /// The words of a body that did not decode (the spec's rule: its `message`, else
    /// `error_description`, else `error`), at most [`BodyPrefix::LIMIT`] bytes.
    pub(crate) fallback_message: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) raw: BodyPrefix,
}

impl ApiError {
    /// The operation that failed ([`Operation::id`] gives its id, `list_tokens`...).
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The id the server gave this response (`X-Request-Id`, or `X-Correlation-Id`
    /// when it sends that instead), to quote to Flow Payroll support. Control
    /// characters are escaped and it is cut to 128 characters.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body, decoded into the type the spec documents for this operation and status.
    /// `None` when the status is not documented or the body does not match its schema
    /// (an HTML error page from a proxy, say); [`Self::raw_body`] still has its start.
    pub fn body(&self) -> Option<&ErrorBody> {
        self.body.as_ref()
    }

    /// Why a documented body did not decode, when it did not.
    pub fn decode_problem(&self) -> Option<&str> {
        self.undecoded.as_deref()
    }

    /// The `Retry-After` the server sent (delta-seconds or an HTTP-date, as a wait from
    /// when the response arrived).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The start of the body as received.
    pub fn raw_body(&self) -> &BodyPrefix {
        &self.raw
    }

    /// The server's own words: the typed body's message; or, when the body does not
    /// match the type the spec documents (or the status is undocumented), the text of
    /// its top-level `message`, else `error_description`, else `error` string, cut to
    /// [`BodyPrefix::LIMIT`] bytes (the spec's `error bodies that do not match` rule).
    /// Secrets are masked; escape it before showing it on a terminal (`Display` does).
    pub fn message(&self) -> Option<&str> {
        let Some(body) = self.body.as_ref() else {
            return self.fallback_message.as_deref();
        };
        match body {
            ErrorBody::AuthenticationError(b) => Some(&b.message),
            ErrorBody::BadRequestError(b) => b.message.as_deref(),
            ErrorBody::ErrorMessage(b) => Some(&b.message),
            ErrorBody::NotFoundError(b) => Some(&b.message),
            ErrorBody::OAuthError(b) => b.error_description.as_deref().or(Some(b.error.as_str())),
            ErrorBody::ConflictError(b) => Some(b.error.as_str()),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` answered {}", self.operation, self.status)?;
        match (self.message(), &self.undecoded) {
            (Some(message), None) => write!(f, ": {}", Escaped(message))?,
            (Some(message), Some(problem)) => write!(
                f,
                ": {} (the body does not match the spec: {})",
                Escaped(message),
                Escaped(problem)
            )?,
            (None, Some(problem)) => write!(
                f,
                " with a body that does not match the spec ({}): {}",
                Escaped(problem),
                self.raw
            )?,
            (None, None) if !self.raw.is_empty() => write!(f, ": {}", self.raw)?,
            (None, None) => {}
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests;
