//! The tunable rules of the client: when a token is refreshed ([`RefreshPolicy`]), how
//! the token endpoint is retried and cooled down ([`TokenRequestPolicy`]) and how API
//! calls wait out 429s ([`RetryPolicy`]). Each has defaults that follow the
//! authentication guide; every field can be changed, through setters written by
//! `field_setters!` (`crate::setters`).

use std::time::Duration;

use crate::setters::field_setters;

/// When a cached token is replaced.
///
/// A token is refreshed once `fraction` of its lifetime remains (the guide's ~10%), but
/// never later than `min_margin` before it expires (so a request sent just before the
/// refresh still finds the token valid) and never earlier than half-way through its
/// life. A random extra of up to `jitter` × the margin spreads the refreshes of a fleet
/// of processes that started together.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// The part of the lifetime left when the refresh starts. Default 0.10.
    pub fraction: f64,
    /// The least time left when the refresh starts. Default 5 s.
    pub min_margin: Duration,
    /// Random extra margin, as a part of the margin. Default 0.10.
    pub jitter: f64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            fraction: 0.10,
            min_margin: Duration::from_secs(5),
            jitter: 0.10,
        }
    }
}

field_setters!(RefreshPolicy {
    with_fraction => fraction: f64,
    with_min_margin => min_margin: Duration,
    with_jitter => jitter: f64,
});

impl RefreshPolicy {
    /// How long before expiry a token with `lifetime` is refreshed, given a random
    /// `draw` in `[0, 1)`.
    pub(crate) fn margin(&self, lifetime: Duration, draw: f64) -> Duration {
        // `mul_f64` panics on NaN: odd settings count as their nearest sane value.
        let part = |x: f64, max: f64| {
            if x.is_finite() {
                x.clamp(0.0, max)
            } else {
                0.0
            }
        };
        let base = lifetime
            .mul_f64(part(self.fraction, 0.5))
            .max(self.min_margin)
            .min(lifetime);
        let factor = 1.0 + part(self.jitter, 1.0) * part(draw, 1.0);
        let jittered = Duration::try_from_secs_f64(base.as_secs_f64() * factor).unwrap_or(base);
        jittered.min(lifetime / 2)
    }
}

/// How the token endpoint is retried, and how long a failure is remembered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TokenRequestPolicy {
    /// Attempts per mint, the first included, for transient failures (network, 408,
    /// 429, 5xx). Default 3.
    pub attempts: u32,
    /// First backoff between attempts; it doubles each time, with full jitter.
    /// Default 200 ms.
    pub base_backoff: Duration,
    /// The longest single wait between attempts (also caps `Retry-After`). Default 5 s.
    pub max_backoff: Duration,
    /// The longest one mint may take, all its attempts and waits counted (each attempt
    /// is also bounded by the token request timeout). Past it the mint ends with
    /// [`crate::Error::Timeout`]. The mint runs in its own task, so this deadline does
    /// not depend on any caller. Default 15 s.
    pub deadline: Duration,
    /// How long a permanent failure (`invalid_client`, `unauthorized_client`,
    /// `invalid_scope`, 401, or a permanent transport cause such as a refused
    /// certificate, see [`crate::TransportCause::is_permanent`]) is returned at once
    /// without asking the endpoint again.
    /// Default 30 s.
    pub permanent_failure_ttl: Duration,
    /// The longest a transient failure is remembered; it starts at one second and
    /// doubles with each failure in a row (or follows `Retry-After`). Default 30 s.
    pub max_failure_cooldown: Duration,
}

impl Default for TokenRequestPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            deadline: Duration::from_secs(15),
            permanent_failure_ttl: Duration::from_secs(30),
            max_failure_cooldown: Duration::from_secs(30),
        }
    }
}

field_setters!(TokenRequestPolicy {
    with_attempts => attempts: u32,
    with_base_backoff => base_backoff: Duration,
    with_max_backoff => max_backoff: Duration,
    with_deadline => deadline: Duration,
    with_permanent_failure_ttl => permanent_failure_ttl: Duration,
    with_max_failure_cooldown => max_failure_cooldown: Duration,
});

/// How API calls answered with 429 are retried, and how long a call may take in all.
///
/// The wait is the response's `Retry-After` (delta-seconds or HTTP-date) or, without
/// one, an exponential backoff with full jitter. A call gives up, returning the last 429
/// with its `Retry-After`, once it has retried `max_retries` times or when the next wait
/// would end past `total_budget`. While one call waits, every clone of the client holds
/// back too. A 401 re-mints the token and replays once (whatever this policy says).
/// Other failures (a 5xx, a 403, a network error) are returned at once, unless transient
/// retries are on ([`crate::FlowPayrollBuilder::retry_transient_failures`]): then
/// they too are retried, for idempotent operations, under this policy's count, backoff
/// and budget. The decision table is in `docs/errors.md` ("Retries of API calls"); the
/// token endpoint's retries are in the client guide (`docs/client.md`, "Tokens").
///
/// ```
/// use std::time::Duration;
/// use flowpayroll::RetryPolicy;
///
/// let policy = RetryPolicy::default();
/// assert_eq!((policy.max_retries, policy.total_budget), (3, Duration::from_secs(60)));
/// let patient = policy.with_max_retries(5).with_total_budget(Duration::from_secs(120));
/// assert_eq!(patient.max_retries, 5);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries per call: after 429s and, when they are on, transient failures.
    /// Default 3.
    pub max_retries: u32,
    /// The longest one call may take, everything counted: waiting for a token, every
    /// request and every wait between them. Past it the call ends with
    /// [`crate::Error::Timeout`]. Default 60 s.
    pub total_budget: Duration,
    /// First backoff without `Retry-After`; doubles each time. Default 500 ms.
    pub base_backoff: Duration,
    /// The longest single backoff without `Retry-After`. Default 30 s.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            total_budget: Duration::from_secs(60),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

field_setters!(RetryPolicy {
    with_max_retries => max_retries: u32,
    with_total_budget => total_budget: Duration,
    with_base_backoff => base_backoff: Duration,
    with_max_backoff => max_backoff: Duration,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_follows_the_fraction_with_floor_and_cap() {
        let policy = RefreshPolicy::default();
        let hour = Duration::from_secs(3600);
        assert_eq!(policy.margin(hour, 0.0), Duration::from_secs(360));
        assert_eq!(policy.margin(hour, 1.0), Duration::from_secs(396));
        // A 20 s token: 10% is 2 s, the floor makes it 5 s.
        assert_eq!(
            policy.margin(Duration::from_secs(20), 0.0),
            Duration::from_secs(5)
        );
        // A 6 s token: the floor would be 5 s, the cap keeps it at half the lifetime.
        assert_eq!(
            policy.margin(Duration::from_secs(6), 0.0),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn margin_survives_odd_settings() {
        let odd = RefreshPolicy {
            fraction: f64::NAN,
            min_margin: Duration::MAX,
            jitter: f64::INFINITY,
        };
        let hour = Duration::from_secs(3600);
        assert_eq!(odd.margin(hour, f64::NAN), hour / 2);
        assert_eq!(odd.margin(Duration::ZERO, 0.5), Duration::ZERO);
    }
}
