//! [`RedisReplayGuard`]: the replay guard kept in the Redis of fleet mode, so that a
//! body accepted by one pod is refused by every other pod too.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::WebhookError;
use crate::error::Error;
use crate::observe::replay_checked;
use crate::secret::SecretString;

/// How long one Redis call may take before the check fails.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Like [`super::ReplayGuard`], shared through Redis: each accepted body leaves a key
/// `<prefix>:<SHA-256 of the body>` that expires after the window (`SET NX PX`), so
/// Redis holds at most the bodies accepted within one window, each key under 120 bytes.
///
/// If Redis does not answer, [`RedisReplayGuard::check`] fails with
/// [`WebhookError::GuardUnavailable`] rather than let a possible replay through: answer
/// it with a 5xx (so the sender may try again) or fall back to a local guard.
pub struct RedisReplayGuard {
    client: redis::Client,
    prefix: String,
    window: Duration,
    connection: OnceCell<ConnectionManager>,
}

impl fmt::Debug for RedisReplayGuard {
    // The client is left out: its URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplayGuard")
            .field("prefix", &self.prefix)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl RedisReplayGuard {
    /// A guard on the Redis at `redis_url`, its keys under `prefix` (such as
    /// `flowpayroll:webhooks:<client id>`). Nothing is sent until the first check.
    pub fn new(
        redis_url: &SecretString,
        prefix: impl Into<String>,
        window: Duration,
    ) -> Result<Self, Error> {
        let client = redis::Client::open(redis_url.expose_secret()).map_err(|e| {
            Error::Config(format!(
                "the Redis URL is not valid ({:?}); expected redis://[:password@]host[:port][/db]",
                e.kind()
            ))
        })?;
        Ok(Self {
            client,
            prefix: prefix.into(),
            window,
            connection: OnceCell::new(),
        })
    }

    /// Records `body` and succeeds, or fails with [`WebhookError::Replayed`] if any pod
    /// using the same Redis and prefix accepted it within the window.
    pub async fn check(&self, body: &[u8]) -> Result<(), WebhookError> {
        replay_checked(self.remember(body).await)
    }

    async fn remember(&self, body: &[u8]) -> Result<(), WebhookError> {
        let digest = Sha256::digest(body);
        let key = format!("{}:{}", self.prefix, hex::encode(digest));
        let millis = u64::try_from(self.window.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let unavailable = |what: String| WebhookError::GuardUnavailable(what);
        let mut connection = self
            .connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CALL_TIMEOUT))
                    .set_response_timeout(Some(CALL_TIMEOUT))
                    .set_number_of_retries(0);
                ConnectionManager::new_with_config(self.client.clone(), config).await
            })
            .await
            .map_err(|e| unavailable(describe(&e)))?
            .clone();
        let stored: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(millis)
            .query_async(&mut connection)
            .await
            .map_err(|e| unavailable(describe(&e)))?;
        match stored {
            Some(_) => Ok(()),
            None => Err(WebhookError::Replayed),
        }
    }
}

/// A Redis error in words, never the URL.
fn describe(error: &redis::RedisError) -> String {
    error.to_string().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn its_debug_shows_prefix_and_window_and_never_the_url() {
        let url = SecretString::from("redis://:pa55-never-shown@127.0.0.1:1/0");
        let guard = RedisReplayGuard::new(&url, "pods", Duration::from_secs(60)).unwrap();
        assert_eq!(
            format!("{guard:?}"),
            "RedisReplayGuard { prefix: \"pods\", window: 60s, .. }"
        );
    }

    #[test]
    fn a_redis_error_is_described_in_at_most_200_characters() {
        let short = redis::RedisError::from(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        ));
        assert_eq!(describe(&short), short.to_string());
        assert!(describe(&short).contains("refused"), "{}", describe(&short));
        let long = redis::RedisError::from(std::io::Error::other("x".repeat(500)));
        let described = describe(&long);
        assert_eq!(described.chars().count(), 200);
        assert!(described.ends_with("xxxx"), "{described}");
    }
}
