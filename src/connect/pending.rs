//! [`PendingSignIn`]: a sign-in started and not yet completed, serialisable for an
//! application's session store; and the bounded in-memory store a
//! [`Connect`](super::Connect) handle keeps them in.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::state;
use crate::generated::model::open_enums::{Mode, Provider, Scope};
use crate::secret::SecretString;

/// A sign-in that was started: what its callback is checked against. Serialisable
/// (serde) so that a web application can keep it in its session between the two
/// requests; its `Debug` hides the `state`. Keep it server-side or in a signed cookie:
/// whoever can write it can choose the `state` it accepts.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingSignIn {
    pub(super) state: SecretString,
    pub(super) redirect_uri: String,
    pub(super) scopes: Vec<Scope>,
    pub(super) mode: Mode,
    pub(super) provider: Option<Provider>,
    /// Seconds since the Unix epoch, on the client's clock.
    pub(super) started_at: u64,
}

impl PendingSignIn {
    /// The redirect URI of the link; the exchange sends it again, exactly.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// The mode asked for.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The provider the link named, if it named one.
    pub fn provider(&self) -> Option<&Provider> {
        self.provider.as_ref()
    }

    /// When it started, in seconds since the Unix epoch.
    pub fn started_at(&self) -> u64 {
        self.started_at
    }
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("state", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("mode", &self.mode)
            .field("provider", &self.provider)
            .field("started_at", &self.started_at)
            .finish()
    }
}

/// The most sign-ins a [`Connect`](super::Connect) handle remembers at once; past it,
/// expired ones are dropped, then the oldest.
pub const MAX_PENDING: usize = 10_000;

/// Pending sign-ins by the SHA-256 of their `state`, oldest first. Not `Debug`-printed
/// beyond its size.
#[derive(Default)]
pub(super) struct Pending {
    by_key: HashMap<[u8; 32], PendingSignIn>,
    /// Keys in the order they came; may hold keys already taken (skipped, and compacted
    /// when it grows past twice the map).
    order: VecDeque<[u8; 32]>,
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("len", &self.by_key.len())
            .finish_non_exhaustive()
    }
}

impl Pending {
    /// Remembers `pending`; drops those started before `expired_before` if full, then
    /// the oldest.
    pub(super) fn insert(&mut self, pending: PendingSignIn, expired_before: u64, max: usize) {
        if self.by_key.len() >= max {
            self.by_key.retain(|_, p| p.started_at >= expired_before);
        }
        while self.by_key.len() >= max.max(1) {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.by_key.remove(&oldest);
                }
                None => break,
            }
        }
        let key = state::key(pending.state.expose_secret());
        if self.by_key.insert(key, pending).is_none() {
            self.order.push_back(key);
        }
        if self.order.len() > self.by_key.len().saturating_mul(2).max(16) {
            let by_key = &self.by_key;
            self.order.retain(|key| by_key.contains_key(key));
        }
    }

    /// Takes out the sign-in whose `state` is `state`, if one is waiting.
    pub(super) fn take(&mut self, state: &str) -> Option<PendingSignIn> {
        self.by_key.remove(&state::key(state))
    }

    pub(super) fn len(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(state: &str, started_at: u64) -> PendingSignIn {
        PendingSignIn {
            state: SecretString::new(state),
            redirect_uri: "https://app.example.com/cb".into(),
            scopes: vec![Scope::from("/2023-03-01/official/employees")],
            mode: Mode::Official,
            provider: None,
            started_at,
        }
    }

    #[test]
    fn debug_and_serde_keep_the_state_out_of_logs_only() {
        let p = pending("the-state-value", 5);
        assert!(!format!("{p:?}").contains("the-state-value"));
        let json = serde_json::to_string(&p).unwrap();
        let back: PendingSignIn = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn taken_once_and_bounded() {
        let mut store = Pending::default();
        store.insert(pending("a", 10), 0, 3);
        assert_eq!(store.take("a").map(|p| p.started_at), Some(10));
        assert_eq!(store.take("a"), None);
        for (i, name) in ["b", "c", "d"].iter().enumerate() {
            store.insert(pending(name, 10 + i as u64), 0, 3);
        }
        // Full: nothing expired, so the oldest ("b") goes.
        store.insert(pending("e", 20), 0, 3);
        assert_eq!(store.len(), 3);
        assert_eq!(store.take("b"), None);
        // Full again: everything started before 13 is expired and dropped first.
        store.insert(pending("f", 30), 13, 3);
        assert_eq!(store.len(), 2);
        assert!(store.take("c").is_none() && store.take("f").is_some());
        for i in 0..1000 {
            let name = i.to_string();
            store.insert(pending(&name, 40), 0, 3);
            store.take(&name);
        }
        assert!(store.order.len() <= 16, "{}", store.order.len());
    }
}
