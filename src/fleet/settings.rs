//! Fleet mode's settings ([`FleetPolicy`]). What a member reports ([`FleetStatus`],
//! [`FleetState`]) is in `crate::fleet::status`.

use std::time::Duration;

use crate::setters::field_setters;

/// How a fleet member uses Redis. The defaults suit a Redis on the same network.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FleetPolicy {
    /// The longest any one Redis call may take (connecting included); past it, the
    /// member mints locally. Default 250 ms.
    pub timeout: Duration,
    /// How long a mint lease lasts at most, and so the longest a member waits for
    /// another one's token before minting itself. Default 15 s.
    pub lease: Duration,
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
            wait_poll: Duration::from_millis(50),
            poll_interval: Duration::from_millis(250),
            log_interval: Duration::from_secs(60),
        }
    }
}

field_setters!(FleetPolicy {
    with_timeout => timeout: Duration,
    with_lease => lease: Duration,
    with_wait_poll => wait_poll: Duration,
    with_poll_interval => poll_interval: Duration,
    with_log_interval => log_interval: Duration,
});
