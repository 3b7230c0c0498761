//! Quotas like the service's: per `client_id` (a sandbox serves one, so its quotas are
//! that client's) and per endpoint (the operations of one path share a count), in fixed
//! windows counted from when the quota was set. A call past the quota is answered 429
//! with the exact `Retry-After` of its window: the whole seconds left until the window
//! ends, rounded up. Set at the start ([`SandboxConfig::quota`],
//! [`SandboxConfig::quotas`], `flowpayroll sandbox serve --quota`), from Rust
//! ([`Sandbox::set_quota`]) or by `POST /__sandbox/quotas`; counted in
//! [`Stats::quotas`](super::Stats::quotas) and [`Stats::rate_limited`](super::Stats::rate_limited).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State as AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{lock, Sandbox, SandboxConfig, State};
use crate::generated::model::Operation;
use crate::limiter::policy::Quota;

/// How many past windows each quota keeps in its counts.
pub const RECENT_WINDOWS: usize = 256;

/// One endpoint's quota and its recent windows, as `GET /__sandbox/stats` shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct QuotaStats {
    /// The calls allowed per window.
    pub calls: u32,
    /// The window, in milliseconds.
    pub window_ms: u64,
    /// The last windows (at most [`RECENT_WINDOWS`]), oldest first.
    pub windows: Vec<WindowCount>,
}

/// What one window of a quota served and refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WindowCount {
    /// The window's number, from 0 when the quota was set.
    pub window: u64,
    /// Calls answered as usual.
    pub served: u64,
    /// Calls answered 429.
    pub refused: u64,
}

#[derive(Debug)]
struct Rule {
    quota: Quota,
    since: Instant,
    windows: VecDeque<WindowCount>,
}

/// The quotas of a sandbox, keyed by path.
#[derive(Debug, Default)]
pub(super) struct Quotas {
    rules: BTreeMap<&'static str, Rule>,
}

impl Quotas {
    /// The quotas `config` starts with, counted from `now`.
    pub(super) fn new(config: &SandboxConfig, now: Instant) -> Self {
        let mut quotas = Self::default();
        if let Some(quota) = config.quota {
            quotas.set(None, Some(quota), now);
        }
        for (operation, quota) in &config.quotas {
            quotas.set(Some(*operation), Some(*quota), now);
        }
        quotas
    }

    /// Sets (or with `None` removes) the quota of `operation`'s path, or of every path
    /// but the token endpoint's; its windows start at `now`.
    pub(super) fn set(&mut self, operation: Option<Operation>, quota: Option<Quota>, now: Instant) {
        let paths: Vec<&'static str> = match operation {
            Some(operation) => vec![operation.path()],
            None => Operation::ALL
                .iter()
                .filter(|op| **op != Operation::RequestToken)
                .map(|op| op.path())
                .collect(),
        };
        for path in paths {
            match quota {
                Some(quota) => {
                    let rule = Rule {
                        quota,
                        since: now,
                        windows: VecDeque::new(),
                    };
                    self.rules.insert(path, rule);
                }
                None => {
                    self.rules.remove(path);
                }
            }
        }
    }

    /// Counts a call of `operation` at `now`: `Err(retry_after)` past its quota.
    pub(super) fn admit(&mut self, operation: Operation, now: Instant) -> Result<(), Duration> {
        let Some(rule) = self.rules.get_mut(operation.path()) else {
            return Ok(());
        };
        let window = rule.quota.window();
        let elapsed = now.saturating_duration_since(rule.since);
        let index = u64::try_from(elapsed.as_nanos() / window.as_nanos()).unwrap_or(u64::MAX);
        if rule.windows.back().is_none_or(|w| w.window != index) {
            if rule.windows.len() == RECENT_WINDOWS {
                rule.windows.pop_front();
            }
            rule.windows.push_back(WindowCount {
                window: index,
                served: 0,
                refused: 0,
            });
        }
        let current = rule.windows.back_mut().expect("pushed above");
        if current.served < u64::from(rule.quota.calls()) {
            current.served += 1;
            return Ok(());
        }
        current.refused += 1;
        let ends = window
            .checked_mul(u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX))
            .unwrap_or(Duration::MAX);
        Err(ends.saturating_sub(elapsed))
    }

    pub(super) fn stats(&self) -> BTreeMap<String, QuotaStats> {
        self.rules
            .iter()
            .map(|(path, rule)| {
                let stats = QuotaStats {
                    calls: rule.quota.calls(),
                    window_ms: u64::try_from(rule.quota.window().as_millis()).unwrap_or(u64::MAX),
                    windows: rule.windows.iter().copied().collect(),
                };
                ((*path).to_owned(), stats)
            })
            .collect()
    }
}

/// `Retry-After` for `wait`: whole seconds, rounded up, at least 1.
pub(super) fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs()
        .saturating_add(u64::from(wait.subsec_nanos() > 0))
        .max(1)
}

