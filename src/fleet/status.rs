//! What a fleet member reports in [`TokenStatus::fleet`](crate::TokenStatus::fleet):
//! [`FleetStatus`] and [`FleetState`], re-exported by `crate::fleet`.

/// The link between a fleet member and Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FleetState {
    /// Nothing asked yet.
    Connecting,
    /// The last call answered.
    Connected,
    /// The last call failed: the member mints locally while the watcher probes Redis.
    /// Why is in [`FleetStatus::reason`], not in the state.
    Unavailable,
}

/// What a fleet member reports in [`crate::TokenStatus::fleet`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FleetStatus {
    /// The link to Redis.
    pub state: FleetState,
    /// Why Redis is unavailable, while [`Self::state`] is [`FleetState::Unavailable`];
    /// `None` otherwise.
    pub reason: Option<String>,
    /// Tokens taken from the fleet cache instead of minted.
    pub tokens_adopted: u64,
    /// Tokens this member minted under the lease and shared.
    pub tokens_shared: u64,
    /// Tokens this member minted without the fleet (Redis unavailable, or the lease
    /// holder too slow).
    pub local_mints: u64,
}
