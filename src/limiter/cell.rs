//! One group's budget in this process: the generic cell rate algorithm (GCRA) in its
//! virtual-scheduling form with a burst of one, on one `AtomicU64` (the earliest time
//! the next call may start). Taking a slot is a load and a compare-and-swap: lock-free.
//! Hand-written rather than `governor`: it must run on the crate's injectable clock
//! and change its spacing at run time (learning, a fleet's share), in one atomic word.
//!
//! Also the learning rule ([`learned_spacing`]), pure so that it is unit-tested here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The next free start of one group, in nanoseconds after the limiter's base instant.
#[derive(Debug, Default)]
pub(crate) struct Cell {
    next: AtomicU64,
}

impl Cell {
    /// Takes the first slot at or after `now` if it starts within `max_wait`, and moves
    /// the next one `spacing` after it: `Ok(wait)` until the slot (0: now), or
    /// `Err(wait)` that a slot would have needed (nothing taken).
    pub(crate) fn reserve(&self, now: u64, spacing: u64, max_wait: u64) -> Result<u64, u64> {
        let mut current = self.next.load(Ordering::Acquire);
        loop {
            let start = current.max(now);
            let wait = start - now;
            if wait > max_wait {
                return Err(wait);
            }
            let next = start.saturating_add(spacing);
            match self.next.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(wait),
                Err(seen) => current = seen,
            }
        }
    }

    /// No slot before `at` (the end of a window the service refused).
    pub(crate) fn hold_until(&self, at: u64) {
        self.next.fetch_max(at, Ordering::AcqRel);
    }
}

/// The spacing learned from a 429: `successes` calls went through between the start
/// of the observation and the 429, whose `Retry-After` says the window ends at
/// `window_end` (both in nanoseconds on one time line). The quota is taken to be those
/// calls per that span, spaced with `headroom_percent` more; `None` without a success
/// (nothing to learn a rate from) or with the end not after the start.
pub(crate) fn learned_spacing(
    observed_from: u64,
    window_end: u64,
    successes: u64,
    headroom_percent: u32,
) -> Option<u64> {
    let span = window_end.checked_sub(observed_from).filter(|s| *s > 0)?;
    let base = span.checked_div(successes)?;
    Some(with_headroom(base, headroom_percent))
}

/// `spacing` stretched by `percent`, saturating.
pub(crate) fn with_headroom(spacing: u64, percent: u32) -> u64 {
    let extra = u128::from(spacing) * u128::from(percent) / 100;
    u64::try_from(u128::from(spacing) + extra).unwrap_or(u64::MAX)
}

/// `duration` in nanoseconds, saturating.
pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slots_are_spaced_and_a_wait_past_the_limit_takes_nothing() {
        let cell = Cell::default();
        assert_eq!(cell.reserve(1_000, 100, 0), Ok(0));
        assert_eq!(cell.reserve(1_000, 100, 0), Err(100));
        assert_eq!(cell.reserve(1_000, 100, 100), Ok(100));
        assert_eq!(cell.reserve(1_050, 100, 1_000), Ok(150));
        // Idle time is not saved up: after a pause the next slot is now, one at a time.
        assert_eq!(cell.reserve(10_000, 100, 0), Ok(0));
        assert_eq!(cell.reserve(10_000, 100, 0), Err(100));
        cell.hold_until(20_000);
        assert_eq!(cell.reserve(10_100, 100, 0), Err(9_900));
        cell.hold_until(5);
        assert_eq!(cell.reserve(20_000, 100, 0), Ok(0));
    }

    #[test]
    fn the_learned_spacing_is_the_span_per_success_with_headroom() {
        assert_eq!(learned_spacing(0, 1_000, 10, 0), Some(100));
        assert_eq!(learned_spacing(0, 1_000, 10, 2), Some(102));
        assert_eq!(learned_spacing(500, 1_000, 5, 100), Some(200));
        assert_eq!(learned_spacing(0, 1_000, 0, 2), None);
        assert_eq!(learned_spacing(1_000, 1_000, 3, 2), None);
        assert_eq!(learned_spacing(2_000, 1_000, 3, 2), None);
        assert_eq!(with_headroom(u64::MAX, 100), u64::MAX);
    }

    proptest! {
        // Whatever the arrival times, no window of `spacing × quota` holds more than
        // `quota` granted slots: the property the service's quota needs. Times are
        // drawn from a small range so that calls collide and queue.
        #[test]
        fn no_window_holds_more_than_its_quota(
            quota in 1u64..20,
            spacing in 1u64..50,
            mut arrivals in prop::collection::vec(0u64..2_000, 1..200),
            max_wait in prop_oneof![Just(0u64), 0u64..500, Just(u64::MAX)],
        ) {
            arrivals.sort_unstable();
            let cell = Cell::default();
            let starts: Vec<u64> = arrivals
                .iter()
                .filter_map(|&now| cell.reserve(now, spacing, max_wait).ok().map(|w| now + w))
                .collect();
            let window = spacing * quota;
            for (i, &start) in starts.iter().enumerate() {
                let inside = starts[i..].iter().take_while(|&&s| s < start + window).count();
                prop_assert!(inside as u64 <= quota, "{inside} in [{start}, +{window})");
            }
            // And a refusal only when the wait would pass the limit.
            prop_assert!(!starts.is_empty());
        }

        #[test]
        fn learning_never_panics_and_is_never_faster_than_span_over_successes(
            from in any::<u64>(), end in any::<u64>(), successes in any::<u64>(), headroom in 0u32..=100,
        ) {
            if let Some(spacing) = learned_spacing(from, end, successes, headroom) {
                prop_assert!(spacing >= (end - from) / successes);
            }
        }
    }
}
