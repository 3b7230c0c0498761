//! Redis access for the fleet: one lazily built connection manager, every call bounded
//! by a short timeout, and the health of the link.
//!
//! A failed call marks Redis *unavailable*: the manager is dropped, callers stop asking
//! Redis (they mint locally) and only the background watcher ([`super::watch`]) probes
//! it, with a fresh connection each time, until it answers again. The reason is logged
//! when the state changes and at most once per `log_interval` while it lasts.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, RedisError, Script, Value};

use super::crypto::MAX_SEALED_LEN;
use super::settings::FleetPolicy;
use crate::clock::Clock;
use crate::fleet::status::FleetState;

/// What a read found.
#[derive(Debug)]
pub(crate) enum Read {
    Missing,
    Value(Vec<u8>),
    /// Something that is not a string (another program's key).
    Garbage,
}

/// The Redis side of one fleet member.
pub(crate) struct Store {
    client: redis::Client,
    policy: FleetPolicy,
    clock: Arc<dyn Clock>,
    connection: Mutex<Option<ConnectionManager>>,
    health: Mutex<Health>,
    compare_and_delete: Script,
}

#[derive(Debug)]
struct Health {
    state: FleetState,
    reason: Option<String>,
    last_logged: Option<Instant>,
    suppressed: u64,
}

impl std::fmt::Debug for Store {
    // The client is left out: its URL may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("state", &lock(&self.health).state)
            .finish_non_exhaustive()
    }
}

impl Store {
    pub(crate) fn new(client: redis::Client, policy: FleetPolicy, clock: Arc<dyn Clock>) -> Self {
        Self {
            client,
            policy,
            clock,
            connection: Mutex::new(None),
            health: Mutex::new(Health {
                state: FleetState::Connecting,
                reason: None,
                last_logged: None,
                suppressed: 0,
            }),
            // Deletes KEYS[1] only if it still holds ARGV[1]: releasing a lease or
            // invalidating a token never touches what another member wrote since.
            compare_and_delete: Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then \
                 return redis.call('DEL', KEYS[1]) else return 0 end",
            ),
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

    /// `GETRANGE key 0 MAX_SEALED_LEN`: at most one byte more than the largest value
    /// the fleet opens, so a huge value (another program's, or planted there: Redis
    /// takes up to 512 MiB) is never downloaded, only its start, which does not open.
    /// A missing key reads as empty, and so does an empty value: neither is an entry.
    pub(crate) async fn get(&self, key: &str) -> Result<Read, ()> {
        let mut cmd = redis::cmd("GETRANGE");
        cmd.arg(key).arg(0).arg(MAX_SEALED_LEN);
        match self.query::<Value>(&cmd).await {
            Ok(Value::Nil) => Ok(Read::Missing),
            Ok(Value::BulkString(bytes)) if bytes.is_empty() => Ok(Read::Missing),
            Ok(Value::BulkString(bytes)) => Ok(Read::Value(bytes)),
            Ok(_) => Ok(Read::Garbage),
            Err(Failure::WrongType) => Ok(Read::Garbage),
            Err(Failure::Down) => Err(()),
        }
    }

    /// `SET key value PX ttl`.
    pub(crate) async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), ()> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("PX").arg(millis(ttl));
        self.query::<Value>(&cmd).await.map(drop).map_err(drop)
    }

    /// `SET key value NX PX ttl`: whether the key was free and is now ours.
    pub(crate) async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, ()> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("NX").arg("PX").arg(millis(ttl));
        match self.query::<Value>(&cmd).await {
            Ok(Value::Okay) => Ok(true),
            Ok(_) => Ok(false),
            Err(_) => Err(()),
        }
    }

    /// Deletes `key` if it still holds `expected`; whether it did.
    pub(crate) async fn compare_and_delete(&self, key: &str, expected: &[u8]) -> Result<bool, ()> {
        let connection = self.connection().ok_or(())?;
        let mut invocation = self.compare_and_delete.key(key);
        invocation.arg(expected);
        let call = async move {
            let mut connection = connection;
            invocation.invoke_async::<i64>(&mut connection).await
        };
        self.bounded(call)
            .await
            .map(|deleted| deleted == 1)
            .map_err(drop)
    }

    /// Runs one script invocation (the rate limiter's) within the timeout.
    pub(crate) async fn eval<T: redis::FromRedisValue + Send + 'static>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T, ()> {
        let connection = self.connection().ok_or(())?;
        let call = async move {
            let mut connection = connection;
            invocation.invoke_async::<T>(&mut connection).await
        };
        self.bounded(call).await.map_err(drop)
    }

    /// `PING` on a fresh connection: the watcher's probe while Redis is unavailable.
    pub(crate) async fn probe(&self) -> bool {
        *lock(&self.connection) = None;
        self.query::<Value>(&redis::cmd("PING")).await.is_ok()
    }

    async fn query<T: redis::FromRedisValue + Send + 'static>(
        &self,
        cmd: &Cmd,
    ) -> Result<T, Failure> {
        let connection = self.connection().ok_or(Failure::Down)?;
        let cmd = cmd.clone();
        let call = async move {
            let mut connection = connection;
            cmd.query_async::<T>(&mut connection).await
        };
        self.bounded(call).await
    }

    /// Runs one call within the policy's timeout and records the outcome.
    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, RedisError>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(self.policy.timeout, call).await {
            Ok(Ok(value)) => {
                self.mark_up();
                Ok(value)
            }
            Ok(Err(error)) if error.code() == Some("WRONGTYPE") => {
                self.mark_up();
                Err(Failure::WrongType)
            }
            Ok(Err(error)) if !error.is_timeout() => {
                self.mark_down(describe(&error));
                Err(Failure::Down)
            }
            // Ours, or the connection's own (the same duration).
            Ok(Err(_)) | Err(_) => {
                self.mark_down(format!(
                    "no answer within {} ms",
                    self.policy.timeout.as_millis()
                ));
                Err(Failure::Down)
            }
        }
    }

    fn connection(&self) -> Option<ConnectionManager> {
        let mut slot = lock(&self.connection);
        if let Some(connection) = &*slot {
            return Some(connection.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.policy.timeout))
            .set_response_timeout(Some(self.policy.timeout))
            .set_number_of_retries(0);
        match ConnectionManager::new_lazy_with_config(self.client.clone(), config) {
            Ok(connection) => Some(slot.insert(connection).clone()),
            Err(error) => {
                drop(slot);
                self.mark_down(describe(&error));
                None
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
        *lock(&self.connection) = None;
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

enum Failure {
    Down,
    WrongType,
}

/// A Redis error in words. Redis errors name the command and the server's message,
/// never the URL or its password.
fn describe(error: &RedisError) -> String {
    let kind = if error.is_connection_refusal() {
        "connection refused"
    } else if error.is_connection_dropped() {
        "connection dropped"
    } else if error.is_io_error() {
        "I/O error"
    } else {
        "error"
    };
    let text: String = error.to_string().chars().take(200).collect();
    format!("{kind}: {text}")
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
