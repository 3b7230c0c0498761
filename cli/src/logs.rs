//! `--verbose`: the library's `tracing` events (its own, not its HTTP stack's) on
//! stderr, one line each, with every control character a server could have slipped
//! into a field (a `jti`, an error message) escaped, and nothing ever panicking when
//! stderr is closed.

use std::io::{self, Write};

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::escape::escape_line;

/// Sends the client's own events, DEBUG and above, to stderr for the rest of the
/// program. Events of the HTTP stack under it (hyper, reqwest, h2, rustls) are left out:
/// they describe connection pools and frames, not what the client did.
pub fn init() {
    tracing_subscriber::fmt()
        .with_writer(SafeStderr)
        .with_max_level(Level::DEBUG)
        .with_target(true)
        .with_ansi(false)
        .log_internal_errors(false)
        .finish()
        .with(Targets::new().with_target(TARGET, Level::DEBUG))
        .init();
}

/// The target prefix of the library's events (`flowpayroll::auth`, `flowpayroll::api`...)
/// and of this program's own.
const TARGET: &str = "flowpayroll";

/// Hands each event a [`LineBuffer`].
#[derive(Debug, Clone, Copy)]
struct SafeStderr;

impl<'a> MakeWriter<'a> for SafeStderr {
    type Writer = LineBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        LineBuffer(Vec::new())
    }
}

/// Collects one formatted event and writes it, escaped, to stderr when dropped.
#[derive(Debug)]
struct LineBuffer(Vec<u8>);

impl Write for LineBuffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LineBuffer {
    fn drop(&mut self) {
        let line = escape_line(&String::from_utf8_lossy(&self.0));
        // A closed stderr loses the log, never the command.
        let _ = io::stderr().lock().write_all(line.as_bytes());
    }
}
