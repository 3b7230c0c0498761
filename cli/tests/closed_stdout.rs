//! A closed stdout (`flowpayroll providers | head -0`) ends the program quietly with exit
//! code 0: the command did its work and nobody is left to read the rest. Never a panic
//! (exit 101), never a message on stderr.

mod common;

use std::process::Stdio;

use common::*;
use flowpayroll::sandbox::Sandbox;

/// Runs the binary with a stdout pipe whose reading end is already closed, so its first
/// write fails with EPIPE.
fn run_with_closed_stdout(sandbox: &Sandbox, args: &[&str]) -> Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    configured(
        sandbox.client_id(),
        sandbox.client_secret().expose_secret(),
        sandbox.token_url(),
        sandbox.url(),
    )
    .args(args)
    .stdout(writer)
    .stderr(Stdio::piped())
    .output()
    .unwrap()
    .into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_ends_quietly_with_exit_code_0() {
    let sandbox = Sandbox::start().await.unwrap();
    for args in [
        &["providers"][..],
        &["tokens", "list", "--output", "table"],
        &["token", "mint", "--output", "json", "--verbose"],
        &["--help"],
    ] {
        let run = tokio::task::block_in_place(|| run_with_closed_stdout(&sandbox, args));
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
    // The commands that reach the API did (the help did not).
    assert_eq!(
        sandbox.api_requests(flowpayroll::operation::Operation::ListProviders),
        1
    );
    assert_eq!(
        sandbox.api_requests(flowpayroll::operation::Operation::ListTokens),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_serve_with_nobody_reading_stops_instead_of_serving_blind() {
    let sandbox = Sandbox::start().await.unwrap();
    let run = tokio::task::block_in_place(|| {
        run_with_closed_stdout(&sandbox, &["sandbox", "serve", "--port", "0"])
    });
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}
