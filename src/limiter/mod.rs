//! The client-side rate limiter (off unless configured, [`RateLimit`]): it spaces the
//! calls of each operation group (the service counts per `client_id` and per endpoint,
//! so per path here) so that the service's quota is used and never exceeded, and gives
//! the token endpoint a quota of its own.
//!
//! In one process each group is a [`cell::Cell`]: a lock-free GCRA with a burst of one.
//! In fleet mode the decision is the fleet's, one atomic Redis script per call
//! ([`SharedBudget`], implemented by `crate::fleet`); when Redis does not answer, each
//! member falls back to its own cell with its share of the quota, never to no limit. In
//! learning mode a group without a quota learns one from the first 429 and its
//! `Retry-After` ([`cell::learned_spacing`]).

mod cell;
pub(crate) mod policy;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use self::cell::{learned_spacing, nanos, with_headroom, Cell};
use self::policy::{RateLimit, WhenLimited};
use crate::clock::Clock;
use crate::error::Error;
use crate::generated::model::Operation;

/// The fleet's answer to one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SharedAnswer {
    /// Whether a slot was taken.
    pub granted: bool,
    /// How long until the slot (or until one would be free, when refused).
    pub wait: Duration,
    /// The spacing the fleet applies to the group (configured or learned; 0: none yet).
    pub spacing: Duration,
    /// Members seen in the last minute, this one included.
    pub members: u32,
}

/// A future of the fleet's (boxed: the trait is object-safe).
pub(crate) type SharedFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a group's budget is decided for a whole fleet (implemented by `crate::fleet`).
pub(crate) trait SharedBudget: Send + Sync + std::fmt::Debug {
    /// Whether to ask at all (not while Redis is known to be unavailable).
    fn usable(&self) -> bool;

    /// One decision for `group`: a slot within `max_wait` at `spacing` (0: the learned
    /// one), adding `successes` this member saw since its last decision. `Err` when
    /// Redis did not answer.
    fn decide(
        &self,
        group: &'static str,
        spacing: Duration,
        max_wait: Duration,
        successes: u64,
    ) -> SharedFuture<'_, Result<SharedAnswer, ()>>;

    /// A 429 of `group` whose window ends after `retry_after`: learn the fleet's
    /// spacing from the successes counted since the last window (plus `successes`).
    fn learn(
        &self,
        group: &'static str,
        retry_after: Duration,
        successes: u64,
        headroom_percent: u32,
    ) -> SharedFuture<'_, ()>;
}

/// One operation group's state.
#[derive(Debug)]
struct Group {
    /// The path the group's operations share (the fleet's key).
    name: &'static str,
    cell: Cell,
    /// The configured spacing in nanoseconds, headroom included (0: learning).
    configured: u64,
    /// The spacing learned here (0: none yet).
    learned: AtomicU64,
    /// The fleet's spacing as its last answer gave it (0: none).
    fleet_spacing: AtomicU64,
    /// Members the fleet reported (at least 1).
    members: AtomicU32,
    /// Learning: when the current observation started, in nanoseconds after the base,
    /// plus one (0: not yet).
    observed_from: AtomicU64,
    /// Learning: successes since then.
    successes: AtomicU64,
    /// Successes not yet told to the fleet.
    unflushed: AtomicU64,
    /// Whether the fleet decides for this group (never the token endpoint's).
    shareable: bool,
}

/// The limiter of one client, shared by its clones.
#[derive(Debug)]
pub(crate) struct Limiter {
    base: Instant,
    clock: Arc<dyn Clock>,
    policy: RateLimit,
    group_of: Vec<usize>,
    groups: Vec<Group>,
    shared: OnceLock<Weak<dyn SharedBudget>>,
}

impl Limiter {
    /// A limiter applying `policy` (checked) on `clock`.
    pub(crate) fn new(policy: RateLimit, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        policy.check()?;
        let headroom = policy.headroom_percent;
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of = vec![0; Operation::COUNT];
        for &operation in Operation::ALL {
            let path = operation.path();
            let index = match groups.iter().position(|g| g.name == path) {
                Some(index) => index,
                None => {
                    let token = operation == Operation::RequestToken;
                    let quota = if token {
                        Some(policy.token)
                    } else {
                        policy
                            .overrides
                            .iter()
                            .find(|(op, _)| op.path() == path)
                            .map(|(_, quota)| *quota)
                            .or(policy.default)
                    };
                    groups.push(Group {
                        name: path,
                        cell: Cell::default(),
                        configured: quota
                            .map_or(0, |q| with_headroom(nanos(q.spacing()), headroom)),
                        learned: AtomicU64::new(0),
                        fleet_spacing: AtomicU64::new(0),
                        members: AtomicU32::new(1),
                        observed_from: AtomicU64::new(0),
                        successes: AtomicU64::new(0),
                        unflushed: AtomicU64::new(0),
                        shareable: !token,
                    });
                    groups.len() - 1
                }
            };
            group_of[operation.index()] = index;
        }
        Ok(Self {
            base: clock.now(),
            clock,
            policy,
            group_of,
            groups,
            shared: OnceLock::new(),
        })
    }

