//! `flowpayroll connect` against the embedded sandbox, driven without a browser: the
//! test reads the link the command prints, answers the sign-in page as a person would
//! (`Sandbox::answer_sign_in`), and sends the browser's request to the command's local
//! callback. The connection is printed without its token and then listed; a stray
//! callback is answered 400 and waited past; a refusal ends the command with an error.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStderr, Stdio};

use common::{assert_terminal_safe, configured, Run};
use flowpayroll::deps::reqwest;
use flowpayroll::deps::url::Url;
use flowpayroll::sandbox::{Sandbox, SignInAnswer};
use flowpayroll::types::Provider;
use serde_json::Value;

const EMPLOYEES: &str = "/2023-03-01/official/employees";

fn run_against(sandbox: &Sandbox, args: &[&str]) -> std::process::Command {
    let mut command = configured(
        sandbox.client_id(),
        sandbox.client_secret().expose_secret(),
        sandbox.token_url(),
        sandbox.url(),
    );
    command.args(args);
    command
}

/// Starts `flowpayroll connect` and returns it with the link it printed, and the rest
/// of its stderr.
fn start(sandbox: &Sandbox, extra: &[&str]) -> (Child, Url, BufReader<ChildStderr>) {
    let mut args = vec![
        "--output",
        "json",
        "connect",
        "--scope",
        EMPLOYEES,
        "--no-browser",
    ];
    args.extend(extra);
    let mut child = run_against(sandbox, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let link = loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no link printed");
        if let Some(url) = line.trim().strip_prefix("http://") {
            break Url::parse(&format!("http://{url}")).unwrap();
        }
    };
    (child, link, stderr)
}

fn finish(child: Child, mut stderr: BufReader<ChildStderr>) -> Run {
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let mut run = Run::from(child.wait_with_output().unwrap());
    run.stderr = rest;
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_prints_the_connection_and_it_is_listed() {
    let sandbox = Sandbox::start().await.unwrap();
    let (child, link, stderr) = start(&sandbox, &[]);
    assert_eq!(link.origin(), sandbox.sign_in_url().origin());
    let redirect = link
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    assert!(redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"));

    let browser = reqwest::Client::new();
    // A stray request to the callback (no state): answered 400, the command waits on.
    let stray = browser
        .get(format!("{redirect}?authorization_code=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status().as_u16(), 400);

    let answer = SignInAnswer::Allow {
        provider: Provider::from("personio.de"),
    };
    let callback = sandbox.answer_sign_in(&link, answer).await.unwrap();
    assert!(callback.as_str().starts_with(&redirect));
    let page = browser.get(callback).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("The employer is connected"));

    let run = finish(child, stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let printed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed["provider"], "personio.de");
    assert_eq!(printed["mode"], "official");
    assert_eq!(printed["scopes"], serde_json::json!([EMPLOYEES]));
    assert!(printed.get("access_token").is_none());
    assert!(run
        .stderr
        .contains("ignored a callback that does not belong to this sign-in"));
    assert_terminal_safe("stderr", &run.stderr);

    // `tokens list` shows it: the command's own token and the connection.
    let listed = Run::from(
        run_against(&sandbox, &["--output", "json", "tokens", "list"])
            .output()
            .unwrap(),
    );
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let tokens: Value = serde_json::from_str(&listed.stdout).unwrap();
    let providers: Vec<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["provider"].as_str().unwrap())
        .collect();
    assert!(providers.contains(&"personio.de"), "{providers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_printed_only_when_asked_and_a_refusal_is_an_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let (child, link, stderr) = start(&sandbox, &["--show-token"]);
    let answer = SignInAnswer::Allow {
        provider: Provider::Sandbox,
    };
    let callback = sandbox.answer_sign_in(&link, answer).await.unwrap();
    reqwest::get(callback).await.unwrap();
    let run = finish(child, stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let printed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        printed["access_token"].as_str().unwrap().split('.').count(),
        3
    );

    let (child, link, stderr) = start(&sandbox, &[]);
    let callback = sandbox
        .answer_sign_in(&link, SignInAnswer::Refuse)
        .await
        .unwrap();
    let page = reqwest::get(callback).await.unwrap();
    assert_eq!(page.status().as_u16(), 400);
    let run = finish(child, stderr);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("error: sign-in not completed: the end user refused the connection"),
        "{}",
        run.stderr
    );
    // The first run's own token and its connection; the refused run minted nothing.
    assert_eq!(sandbox.tokens_issued(), 2);
}
