//! [`RateLimit`]: what the client-side limiter is told (a quota per operation group, or
//! learning, the token endpoint's own quota, waiting or failing fast, the share a fleet
//! member keeps when Redis is down), and [`Quota`], one "N calls per window".

use std::num::NonZeroU32;
use std::time::Duration;

use crate::error::Error;
use crate::generated::model::Operation;

/// The shortest spacing the token endpoint's own quota may set: one request per 1.5 s
/// (the vendor's published 40 per minute). A faster one fails the build: no configuration makes a
/// client, or a fleet, loop on the token endpoint.
pub const MIN_TOKEN_SPACING: Duration = Duration::from_millis(1500);

/// `calls` calls per `window`: the service's quota for one operation group, or the
/// token endpoint's.
///
/// ```
/// use std::time::Duration;
/// use flowpayroll::Quota;
///
/// let quota = Quota::new(40, Duration::from_secs(300)).unwrap();
/// assert_eq!(quota.spacing(), Duration::from_millis(7500));
/// assert!(Quota::new(0, Duration::from_secs(1)).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    calls: NonZeroU32,
    window: Duration,
}

impl Quota {
    /// `calls` per `window`; `None` when either is zero.
    pub fn new(calls: u32, window: Duration) -> Option<Self> {
        let calls = NonZeroU32::new(calls)?;
        (!window.is_zero()).then_some(Self { calls, window })
    }

    /// The calls allowed per window.
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The time between two calls that uses the quota without exceeding it in any
    /// window: `window / calls`.
    pub fn spacing(&self) -> Duration {
        self.window / self.calls.get()
    }
}

/// `CALLS/SECONDS`, such as `40/300` or `5/0.5` (the form of `FLOWPAYROLL_RATE_LIMIT`
/// and of the sandbox's `--quota`).
///
/// ```
/// use std::time::Duration;
/// use flowpayroll::Quota;
///
/// let quota: Quota = "10/2".parse().unwrap();
/// assert_eq!((quota.calls(), quota.window()), (10, Duration::from_secs(2)));
/// assert!("10".parse::<Quota>().is_err());
/// ```
impl std::str::FromStr for Quota {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let bad = || {
            Error::Config(format!(
                "`{}` is not a quota; expected CALLS/SECONDS such as 40/300",
                crate::secret::terminal::escape(text)
            ))
        };
        let (calls, seconds) = text.trim().split_once('/').ok_or_else(bad)?;
        let calls: u32 = calls.trim().parse().map_err(|_| bad())?;
        let seconds: f64 = seconds.trim().parse().map_err(|_| bad())?;
        let window = Duration::try_from_secs_f64(seconds).map_err(|_| bad())?;
        Self::new(calls, window).ok_or_else(bad)
    }
}

/// What a call does when the limiter has no budget for it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WhenLimited {
    /// Wait for budget, within the call's time budget
    /// ([`RetryPolicy::total_budget`](crate::RetryPolicy::total_budget)); a wait that
    /// would not fit fails at once with [`Error::RateLimited`]. The default.
    #[default]
    Wait,
    /// Fail at once with [`Error::RateLimited`], which says when budget is free.
    FailFast,
}

/// The client-side rate limiter's settings (off unless given to
/// [`FlowPayrollBuilder::rate_limit`](crate::FlowPayrollBuilder::rate_limit) or set by
/// `FLOWPAYROLL_RATE_LIMIT`).
///
/// Calls are grouped as the service counts them: per `client_id` and per endpoint, so
/// the operations of one path (`get_client` and `update_client`) share a quota. Each
/// group's calls are spaced `window / calls` apart (plus [`RateLimit::headroom`]), so no
/// window of the service ever sees more than its quota. A group without a quota, in
/// learning mode, learns one from the service's first 429 and its `Retry-After`. The
/// token endpoint always has its own quota ([`RateLimit::with_token_quota`]).
///
/// ```
/// use std::time::Duration;
/// use flowpayroll::{Quota, RateLimit};
///
/// // The vendor's published limit for gated endpoints: 40 calls per 5 minutes.
/// let limit = RateLimit::quota(Quota::new(40, Duration::from_secs(300)).unwrap());
/// let fp = flowpayroll::FlowPayroll::builder()
///     .credentials("id", "secret")
///     .rate_limit(limit)
///     .build()?;
/// # Ok::<(), flowpayroll::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    pub(crate) default: Option<Quota>,
    pub(crate) overrides: Vec<(Operation, Quota)>,
    pub(crate) learn: bool,
    pub(crate) token: Quota,
    pub(crate) when_limited: WhenLimited,
    pub(crate) headroom_percent: u32,
    pub(crate) fleet_share: Option<u32>,
}

impl RateLimit {
    /// Every operation group gets `quota`.
    pub fn quota(quota: Quota) -> Self {
        Self {
            default: Some(quota),
            learn: false,
            ..Self::learning()
        }
    }