    /// Decides through `shared` from now on (set once, when the fleet is built).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn share_with(&self, shared: Weak<dyn SharedBudget>) {
        let _ = self.shared.set(shared);
    }

    /// The longest a call may wait for budget when `left` of its time budget remains.
    pub(crate) fn max_wait(&self, left: Duration) -> Duration {
        match self.policy.when_limited {
            WhenLimited::Wait => left,
            WhenLimited::FailFast => Duration::ZERO,
        }
    }

    fn group(&self, operation: Operation) -> &Group {
        &self.groups[self.group_of[operation.index()]]
    }

    fn elapsed(&self) -> u64 {
        nanos(self.clock.now().saturating_duration_since(self.base))
    }

    /// A slot for one request of `operation` within `max_wait`: how long to wait
    /// before sending it, or [`Error::RateLimited`] saying when budget is free.
    pub(crate) async fn acquire(
        &self,
        operation: Operation,
        max_wait: Duration,
    ) -> Result<Duration, Error> {
        let group = self.group(operation);
        let now = self.elapsed();
        if self.policy.learn {
            let _ = group.observed_from.compare_exchange(
                0,
                now.saturating_add(1),
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
        let in_fleet = group.shareable && self.shared.get().is_some();
        let shared = in_fleet
            .then(|| self.shared.get().and_then(Weak::upgrade))
            .flatten();
        if let Some(shared) = shared.filter(|s| s.usable()) {
            let successes = group.unflushed.swap(0, Ordering::AcqRel);
            let spacing = Duration::from_nanos(group.configured);
            match shared
                .decide(group.name, spacing, max_wait, successes)
                .await
            {
                Ok(answer) => {
                    let fleet_spacing = nanos(answer.spacing);
                    group.fleet_spacing.store(fleet_spacing, Ordering::Release);
                    let members = answer.members.max(1);
                    group.members.store(members, Ordering::Release);
                    if !answer.granted {
                        return Err(refused(operation, answer.wait));
                    }
                    // Should Redis go away, this member's own next slot comes one share
                    // after its last fleet slot, not at once.
                    let share = self.policy.fleet_share.unwrap_or(members);
                    let spacing = group.configured.max(fleet_spacing);
                    let after =
                        nanos(answer.wait).saturating_add(spacing.saturating_mul(u64::from(share)));
                    group.cell.hold_until(self.elapsed().saturating_add(after));
                    return Ok(answer.wait);
                }
                Err(()) => {
                    group.unflushed.fetch_add(successes, Ordering::AcqRel);
                }
            }
        }
        // Alone, or a fleet member without Redis: its share of the fleet's quota.
        let share = if in_fleet {
            self.policy
                .fleet_share
                .unwrap_or_else(|| group.members.load(Ordering::Acquire).max(1))
        } else {
            1
        };
        let fleet = group.fleet_spacing.load(Ordering::Acquire);
        let spacing = if group.configured > 0 {
            group.configured.saturating_mul(u64::from(share))
        } else if fleet > 0 {
            fleet.saturating_mul(u64::from(share))
        } else {
            group.learned.load(Ordering::Acquire)
        };
        let now = self.elapsed();
        match group.cell.reserve(now, spacing, nanos(max_wait)) {
            Ok(wait) => Ok(Duration::from_nanos(wait)),
            Err(wait) => Err(refused(operation, Duration::from_nanos(wait))),
        }
    }

    /// A request of `operation` succeeded (counted while learning).
    pub(crate) fn succeeded(&self, operation: Operation) {
        if !self.policy.learn {
            return;
        }
        let group = self.group(operation);
        if group.configured == 0 {
            group.successes.fetch_add(1, Ordering::AcqRel);
            if self.shared.get().is_some() {
                group.unflushed.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    /// The service refused a request of `operation` with a 429 whose `Retry-After` was
    /// `retry_after`: a learning group learns its spacing, and no slot of the group
    /// starts before the window ends.
    pub(crate) async fn throttled(&self, operation: Operation, retry_after: Option<Duration>) {
        let group = self.group(operation);
        let Some(retry_after) = retry_after else {
            return;
        };
        let now = self.elapsed();
        let window_end = now.saturating_add(nanos(retry_after));
        group.cell.hold_until(window_end);
        if !self.policy.learn || group.configured > 0 {
            return;
        }
        let from = group
            .observed_from
            .swap(window_end.saturating_add(1), Ordering::AcqRel);
        let successes = group.successes.swap(0, Ordering::AcqRel);
        let learned = learned_spacing(
            from.saturating_sub(1),
            window_end,
            successes,
            self.policy.headroom_percent,
        );
        if let Some(spacing) = learned {
            group.learned.fetch_max(spacing, Ordering::AcqRel);
        }
        let shared = group
            .shareable
            .then(|| self.shared.get().and_then(Weak::upgrade))
            .flatten();
        if let Some(shared) = shared.filter(|s| s.usable()) {
            let successes = group.unflushed.swap(0, Ordering::AcqRel);
            shared
                .learn(
                    group.name,
                    retry_after,
                    successes,
                    self.policy.headroom_percent,
                )
                .await;
        }
    }

    /// The spacing a group of `operation` applies now in this process (0: none), for
    /// tests and the status.
    #[cfg(test)]
    pub(crate) fn spacing(&self, operation: Operation) -> Duration {
        let group = self.group(operation);
        Duration::from_nanos(if group.configured > 0 {
            group.configured
        } else {
            group.learned.load(Ordering::Acquire)
        })
    }
}

fn refused(operation: Operation, retry_after: Duration) -> Error {
    Error::RateLimited {
        operation,
        retry_after,
    }
}

#[cfg(test)]
mod tests;