impl Sandbox {
    /// Sets the quota of `operation`'s endpoint (with `None`: of every endpoint but the
    /// token endpoint), or removes it with `quota` `None`. Its windows start now.
    pub fn set_quota(&self, operation: Option<Operation>, quota: Option<Quota>) {
        let now = self.state.now();
        lock(&self.state.quotas).set(operation, quota, now);
    }
}

/// The body of `POST /__sandbox/quotas`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaRequest {
    /// One operation's endpoint; absent: every endpoint but the token endpoint.
    #[serde(default)]
    operation: Option<String>,
    /// Calls per window; 0 removes the quota.
    calls: u32,
    /// The window in milliseconds (1 to one day).
    #[serde(default)]
    window_ms: u64,
}

/// The longest window the control API sets: one day.
const MAX_WINDOW_MS: u64 = 86_400_000;

pub(super) fn router() -> Router<Arc<State>> {
    Router::new().route("/__sandbox/quotas", post(set_quota))
}

async fn set_quota(AppState(state): AppState<Arc<State>>, body: axum::body::Bytes) -> Response {
    let bad = |message: String| (StatusCode::BAD_REQUEST, Json(json!({ "message": message })));
    let request: QuotaRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return bad(format!("not a quota request: {error}")).into_response(),
    };
    let operation = match request.operation.as_deref().map(Operation::from_id) {
        None => None,
        Some(Some(operation)) => Some(operation),
        Some(None) => {
            return bad("`operation` is not an operation id of the spec".to_owned()).into_response()
        }
    };
    let quota = if request.calls == 0 {
        None
    } else if (1..=MAX_WINDOW_MS).contains(&request.window_ms) {
        Quota::new(request.calls, Duration::from_millis(request.window_ms))
    } else {
        return bad(format!("`window_ms` must be 1 to {MAX_WINDOW_MS}")).into_response();
    };
    let now = state.now();
    lock(&state.quotas).set(operation, quota, now);
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_serves_its_quota_then_refuses_until_its_end() {
        let start = crate::clock::ManualClock::new();
        let start = crate::clock::Clock::now(&start);
        let ms = Duration::from_millis;
        let mut quotas = Quotas::default();
        quotas.set(
            Some(Operation::GetClient),
            Quota::new(2, Duration::from_secs(2)),
            start,
        );
        let op = Operation::UpdateClient;
        assert_eq!(quotas.admit(op, start), Ok(()));
        assert_eq!(quotas.admit(Operation::GetClient, start + ms(10)), Ok(()));
        assert_eq!(quotas.admit(op, start + ms(300)), Err(ms(1700)));
        assert_eq!(retry_after_seconds(ms(1700)), 2);
        assert_eq!(quotas.admit(op, start + ms(2000)), Ok(()));
        assert_eq!(quotas.admit(op, start + ms(5999)), Ok(()));
        assert_eq!(quotas.admit(op, start + ms(5999)), Ok(()));
        assert_eq!(quotas.admit(op, start + ms(5999)), Err(ms(1)));
        assert_eq!(retry_after_seconds(ms(1)), 1);
        // Other endpoints are not limited.
        assert_eq!(quotas.admit(Operation::ListTokens, start), Ok(()));
        let stats = &quotas.stats()[Operation::GetClient.path()];
        let counts: Vec<(u64, u64, u64)> = stats
            .windows
            .iter()
            .map(|w| (w.window, w.served, w.refused))
            .collect();
        assert_eq!(counts, [(0, 2, 1), (1, 1, 0), (2, 2, 1)]);
        quotas.set(Some(op), None, start);
        assert!(quotas.stats().is_empty());
    }

    #[test]
    fn the_default_quota_leaves_the_token_endpoint_alone() {
        let now = crate::clock::Clock::now(&crate::clock::ManualClock::new());
        let mut quotas = Quotas::default();
        quotas.set(None, Quota::new(1, Duration::from_secs(1)), now);
        assert!(quotas.admit(Operation::RequestToken, now).is_ok());
        assert!(quotas.admit(Operation::RequestToken, now).is_ok());
        assert!(quotas.admit(Operation::ListProviders, now).is_ok());
        assert!(quotas.admit(Operation::ListProviders, now).is_err());
        let mut windows = Quotas::default();
        windows.set(
            Some(Operation::ListProviders),
            Quota::new(1, Duration::from_millis(1)),
            now,
        );
        for i in 0..(RECENT_WINDOWS as u64 + 10) {
            assert!(windows
                .admit(Operation::ListProviders, now + Duration::from_millis(i))
                .is_ok());
        }
        let stats = windows.stats();
        assert_eq!(
            stats[Operation::ListProviders.path()].windows.len(),
            RECENT_WINDOWS
        );
        assert_eq!(stats[Operation::ListProviders.path()].windows[0].window, 10);
    }
}
