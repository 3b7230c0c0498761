//! The rate limiter's shared budget ([`SharedBudget`]): one Lua script per decision,
//! run atomically by Redis, so that every member of a fleet takes its slots from one
//! GCRA per operation group.
//!
//! GCRA rather than a token bucket: its whole state is one number (the theoretical
//! arrival time, `tat`), read and moved in one step; spacing calls evenly (a burst of
//! one) keeps every window of the service under its quota whatever the window's
//! alignment, which a bucket refilled per window does not. Times are Redis's own
//! (`TIME`), so the members' clocks never disagree. The script also counts the members
//! seen in the last minute (each member's share when Redis goes away) and the successes
//! the members report, from which the learn script sets the fleet's spacing after a 429.
//! Both keys of a call carry the client's hash tag: one cluster slot.

use std::sync::Arc;
use std::time::Duration;

use redis::Script;

use super::FleetInner;
use crate::limiter::{SharedAnswer, SharedBudget, SharedFuture};

/// How long a group's state outlives its last decision in Redis.
const STATE_TTL_MS: u64 = 3_600_000;

/// KEYS: the group's hash, the members' sorted set. ARGV: the configured spacing (µs,
/// 0: the learned one), the longest wait (µs), successes to add, this member's id, the
/// hash's TTL (ms). Returns `{granted, wait µs, spacing µs, members}`.
const DECIDE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000000)
redis.call('PEXPIRE', KEYS[2], 120000)
local members = redis.call('ZCARD', KEYS[2])
local h = redis.call('HMGET', KEYS[1], 'tat', 'learned', 'epoch')
local tat = tonumber(h[1]) or 0
local spacing = tonumber(ARGV[1])
if spacing == 0 then spacing = tonumber(h[2]) or 0 end
if not h[3] then redis.call('HSET', KEYS[1], 'epoch', now) end
local add = tonumber(ARGV[3])
if add > 0 then redis.call('HINCRBY', KEYS[1], 'ok', add) end
local start = math.max(tat, now)
local wait = start - now
local granted = 0
if wait <= tonumber(ARGV[2]) then
  granted = 1
  redis.call('HSET', KEYS[1], 'tat', start + spacing)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {granted, wait, spacing, members}
";

/// KEYS: the group's hash. ARGV: the `Retry-After` (µs), successes to add, the
/// headroom (percent), the TTL (ms). After a 429, the window ends `Retry-After` from
/// now: the successes counted since the last window's end (`epoch`) over that span are
/// the learned spacing (never lowered), and no slot starts before the window's end.
const LEARN: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local add = tonumber(ARGV[2])
if add > 0 then redis.call('HINCRBY', KEYS[1], 'ok', add) end
local h = redis.call('HMGET', KEYS[1], 'epoch', 'ok', 'tat', 'learned')
local epoch = tonumber(h[1]) or now
local ok = tonumber(h[2]) or 0
local wend = now + tonumber(ARGV[1])
if ok <= 0 or wend <= epoch then return 0 end
local spacing = math.ceil((wend - epoch) / ok * (100 + tonumber(ARGV[3])) / 100)
if spacing > (tonumber(h[4]) or 0) then redis.call('HSET', KEYS[1], 'learned', spacing) end
redis.call('HSET', KEYS[1], 'epoch', wend, 'ok', 0, 'tat', math.max(tonumber(h[3]) or 0, wend))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
";

/// The two scripts, loaded once per member (`EVALSHA`, falling back to `EVAL`).
#[derive(Debug)]
pub(super) struct Scripts {
    decide: Script,
    learn: Script,
}

impl Default for Scripts {
    fn default() -> Self {
        Self {
            decide: Script::new(DECIDE),
            learn: Script::new(LEARN),
        }
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

impl FleetInner {
    fn rate_key(&self, group: &str) -> String {
        format!("{}{group}", self.keys.rate_prefix)
    }
}

impl SharedBudget for FleetInner {
    fn usable(&self) -> bool {
        self.store.usable()
    }

    fn decide(
        &self,
        group: &'static str,
        spacing: Duration,
        max_wait: Duration,
        successes: u64,
    ) -> SharedFuture<'_, Result<SharedAnswer, ()>> {
        Box::pin(async move {
            let key = self.rate_key(group);
            let mut invocation = self.scripts.decide.key(&key);
            invocation
                .key(&self.keys.members)
                .arg(micros(spacing))
                .arg(micros(max_wait))
                .arg(successes)
                .arg(&self.member_id)
                .arg(STATE_TTL_MS);
            let reply: Vec<i64> = self.store.eval(invocation).await?;
            let [granted, wait, spacing, members] = reply[..] else {
                self.store
                    .note_ignored("ignored a rate-limit answer of an unexpected shape");
                return Err(());
            };
            let micros = |n: i64| Duration::from_micros(u64::try_from(n).unwrap_or(0));
            Ok(SharedAnswer {
                granted: granted == 1,
                wait: micros(wait),
                spacing: micros(spacing),
                members: u32::try_from(members).unwrap_or(u32::MAX).max(1),
            })
        })
    }

    fn learn(
        &self,
        group: &'static str,
        retry_after: Duration,
        successes: u64,
        headroom_percent: u32,
    ) -> SharedFuture<'_, ()> {
        Box::pin(async move {
            let key = self.rate_key(group);
            let mut invocation = self.scripts.learn.key(&key);
            invocation
                .arg(micros(retry_after))
                .arg(successes)
                .arg(headroom_percent)
                .arg(STATE_TTL_MS);
            let _: Result<i64, ()> = self.store.eval(invocation).await;
        })
    }
}

/// Makes `inner` the shared budget of `limiter`.
pub(super) fn share(inner: &Arc<FleetInner>, limiter: &crate::limiter::Limiter) {
    let shared: Arc<dyn SharedBudget> = inner.clone();
    limiter.share_with(Arc::downgrade(&shared));
}
