//! What the client tells an operator: every metric name, unit and label set, the
//! recording of each (feature `metrics`, on the `metrics` facade), and the spans of
//! operations and attempts ([`spans`], through `tracing`). `docs/observability.md`
//! lists the same table; a test keeps the two equal.
//!
//! Call sites make one call each. Without the feature every recording function here is
//! an empty `#[inline]` function: no dependency, nothing left at the call site. With it
//! and no recorder installed, a recording is a thread-local read and an atomic load
//! (the facade's no-op recorder). Label values are all `&'static str` from the enums
//! below, an operation id, a status code or the API's host: bounded sets, never a
//! secret, a token, a `jti`, a client id or a user id.

#[cfg(feature = "metrics")]
mod emit;
pub(crate) mod spans;
#[cfg(test)]
mod tests;

use std::time::Duration;

use crate::error::classify::{classify, Failure};
use crate::error::Error;
use crate::webhook::error::WebhookError;

pub(crate) use spans::{call, Answer, Attempt};

/// One metric: what the docs table lists for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Metric {
    pub name: &'static str,
    /// `counter` or `histogram`.
    pub kind: &'static str,
    /// The OpenTelemetry unit: `s`, or a count such as `{mint}`.
    pub unit: &'static str,
    /// Every label it may carry (a recording carries these or fewer).
    pub labels: &'static [&'static str],
    pub description: &'static str,
}

pub(crate) const REQUEST_DURATION: &str = "http.client.request.duration";
pub(crate) const OPERATION_DURATION: &str = "flowpayroll.operation.duration";
pub(crate) const MINTS: &str = "flowpayroll.token.mints";
pub(crate) const MINT_FAILURES: &str = "flowpayroll.token.mint.failures";
pub(crate) const MINT_DURATION: &str = "flowpayroll.token.mint.duration";
pub(crate) const CACHE_LOOKUPS: &str = "flowpayroll.token.cache.lookups";
pub(crate) const HOLD_DURATION: &str = "flowpayroll.rate_limit.hold.duration";
pub(crate) const WEBHOOK_VERIFICATIONS: &str = "flowpayroll.webhook.verifications";
pub(crate) const WEBHOOK_REPLAY_CHECKS: &str = "flowpayroll.webhook.replay_checks";

/// The operation id label (no semantic convention names one).
pub(crate) const OPERATION: &str = "flowpayroll.operation";

/// Every metric this crate records.
pub(crate) const METRICS: &[Metric] = &[
    Metric {
        name: REQUEST_DURATION,
        kind: "histogram",
        unit: "s",
        labels: &["http.request.method", "server.address", "http.response.status_code", "error.type", OPERATION],
        description: "One HTTP request (an attempt) to the API or the token endpoint, to its answer read and decoded.",
    },
    Metric {
        name: OPERATION_DURATION,
        kind: "histogram",
        unit: "s",
        labels: &[OPERATION, "error.type"],
        description: "One whole call, as its caller waits: the token, every attempt, the 429 and retry waits.",
    },
    Metric {
        name: MINTS,
        kind: "counter",
        unit: "{mint}",
        labels: &["trigger", "mode"],
        description: "Tokens this process got from the token endpoint, by why the mint started.",
    },
    Metric {
        name: MINT_FAILURES,
        kind: "counter",
        unit: "{failure}",
        labels: &["kind", "trigger", "mode"],
        description: "Mints that ended without a token (after their retries); a refresh_ahead failure keeps serving the current token.",
    },
    Metric {
        name: MINT_DURATION,
        kind: "histogram",
        unit: "s",
        labels: &["mode", "result"],
        description: "One mint of the token cache, retries included, from its start to a token or an error.",
    },
    Metric {
        name: CACHE_LOOKUPS,
        kind: "counter",
        unit: "{lookup}",
        labels: &["tier", "result"],
        description: "Token cache lookups: in memory on every call, in Redis on every flight in fleet mode.",
    },
    Metric {
        name: HOLD_DURATION,
        kind: "histogram",
        unit: "s",
        labels: &["source"],
        description: "Time a 429 added to the client-wide hold, during which no API call is sent.",
    },
    Metric {
        name: WEBHOOK_VERIFICATIONS,
        kind: "counter",
        unit: "{verification}",
        labels: &["outcome"],
        description: "Webhook signature checks, by outcome.",
    },
    Metric {
        name: WEBHOOK_REPLAY_CHECKS,
        kind: "counter",
        unit: "{check}",
        labels: &["outcome"],
        description: "Webhook replay guard checks (in memory or on Redis), by outcome.",
    },
];

/// Why a mint started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// No token yet.
    Cold,
    /// The cached token expired before a refresh replaced it.
    Expired,
    /// The cached token entered its refresh window (callers keep using it).
    RefreshAhead,
    /// The cached token was refused with a 401 and dropped.
    After401,
}

/// Where the cache gets its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Local,
    Fleet,
}

/// Which cache was looked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    Memory,
    Fleet,
}

/// Where a 429 hold came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HoldSource {
    /// A 429 this client saw.
    Own,
    /// A hold another fleet member published.
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

impl Trigger {
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Trigger::Cold => "cold",
            Trigger::Expired => "expired",
            Trigger::RefreshAhead => "refresh_ahead",
            Trigger::After401 => "after_401",
        }
    }
}

impl Mode {
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Mode::Local => "local",
            Mode::Fleet => "fleet",
        }
    }
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
        Error::InvalidRequest { .. } => "invalid_request".into(),
        Error::Config(_) => "config".into(),
        Error::Webhook(_) => "webhook".into(),
    }
}

/// The `kind` of a failed mint.
pub(crate) fn failure_kind(error: &Error) -> &'static str {
    match (error, classify(error)) {
        (Error::Timeout { .. }, _) => "timeout",
        (Error::Transport { .. }, _) => "network",
        (Error::TokenUnavailable(_), _) => "abandoned",
        (Error::Decode { .. } | Error::BodyTooLarge { .. }, _) => "invalid_response",
        (_, Failure::Refused) => "refused",
        (_, Failure::Throttled(_)) => "throttled",
        (_, Failure::Unavailable(_)) => "unavailable",
        (Error::Api(_), Failure::Other) => "rejected",
        _ => "other",
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
    trigger: Trigger,
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

/// The `outcome` label of a webhook check.
pub(crate) fn webhook_outcome(result: &Result<(), WebhookError>) -> &'static str {
    match result {
        Ok(()) => "accepted",
        Err(WebhookError::MissingSignature) => "missing_signature",
        Err(WebhookError::MalformedSignature(_)) => "malformed_signature",
        Err(WebhookError::Mismatch) => "mismatch",
        Err(WebhookError::Payload { .. }) => "payload",
        Err(WebhookError::Replayed) => "replayed",
        Err(WebhookError::GuardUnavailable(_)) => "unavailable",
    }
}
