//! The sandbox's connections, each reachable from its requests so that a fault can reset
//! it ([`Connection::reset`]: closed with `SO_LINGER` 0, so the client gets a TCP reset
//! while it waits for the answer's headers). [`Listener`] is axum's listener over the
//! sandbox's TCP listener, handing out [`Resettable`] streams; a handler finds its
//! connection as `ConnectInfo<Connection>`.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::lock;

/// A stream that can be taken away (reset) while hyper serves it: `None` once reset.
type Slot = Arc<Mutex<Option<TcpStream>>>;

/// The sandbox's TCP listener, as axum serves it.
#[derive(Debug)]
pub(super) struct Listener(pub TcpListener);

impl axum::serve::Listener for Listener {
    type Io = Resettable;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Resettable, SocketAddr) {
        let (stream, address) = axum::serve::Listener::accept(&mut self.0).await;
        (Resettable(Arc::new(Mutex::new(Some(stream)))), address)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// One accepted connection's stream, shared with its [`Connection`].
#[derive(Debug)]
pub(super) struct Resettable(Slot);

/// The connection a request came on.
#[derive(Debug, Clone)]
pub(super) struct Connection(Slot);

impl Connected<IncomingStream<'_, Listener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        Connection(Arc::clone(&stream.io().0))
    }
}

impl Connection {
    /// Closes the connection at once with a reset (RST), whatever hyper is doing with it.
    pub(super) fn reset(&self) {
        if let Some(stream) = lock(&self.0).take() {
            // Linger 0: closing sends a reset and drops unsent data (and never blocks).
            let _ = stream.set_zero_linger();
            drop(stream);
        }
    }
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the connection was reset by a sandbox fault",
    )
}

impl AsyncRead for Resettable {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match lock(&self.0).as_mut() {
            Some(stream) => Pin::new(stream).poll_read(cx, buf),
            None => Poll::Ready(Err(gone())),
        }
    }
}

impl AsyncWrite for Resettable {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match lock(&self.0).as_mut() {
            Some(stream) => Pin::new(stream).poll_write(cx, buf),
            None => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match lock(&self.0).as_mut() {
            Some(stream) => Pin::new(stream).poll_flush(cx),
            None => Poll::Ready(Err(gone())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match lock(&self.0).as_mut() {
            Some(stream) => Pin::new(stream).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}
