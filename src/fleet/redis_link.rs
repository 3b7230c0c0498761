//! How the built-in Redis store reaches Redis: one server (`redis://` or `rediss://`)
//! through a connection manager, or a Redis Cluster (its seed nodes) through the redis
//! crate's cluster client, which follows MOVED/ASK redirections and a failover's new
//! slot map. TLS is rustls, with the platform's roots or a CA the application gives; an
//! ACL user and password come from the URL.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, ConnectionInfo, IntoConnectionInfo, Pipeline, RedisError, RedisFuture, Value};

use crate::error::Error;
use crate::secret::SecretString;

/// Where fleet mode's Redis is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    /// One server (or a proxy in front of several).
    Single(&'a SecretString),
    /// A Redis Cluster, by some of its nodes.
    Cluster(&'a [SecretString]),
}

/// The client of a [`Target`].
// One per store, built once: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Clients {
    Single(redis::Client),
    Cluster(ClusterClient),
}

/// A connection, cheap to clone (both kinds multiplex one set of sockets).
#[derive(Clone)]
pub(crate) enum Link {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// The redis crate's client for `target`, trusting `ca` (PEM) for `rediss://`.
pub(crate) fn open(
    target: Target<'_>,
    ca: Option<&[u8]>,
    timeout: Duration,
) -> Result<Clients, Error> {
    let urls = match target {
        Target::Single(url) => std::slice::from_ref(url),
        Target::Cluster([]) => {
            return Err(Error::Config(
                "no Redis Cluster node given; give at least one URL (redis_cluster or \
                 FLOWPAYROLL_REDIS_CLUSTER, comma-separated)"
                    .to_owned(),
            ))
        }
        Target::Cluster(urls) => urls,
    };
    let infos = urls
        .iter()
        .map(|url| url.expose_secret().into_connection_info())
        .collect::<Result<Vec<ConnectionInfo>, _>>()
        .map_err(|e| {
            // The URL may hold a password: name the problem, not the URL.
            Error::Config(format!(
                "a Redis URL is not valid ({:?}); expected \
                 redis[s]://[[user]:password@]host[:port][/db]",
                e.kind()
            ))
        })?;
    let tls = infos
        .iter()
        .any(|info| matches!(info.addr(), redis::ConnectionAddr::TcpTls { .. }));
    if tls {
        tls_provider()?;
    } else if ca.is_some() {
        return Err(Error::Config(
            "a CA certificate is set for Redis (redis_ca_certificate or FLOWPAYROLL_REDIS_CA) \
             but the Redis URL does not use TLS; use rediss://"
                .to_owned(),
        ));
    }
    let certificates = || redis::TlsCertificates {
        client_tls: None,
        root_cert: ca.map(<[u8]>::to_vec),
    };
    let refused = |e: RedisError| {
        Error::Config(format!(
            "the Redis client cannot be set up ({}); check the URL's form and, for \
             rediss://, the CA certificate (a PEM file)",
            describe(&e)
        ))
    };
    match target {
        Target::Single(_) => {
            let info = infos.into_iter().next().expect("one URL");
            let client = if ca.is_some() {
                redis::Client::build_with_tls(info, certificates())
            } else {
                redis::Client::open(info)
            };
            client.map(Clients::Single).map_err(refused)
        }
        Target::Cluster(_) => {
            let mut builder = ClusterClient::builder(infos)
                .connection_timeout(timeout)
                .response_timeout(timeout)
                // Redirections (MOVED, ASK) and a failover's new map take retries;
                // the member's own timeout bounds them all.
                .retries(3)
                .min_retry_wait(10)
                .max_retry_wait(100);
            if ca.is_some() {
                builder = builder.certs(certificates());
            }
            builder.build().map(Clients::Cluster).map_err(refused)
        }
    }
}

impl Clients {
    /// A new connection; for one server, connecting waits for the first command.
    pub(crate) async fn connect(&self, timeout: Duration) -> Result<Link, RedisError> {
        match self {
            Clients::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(0);
                ConnectionManager::new_lazy_with_config(client.clone(), config).map(Link::Single)
            }
            Clients::Cluster(client) => client.get_async_connection().await.map(Link::Cluster),
        }
    }
}

impl ConnectionLike for Link {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Link::Single(connection) => connection.req_packed_command(cmd),
            Link::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Link::Single(connection) => connection.req_packed_commands(pipeline, offset, count),
            Link::Cluster(connection) => connection.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Link::Single(connection) => connection.get_db(),
            Link::Cluster(connection) => connection.get_db(),
        }
    }
}

/// Makes sure rustls has a process-wide provider for the Redis connection: the redis
/// crate builds its TLS configuration on the process default, and rustls panics when none
/// is installed and its build has more than one (as in a workspace where another crate
/// turns on ring beside aws-lc). When the application installed none, the client's own
/// provider (the one its HTTPS uses) is installed; an application's choice is kept.
fn tls_provider() -> Result<(), Error> {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may install one at the same time: either way one is there.
        let provider = crate::transport::tls::provider();
        let _ = std::sync::Arc::unwrap_or_clone(provider).install_default();
    }
    Ok(())
}

/// A Redis error in words. Redis errors name the command and the server's message,
/// never the URL or its password.
pub(super) fn describe(error: &redis::RedisError) -> String {
    let kind = if error.is_connection_refusal() {
        "connection refused"
    } else if error.is_connection_dropped() {
        "connection dropped"
    } else if error.is_io_error() {
        "I/O error"
    } else {
        "error"
    };
    let text: String = error.to_string().chars().take(200).collect();
    format!("{kind}: {text}")
}
