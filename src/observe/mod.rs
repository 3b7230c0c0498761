//! What the client tells an operator: every metric name, unit and label set, the
//! recording of each (feature `metrics`, on the `metrics` facade), and the spans of
//! operations and attempts ([`spans`], through `tracing`), and the trace context they
//! put on the wire ([`trace_context`], feature `opentelemetry`). `docs/observability.md`
//! lists the same table; a test keeps the two equal.
//!
//! Call sites make one call each. Without the feature every recording function here is
//! an empty `#[inline]` function: no dependency, nothing left at the call site. With it
//! and no recorder installed, a recording is a thread-local read and an atomic load
//! (the facade's no-op recorder). Label values are all `&'static str` from the enums
//! below, an operation id, a status code or the API's host: bounded sets, never a
//! secret, a token, a `jti`, a client id or a user id.

#[cfg(any(feature = "metrics", test))]
mod catalogue;
#[cfg(feature = "metrics")]
mod emit;
pub(crate) mod spans;
#[cfg(test)]
mod tests;
pub(crate) mod trace_context;

use std::time::Duration;

use crate::error::webhook::WebhookError;
use crate::error::Error;

#[cfg(any(feature = "metrics", test))]
pub(crate) use catalogue::*;
pub(crate) use spans::{call, Answer, Attempt};

/// Why a mint of the token cache started: in
/// [`TokenStatus::last_mint_reason`](crate::TokenStatus::last_mint_reason), the mint
/// span's `flowpayroll.mint.reason` and the `trigger` label of the mint metrics
/// ([`MintReason::label`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MintReason {
    /// No token yet: the client's first call.
    Cold,
    /// The cached token expired before a refresh replaced it.
    Expired,
    /// The cached token entered its refresh window (callers keep using it).
    RefreshAhead,
    /// The cached token was refused with a 401 and dropped.
    After401,
    /// [`FlowPayroll::force_refresh`](crate::FlowPayroll::force_refresh) asked for a new
    /// token.
    Forced,
    /// [`FlowPayroll::invalidate_token`](crate::FlowPayroll::invalidate_token) dropped
    /// the cached token, and a call needed one.
    Invalidated,
}

impl MintReason {
    /// The reason in one word, as the `trigger` label and the span field show it:
    /// `cold`, `expired`, `refresh_ahead`, `after_401`, `forced`, `invalidated`.
    pub const fn label(self) -> &'static str {
        match self {
            MintReason::Cold => "cold",
            MintReason::Expired => "expired",
            MintReason::RefreshAhead => "refresh_ahead",
            MintReason::After401 => "after_401",
            MintReason::Forced => "forced",
            MintReason::Invalidated => "invalidated",
        }
    }
}

/// Where the cache gets its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Local,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Fleet,
}

/// Which cache was looked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    Memory,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Fleet,
}

/// Where a 429 hold came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HoldSource {
    /// A 429 this client saw.
    Own,
    /// A hold another fleet member published.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Fleet,
}

/// How a mint of the cache ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MintResult {
    /// A token from the token endpoint.
    Minted,
    /// A token another fleet member shared.
    FleetCache,
}

/// `error.type`: the status code of an error answer, else what went wrong, in a few
/// words.
pub(crate) fn error_type(error: &Error) -> std::borrow::Cow<'static, str> {
    match error {
        Error::Api(api) => api.status().as_u16().to_string().into(),
        Error::Transport { source, .. } if source.is_timeout() => "timeout".into(),
        Error::Transport { .. } => "transport".into(),
        Error::Timeout { .. } => "timeout".into(),
        Error::BodyTooLarge { .. } => "body_too_large".into(),
        Error::Decode { .. } => "decode".into(),
        Error::TokenUnavailable(_) => "token_unavailable".into(),
        Error::Middleware { .. } => "middleware".into(),
        Error::RateLimited { .. } => "rate_limited".into(),
        Error::InvalidRequest { .. } => "invalid_request".into(),
        Error::Config(_) => "config".into(),
        Error::Webhook(_) => "webhook".into(),
        Error::Connect(_) => "connect".into(),
        Error::Io { .. } => "io".into(),
        Error::NoRuntime => "no_runtime".into(),
    }
}

/// Registers the unit and description of every metric with the installed recorder
/// (the Prometheus exporter prints them as `# HELP`). Call it once after installing
/// one; recording works without it.
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub fn describe_metrics() {
    emit::describe();
}

/// Counts a memory hit of the token cache and hands `lease` back (the fast path).
#[inline(always)]
pub(crate) fn memory_hit<T>(lease: T) -> T {
    #[cfg(feature = "metrics")]
    emit::memory_hit();
    lease
}

/// Counts a token cache lookup that found no usable token (`hit: false`) or did.
#[inline]
pub(crate) fn cache_lookup(tier: Tier, hit: bool) {
    #[cfg(feature = "metrics")]
    emit::cache_lookup(tier, hit);
    let _ = (tier, hit);
}

/// Records how a mint of the cache ended, after `elapsed`.
#[inline]
pub(crate) fn mint_ended(
    trigger: MintReason,
    mode: Mode,
    result: Result<MintResult, &Error>,
    elapsed: Duration,
) {
    #[cfg(feature = "metrics")]
    emit::mint_ended(trigger, mode, result, elapsed);
    let _ = (trigger, mode, result, elapsed);
}

/// Records that a 429 lengthened the hold by `added`.
#[inline]
pub(crate) fn hold_extended(source: HoldSource, added: Duration) {
    #[cfg(feature = "metrics")]
    emit::hold_extended(source, added);
    let _ = (source, added);
}

/// Counts a webhook signature check by its outcome and hands the result back.
#[inline]
pub(crate) fn webhook_verified(result: Result<(), WebhookError>) -> Result<(), WebhookError> {
    #[cfg(feature = "metrics")]
    emit::count_outcome(WEBHOOK_VERIFICATIONS, webhook_outcome(&result));
    result
}

/// Counts a webhook replay check by its outcome and hands the result back.
#[inline]
pub(crate) fn replay_checked(result: Result<(), WebhookError>) -> Result<(), WebhookError> {
    #[cfg(feature = "metrics")]
    emit::count_outcome(WEBHOOK_REPLAY_CHECKS, webhook_outcome(&result));
    result
}
