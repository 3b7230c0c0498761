//! `flowpayroll`: the Flow Payroll management API from a shell.
//!
//! Configuration comes from the same `FLOWPAYROLL_*` variables as
//! `FlowPayroll::from_env()`, overridden by flags. Output is a table on a terminal and
//! JSON when piped (`--output` chooses). Errors are one sentence on stderr, exit code 1;
//! usage errors exit 2. Text from the server is escaped before it reaches the terminal
//! ([`escape`]). A closed stdout (`flowpayroll tokens list | head -1`) ends the
//! program quietly with exit code 0, as the command itself succeeded.

mod args;
mod commands;
mod escape;
mod failure;
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
        Err(Failure::Client(error)) => {
            report(&render::sentence(&error));
            if matches!(error, flowpayroll::Error::Config(_)) && credentials_missing() {
                let _ = writeln!(
                    std::io::stderr(),
                    "hint: set FLOWPAYROLL_CLIENT_ID and FLOWPAYROLL_CLIENT_SECRET \
                     (`flowpayroll sandbox serve` starts a local sandbox and prints its settings)"
                );
            }
            ExitCode::FAILURE
        }
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
