//! Fleet mode's settings ([`FleetPolicy`]). What a member reports ([`FleetStatus`],
//! [`FleetState`]) is in `crate::fleet::status`.

use std::time::Duration;

use crate::setters::field_setters;

/// How a fleet member uses its store (Redis, or a [`TokenStore`](crate::fleet::TokenStore)
/// of the application's). The defaults suit a store on the same network.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FleetPolicy {
    /// The longest any one Redis call may take (connecting included); past it, the
    /// member mints locally. Default 250 ms.
    pub timeout: Duration,
    /// How long a holder may keep the mint lease at most (renewing it while it mints),
    /// and so the longest a member waits for another one's token before minting
    /// itself. Default 15 s.
    pub lease: Duration,
    /// How long the mint lease lives unless its holder renews it (four times per
    /// expiry while it mints): about how long the others wait before taking over from
    /// a holder that died. Default 1 s.
    pub lease_expiry: Duration,
    /// How often a waiting member looks for the token (jittered ±50%). Default 50 ms.
    pub wait_poll: Duration,
    /// How often the background watcher reads the fleet's API hold and, while Redis is
    /// unavailable, probes it (jittered ±50%). Default 250 ms.
    pub poll_interval: Duration,
    /// How often a lasting Redis problem is logged again. Default 60 s.
    pub log_interval: Duration,
}

impl Default for FleetPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(250),
            lease: Duration::from_secs(15),
            lease_expiry: Duration::from_secs(1),
            wait_poll: Duration::from_millis(50),
            poll_interval: Duration::from_millis(250),
            log_interval: Duration::from_secs(60),
        }
    }
}

field_setters!(FleetPolicy {
    with_timeout => timeout: Duration,
    with_lease => lease: Duration,
    with_lease_expiry => lease_expiry: Duration,
    with_wait_poll => wait_poll: Duration,
    with_poll_interval => poll_interval: Duration,
    with_log_interval => log_interval: Duration,
});
