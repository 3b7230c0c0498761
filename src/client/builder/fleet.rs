//! The fleet-mode setters of [`FlowPayrollBuilder`] (feature `redis`).

use super::FlowPayrollBuilder;
use crate::secret::SecretString;

impl FlowPayrollBuilder {
    /// Fleet mode: share tokens, the mint and the 429 back-off with every process using
    /// the same client through the Redis at `url` (`redis://[:password@]host[:port][/db]`;
    /// also `FLOWPAYROLL_REDIS_URL`). See [`crate::fleet`].
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis_url(mut self, url: impl Into<SecretString>) -> Self {
        self.redis_url = Some(url.into());
        self
    }

    /// How a fleet member uses Redis (timeouts, lease, polling).
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn fleet_policy(mut self, policy: crate::fleet::settings::FleetPolicy) -> Self {
        self.fleet_policy = policy;
        self
    }
}
