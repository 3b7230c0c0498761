//! The clock seam: every place that reads the time or waits goes through [`Clock`].
//! Public with the `test-util` feature, with [`crate::FlowPayrollBuilder::clock`] and
//! `SandboxConfig::with_clock` to inject one.
//!
//! [`SystemClock`] is Tokio's clock (so `tokio::time::pause` works with it too).
//! [`ManualClock`] only moves when told to, which lets tests walk through token
//! lifetimes and `Retry-After` waits in virtual time while real HTTP servers answer.
//!
//! This is the only module allowed to read the time (`clippy.toml` bans it elsewhere).
#![allow(clippy::disallowed_methods)]

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime};

#[cfg(feature = "test-util")]
use tokio::sync::watch;

/// A source of time for the token cache and the retry policies.
///
/// Its types are the standard library's (`std::time::Instant`, `SystemTime`), so that
/// no runtime's time type is part of this crate's API.
pub trait Clock: Debug + Send + Sync + 'static {
    /// Monotonic now: lifetimes and deadlines are measured with it.
    fn now(&self) -> Instant;
    /// Wall-clock now: only for HTTP-dates (`Retry-After`) and JWT `exp` claims.
    fn system_now(&self) -> SystemTime;
    /// Waits for `duration` of this clock's time.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
    /// Like [`Clock::sleep`], for a time limit raced against work (the budget of a call,
    /// the deadline of a mint) rather than a wait. A clock may count them apart:
    /// [`ManualClock::sleepers`] counts only sleeps.
    fn deadline(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.sleep(duration)
    }
    /// A number in `[0, 1)` that spreads a wait: the full jitter of a retry's backoff
    /// and of a token's refresh margin. It lives beside the time because it decides when
    /// things happen: a clock that replays time replays this too. The default draws from
    /// the thread's generator; [`ManualClock`] draws from a seeded one.
    fn jitter(&self) -> f64 {
        fastrand::f64()
    }
}

/// `instant + duration`, or the latest of `instant + duration` and `instant + 1 year`
/// that the platform can represent: wire-derived durations never panic here.
pub(crate) fn later(instant: Instant, duration: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);
    instant
        .checked_add(duration)
        .or_else(|| instant.checked_add(YEAR))
        .unwrap_or(instant)
}

/// The real clock (Tokio's, which honours `tokio::time::pause`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        // Tokio's clock, not `std`'s, so that paused time moves it.
        tokio::time::Instant::now().into_std()
    }

    fn system_now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when [`ManualClock::advance`] is called. Sleepers wake when
/// the clock passes their deadline.
#[cfg(feature = "test-util")]
#[derive(Debug)]
pub struct ManualClock {
    start: (Instant, SystemTime),
    elapsed: watch::Sender<Duration>,
    /// The same time, watched by deadlines only, so that [`ManualClock::sleepers`]
    /// counts sleeps.
    timers: watch::Sender<Duration>,
    /// When each sleep now waiting ends, for [`ManualClock::next_wake`].
    wakes: std::sync::Arc<std::sync::Mutex<Vec<Duration>>>,
    /// The jitter's generator, seeded so that a run replays exactly.
    jitter: std::sync::Mutex<fastrand::Rng>,
}

/// The seed of [`ManualClock`]'s jitter unless [`ManualClock::with_jitter_seed`] sets one.
#[cfg(feature = "test-util")]
pub const DEFAULT_JITTER_SEED: u64 = 0x5eed_f10f;

#[cfg(feature = "test-util")]
impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "test-util")]
impl ManualClock {
    /// A clock standing at the real time of its creation, its jitter seeded with
    /// [`DEFAULT_JITTER_SEED`].
    pub fn new() -> Self {
        Self {
            start: (tokio::time::Instant::now().into_std(), SystemTime::now()),
            elapsed: watch::Sender::new(Duration::ZERO),
            timers: watch::Sender::new(Duration::ZERO),
            wakes: std::sync::Arc::default(),
            jitter: std::sync::Mutex::new(fastrand::Rng::with_seed(DEFAULT_JITTER_SEED)),
        }
    }

    /// The same clock with its jitter drawn from `seed`: the waits of a failing run
    /// come back exactly when it runs again with the seed it printed.
    pub fn with_jitter_seed(self, seed: u64) -> Self {
        Self {
            jitter: std::sync::Mutex::new(fastrand::Rng::with_seed(seed)),
            ..self
        }
    }

