//! The [`Error`] of a request that got no whole response: the body limit reached, one
//! of the request's [`Timeouts`], or a transport failure. Shared by API calls
//! (`crate::response`) and token requests (`crate::auth::token`).

use crate::error::cause_of::{cause_of, stalled_in, Stage};
use crate::error::{Error, Limit};
use crate::generated::model::Operation;
use crate::transport::body::exceeded_limit;
use crate::transport::http_client::Timeouts;
use crate::transport::middleware::failure::stack_error;

/// The error for a request of `operation` that got no (whole) response, failed at
/// `stage`: the body limit, one of its `timeouts` (connecting, or the whole request)
/// with the phase it stalled in, or a transport failure with its cause.
pub(crate) fn request_error(
    operation: Operation,
    source: reqwest::Error,
    timeouts: Timeouts,
    stage: Stage,
) -> Error {
    // A failure of the middleware layers, carried through the generated client.
    if let Some(failure) = stack_error(&source) {
        return failure.to_error(operation, timeouts.request_limit);
    }
    if let Some(limit) = exceeded_limit(&source) {
        return Error::BodyTooLarge { operation, limit };
    }
    if source.is_timeout() {
        // reqwest marks a connect timeout as both a connect and a timeout error; the
        // whole-request timeout can also strike while connecting, but then it is not a
        // connect error.
        let (after, limit) = if source.is_connect() {
            (timeouts.connect, Limit::Connect)
        } else {
            (timeouts.request, timeouts.request_limit)
        };
        return Error::Timeout {
            operation,
            after,
            limit,
            phase: Some(stalled_in(&source, stage)),
            host: source
                .url()
                .and_then(|url| url.host_str().map(str::to_owned)),
        };
    }
    Error::Transport {
        operation,
        cause: cause_of(&source, stage),
        source: std::sync::Arc::new(source),
    }
}
