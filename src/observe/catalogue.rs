//! The list of every metric: name, kind, unit, labels, description. The recording in
//! `emit` names metrics with these constants; `describe_metrics` and the test of
//! `docs/observability.md` read [`METRICS`].
use super::Mode;
use crate::error::classify::{classify, Failure};
use crate::error::webhook::WebhookError;
use crate::error::Error;

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

impl Mode {
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Mode::Local => "local",
            Mode::Fleet => "fleet",
        }
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
