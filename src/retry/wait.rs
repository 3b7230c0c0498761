//! Every wait the client decides on, in one place: the backoff between attempts
//! ([`backoff`]), how long a failed mint is remembered ([`failure_cooldown`]) and how
//! long the other calls of a client hold back after a 429 ([`hold_after`]). The loop
//! that sleeps them is [`crate::retry::run`]; the hold itself is [`crate::retry::hold`].

use std::time::Duration;

use http::StatusCode;

use crate::config::policy::TokenRequestPolicy;
use crate::error::classify::{classify, Failure};
use crate::error::Error;
use crate::retry::Decision;

/// `min(cap, base × 2^doublings)`, saturating: the ceiling both doubling waits share.
fn doubled(base: Duration, cap: Duration, doublings: u32) -> Duration {
    base.saturating_mul(1u32 << doublings).min(cap)
}

/// Exponential backoff with full jitter: `draw` × `min(cap, base × 2^retry)`.
pub(crate) fn backoff(base: Duration, cap: Duration, retry: u32, draw: f64) -> Duration {
    let ceiling = doubled(base, cap, retry.min(20));
    let draw = if draw.is_finite() {
        draw.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // `mul_f64` panics when float rounding pushes the product past `Duration::MAX`.
    Duration::try_from_secs_f64(ceiling.as_secs_f64() * draw).unwrap_or(ceiling)
}

/// How long a failed mint is remembered under `policy`, the `failures`-th in a row (1
/// for the first): `permanent_failure_ttl` after a refusal or a permanent transport
/// cause (see [`crate::TransportCause::is_permanent`]); the server's `Retry-After`,
/// or else a backoff doubling from one second, capped at `max_failure_cooldown`, after
/// anything else.
pub(crate) fn failure_cooldown(
    policy: &TokenRequestPolicy,
    error: &Error,
    failures: u32,
) -> Duration {
    match classify(error) {
        Failure::Refused | Failure::Permanent => policy.permanent_failure_ttl,
        Failure::Throttled(Some(wait)) | Failure::Unavailable(Some(wait)) => {
            wait.min(policy.max_failure_cooldown)
        }
        _ => doubled(
            Duration::from_secs(1),
            policy.max_failure_cooldown,
            failures.saturating_sub(1).min(16),
        ),
    }
}

/// How long every other call of a client holds back after an API call's `decision` on
/// `error`: the wait of a retry after a 429; when the call gives up on a 429, its
/// `Retry-After` (the others still wait it out); `None` otherwise (a transient
/// failure's retry waits alone).
pub(crate) fn hold_after(error: &Error, decision: Decision) -> Option<Duration> {
    let throttled = error.status() == Some(StatusCode::TOO_MANY_REQUESTS);
    match decision {
        Decision::RetryAfter(wait) if throttled => Some(wait),
        Decision::GiveUp if throttled => error.retry_after(),
        Decision::RetryAfter(_) | Decision::GiveUp | Decision::Remint => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::tests::{api_error, TOKEN_OPERATION};

    const LIST: &str = "list_tokens";

    #[test]
    fn a_failed_mint_is_remembered_for_a_doubling_second_up_to_the_cap() {
        let policy = TokenRequestPolicy::default();
        let timeout = Error::TokenUnavailable("no answer".to_owned());
        let seconds: Vec<u64> = [1, 2, 3, 4, 5, 6, 7, 40]
            .iter()
            .map(|&n| failure_cooldown(&policy, &timeout, n).as_secs())
            .collect();
        assert_eq!(seconds, [1, 2, 4, 8, 16, 30, 30, 30]);
        // The 0th counts as the first.
        assert_eq!(
            failure_cooldown(&policy, &timeout, 0),
            Duration::from_secs(1)
        );
        // Past 16 doublings the wait stops growing, whatever the cap.
        let patient = policy.with_max_failure_cooldown(Duration::MAX);
        assert_eq!(
            failure_cooldown(&patient, &timeout, u32::MAX),
            Duration::from_secs(1 << 16)
        );
    }

    #[test]
    fn a_refused_or_throttled_mint_is_remembered_as_the_policy_or_server_says() {
        let policy = TokenRequestPolicy::default();
        let refused = api_error(TOKEN_OPERATION, 401, None, b"");
        assert_eq!(
            failure_cooldown(&policy, &refused, 5),
            Duration::from_secs(30)
        );
        let throttled = api_error(TOKEN_OPERATION, 429, Some(7), b"");
        assert_eq!(
            failure_cooldown(&policy, &throttled, 5),
            Duration::from_secs(7)
        );
        let unavailable = api_error(TOKEN_OPERATION, 503, Some(3600), b"");
        assert_eq!(
            failure_cooldown(&policy, &unavailable, 1),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn the_others_hold_for_a_retry_wait_and_for_the_429_given_up_on() {
        let throttled = api_error(LIST, 429, Some(9), b"");
        let wait = Duration::from_secs(2);
        assert_eq!(
            hold_after(&throttled, Decision::RetryAfter(wait)),
            Some(wait)
        );
        assert_eq!(
            hold_after(&throttled, Decision::GiveUp),
            Some(Duration::from_secs(9))
        );
        let bare = api_error(LIST, 429, None, b"");
        assert_eq!(hold_after(&bare, Decision::GiveUp), None);
        let unavailable = api_error(LIST, 503, Some(9), b"");
        assert_eq!(hold_after(&unavailable, Decision::GiveUp), None);
        assert_eq!(hold_after(&unavailable, Decision::RetryAfter(wait)), None);
        let refused = api_error(LIST, 401, None, b"");
        assert_eq!(hold_after(&refused, Decision::Remint), None);
    }
}
