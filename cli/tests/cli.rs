//! The `flowpayroll` binary against the embedded sandbox: every command, both output
//! formats, errors as one sentence and a hint with their exit code, usage errors with 2, and no secret
//! on any stream.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use common::*;
use flowpayroll::sandbox::Sandbox;
use serde_json::Value;

/// Runs the binary with the sandbox's settings in its environment (and nothing else of
/// `FLOWPAYROLL_*`).
async fn flowpayroll(sandbox: &Sandbox, secret: &str, args: &[&str]) -> Run {
    let mut command = configured(
        sandbox.client_id(),
        secret,
        sandbox.token_url(),
        sandbox.url(),
    );
    command.args(args);
    let run: Run = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
        .into();
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the secret was printed"
    );
    run
}

fn example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../openapi/examples")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_against_the_sandbox() {
    let sandbox = Sandbox::start().await.unwrap();
    let secret = sandbox.client_secret().expose_secret().to_owned();

    let run = flowpayroll(&sandbox, &secret, &["tokens", "list", "--output", "json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The sandbox lists the token it issued to this run, valid.
    let listed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["valid"], true);
    let jti = listed[0]["token"].as_str().unwrap().to_owned();

    let run = flowpayroll(&sandbox, &secret, &["tokens", "list", "--output", "table"]).await;
    let header: Vec<&str> = run
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        ["TOKEN", "PROVIDER", "MODE", "VALID", "CREATED", "SCOPES"]
    );
    assert!(
        run.stdout.contains(&format!("{jti}  sandbox")),
        "{}",
        run.stdout
    );

    // Piped, the default is JSON.
    let run = flowpayroll(&sandbox, &secret, &["providers"]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap(),
        example("list_providers.200.reference.application_json.json")
    );

    let run = flowpayroll(&sandbox, &secret, &["introspect"]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap()["client_id"],
        sandbox.client_id()
    );

    let run = flowpayroll(&sandbox, &secret, &["client", "get"]).await;
    let settings: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(settings["client_secrets"], 1);
    assert!(
        !run.stdout.contains(&secret),
        "client secrets are not printed"
    );

    let run = flowpayroll(
        &sandbox,
        &secret,
        &[
            "client",
            "update",
            "--name",
            "Renamed",
            "--webhook-uri",
            "https://hooks.example.com/x",
        ],
    )
    .await;
    let settings: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (settings["name"].as_str(), settings["webhook_uri"].as_str()),
        (Some("Renamed"), Some("https://hooks.example.com/x"))
    );

    // A name change alone keeps the webhook; --no-webhook sends `null` and turns it off.
    let run = flowpayroll(&sandbox, &secret, &["client", "update", "--name", "Again"]).await;
    let settings: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(settings["webhook_uri"], "https://hooks.example.com/x");
    let run = flowpayroll(&sandbox, &secret, &["client", "update", "--no-webhook"]).await;
    let settings: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (settings["name"].as_str(), &settings["webhook_uri"]),
        (Some("Again"), &Value::Null)
    );

    let run = flowpayroll(&sandbox, &secret, &["disconnect"]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap()["disconnected"],
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_mint_prints_the_jti_and_the_token_only_when_asked() {
    let sandbox = Sandbox::start().await.unwrap();
    let secret = sandbox.client_secret().expose_secret().to_owned();
    let run = flowpayroll(&sandbox, &secret, &["token", "mint"]).await;
    let minted: Value = serde_json::from_str(&run.stdout).unwrap();
    // The sandbox's token ids have the documented shape: four groups of eight hex digits.
    let groups: Vec<usize> = minted["jti"]
        .as_str()
        .unwrap()
        .split('-')
        .map(str::len)
        .collect();
    assert_eq!(groups, [8, 8, 8, 8]);
    assert!(minted["expires_in"].as_u64().unwrap() > 3500);
    assert!(minted.get("access_token").is_none());

    let run = flowpayroll(&sandbox, &secret, &["token", "mint", "--show-token"]).await;
    let minted: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        minted["access_token"].as_str().unwrap().split('.').count(),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_sentence_and_a_hint_on_stderr_with_their_exit_code() {
    let sandbox = Sandbox::start().await.unwrap();
    let run = flowpayroll(&sandbox, "wrong-secret-value", &["tokens", "list"]).await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    // The sentence ends with the request id to quote to support; the hint follows.
    let (line, hint) = run.stderr.trim_end().split_once('\n').unwrap();
    assert_eq!(
        hint,
        "hint: check the client id and secret (FLOWPAYROLL_CLIENT_ID, FLOWPAYROLL_CLIENT_SECRET) and the scope"
    );
    let id = line
        .strip_prefix(
            "error: `request_token` failed with HTTP 401 Unauthorized: Client authentication \
             failed. (request id sandbox-",
        )
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line}"));
    assert_eq!(id.len(), 16, "{line}");

    let secret = sandbox.client_secret().expose_secret().to_owned();
    let run = flowpayroll(
        &sandbox,
        &secret,
        &["tokens", "list", "--api-url", "http://api.example.com"],
    )
    .await;
    // A configuration error.
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("plain http"), "{}", run.stderr);
}

