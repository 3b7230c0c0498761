//! The connect timeout, enforced around reqwest's connector so that a stall says which
//! step it stalled in. Each connection attempt gets its own record
//! ([`ConnectStall`]), reachable through a Tokio task-local while the attempt's future is
//! polled; two hooks write to it: the DNS resolver (a name's resolution began, ended)
//! and the TLS session store (rustls asks it for a key-share hint when it builds its
//! first message, so a handshake with that server name began: TCP, and the proxy's
//! tunnel, are done). When the timeout strikes, the record goes into the error.
//!
//! reqwest offers no hook between TCP and TLS; these two are the points it calls out
//! to during a connect, and both are public, stable APIs (reqwest's `dns_resolver` and
//! `connector_layer`, rustls's `ClientSessionStore`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::client::Tls13ClientSessionValue;
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, Tls12ClientSessionValue};
use rustls::pki_types::ServerName;
use rustls::NamedGroup;

use crate::error::stall::{note, ConnectStall, ProxyUse};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

tokio::task_local! {
    /// The record of the connection attempt being polled.
    static ATTEMPT: Arc<Mutex<ConnectStall>>;
}

/// Applies `write` to the current attempt's record, if this runs inside one.
fn record(write: impl FnOnce(&mut ConnectStall)) {
    let _ = ATTEMPT.try_with(|attempt| {
        // A poisoned lock only means a panic elsewhere mid-write; the names stay usable.
        let mut stall = attempt.lock().unwrap_or_else(|e| e.into_inner());
        write(&mut stall);
    });
}

/// The tower layer given to `reqwest::ClientBuilder::connector_layer`: the connect
/// timeout `limit` around each attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectWatch {
    pub limit: Duration,
    pub proxy: ProxyUse,
}

impl<S> tower_layer::Layer<S> for ConnectWatch {
    type Service = Watched<S>;

    fn layer(&self, inner: S) -> Watched<S> {
        Watched {
            inner,
            watch: *self,
        }
    }
}

/// The connector, each attempt timed and recorded.
#[derive(Debug, Clone)]
pub(crate) struct Watched<S> {
    inner: S,
    watch: ConnectWatch,
}

impl<S, R> tower_service::Service<R> for Watched<S>
where
    S: tower_service::Service<R, Error = BoxError>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let attempt = Arc::new(Mutex::new(ConnectStall::new(self.watch.proxy)));
        let connecting = ATTEMPT.sync_scope(Arc::clone(&attempt), || self.inner.call(request));
        let connecting = ATTEMPT.scope(Arc::clone(&attempt), connecting);
        let limit = self.watch.limit;
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(result) => result,
                Err(_) => {
                    let stall = attempt.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    // TimedOut: reqwest's `is_timeout` recognises the kind.
                    Err(Box::new(io::Error::new(io::ErrorKind::TimedOut, stall)) as BoxError)
                }
            }
        })
    }
}

/// The system resolver (getaddrinfo, as reqwest's own), recording each name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WatchedResolver;

impl reqwest::dns::Resolve for WatchedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            record(|stall| note(&mut stall.resolving, &host));
            let addresses = tokio::net::lookup_host((host.as_str(), 0)).await?;
            record(|stall| note(&mut stall.resolved, &host));
            let addresses: Vec<_> = addresses.collect();
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// rustls's in-memory session cache (its default, 256 entries), noting each handshake
/// that begins.
#[derive(Debug)]
pub(crate) struct WatchedSessions(ClientSessionMemoryCache);

impl WatchedSessions {
    pub(crate) fn new() -> Self {
        Self(ClientSessionMemoryCache::new(256))
    }
}

fn began(server_name: &ServerName<'_>) {
    record(|stall| note(&mut stall.handshakes, &server_name.to_str()));
}

impl ClientSessionStore for WatchedSessions {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.0.set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        // Asked while the first handshake message (ClientHello) is built.
        began(server_name);
        self.0.kx_hint(server_name)
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.0.set_tls12_session(server_name, value);
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        began(server_name);
        self.0.tls12_session(server_name)
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.0.remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        self.0.insert_tls13_ticket(server_name, value);
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        began(server_name);
        self.0.take_tls13_ticket(server_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_service::Service;

    #[tokio::test(start_paused = true)]
    async fn a_stalled_attempt_times_out_with_what_it_saw() {
        let inner = tower::service_fn(|_: ()| async {
            record(|stall| note(&mut stall.resolving, "auth.example"));
            record(|stall| note(&mut stall.resolved, "auth.example"));
            began(&ServerName::try_from("auth.example").unwrap());
            std::future::pending::<Result<(), BoxError>>().await
        });
        let watch = ConnectWatch {
            limit: Duration::from_secs(10),
            proxy: ProxyUse::Never,
        };
        let mut service = tower_layer::Layer::layer(&watch, inner);
        let error = service.call(()).await.unwrap_err();
        let io = error.downcast_ref::<io::Error>().unwrap();
        assert_eq!(io.kind(), io::ErrorKind::TimedOut);
        let stall = io
            .get_ref()
            .unwrap()
            .downcast_ref::<ConnectStall>()
            .unwrap();
        assert_eq!(stall.resolved, ["auth.example"]);
        assert_eq!(stall.handshakes, ["auth.example"]);
        assert_eq!(
            stall.phase(Some("auth.example"), true),
            crate::error::cause::Phase::TlsHandshake
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_attempt_that_connects_is_untouched_and_records_outside_are_ignored() {
        began(&ServerName::try_from("outside.example").unwrap());
        let inner = tower::service_fn(|n: u8| async move { Ok::<_, BoxError>(n + 1) });
        let watch = ConnectWatch {
            limit: Duration::from_secs(1),
            proxy: ProxyUse::Always,
        };
        let mut service = tower_layer::Layer::layer(&watch, inner);
        assert_eq!(service.call(41).await.unwrap(), 42);
    }
}
