//! [`TokenStatus`]: what [`FlowPayroll::token_status`](crate::FlowPayroll::token_status)
//! reports, put together from the token cache (`crate::auth::cache`), the 429 hold
//! (`crate::retry::hold`) and the fleet member (`crate::fleet`).

use std::time::Duration;

use crate::auth::cache::CacheStatus;
use crate::auth::source::TokenOrigin;
use crate::auth::token::TokenId;
use crate::error::Error;
#[cfg(feature = "redis")]
use crate::fleet::FleetStatus;
use crate::observe::MintReason;

/// What a client knows about its token, for readiness probes: the token cache's state,
/// the 429 hold and, in fleet mode, the fleet member's link to Redis.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenStatus {
    /// The `jti` (or fingerprint) of the cached token.
    pub token_id: Option<TokenId>,
    /// How long the cached token stays usable; `None` without one.
    pub valid_for: Option<Duration>,
    /// How long until the cached token is refreshed (zero: refresh due or running).
    pub refresh_in: Option<Duration>,
    /// Whether a mint or refresh is running now.
    pub refreshing: bool,
    /// Failed mints in a row.
    pub consecutive_failures: u32,
    /// The error of the last failed mint, until one succeeds.
    pub last_error: Option<Error>,
    /// Tokens minted since the client was built (by this process).
    pub tokens_minted: u64,
    /// Where the cached token came from.
    pub origin: Option<TokenOrigin>,
    /// Why the last mint (running, or the last to run) started: the first call, a
    /// refresh ahead of expiry, an expired token, a 401, a forced refresh, an
    /// invalidation. `None` before the first mint.
    pub last_mint_reason: Option<MintReason>,
    /// How long API calls are still held back after a 429 (seen by this process or, in
    /// fleet mode, by another member); `None` when they may send.
    pub rate_limited_for: Option<Duration>,
    /// The fleet member's state, in fleet mode (feature `redis`).
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fleet: Option<FleetStatus>,
}

impl TokenStatus {
    /// The status of a client whose token cache reports `cache`, whose calls are held
    /// back for `rate_limited_for`, and whose fleet member (fleet mode) reports `fleet`.
    pub(crate) fn new(
        cache: CacheStatus,
        rate_limited_for: Option<Duration>,
        #[cfg(feature = "redis")] fleet: Option<FleetStatus>,
    ) -> Self {
        let CacheStatus {
            token_id,
            valid_for,
            refresh_in,
            refreshing,
            consecutive_failures,
            last_error,
            tokens_minted,
            origin,
            last_mint_reason,
        } = cache;
        Self {
            token_id,
            valid_for,
            refresh_in,
            refreshing,
            consecutive_failures,
            last_error,
            tokens_minted,
            origin,
            last_mint_reason,
            rate_limited_for,
            #[cfg(feature = "redis")]
            fleet,
        }
    }
}
