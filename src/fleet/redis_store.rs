//! The built-in [`TokenStore`]: Redis (feature `redis`), one server or a Cluster
//! (`super::redis_link`). Leases are `SET NX PX`; renewing and freeing them, and
//! deleting a refused token, are scripts that compare the value first, so each is
//! atomic (a client's keys share one hash tag, so on a Cluster they share one slot).

use std::sync::Mutex;
use std::time::Duration;

use redis::{Cmd, RedisError, Script, Value};

use super::backend::{StoreError, StoreFuture, Stored, TokenStore};
use super::redis_link::{self, describe, Clients, Link, Target};
use crate::error::Error;

/// Fleet mode's Redis.
pub(crate) struct RedisStore {
    client: Clients,
    timeout: Duration,
    connection: Mutex<Option<Link>>,
    compare_and_delete: Script,
    compare_and_extend: Script,
}

impl std::fmt::Debug for RedisStore {
    // The client is left out: its URL may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}

impl RedisStore {
    /// The Redis at `target` (`redis://` or `rediss://`, with an ACL user and password
    /// when the URL has them), trusting `ca` (PEM) instead of the platform's roots for
    /// `rediss://`; nothing is sent until the first call, each bounded by `timeout`
    /// (connecting included).
    pub(crate) fn open(
        target: Target<'_>,
        ca: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let client = redis_link::open(target, ca, timeout)?;
        Ok(Self {
            client,
            timeout,
            connection: Mutex::new(None),
            // Deletes KEYS[1] only if it still holds ARGV[1]: releasing a lease or
            // invalidating a token never touches what another member wrote since.
            compare_and_delete: Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then \
                 return redis.call('DEL', KEYS[1]) else return 0 end",
            ),
            // Extends KEYS[1] to ARGV[2] ms only if it still holds ARGV[1].
            compare_and_extend: Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then \
                 return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end",
            ),
        })
    }

    async fn connection(&self) -> Result<Link, StoreError> {
        if let Some(connection) = &*lock(&self.connection) {
            return Ok(connection.clone());
        }
        // Two calls may both connect; the later one's link is kept, both work.
        let connection = self
            .client
            .connect(self.timeout)
            .await
            .map_err(|e| self.failed(&e))?;
        Ok(lock(&self.connection).insert(connection).clone())
    }

    fn query<T: redis::FromRedisValue + Send + 'static>(
        &self,
        cmd: Cmd,
    ) -> StoreFuture<'_, Result<T, RedisError>> {
        Box::pin(async move {
            let mut connection = self.connection().await?;
            match cmd.query_async::<T>(&mut connection).await {
                Err(error) if error.code() == Some("WRONGTYPE") => Ok(Err(error)),
                Err(error) => Err(self.failed(&error)),
                Ok(value) => Ok(Ok(value)),
            }
        })
    }

    fn script<'a>(
        &'a self,
        script: &'a Script,
        key: &str,
        args: &[&[u8]],
    ) -> StoreFuture<'a, bool> {
        let mut invocation = script.key(key);
        for arg in args {
            invocation.arg(*arg);
        }
        Box::pin(async move {
            let mut connection = self.connection().await?;
            match invocation.invoke_async::<i64>(&mut connection).await {
                Ok(done) => Ok(done == 1),
                Err(error) => Err(self.failed(&error)),
            }
        })
    }

    /// Runs one script invocation of the rate limiter's shared budget (not part of
    /// [`TokenStore`]: only this store runs scripts).
    pub(crate) async fn eval<T: redis::FromRedisValue + Send + 'static>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection().await?;
        invocation
            .invoke_async::<T>(&mut connection)
            .await
            .map_err(|error| self.failed(&error))
    }

    /// Drops the connection after `error` and describes it.
    fn failed(&self, error: &RedisError) -> StoreError {
        self.reset();
        if error.is_timeout() {
            // The connection's own timeout: the same duration as the member's.
            return format!("no answer within {} ms", self.timeout.as_millis()).into();
        }
        describe(error).into()
    }
}

impl TokenStore for RedisStore {
    /// `GETRANGE key 0 max_len`: a huge value (Redis takes up to 512 MiB) is never
    /// downloaded, only its start. An empty value reads as missing: it is no entry.
    fn get<'a>(&'a self, key: &'a str, max_len: usize) -> StoreFuture<'a, Stored> {
        let mut cmd = redis::cmd("GETRANGE");
        cmd.arg(key).arg(0).arg(max_len.saturating_sub(1));
        Box::pin(async move {
            Ok(match self.query::<Value>(cmd).await? {
                Ok(Value::Nil) => Stored::Missing,
                Ok(Value::BulkString(bytes)) if bytes.is_empty() => Stored::Missing,
                Ok(Value::BulkString(bytes)) => Stored::Value(bytes),
                Ok(_) | Err(_) => Stored::Foreign,
            })
        })
    }

    /// `SET key value PX ttl`.
    fn set<'a>(&'a self, key: &'a str, value: &'a [u8], ttl: Duration) -> StoreFuture<'a, ()> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("PX").arg(millis(ttl));
        Box::pin(async move {
            self.query::<Value>(cmd)
                .await?
                .map(drop)
                .map_err(|e| describe(&e).into())
        })
    }

    fn delete_if<'a>(&'a self, key: &'a str, expected: &'a [u8]) -> StoreFuture<'a, bool> {
        self.script(&self.compare_and_delete, key, &[expected])
    }

    /// `SET key holder NX PX ttl`.
    fn acquire_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key)
            .arg(holder)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl));
        Box::pin(async move {
            match self.query::<Value>(cmd).await? {
                Ok(Value::Okay) => Ok(true),
                Ok(_) => Ok(false),
                Err(error) => Err(describe(&error).into()),
            }
        })
    }

    fn renew_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let ttl = millis(ttl).to_string();
        self.script(&self.compare_and_extend, key, &[holder, ttl.as_bytes()])
    }

    /// `PING` (after [`Self::reset`], on a fresh connection).
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.query::<Value>(redis::cmd("PING"))
                .await?
                .map(drop)
                .map_err(|e| describe(&e).into())
        })
    }

    fn reset(&self) {
        *lock(&self.connection) = None;
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
