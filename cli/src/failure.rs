//! [`Failure`]: why a command stopped, as `main` reports it (`error:` and `hint:` lines and an
//! exit code by class, docs/errors.md; or quietly on a closed pipe). Every command module returns it, so it stands apart
//! from all of them.

use flowpayroll::Error;

/// Why a command stopped.
#[derive(Debug)]
pub enum Failure {
    /// The client (configuration, transport, the server's answer).
    Client(Error),
    /// Writing the output (for example a closed pipe).
    Write(std::io::Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Client(error)
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Self::Write(error)
    }
}
