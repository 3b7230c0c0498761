//! The client-wide hold after a 429: when one call is told to wait (`Retry-After`, or
//! the backoff without one), every other call of the same client waits too instead of
//! sending, until the hold ends. In fleet mode the hold is also published to, and read
//! from, the other processes ([`HoldSink`]).
//!
//! Checking the hold is one atomic load: it costs nothing while no hold is set.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::observe::{hold_extended, HoldSource};

/// Where a hold seen here is sent on to (the fleet).
pub(crate) trait HoldSink: Send + Sync + std::fmt::Debug {
    /// Tells the others to hold back for `wait` from now.
    fn publish(self: std::sync::Arc<Self>, wait: Duration);
}

/// The end of the current hold, shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct ApiHold {
    /// The instant `until_nanos` counts from.
    base: Instant,
    /// Nanoseconds after `base` at which the hold ends (0: none yet).
    until_nanos: AtomicU64,
    /// The longest hold accepted, from here or elsewhere.
    cap: Duration,
    sink: OnceLock<Weak<dyn HoldSink>>,
}

impl ApiHold {
    pub(crate) fn new(now: Instant, cap: Duration) -> Self {
        Self {
            base: now,
            until_nanos: AtomicU64::new(0),
            cap,
            sink: OnceLock::new(),
        }
    }

    /// Sends holds seen here on to `sink` (set once, when the fleet is built).
    #[cfg_attr(not(feature = "fleet"), allow(dead_code))]
    pub(crate) fn share_with(&self, sink: Weak<dyn HoldSink>) {
        let _ = self.sink.set(sink);
    }

    /// Holds every call back for `wait` (capped) from `now`, and tells the fleet.
    pub(crate) fn hold(&self, now: Instant, wait: Duration) {
        let wait = wait.min(self.cap);
        self.raise(now, wait, HoldSource::Own);
        if let Some(sink) = self.sink.get().and_then(Weak::upgrade) {
            sink.publish(wait);
        }
    }

    /// Extends the hold to `now + wait` (capped) if it ends later than the current one;
    /// for holds that come from the fleet.
    #[cfg_attr(not(feature = "fleet"), allow(dead_code))]
    pub(crate) fn extend(&self, now: Instant, wait: Duration) {
        self.raise(now, wait, HoldSource::Fleet);
    }

    /// Moves the end of the hold to `now + wait` (capped) if that is later, and records
    /// how much later it moved (the `flowpayroll.rate_limit.hold.duration` metric).
    fn raise(&self, now: Instant, wait: Duration, source: HoldSource) {
        let elapsed = now.saturating_duration_since(self.base);
        let until = elapsed + wait.min(self.cap);
        let nanos = u64::try_from(until.as_nanos()).unwrap_or(u64::MAX);
        let before = self.until_nanos.fetch_max(nanos, Ordering::AcqRel);
        let from = Duration::from_nanos(before).max(elapsed);
        // A fleet hold is read again on every poll, its end rounded to milliseconds:
        // moves under 1 ms are that rounding, not a new hold.
        if until.saturating_sub(from) >= Duration::from_millis(1) {
            hold_extended(source, until - from);
        }
    }

    /// How long calls must still wait at `now`; `None` when they may send.
    pub(crate) fn remaining(&self, now: Instant) -> Option<Duration> {
        let until = Duration::from_nanos(self.until_nanos.load(Ordering::Acquire));
        let elapsed = now.saturating_duration_since(self.base);
        (until > elapsed).then(|| until - elapsed)
    }
}

#[cfg(test)]
// Any instant does as the base: the tests pass times explicitly.
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<Duration>>);

    impl HoldSink for Recorder {
        fn publish(self: Arc<Self>, wait: Duration) {
            self.0.lock().unwrap().push(wait);
        }
    }

    #[test]
    fn holds_extend_but_never_shrink_and_are_capped() {
        let start = Instant::now();
        let hold = ApiHold::new(start, Duration::from_secs(60));
        assert_eq!(hold.remaining(start), None);
        hold.hold(start, Duration::from_secs(2));
        assert_eq!(hold.remaining(start), Some(Duration::from_secs(2)));
        hold.extend(start, Duration::from_secs(1));
        assert_eq!(hold.remaining(start), Some(Duration::from_secs(2)));
        let later = start + Duration::from_secs(1);
        assert_eq!(hold.remaining(later), Some(Duration::from_secs(1)));
        assert_eq!(hold.remaining(start + Duration::from_secs(2)), None);
        hold.extend(start, Duration::from_secs(3600));
        assert_eq!(hold.remaining(start), Some(Duration::from_secs(60)));
    }

    #[test]
    fn holds_seen_here_go_to_the_sink_and_fleet_holds_do_not() {
        let start = Instant::now();
        let hold = ApiHold::new(start, Duration::from_secs(60));
        let recorder = Arc::new(Recorder::default());
        let sink: Arc<dyn HoldSink> = recorder.clone();
        hold.share_with(Arc::downgrade(&sink));
        hold.hold(start, Duration::from_secs(2));
        hold.hold(start, Duration::from_secs(600));
        hold.extend(start, Duration::from_secs(5));
        assert_eq!(
            *recorder.0.lock().unwrap(),
            [Duration::from_secs(2), Duration::from_secs(60)]
        );
    }

    /// The samples of `flowpayroll.rate_limit.hold.duration`, by `source`, while `work`
    /// runs with a recorder of its own.
    #[cfg(feature = "metrics")]
    fn hold_samples(work: impl FnOnce()) -> Vec<(String, f64)> {
        use metrics_util::debugging::{DebugValue, DebuggingRecorder};
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        metrics::with_local_recorder(&recorder, work);
        let mut samples = Vec::new();
        for (key, _, _, value) in snapshotter.snapshot().into_vec() {
            let key = key.key();
            assert_eq!(key.name(), crate::observe::HOLD_DURATION);
            let source = key
                .labels()
                .map(|l| l.value().to_owned())
                .collect::<String>();
            if let DebugValue::Histogram(values) = value {
                samples.extend(values.into_iter().map(|v| (source.clone(), v.into_inner())));
            }
        }
        samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
        samples
    }

    #[cfg(feature = "metrics")]
    #[test]
    fn each_lengthening_of_a_millisecond_or_more_is_recorded_by_what_it_added() {
        let start = Instant::now();
        let later = start + Duration::from_secs(10);
        let samples = hold_samples(|| {
            let hold = ApiHold::new(start, Duration::from_secs(60));
            // From nothing to 12 s after the start: 2 s added, seen here.
            hold.hold(later, Duration::from_secs(2));
            // Inside the current hold: nothing added.
            hold.hold(later, Duration::from_secs(1));
            // To 15 s: 3 s added, from the fleet.
            hold.extend(later, Duration::from_secs(5));
            // Half a millisecond more: rounding of a fleet hold, not recorded.
            hold.extend(later, Duration::from_micros(5_000_500));
            // To 15.0015 s: exactly one millisecond past 15.0005 s, recorded.
            hold.extend(later, Duration::from_micros(5_001_500));
        });
        assert_eq!(
            samples,
            [
                ("fleet".to_owned(), 0.001),
                ("fleet".to_owned(), 3.0),
                ("own".to_owned(), 2.0)
            ]
        );
    }
}
