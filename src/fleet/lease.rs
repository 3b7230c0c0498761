//! The mint lease: the one member of a fleet allowed to ask the token endpoint.
//!
//! Taking it is `SET lease <holder> NX PX <ttl>` with a random holder id; releasing it
//! deletes the key only if it still holds that id (a compare-and-delete script), so a
//! member whose lease expired mid-mint never frees the lease of the next holder. A
//! holder that dies simply lets the TTL run out.

use std::time::Duration;

use super::store::Store;

/// A lease this member holds.
#[derive(Debug)]
pub(crate) struct Lease {
    key: String,
    holder: Vec<u8>,
}

impl Lease {
    /// Takes the lease at `key` for at most `ttl`: `Ok(None)` if another member has it,
    /// `Err` if Redis did not answer.
    pub(crate) async fn acquire(
        store: &Store,
        key: &str,
        ttl: Duration,
    ) -> Result<Option<Self>, ()> {
        let holder = format!("{:032x}", fastrand::u128(..)).into_bytes();
        let taken = store.set_if_absent(key, &holder, ttl).await?;
        Ok(taken.then(|| Self {
            key: key.to_owned(),
            holder,
        }))
    }

    /// Frees the lease if this member still holds it. A failure is harmless: the lease
    /// expires on its own.
    pub(crate) async fn release(self, store: &Store) {
        let _ = store.compare_and_delete(&self.key, &self.holder).await;
    }
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
}