    /// Moves the clock forward, waking every sleeper whose deadline is passed.
    pub fn advance(&self, by: Duration) {
        let moved = self.elapsed().saturating_add(by);
        self.elapsed.send_replace(moved);
        self.timers.send_replace(moved);
    }

    /// How far the clock has moved since it was created.
    pub fn elapsed(&self) -> Duration {
        *self.elapsed.borrow()
    }

    /// How many sleeps are waiting on this clock: a test advances the clock once the
    /// code under test is known to be asleep. Deadlines ([`Clock::deadline`]) are not
    /// counted.
    pub fn sleepers(&self) -> usize {
        self.elapsed.receiver_count()
    }

    /// When the earliest sleep still waiting ends (as [`ManualClock::elapsed`] will read
    /// then): a test proves a sleeper has not woken, without giving it time to, by
    /// checking that this is still ahead of the clock.
    pub fn next_wake(&self) -> Option<Duration> {
        self.wakes.lock().ok()?.iter().min().copied()
    }
}

/// Keeps a sleep's end in [`ManualClock::next_wake`] until the sleep ends or is dropped.
#[cfg(feature = "test-util")]
struct Waking(std::sync::Arc<std::sync::Mutex<Vec<Duration>>>, Duration);

#[cfg(feature = "test-util")]
impl Drop for Waking {
    fn drop(&mut self) {
        if let Ok(mut wakes) = self.0.lock() {
            if let Some(at) = wakes.iter().position(|at| *at == self.1) {
                wakes.swap_remove(at);
            }
        }
    }
}

#[cfg(feature = "test-util")]
impl Clock for ManualClock {
    fn now(&self) -> Instant {
        later(self.start.0, self.elapsed())
    }

    fn system_now(&self) -> SystemTime {
        self.start
            .1
            .checked_add(self.elapsed())
            .unwrap_or(self.start.1)
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let wake_at = self.elapsed().saturating_add(duration);
        if let Ok(mut wakes) = self.wakes.lock() {
            wakes.push(wake_at);
        }
        let waking = Waking(self.wakes.clone(), wake_at);
        let sleep = wait_until(&self.elapsed, duration);
        Box::pin(async move {
            sleep.await;
            drop(waking);
        })
    }

    fn deadline(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        wait_until(&self.timers, duration)
    }

    fn jitter(&self) -> f64 {
        self.jitter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .f64()
    }
}

#[cfg(feature = "test-util")]
fn wait_until(
    time: &watch::Sender<Duration>,
    duration: Duration,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    let wake_at = time.borrow().saturating_add(duration);
    let mut time = time.subscribe();
    Box::pin(async move {
        // The sender lives as long as the clock; if the clock is gone, stop waiting.
        let _ = time.wait_for(|now| *now >= wake_at).await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleepers_wake_only_when_time_passes() {
        let clock = std::sync::Arc::new(ManualClock::new());
        let before = clock.now();
        let sleeper = tokio::spawn(clock.sleep(Duration::from_secs(2)));
        assert_eq!(clock.sleepers(), 1);
        clock.advance(Duration::from_millis(1900));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_millis(100));
        sleeper.await.unwrap();
        assert_eq!(clock.sleepers(), 0);
        assert_eq!(clock.now() - before, Duration::from_secs(2));
    }

    #[test]
    fn manual_jitter_replays_from_its_seed() {
        let draws = |clock: &ManualClock| (0..8).map(|_| clock.jitter()).collect::<Vec<_>>();
        let first = draws(&ManualClock::new());
        assert_eq!(first, draws(&ManualClock::new()));
        assert_eq!(
            draws(&ManualClock::new().with_jitter_seed(7)),
            draws(&ManualClock::new().with_jitter_seed(7))
        );
        assert_ne!(first, draws(&ManualClock::new().with_jitter_seed(7)));
        assert!(first.iter().all(|d| (0.0..1.0).contains(d)), "{first:?}");
        let mut expected = fastrand::Rng::with_seed(DEFAULT_JITTER_SEED);
        assert_eq!(first, (0..8).map(|_| expected.f64()).collect::<Vec<_>>());
    }
}