    /// No quota given: each group learns its own from the first 429 and its
    /// `Retry-After` (see the fleet guide for how, and what it costs).
    pub fn learning() -> Self {
        Self {
            default: None,
            overrides: Vec::new(),
            learn: true,
            token: Quota::new(40, Duration::from_secs(300)).expect("a constant quota"),
            when_limited: WhenLimited::Wait,
            headroom_percent: 2,
            fleet_share: None,
        }
    }

    /// `quota` for the group of `operation` (the operations of its path), instead of
    /// the default or learning.
    #[must_use]
    pub fn with_operation(mut self, operation: Operation, quota: Quota) -> Self {
        self.overrides
            .retain(|(op, _)| op.path() != operation.path());
        self.overrides.push((operation, quota));
        self
    }

    /// The token endpoint's own quota (default 40 per 5 minutes, the vendor's published
    /// per-`client_id` figure). One allowing more than one request per
    /// [`MIN_TOKEN_SPACING`] fails the build with [`Error::Config`].
    #[must_use]
    pub fn with_token_quota(mut self, quota: Quota) -> Self {
        self.token = quota;
        self
    }

    /// Wait for budget (the default) or fail fast.
    #[must_use]
    pub fn with_when_limited(mut self, when: WhenLimited) -> Self {
        self.when_limited = when;
        self
    }

    /// How much slower than `window / calls` calls are spaced, in percent (default 2,
    /// at most 100): room for the time a request takes to reach the service, so that
    /// one arriving late never lands in the next window with a full count.
    #[must_use]
    pub fn with_headroom_percent(mut self, percent: u32) -> Self {
        self.headroom_percent = percent.min(100);
        self
    }

    /// Fleet mode with Redis unavailable: each member spaces its calls as if it had
    /// `1 / members` of the quota (default: the number of members seen in the last
    /// minute, at least 1).
    #[must_use]
    pub fn with_fleet_share(mut self, members: u32) -> Self {
        self.fleet_share = Some(members.max(1));
        self
    }

    /// The headroom percent.
    pub fn headroom(&self) -> u32 {
        self.headroom_percent
    }

    /// Checks the token quota against [`MIN_TOKEN_SPACING`].
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.token.spacing() < MIN_TOKEN_SPACING {
            return Err(Error::Config(format!(
                "the token endpoint's quota allows a request every {} ms; the fastest allowed \
                 is one every {} ms: lower `with_token_quota`",
                self.token.spacing().as_millis(),
                MIN_TOKEN_SPACING.as_millis()
            )));
        }
        Ok(())
    }

    /// Reads `FLOWPAYROLL_RATE_LIMIT`: `off`, `learn`, or `CALLS/SECONDS` (such as
    /// `40/300`); `None` for `off`.
    pub(crate) fn parse_env(value: &str) -> Result<Option<Self>, Error> {
        let bad = || {
            Error::Config(
                "FLOWPAYROLL_RATE_LIMIT must be `off`, `learn` or CALLS/SECONDS such as 40/300"
                    .to_owned(),
            )
        };
        match value.trim() {
            "off" => Ok(None),
            "learn" => Ok(Some(Self::learning())),
            text => Ok(Some(Self::quota(text.parse().map_err(|_| bad())?))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_form_is_off_learn_or_calls_per_seconds() {
        assert_eq!(RateLimit::parse_env("off").unwrap(), None);
        assert!(RateLimit::parse_env("learn").unwrap().unwrap().learn);
        let limit = RateLimit::parse_env(" 40/300 ").unwrap().unwrap();
        assert_eq!(limit.default, Quota::new(40, Duration::from_secs(300)));
        assert!(!limit.learn);
        let half = RateLimit::parse_env("5/0.5").unwrap().unwrap();
        assert_eq!(half.default.unwrap().spacing(), Duration::from_millis(100));
        for bad in [
            "", "on", "0/10", "10/0", "10/-1", "ten/10", "10/x", "10/1e30", "10",
        ] {
            let error = RateLimit::parse_env(bad).unwrap_err();
            assert!(
                error.to_string().contains("FLOWPAYROLL_RATE_LIMIT"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_token_quota_faster_than_the_floor_is_refused() {
        let fast = RateLimit::learning()
            .with_token_quota(Quota::new(100, Duration::from_secs(60)).unwrap());
        assert!(fast
            .check()
            .unwrap_err()
            .to_string()
            .contains("with_token_quota"));
        let floor = RateLimit::learning()
            .with_token_quota(Quota::new(40, Duration::from_secs(60)).unwrap());
        assert!(floor.check().is_ok());
    }

    #[test]
    fn an_operation_override_replaces_the_one_of_its_path() {
        let q = |n| Quota::new(n, Duration::from_secs(60)).unwrap();
        let limit = RateLimit::learning()
            .with_operation(Operation::GetClient, q(1))
            .with_operation(Operation::UpdateClient, q(2));
        assert_eq!(limit.overrides, [(Operation::UpdateClient, q(2))]);
    }
}
