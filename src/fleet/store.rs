//! How a fleet member uses its [`TokenStore`]: every call bounded by a short timeout,
//! reads capped at the largest sealed value, and the health of the link.
//!
//! A failed or late call marks the store *unavailable*: the store is told to drop its
//! connections ([`TokenStore::reset`]), callers stop asking it (they mint locally) and
//! only the background watcher ([`super::watch`]) probes it until it answers again. The
//! reason is logged when the state changes and at most once per `log_interval` while it
//! lasts.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::backend::{StoreError, Stored, TokenStore};
use super::crypto::MAX_SEALED_LEN;
use super::settings::FleetPolicy;
use crate::clock::Clock;
use crate::fleet::status::FleetState;

/// The store side of one fleet member.
pub(crate) struct Store {
    backend: Arc<dyn TokenStore>,
    /// The same store as `backend` when it is the built-in Redis one: the rate
    /// limiter's scripts run on it.
    #[cfg(feature = "redis")]
    redis: Option<Arc<super::redis_store::RedisStore>>,
    policy: FleetPolicy,
    clock: Arc<dyn Clock>,
    health: Mutex<Health>,
}
#[derive(Debug)]
struct Health {
    state: FleetState,
    reason: Option<String>,
    last_logged: Option<Instant>,
    suppressed: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("state", &lock(&self.health).state)
            .finish_non_exhaustive()
    }
}

impl Store {
    pub(crate) fn new(
        backend: super::FleetBackend,
        policy: FleetPolicy,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            backend: backend.store,
            #[cfg(feature = "redis")]
            redis: backend.redis,
            policy,
            clock,
            health: Mutex::new(Health {
                state: FleetState::Connecting,
                reason: None,
                last_logged: None,
                suppressed: 0,
            }),
        }
    }

    /// The state of the link and, when unavailable, why.
    pub(crate) fn state(&self) -> (FleetState, Option<String>) {
        let health = lock(&self.health);
        (health.state, health.reason.clone())
    }

    /// Whether callers should use Redis now (not while it is known to be unavailable).
    pub(crate) fn usable(&self) -> bool {
        lock(&self.health).state != FleetState::Unavailable
    }

    /// The value at `key`, at most one byte more than the largest value the fleet
    /// opens: a huge value (another program's, or planted there) is never downloaded,
    /// only its start, which does not open.
    pub(crate) async fn get(&self, key: &str) -> Result<Stored, ()> {
        let limit = MAX_SEALED_LEN + 1;
        match self.bounded(self.backend.get(key, limit)).await? {
            Stored::Value(mut bytes) => {
                // A store that returns more than asked is cut, not trusted.
                bytes.truncate(limit);
                Ok(Stored::Value(bytes))
            }
            other => Ok(other),
        }
    }

    /// Writes `value` at `key`, live for `ttl`.
    pub(crate) async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), ()> {
        self.bounded(self.backend.set(key, value, ttl)).await
    }

    /// Whether the store runs Redis scripts (the built-in Redis store only).
    #[cfg(feature = "redis")]
    pub(crate) fn has_scripts(&self) -> bool {
        self.redis.is_some()
    }

    /// Runs one script invocation (the rate limiter's) within the timeout; an error
    /// without the built-in Redis store.
    #[cfg(feature = "redis")]
    pub(crate) async fn eval<T: redis::FromRedisValue + Send + 'static>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T, ()> {
        let redis = self.redis.as_ref().ok_or(())?;
        self.bounded(redis.eval(invocation)).await
    }

    /// Deletes `key` if it still holds `expected`; whether it did.
    pub(crate) async fn compare_and_delete(&self, key: &str, expected: &[u8]) -> Result<bool, ()> {
        self.bounded(self.backend.delete_if(key, expected)).await
    }

    /// Takes the lease at `key` for `holder`; whether it did.
    pub(crate) async fn acquire_lease(
        &self,
        key: &str,
        holder: &[u8],
        ttl: Duration,
    ) -> Result<bool, ()> {
        self.bounded(self.backend.acquire_lease(key, holder, ttl))
            .await
    }

    /// Extends the lease at `key` if `holder` still holds it; whether it did.
    pub(crate) async fn renew_lease(
        &self,
        key: &str,
        holder: &[u8],
        ttl: Duration,
    ) -> Result<bool, ()> {
        self.bounded(self.backend.renew_lease(key, holder, ttl))
            .await
    }

    /// Frees the lease at `key` if `holder` still holds it.
    pub(crate) async fn release_lease(&self, key: &str, holder: &[u8]) -> Result<bool, ()> {
        self.bounded(self.backend.release_lease(key, holder)).await
    }

    /// The watcher's probe while the store is unavailable, on fresh connections.
    pub(crate) async fn probe(&self) -> bool {
        self.backend.reset();
        self.bounded(self.backend.ping()).await.is_ok()
    }

    /// Runs one call within the policy's timeout and records the outcome.
    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, ()> {
        match tokio::time::timeout(self.policy.timeout, call).await {
            Ok(Ok(value)) => {
                self.mark_up();
                Ok(value)
            }
            Ok(Err(error)) => {
                self.mark_down(error.to_string().chars().take(200).collect());
                Err(())
            }
            Err(_) => {
                self.mark_down(format!(
                    "no answer within {} ms",
                    self.policy.timeout.as_millis()
                ));
                Err(())
            }
        }
    }

    fn mark_up(&self) {
        let mut health = lock(&self.health);
        if health.state == FleetState::Unavailable {
            tracing::info!(
                target: "flowpayroll::fleet",
                "fleet cache reachable again; sharing tokens"
            );
            health.last_logged = None;
            health.suppressed = 0;
        }
        health.state = FleetState::Connected;
        health.reason = None;
    }

    /// Records a failure: drops the connection and logs the reason when the state
    /// changes, then at most once per `log_interval`.
    pub(crate) fn mark_down(&self, reason: String) {
        self.backend.reset();
        let now = self.clock.now();
        let mut health = lock(&self.health);
        let due = health
            .last_logged
            .is_none_or(|at| now.saturating_duration_since(at) >= self.policy.log_interval);
        if health.state != FleetState::Unavailable || due {
            tracing::warn!(
                target: "flowpayroll::fleet",
                reason = %reason,
                failures_not_logged = health.suppressed,
                "fleet cache unavailable; minting tokens locally until it answers again"
            );
            health.last_logged = Some(now);
            health.suppressed = 0;
        } else {
            health.suppressed += 1;
        }
        health.state = FleetState::Unavailable;
        health.reason = Some(reason);
    }

    /// Logs an ignored entry at most once per `log_interval` (shares the limiter).
    pub(crate) fn note_ignored(&self, what: &str) {
        let now = self.clock.now();
        let mut health = lock(&self.health);
        let due = health
            .last_logged
            .is_none_or(|at| now.saturating_duration_since(at) >= self.policy.log_interval);
        if due {
            tracing::warn!(target: "flowpayroll::fleet", "{what}");
            health.last_logged = Some(now);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
