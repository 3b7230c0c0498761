//! What to do about each [`Error`], in one sentence: [`crate::Error::action`], the
//! third column of `docs/errors.md` (the vendor's authentication guide has the same column). The
//! texts are fixed: no server text, so no secret, ever reaches them.

use http::StatusCode;

use crate::error::classify::{classify, Failure};
use crate::error::connect::ConnectError;
use crate::error::Error;
use crate::generated::model::Operation;

/// The action for `error`.
pub(crate) fn action(error: &Error) -> &'static str {
    match error {
        Error::Config(_) => "fix the setting the message names; retrying cannot help",
        Error::Io { .. } => "check the local resource the message names (a port in use, a file)",
        Error::NoRuntime => "call flowpayroll from within a Tokio runtime",
        Error::InvalidRequest { .. } => "fix the input the message names; nothing was sent",
        Error::Api(api) => api_action(api.operation(), api.status(), classify(error)),
        Error::Transport { cause, .. } => cause.action(),
        Error::Timeout { limit, phase, .. } => phase
            .filter(|_| *limit == crate::error::Limit::Connect)
            .and_then(crate::error::Phase::connect_action)
            .unwrap_or_else(|| limit.action()),
        Error::BodyTooLarge { .. } => {
            "raise `max_response_body` if the answer is expected to be this large"
        }
        Error::Middleware { .. } => {
            "fix the middleware layer the message describes; the crate does not retry it"
        }
        Error::TokenUnavailable(_) => "retry; the task minting the token ended early",
        Error::RateLimited { .. } => {
            "retry after `retry_after()`; nothing was sent, or let calls wait (`WhenLimited::Wait`)"
        }
        Error::Decode { .. } => {
            "the server's answer does not match the spec this client was built from; update the crate or report it"
        }
        Error::Webhook(_) => "refuse the delivery; the message says which check failed",
        Error::Connect(connect) => connect_action(connect),
    }
}

fn connect_action(error: &ConnectError) -> &'static str {
    match error {
        ConnectError::Refused { .. } => {
            "offer the end user to start again; nothing is wrong with the integration"
        }
        ConnectError::SignInFailed { .. } if error.is_transient() => {
            "start a new sign-in later; the sign-in page failed on its side"
        }
        ConnectError::SignInFailed { .. } => {
            "check the sign-in link's scopes, mode and redirect URI against the client's settings"
        }
        ConnectError::StateMismatch | ConnectError::UnknownSignIn => {
            "exchange nothing and start a new sign-in; the callback is forged, replayed or from another sign-in"
        }
        ConnectError::Expired { .. } => "start a new sign-in; this one outlived its lifetime",
        ConnectError::MalformedCallback(_) => {
            "start a new sign-in, and check that the callback reaches your handler unchanged"
        }
    }
}

fn api_action(operation: Operation, status: StatusCode, failure: Failure) -> &'static str {
    match (operation, failure, status) {
        (Operation::RequestToken, Failure::Refused, _) => {
            "check the client id and secret (FLOWPAYROLL_CLIENT_ID, FLOWPAYROLL_CLIENT_SECRET) and the scope"
        }
        (_, Failure::Refused, _) => {
            "the token was refused after a fresh one was minted; check that the client is still enabled"
        }
        (_, Failure::Throttled(_), _) => {
            "back off and retry after the wait it gives; do not loop on the token endpoint"
        }
        (_, Failure::Unavailable(_), _) => {
            "retry later; quote the request id to Flow Payroll support if it lasts"
        }
        (_, _, StatusCode::FORBIDDEN) => "check that the credentials grant the scope this call needs",
        (_, _, StatusCode::NOT_FOUND) => "check the id in the request; the entity does not exist",
        (_, _, StatusCode::CONFLICT) => "the same request was already made; do not repeat it",
        _ => "fix the request the message describes; retrying it unchanged cannot help",
    }
}
