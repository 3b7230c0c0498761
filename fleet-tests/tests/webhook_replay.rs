//! [`RedisReplayGuard`] against a real `redis-server`: what one pod accepted, every pod
//! refuses within the window; the key it leaves; a window that has run out; and a Redis
//! that is gone or refuses the password, which fails closed without showing it.

mod common;

use std::time::Duration;

use common::redis_server::RedisServer;
use flowpayroll::webhook::{RedisReplayGuard, WebhookError};
use flowpayroll::SecretString;

/// SHA-256 of `abc` (FIPS 180-2, appendix B.1): the key's suffix, computed elsewhere.
const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

fn guard(url: &str, prefix: &str, window: Duration) -> RedisReplayGuard {
    RedisReplayGuard::new(&SecretString::from(url), prefix, window).unwrap()
}

fn keys(redis: &RedisServer, pattern: &str) -> Vec<String> {
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(pattern)
        .query(&mut redis.connection())
        .unwrap();
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_one_pod_accepted_is_refused_by_every_pod_within_the_window() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let window = Duration::from_secs(60);
    let (a, b) = (
        guard(&redis.url(), "pods", window),
        guard(&redis.url(), "pods", window),
    );
    let other_tenant = guard(&redis.url(), "elsewhere", window);

    a.check(b"abc").await.unwrap();
    assert!(matches!(b.check(b"abc").await, Err(WebhookError::Replayed)));
    assert!(matches!(a.check(b"abc").await, Err(WebhookError::Replayed)));
    b.check(b"abd").await.unwrap();
    // Keys are per prefix: another tenant's guard does not see these.
    other_tenant.check(b"abc").await.unwrap();

    let stored = keys(&redis, "pods:*");
    assert_eq!(stored.len(), 2, "one key per accepted body: {stored:?}");
    let abc = format!("pods:{ABC_SHA256}");
    assert!(stored.contains(&abc), "{stored:?}");
    assert_eq!(
        keys(&redis, "elsewhere:*"),
        [format!("elsewhere:{ABC_SHA256}")]
    );
    // The key lives for the window (set with PX), no longer.
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&abc)
        .query(&mut redis.connection())
        .unwrap();
    assert!(ttl > 0 && ttl <= 60_000, "PTTL {ttl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_is_accepted_again_once_its_key_has_expired() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let guard = guard(&redis.url(), "expiry", Duration::from_secs(60));
    guard.check(b"abc").await.unwrap();
    assert!(matches!(
        guard.check(b"abc").await,
        Err(WebhookError::Replayed)
    ));
    // End the window now rather than wait for it: Redis expires the key itself.
    let key = format!("expiry:{ABC_SHA256}");
    let set: i64 = redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(1)
        .query(&mut redis.connection())
        .unwrap();
    assert_eq!(set, 1);
    let mut gone = false;
    for _ in 0..1000 {
        let exists: i64 = redis::cmd("EXISTS")
            .arg(&key)
            .query(&mut redis.connection())
            .unwrap();
        if exists == 0 {
            gone = true;
            break;
        }
        // Redis expires keys on its own real clock: a bounded wait for it, which
        // asserts no timing.
        #[allow(clippy::disallowed_methods)]
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(gone, "Redis did not expire {key}");
    guard.check(b"abc").await.unwrap();
    assert_eq!(keys(&redis, "expiry:*"), [key]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_the_guard_fails_closed_and_never_shows_the_password() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    // The server has no password: it refuses AUTH, so every check fails.
    let url = redis
        .url()
        .replace("redis://", "redis://:pa55-never-shown@");
    let refused = guard(&url, "auth", Duration::from_secs(60));
    for _ in 0..2 {
        match refused.check(b"abc").await {
            Err(error @ WebhookError::GuardUnavailable(_)) => {
                let text = format!("{error} {error:?} {refused:?}");
                assert!(!text.contains("pa55-never-shown"), "{text}");
            }
            other => panic!("expected GuardUnavailable, got {other:?}"),
        }
    }
    assert!(keys(&redis, "auth:*").is_empty());

    // A guard that was connected, then loses its server: unavailable, not accepted.
    let connected = guard(&redis.url(), "down", Duration::from_secs(60));
    connected.check(b"abc").await.unwrap();
    redis.kill();
    assert!(matches!(
        connected.check(b"abd").await,
        Err(WebhookError::GuardUnavailable(_))
    ));
    assert!(matches!(
        connected.check(b"abc").await,
        Err(WebhookError::GuardUnavailable(_))
    ));
}
