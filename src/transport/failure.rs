//! The [`Error`] of a request that got no whole response: the body limit reached, one
//! of the request's [`Timeouts`], or a transport failure. Shared by API calls
//! (`crate::response`) and token requests (`crate::auth::token`).

use crate::error::Error;
use crate::generated::model::Operation;
use crate::transport::body::exceeded_limit;
use crate::transport::http_client::Timeouts;

/// The error for a request of `operation` that got no (whole) response: the body
/// limit, one of its `timeouts` (connecting, or the whole request), or a transport
/// failure.
pub(crate) fn request_error(
    operation: Operation,
    source: reqwest::Error,
    timeouts: Timeouts,
) -> Error {
    if let Some(limit) = exceeded_limit(&source) {
        return Error::BodyTooLarge { operation, limit };
    }
    if source.is_timeout() {
        // reqwest marks a connect timeout as both a connect and a timeout error; the
        // whole-request timeout can also strike while connecting, but then it is not a
        // connect error.
        let after = if source.is_connect() {
            timeouts.connect
        } else {
            timeouts.request
        };
        return Error::Timeout { operation, after };
    }
    Error::Transport {
        operation,
        source: std::sync::Arc::new(source),
    }
}
