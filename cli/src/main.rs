//! `flowpayroll`: the Flow Payroll management API from a shell.
//!
//! Configuration comes from the same `FLOWPAYROLL_*` variables as
//! `FlowPayroll::from_env()`, overridden by flags. Output is a table on a terminal and
//! JSON when piped (`--output` chooses). An error is one sentence on stderr and, on a
//! second line, what to do; its exit code says its class ([`exit_code`]). Text from the server is escaped before it reaches the terminal
//! ([`escape`]). A closed stdout (`flowpayroll tokens list | head -1`) ends the
//! program quietly with exit code 0, as the command itself succeeded.

mod args;
mod commands;
mod connect;
mod escape;
mod failure;
mod listener;
mod logs;
mod render;
mod webhooks;

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use clap::Parser as _;

use crate::args::{Cli, Output};
use crate::failure::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.verbose {
        logs::init();
    }
    let output = cli.output.unwrap_or(if std::io::stdout().is_terminal() {
        Output::Table
    } else {
        Output::Json
    });
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report(&format!("cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli, output)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): nobody is left to tell, and the work is done.
        Err(Failure::Write(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(Failure::Write(error)) => {
            report(&format!("cannot write the output: {error}"));
            ExitCode::FAILURE
        }
        Err(Failure::Waiting(waiting)) => {
            report(&waiting.message());
            let _ = writeln!(std::io::stderr(), "hint: {}", waiting.hint());
            ExitCode::from(waiting.exit_code())
        }
        Err(Failure::Client(error)) => {
            report(&render::sentence(&error));
            let hint = if matches!(error, flowpayroll::Error::Config(_)) && credentials_missing() {
                "set FLOWPAYROLL_CLIENT_ID and FLOWPAYROLL_CLIENT_SECRET \
                 (`flowpayroll sandbox serve` starts a local sandbox and prints its settings)"
            } else {
                error.action()
            };
            let _ = writeln!(std::io::stderr(), "hint: {hint}");
            ExitCode::from(exit_code(&error))
        }
    }
}

/// The exit code of a failed command, by class (documented in the CLI's README):
/// 1 the server refused the request, or anything else; 3 the configuration or the input
/// is wrong; 4 a failure that may pass later (network, timeout, 429, 5xx); 5 a
/// connection that will keep failing until something changes (a certificate, the TLS
/// set-up, the proxy's credentials). Usage errors exit with 2 (clap).
fn exit_code(error: &flowpayroll::Error) -> u8 {
    use flowpayroll::Error;
    match error {
        Error::Config(_) | Error::InvalidRequest { .. } => 3,
        Error::Transport { cause, .. } if cause.is_permanent() => 5,
        _ if error.is_transient() => 4,
        _ => 1,
    }
}

/// Whether the environment lacks the credentials (a newcomer's first run).
fn credentials_missing() -> bool {
    ["FLOWPAYROLL_CLIENT_ID", "FLOWPAYROLL_CLIENT_SECRET"]
        .iter()
        .any(|name| std::env::var_os(name).is_none_or(|value| value.is_empty()))
}

/// One error line on stderr; if stderr itself is gone there is nowhere left to say it.
fn report(message: &str) {
    let _ = writeln!(std::io::stderr(), "error: {message}");
}
