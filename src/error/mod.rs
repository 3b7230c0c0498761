//! [`Error`], the crate's one public error type, and the pieces a caller acts on:
//! [`ApiError`] (status, typed body, `Retry-After`) and [`BodyPrefix`].
//!
//! Messages never contain a secret: bodies of successful responses (which may carry
//! tokens or client secrets) are never quoted, decode errors name a JSON path and the
//! expected type only, and any server text that is kept (error bodies, their messages)
//! has the client's secret and current token masked ([`crate::secret::redact`]). Every
//! `Display` escapes control characters in server text.

pub(crate) mod action;
mod api;
pub(crate) mod body_prefix;
pub(crate) mod cause;
pub(crate) mod cause_of;
pub(crate) mod classify;
pub(crate) mod connect;
pub(crate) mod decode_reason;
pub(crate) mod request_id;
pub(crate) mod size;
pub(crate) mod stall;
pub(crate) mod webhook;

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

pub use crate::error::api::ApiError;
pub use crate::error::body_prefix::BodyPrefix;
pub use crate::error::cause::{
    CertificateProblem, Limit, Phase, ProxyProblem, TlsProblem, TransportCause,
};
use crate::error::size::size;
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

    /// The request got no (whole) answer: see `cause` for why, and
    /// [`TransportCause::is_permanent`] for whether retrying can help.
    #[error("{}", describe_transport(*operation, cause, source))]
    Transport {
        /// The operation.
        operation: Operation,
        /// Why, by cause: DNS, TCP, TLS and its reason, the certificate and its reason,
        /// the proxy, or the connection breaking while sending or reading.
        cause: TransportCause,
        /// The underlying error.
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// A time limit was reached: connecting ([`Limit::Connect`]), one request
    /// ([`Limit::Request`], [`Limit::TokenRequest`]), a whole call
    /// ([`crate::RetryPolicy::total_budget`]) or a whole token mint
    /// ([`crate::TokenRequestPolicy::deadline`]). `after` is the limit as configured;
    /// `phase` says where a single request stalled: `None` for [`Limit::CallBudget`];
    /// [`Limit::MintDeadline`] keeps its last attempt's phase and host.
    #[error("{}", describe_timeout(*operation, *after, *limit, *phase, host.as_deref()))]
    Timeout {
        /// The operation.
        operation: Operation,
        /// The limit that was reached.
        after: Duration,
        /// Which limit it was.
        limit: Limit,
        /// Where the request stalled (for a mint's deadline, its last attempt); `None`
        /// as well when the application's middleware layers held the request.
        phase: Option<Phase>,
        /// The host it was waiting for (for a mint's deadline, its last attempt's).
        host: Option<String>,
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

    /// A middleware layer of the application
    /// ([`crate::FlowPayrollBuilder::layer`]) failed: it returned an error of its own
    /// or panicked. `message` is the layer's, with the client's secrets masked and
    /// control characters escaped. A layer that failed before calling the next one sent
    /// nothing; one that failed after it may have.
    #[error("a middleware layer failed during `{operation}`: {message}")]
    Middleware {
        /// The operation.
        operation: Operation,
        /// What the layer said (at most 512 bytes), or that it panicked.
        message: String,
    },

    /// No access token could be obtained for a reason other than an answer from the token
    /// endpoint (the task minting it was dropped, as when the runtime shuts down). Token
    /// endpoint answers are [`Error::Api`] with operation `request_token`.
    #[error("no access token: {0}")]
    TokenUnavailable(String),

    /// The client-side rate limiter ([`crate::RateLimit`]) had no budget for this
    /// request within the wait it allows (none with
    /// [`WhenLimited::FailFast`](crate::WhenLimited::FailFast), else what is left of
    /// the call's time budget). Nothing was sent; [`Error::retry_after`] says when
    /// budget is free.
    #[error("`{operation}` not sent: the client's rate limit has no budget for it for another {}", seconds(*retry_after))]
    RateLimited {
        /// The operation not sent.
        operation: Operation,
        /// When budget for it is free.
        retry_after: Duration,
    },

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

    /// A sign-in callback was refused before any exchange, or the sign-in page reported
    /// a refusal or an error (see [`crate::connect`]). Nothing was exchanged; the end
    /// user starts a new sign-in.
    #[error("sign-in not completed: {0}")]
    Connect(#[from] crate::error::connect::ConnectError),
}

/// "`list_tokens` (auth.example): no TCP connection: connection refused": the
/// operation, the host when reqwest kept it, the cause and the network's words.
fn describe_transport(
    operation: Operation,
    cause: &TransportCause,
    error: &reqwest::Error,
) -> String {
    let mut text = format!("`{operation}`");
    if let Some(host) = error.url().and_then(|url| url.host_str()) {
        text.push_str(&format!(" ({})", Escaped(host)));
    }
    text.push_str(&format!(": {cause}"));
    if let Some(detail) = crate::error::cause_of::detail(error, cause) {
        text.push_str(&format!(" ({})", Escaped(&detail)));
    }
    text
}

/// "`list_tokens`: no TLS handshake from auth.example within 10 s (connect timeout)".
fn describe_timeout(
    operation: Operation,
    after: Duration,
    limit: Limit,
    phase: Option<Phase>,
    host: Option<&str>,
) -> String {
    match phase {
        Some(phase) => format!(
            "`{operation}`: {} {} within {} ({})",
            phase.missing(),
            Escaped(host.unwrap_or("the server")),
            seconds(after),
            limit.name()
        ),
        None => format!(
            "`{operation}` timed out after {} ({})",
            seconds(after),
            limit.name()
        ),
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

    /// How long the server asked to wait before retrying (`Retry-After`), if it did; for
    /// [`Error::RateLimited`], when the client's own limiter has budget again.
    pub fn retry_after(&self) -> Option<Duration> {
        if let Error::RateLimited { retry_after, .. } = self {
            return Some(*retry_after);
        }
        self.as_api().and_then(ApiError::retry_after)
    }

    /// Why the request got no (whole) answer, for [`Error::Transport`].
    pub fn transport_cause(&self) -> Option<&TransportCause> {
        match self {
            Error::Transport { cause, .. } => Some(cause),
            _ => None,
        }
    }

    /// What to do about this error, in one sentence (the third column of
    /// `docs/errors.md`). It never holds server text.
    pub fn action(&self) -> &'static str {
        crate::error::action::action(self)
    }

    /// Whether the same request may succeed later: no response (except for permanent
    /// causes, see [`TransportCause::is_permanent`]) or a timeout, 408, 429 or 5xx. The client's own retry loops use the same classification; a caller that
    /// retries on top of them (say, a job queue) can ask this instead of matching
    /// statuses. A sign-in page that failed on its side is transient too
    /// ([`ConnectError::is_transient`](crate::connect::ConnectError::is_transient)).
    /// Refused credentials, other 4xx, bad input and bodies that do not decode are not.
    pub fn is_transient(&self) -> bool {
        matches!(
            crate::error::classify::classify(self),
            crate::error::classify::Failure::Throttled(_)
                | crate::error::classify::Failure::Unavailable(_)
        )
    }
}

#[cfg(test)]
mod tests;
