//! [`ApiError`]: an error status from the API with its decoded body, its request id,
//! its `Retry-After` and the start of the body as received.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::error::body_prefix::BodyPrefix;
use crate::generated::model::{ErrorBody, Operation};
use crate::secret::terminal::Escaped;

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
