//! Why a webhook delivery was refused: [`WebhookError`], which the crate's
//! [`Error`](crate::error::Error) can hold; `crate::webhook` re-exports it beside the
//! verifier.

/// Why a delivery was refused. Never quotes a secret, a signature or the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Neither [`SIGNATURE_HEADER`](crate::webhook::SIGNATURE_HEADER) nor [`UPSTREAM_SIGNATURE_HEADER`](crate::webhook::UPSTREAM_SIGNATURE_HEADER) is present.
    #[error("the delivery has no `x-flowpayroll-signature` (or `x-affix-api-signature`) header")]
    MissingSignature,
    /// The signature is not 64 lowercase hex digits (32 bytes).
    #[error("the signature header is malformed: {0}")]
    MalformedSignature(&'static str),
    /// The signature is well formed but no configured secret signs this body to it.
    #[error(
        "the signature does not match the body under any configured secret (verify the raw \
         body bytes exactly as received, not JSON parsed and serialised again)"
    )]
    Mismatch,
    /// The body is signed but does not decode as the type asked for.
    #[error("the verified body does not decode: {reason}")]
    Payload {
        /// The JSON path and the type expected there; never a value from the body.
        reason: String,
    },
    /// A [`ReplayGuard`](crate::webhook::ReplayGuard) has already accepted this exact body within its window.
    #[error("this body was already delivered within the replay window")]
    Replayed,
    /// The shared replay guard could not reach Redis (see `RedisReplayGuard`, feature `redis`).
    #[error("the replay guard's store is unavailable: {0}")]
    GuardUnavailable(String),
}
