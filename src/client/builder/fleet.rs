//! The fleet-mode setters of [`FlowPayrollBuilder`] (feature `fleet`; Redis with the
//! `redis` feature), and the choice of the fleet's store at build time.

use std::sync::Arc;

use super::FlowPayrollBuilder;
use crate::error::Error;
use crate::fleet::TokenStore;
#[cfg(feature = "redis")]
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

    /// Fleet mode through a Redis Cluster, given by some of its nodes' URLs (each
    /// `redis[s]://[[user]:password@]host:port`; also `FLOWPAYROLL_REDIS_CLUSTER`,
    /// comma-separated). The cluster client follows MOVED and ASK redirections and a
    /// failover's new slot map; a client's keys share one hash slot. Refused by
    /// [`build`](Self::build) together with [`redis_url`](Self::redis_url).
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis_cluster<U: Into<SecretString>>(
        mut self,
        nodes: impl IntoIterator<Item = U>,
    ) -> Self {
        self.redis_cluster = Some(nodes.into_iter().map(Into::into).collect());
        self
    }

    /// The certificate authority (PEM, one or more certificates) that signed the
    /// certificate of a `rediss://` Redis, trusted instead of the platform's roots (also
    /// `FLOWPAYROLL_REDIS_CA`, a path to the PEM file). Refused by
    /// [`build`](Self::build) with a `redis://` URL.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis_ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.redis_ca = Some(pem.into());
        self
    }

    /// Fleet mode through a store of the application's instead of Redis: every process
    /// of the fleet gives its client a store that reaches the same place. The store
    /// must keep the protocol documented on [`TokenStore`] (atomic, expiring,
    /// exclusive leases); it only ever sees sealed bytes, never a token. Setting both
    /// this and a Redis URL is refused by [`build`](Self::build).
    #[cfg_attr(docsrs, doc(cfg(feature = "fleet")))]
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// How a fleet member uses its store (timeouts, lease, polling).
    #[cfg_attr(docsrs, doc(cfg(feature = "fleet")))]
    pub fn fleet_policy(mut self, policy: crate::fleet::settings::FleetPolicy) -> Self {
        self.fleet_policy = policy;
        self
    }

    /// The store fleet mode uses, if it is on.
    pub(super) fn fleet_store(&self) -> Result<Option<crate::fleet::FleetBackend>, Error> {
        #[cfg(feature = "redis")]
        {
            use crate::fleet::redis_link::Target;
            let target = match (&self.redis_url, &self.redis_cluster) {
                (Some(_), Some(_)) => {
                    return Err(Error::Config(
                        "both a Redis URL (redis_url or FLOWPAYROLL_REDIS_URL) and Redis \
                         Cluster nodes (redis_cluster or FLOWPAYROLL_REDIS_CLUSTER) are set; \
                         keep one of them"
                            .to_owned(),
                    ))
                }
                (Some(url), None) => Some(Target::Single(url)),
                (None, Some(nodes)) => Some(Target::Cluster(nodes)),
                (None, None) => None,
            };
            if let Some(target) = target {
                if self.token_store.is_some() {
                    return Err(Error::Config(
                        "both Redis (redis_url, redis_cluster or their FLOWPAYROLL_ \
                         variables) and a token store are set for fleet mode; keep one of them"
                            .to_owned(),
                    ));
                }
                let store = crate::fleet::redis_store::RedisStore::open(
                    target,
                    self.redis_ca.as_deref(),
                    self.fleet_policy.timeout,
                )?;
                let store = Arc::new(store);
                return Ok(Some(crate::fleet::FleetBackend {
                    store: store.clone(),
                    redis: Some(store),
                }));
            }
        }
        #[cfg(feature = "redis")]
        if self.redis_ca.is_some() {
            return Err(Error::Config(
                "a CA certificate is set for Redis (redis_ca_certificate or \
                 FLOWPAYROLL_REDIS_CA) but no Redis URL; set one with redis_url or \
                 FLOWPAYROLL_REDIS_URL"
                    .to_owned(),
            ));
        }
        Ok(self
            .token_store
            .clone()
            .map(crate::fleet::FleetBackend::custom))
    }
}

/// The most of `FLOWPAYROLL_REDIS_CA` read: a CA bundle is a few KiB; a larger file is
/// the wrong one.
#[cfg(feature = "redis")]
const MAX_CA_FILE: u64 = 1024 * 1024;

/// The PEM file `FLOWPAYROLL_REDIS_CA` names, read whole (at most [`MAX_CA_FILE`]).
#[cfg(feature = "redis")]
pub(super) fn read_redis_ca(path: std::path::PathBuf) -> Result<Vec<u8>, Error> {
    use std::io::Read as _;
    let failed = |what: String| {
        Error::Config(format!(
            "FLOWPAYROLL_REDIS_CA: cannot read {}: {what}; give the path of the PEM file \
             of the CA that signed the Redis server's certificate",
            path.display()
        ))
    };
    let file = std::fs::File::open(&path).map_err(|e| failed(e.to_string()))?;
    let mut pem = Vec::new();
    file.take(MAX_CA_FILE + 1)
        .read_to_end(&mut pem)
        .map_err(|e| failed(e.to_string()))?;
    if pem.len() as u64 > MAX_CA_FILE {
        return Err(failed(format!("it is larger than {MAX_CA_FILE} bytes")));
    }
    Ok(pem)
}
