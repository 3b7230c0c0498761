//! The mint lease: the one member of a fleet allowed to ask the token endpoint.
//!
//! The lease lives only `FleetPolicy::lease_expiry` (1 s by default) unless its holder
//! renews it: while the holder mints it extends the lease every quarter of that expiry
//! (compare-and-extend: only while the lease still holds its random holder id), for at
//! most `FleetPolicy::lease` in all. A holder that dies stops renewing, so the others
//! take over about a second later instead of after the whole `lease`. Releasing deletes
//! the key only if it still holds this holder's id, so a member whose lease was lost
//! never frees the lease of the next holder.
//!
//! A renewal that finds the lease lost (another member holds it now) drops the mint at
//! once: while a holder lives, no second member mints under the lease. A renewal the
//! store does not answer leaves the mint running: the store is then unavailable and
//! every member mints locally anyway (the fleet's documented fallback).

use std::future::Future;
use std::time::Duration;

use super::store::Store;

/// A lease this member holds.
#[derive(Debug)]
pub(crate) struct Lease {
    key: String,
    holder: Vec<u8>,
    expiry: Duration,
}

/// How [`Lease::hold`] ended.
#[derive(Debug)]
pub(crate) enum Held<T> {
    /// The work finished (under the lease, or without the store when it failed).
    Done(T),
    /// Another member holds the lease now: the work was dropped unfinished.
    Lost,
}

impl Lease {
    /// Takes the lease at `key`, live for `expiry` unless renewed: `Ok(None)` if another
    /// member has it, `Err` if the store did not answer.
    pub(crate) async fn acquire(
        store: &Store,
        key: &str,
        expiry: Duration,
    ) -> Result<Option<Self>, ()> {
        let holder = format!("{:032x}", fastrand::u128(..)).into_bytes();
        let taken = store.acquire_lease(key, &holder, expiry).await?;
        Ok(taken.then(|| Self {
            key: key.to_owned(),
            holder,
            expiry,
        }))
    }

    /// Runs `work` while keeping the lease alive, for at most `longest` of renewals.
    ///
    /// Renewals wait on Tokio's clock, the one the store's expiry follows (real time,
    /// or paused time in tests), not on the client's injectable clock: a manual clock
    /// must not let a live holder's lease run out.
    // Tokio's time on purpose (see above): the store's expiry is not the client's clock.
    #[allow(clippy::disallowed_methods)]
    pub(crate) async fn hold<F: Future>(
        &self,
        store: &Store,
        longest: Duration,
        work: F,
    ) -> Held<F::Output> {
        let every = renewal_interval(self.expiry);
        let renewals = async {
            let end = tokio::time::Instant::now() + longest;
            loop {
                tokio::time::sleep(every).await;
                if tokio::time::Instant::now() >= end {
                    // Past the longest hold: let the lease run out, keep working.
                    return std::future::pending::<()>().await;
                }
                match store
                    .renew_lease(&self.key, &self.holder, self.expiry)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => return,
                    // The store is unavailable: every member mints locally now.
                    Err(()) => return std::future::pending::<()>().await,
                }
            }
        };
        tokio::select! {
            output = work => Held::Done(output),
            () = renewals => Held::Lost,
        }
    }

    /// Frees the lease if this member still holds it. A failure is harmless: the lease
    /// expires on its own.
    pub(crate) async fn release(self, store: &Store) {
        let _ = store.release_lease(&self.key, &self.holder).await;
    }
}

/// How often a holder renews a lease that lives `expiry`: four times per expiry, so
/// a renewal that is late by up to three quarters of it still lands in time.
pub(crate) fn renewal_interval(expiry: Duration) -> Duration {
    (expiry / 4).max(Duration::from_millis(1))
}

/// A wait of `base` ± 50%, so waiters of a fleet do not poll in lockstep; `draw` in
/// `[0, 1)` is the clock's jitter ([`crate::clock::Clock::jitter`]), seeded on a manual
/// clock so that a run replays.
pub(crate) fn jittered(base: Duration, draw: f64) -> Duration {
    base.mul_f64(0.5 + draw.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_half_the_base_either_way() {
        let base = Duration::from_millis(100);
        for _ in 0..1000 {
            let wait = jittered(base, fastrand::f64());
            assert!(wait >= Duration::from_millis(50) && wait < Duration::from_millis(150));
        }
        assert_eq!(jittered(base, 0.0), Duration::from_millis(50));
        assert_eq!(jittered(base, 0.5), base);
        assert_eq!(jittered(base, 7.0), Duration::from_millis(150));
    }

    #[test]
    fn renewals_come_four_times_per_expiry_and_never_in_a_busy_loop() {
        assert_eq!(
            renewal_interval(Duration::from_secs(1)),
            Duration::from_millis(250)
        );
        assert_eq!(
            renewal_interval(Duration::from_millis(2)),
            Duration::from_millis(1)
        );
        assert_eq!(renewal_interval(Duration::ZERO), Duration::from_millis(1));
    }
}
