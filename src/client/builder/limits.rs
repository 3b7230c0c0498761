//! The rate-limiter setters of [`FlowPayrollBuilder`]: [`FlowPayrollBuilder::rate_limit`]
//! and its environment variables, `FLOWPAYROLL_RATE_LIMIT` and
//! `FLOWPAYROLL_RATE_LIMIT_WAIT`.

use super::FlowPayrollBuilder;
use crate::error::Error;
use crate::limiter::policy::{RateLimit, WhenLimited};

impl FlowPayrollBuilder {
    /// Turns the client-side rate limiter on (it is off by default): calls of each
    /// operation group are spaced to fit `limit`'s quota, or the quota learned from the
    /// service's 429s; in fleet mode the budget is the fleet's. Also
    /// `FLOWPAYROLL_RATE_LIMIT` (`off`, `learn`, or `CALLS/SECONDS`) and
    /// `FLOWPAYROLL_RATE_LIMIT_WAIT` (`wait` or `fail`).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Applies `FLOWPAYROLL_RATE_LIMIT` and `FLOWPAYROLL_RATE_LIMIT_WAIT`, read with `get`.
    pub(super) fn rate_limit_from_env(
        mut self,
        get: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let optional = |name: &str| get(name).filter(|v| !v.is_empty());
        let when = match optional("FLOWPAYROLL_RATE_LIMIT_WAIT").as_deref() {
            None | Some("wait") => WhenLimited::Wait,
            Some("fail") => WhenLimited::FailFast,
            Some(other) => {
                return Err(Error::Config(format!(
                    "FLOWPAYROLL_RATE_LIMIT_WAIT is `{}`; expected `wait` or `fail`",
                    crate::secret::terminal::escape(other)
                )))
            }
        };
        if let Some(value) = optional("FLOWPAYROLL_RATE_LIMIT") {
            self.rate_limit =
                RateLimit::parse_env(&value)?.map(|limit| limit.with_when_limited(when));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_limiter_is_read_from_the_environment() {
        let base = [
            ("FLOWPAYROLL_CLIENT_ID", "id"),
            ("FLOWPAYROLL_CLIENT_SECRET", "secret"),
        ];
        let builder = FlowPayrollBuilder::from_env_with(env(&base)).unwrap();
        assert_eq!(builder.rate_limit, None);
        let mut with = base.to_vec();
        with.push(("FLOWPAYROLL_RATE_LIMIT", "10/2"));
        with.push(("FLOWPAYROLL_RATE_LIMIT_WAIT", "fail"));
        let limit = FlowPayrollBuilder::from_env_with(env(&with))
            .unwrap()
            .rate_limit
            .unwrap();
        assert_eq!(limit.when_limited, WhenLimited::FailFast);
        assert_eq!(limit.default.unwrap().spacing(), Duration::from_millis(200));
        let mut bad = base.to_vec();
        bad.push(("FLOWPAYROLL_RATE_LIMIT_WAIT", "later\u{1b}"));
        let error = FlowPayrollBuilder::from_env_with(env(&bad)).unwrap_err();
        assert!(error.to_string().contains("`later\\u{1b}`"), "{error}");
        let mut off = base.to_vec();
        off.push(("FLOWPAYROLL_RATE_LIMIT", "off"));
        let builder = FlowPayrollBuilder::from_env_with(env(&off)).unwrap();
        assert_eq!(builder.rate_limit, None);
    }
}
