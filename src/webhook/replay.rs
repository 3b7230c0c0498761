//! [`ReplayGuard`]: the in-memory record of the bodies accepted recently, so that a
//! captured delivery sent again is refused.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::WebhookError;
use crate::clock::{Clock, SystemClock};
use crate::observe::replay_checked;

/// Remembers the SHA-256 of each body it accepts for `window`, at most `capacity` of
/// them, and refuses the same body again while it is remembered.
///
/// Call [`ReplayGuard::check`] only after the signature verified, so that unsigned
/// junk cannot fill it. When it is full, the oldest digest is forgotten first: memory
/// stays bounded, and a replay of a body older than the `capacity` most recent ones is
/// no longer caught. Deliveries are hourly at most per client, so a window of a few
/// hours and a capacity of a few thousand cover a normal receiver.
///
/// A legitimate delivery whose body equals one inside the window (the same change
/// reported twice) is refused too; answer a [`WebhookError::Replayed`] with a 2xx, since
/// its content was already received. Time is Tokio's clock, so tests can pause it (or,
/// with the `test-util` feature, any `flowpayroll::clock::Clock` given to `with_clock`).
#[derive(Debug)]
pub struct ReplayGuard {
    clock: Arc<dyn Clock>,
    window: Duration,
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    digests: HashSet<[u8; 32]>,
    order: VecDeque<(Instant, [u8; 32])>,
}

impl ReplayGuard {
    /// A guard remembering bodies for `window`, at most `capacity` (at least 1) at once.
    pub fn new(window: Duration, capacity: usize) -> Self {
        Self {
            clock: Arc::new(SystemClock),
            window,
            capacity: capacity.max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Measures the window on `clock` instead of Tokio's.
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Remembers `body` and succeeds, or fails with [`WebhookError::Replayed`] if it was
    /// accepted within the window.
    pub fn check(&self, body: &[u8]) -> Result<(), WebhookError> {
        replay_checked(self.remember(body))
    }

    fn remember(&self, body: &[u8]) -> Result<(), WebhookError> {
        let digest: [u8; 32] = Sha256::digest(body).into();
        let now = self.clock.now();
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        while let Some(&(at, old)) = seen.order.front() {
            if now.saturating_duration_since(at) < self.window && seen.order.len() < self.capacity {
                break;
            }
            seen.order.pop_front();
            seen.digests.remove(&old);
        }
        if !seen.digests.insert(digest) {
            return Err(WebhookError::Replayed);
        }
        seen.order.push_back((now, digest));
        Ok(())
    }

    /// How many digests are remembered now (expired ones are dropped at the next check).
    pub fn len(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .order
            .len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