#[test]
fn without_credentials_the_error_points_to_the_sandbox() {
    let run: Run = command().args(["tokens", "list"]).output().unwrap().into();
    assert_eq!(run.code, 3);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(lines[0].contains("FLOWPAYROLL_CLIENT_ID"), "{}", run.stderr);
    assert!(lines[1].starts_with("hint: ") && lines[1].contains("flowpayroll sandbox serve"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_with_2() {
    let sandbox = Sandbox::start().await.unwrap();
    let run = flowpayroll(&sandbox, "unused-secret-1", &["tokens", "explode"]).await;
    assert_eq!(run.code, 2);
    let run = flowpayroll(
        &sandbox,
        "unused-secret-1",
        &["tokens", "list", "--output", "yaml"],
    )
    .await;
    assert_eq!(run.code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_logs_the_jti_but_never_the_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let secret = sandbox.client_secret().expose_secret().to_owned();
    let run = flowpayroll(
        &sandbox,
        &secret,
        &["token", "mint", "--show-token", "--verbose"],
    )
    .await;
    let minted: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(run.stderr.contains("token minted"), "{}", run.stderr);
    assert!(run.stderr.contains(minted["jti"].as_str().unwrap()));
    assert!(!run
        .stderr
        .contains(minted["access_token"].as_str().unwrap()));
    // Only the client's own events: none from reqwest, hyper, h2 or rustls.
    for line in run.stderr.lines() {
        let target = line.split_whitespace().nth(2).unwrap_or_default();
        assert!(target.starts_with("flowpayroll"), "{line}\n{}", run.stderr);
    }
}

#[test]
fn sandbox_serve_prints_working_credentials() {
    let mut server = command()
        .args(["sandbox", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut exports = Vec::new();
    for line in BufReader::new(server.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(pair) = line.trim().strip_prefix("export ") {
            let (name, value) = pair.split_once('=').unwrap();
            exports.push((name.to_owned(), value.to_owned()));
        }
        if line.contains("Ctrl-C") {
            break;
        }
    }
    assert_eq!(exports.len(), 4);
    let api_url = exports
        .iter()
        .find(|(name, _)| name == "FLOWPAYROLL_API_URL")
        .map(|(_, url)| url.clone())
        .unwrap();
    let output = command()
        .envs(exports)
        .args(["tokens", "list"])
        .output()
        .unwrap();
    // The control API is served on the same port.
    let stats = http_get(&api_url, "/__sandbox/stats");
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = serde_json::from_slice::<Value>(&output.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["valid"], true);
    assert_eq!(stats["requests"]["request_token"], 1);
    assert_eq!(stats["requests"]["list_tokens"], 1);
    assert_eq!(stats["tokens_kept"], 1);
}

/// A plain HTTP/1.1 GET of `path` on `base` (`http://127.0.0.1:port/`), as JSON.
fn http_get(base: &str, path: &str) -> Value {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).unwrap()
}
