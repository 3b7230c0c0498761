//! What kind of failure an [`Error`] is, as far as retrying goes ([`Failure`]): the one
//! classification behind [`Error::is_transient`], the retry loops (`crate::retry`) and
//! the token endpoint cooldown (`crate::retry::wait`).

use std::time::Duration;

use http::StatusCode;

use crate::error::Error;
use crate::generated::model::{ErrorBody, Operation};

/// What kind of failure an error is, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The credentials or the token were refused: a 401, or a token endpoint answer
    /// `invalid_client`, `unauthorized_client` or `invalid_scope`.
    Refused,
    /// A 429, with its `Retry-After`.
    Throttled(Option<Duration>),
    /// The server or the network may recover: no response, a timeout, 408 or 5xx.
    Unavailable(Option<Duration>),
    /// A transport failure that no retry can fix (see
    /// [`crate::TransportCause::is_permanent`]): never retried, and remembered by the
    /// token endpoint for its permanent cooldown.
    Permanent,
    /// Anything else: retrying the same request cannot help.
    Other,
}

/// Classifies `error` (see [`Failure`]).
pub(crate) fn classify(error: &Error) -> Failure {
    match error {
        Error::Transport { cause, .. } if cause.is_permanent() => Failure::Permanent,
        Error::Transport { .. } | Error::Timeout { .. } | Error::TokenUnavailable(_) => {
            Failure::Unavailable(None)
        }
        Error::Api(api) => {
            let status = api.status();
            let oauth_code = match api.body() {
                Some(ErrorBody::OAuthError(body)) if api.operation() == Operation::RequestToken => {
                    Some(body.error.as_str())
                }
                _ => None,
            };
            if status == StatusCode::UNAUTHORIZED
                || matches!(
                    oauth_code,
                    Some("invalid_client" | "unauthorized_client" | "invalid_scope")
                )
            {
                Failure::Refused
            } else if status == StatusCode::TOO_MANY_REQUESTS {
                Failure::Throttled(api.retry_after())
            } else if status == StatusCode::REQUEST_TIMEOUT || status.is_server_error() {
                Failure::Unavailable(api.retry_after())
            } else {
                Failure::Other
            }
        }
        Error::RateLimited { retry_after, .. } => Failure::Throttled(Some(*retry_after)),
        Error::Connect(connect) if connect.is_transient() => Failure::Unavailable(None),
        _ => Failure::Other,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::{ProxyProblem, TransportCause};

    /// A transport error of `cause` (its source is any `reqwest::Error`: the class reads
    /// only the cause).
    fn transport(cause: TransportCause) -> Error {
        // No `reqwest::Client`: on a ring-only build without an installed provider its
        // construction panics.
        let relative = http::Request::builder()
            .uri("/relative")
            .body(String::new())
            .expect("a request");
        let source = reqwest::Request::try_from(relative).expect_err("a relative URL");
        Error::Transport {
            operation: Operation::ListTokens,
            cause,
            source: Arc::new(source),
        }
    }

    /// The guard of the first arm: a cause no retry can fix is `Permanent`, any other
    /// transport cause is `Unavailable`.
    #[test]
    fn a_permanent_transport_cause_is_permanent_and_another_is_unavailable() {
        let refused_proxy = transport(TransportCause::Proxy(ProxyProblem::AuthenticationRequired));
        assert_eq!(classify(&refused_proxy), Failure::Permanent);
        assert_eq!(
            classify(&transport(TransportCause::Connect)),
            Failure::Unavailable(None)
        );
        assert_eq!(
            classify(&transport(TransportCause::WaitingForHeaders)),
            Failure::Unavailable(None)
        );
    }
}
