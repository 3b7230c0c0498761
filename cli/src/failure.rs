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
    /// `connect` stopped waiting for the sign-in.
    Waiting(Waiting),
}

/// Why `flowpayroll connect` stopped waiting for the sign-in to come back. Both may pass
/// if the command runs again: exit code 4, the CLI's class for a timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// No callback within the sign-in's lifetime.
    TimedOut {
        /// The lifetime, in minutes.
        minutes: u64,
    },
    /// The local callback listener ended before a callback arrived.
    ListenerStopped,
}

impl Waiting {
    /// The `error:` line.
    pub fn message(self) -> String {
        match self {
            Waiting::TimedOut { minutes } => {
                format!("no sign-in came back to the callback listener within {minutes} minutes (the sign-in's lifetime)")
            }
            Waiting::ListenerStopped => {
                "the callback listener stopped before the sign-in came back".to_owned()
            }
        }
    }

    /// The `hint:` line.
    pub fn hint(self) -> &'static str {
        match self {
            Waiting::TimedOut { .. } => {
                "run `flowpayroll connect` again and finish the sign-in in the browser within its lifetime"
            }
            Waiting::ListenerStopped => {
                "run `flowpayroll connect` again; with --verbose the log says why the listener stopped"
            }
        }
    }

    /// The exit code: 4, may pass later (the table in the CLI's README).
    pub fn exit_code(self) -> u8 {
        4
    }
}

impl From<Waiting> for Failure {
    fn from(waiting: Waiting) -> Self {
        Self::Waiting(waiting)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_stops_are_timeouts_with_a_hint_to_run_again() {
        let timed_out = Waiting::TimedOut { minutes: 10 };
        assert_eq!(
            timed_out.message(),
            "no sign-in came back to the callback listener within 10 minutes (the sign-in's lifetime)"
        );
        assert_eq!(
            Waiting::ListenerStopped.message(),
            "the callback listener stopped before the sign-in came back"
        );
        for waiting in [timed_out, Waiting::ListenerStopped] {
            assert_eq!(waiting.exit_code(), 4);
            assert!(waiting
                .hint()
                .starts_with("run `flowpayroll connect` again"));
        }
    }
}
