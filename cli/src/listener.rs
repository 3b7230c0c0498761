//! The HTTP/1 server loop of `webhooks listen`, bounded whatever its clients do: each
//! connection must send its headers within [`HEADER_READ_TIMEOUT`] and a request's body
//! within [`BODY_READ_TIMEOUT`] (else 408), at most [`MAX_CONNECTIONS`] are served at
//! once (more wait in the kernel's backlog), and a stop (Ctrl-C) ends it within a
//! second: it stops accepting, gives in-flight deliveries [`GRACE`] to finish, then
//! closes every connection. `axum::serve` has none of these knobs, so the loop is
//! hyper's connection builder driven here.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// How long a connection may take to send a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request may take from its headers to the end of its body (the handler
/// answers at once once it has the body; forwarding runs in the background).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 64;
/// After a stop, how long in-flight deliveries have to finish before their connections
/// are closed.
pub const GRACE: Duration = Duration::from_millis(500);

/// A middleware: the request (body read included) within [`BODY_READ_TIMEOUT`], else 408.
pub async fn within_body_timeout(request: Request, next: Next) -> Response {
    match tokio::time::timeout(BODY_READ_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            "the request's body did not arrive in time\n",
        )
            .into_response(),
    }
}

/// Serves `app` on `listener` until `stop` completes, then returns within
/// [`GRACE`] plus the time to close the connections.
pub async fn serve(listener: TcpListener, app: Router, stop: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (stopping, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let permit = tokio::select! {
            () = &mut stop => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let socket = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                // A failed accept (out of file descriptors...) is the client's loss;
                // a short pause keeps the loop from spinning on it. The command has no
                // injectable clock; this pause is not behaviour a test drives.
                Err(_) => {
                    #[allow(clippy::disallowed_methods)]
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(app.clone());
        let mut stopped = stopped.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            let connection = builder.serve_connection(TokioIo::new(socket), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopped.wait_for(|stop| *stop) => {}
            }
            // Stopping: finish the request in flight, then close.
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
        // Finished connections are reaped as the loop goes, so the set stays small.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stopping.send(true);
    let _ = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.shutdown().await;
}
