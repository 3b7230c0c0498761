//! `flowpayroll webhooks listen` receiving signed deliveries from the sandbox (verified,
//! printed escaped, replays refused, forwarded with their signature) and `flowpayroll
//! webhooks verify` on a saved body.

mod common;

use std::io::{BufRead as _, BufReader, Lines};
use std::process::{Child, ChildStdout, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::command;
use flowpayroll::deps::reqwest;
use flowpayroll::sandbox::{Sandbox, WebhookPayload};
use flowpayroll::webhook::{sign, Verifier};
use flowpayroll::SecretString;
use serde_json::json;

fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    lines.next().unwrap().unwrap()
}

/// `flowpayroll webhooks listen --port 0 EXTRA...` keyed with `secret`: the process, the
/// URL it listens on, and the rest of its stdout.
fn listen(secret: &str, extra: &[&str]) -> (Child, String, Lines<BufReader<ChildStdout>>) {
    let mut listener = command()
        .env("FLOWPAYROLL_CLIENT_SECRET", secret)
        .args(["webhooks", "listen", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(listener.stdout.take().unwrap()).lines();
    let first = next_line(&mut lines);
    let uri = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap()
        .to_owned();
    next_line(&mut lines);
    (listener, uri, lines)
}

/// The listener's answers, as cli/README.md lists them: 204 verified, 401 refused (a
/// missing or wrong signature; `x-flowpayroll-signature` wins over the upstream
/// header when both are sent), 413 over 1 MiB. The key is the client secret, whole:
/// a comma in it does not split it.
#[tokio::test]
async fn listen_answers_204_401_and_413_and_keys_with_the_whole_client_secret() {
    let secret = "s3cret,with-a-comma";
    let (mut listener, uri, _lines) = listen(secret, &[]);
    let http = reqwest::Client::new();
    let post = |body: Vec<u8>, headers: Vec<(&'static str, String)>| {
        let mut request = http.post(&uri).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let body =
        |n: usize| format!(r#"{{"added":[],"removed":[],"updated":[],"n":{n}}}"#).into_bytes();
    let whole = |b: &[u8]| sign(SecretString::new(secret), b);
    let first_part = |b: &[u8]| sign(SecretString::new("s3cret"), b);

    assert_eq!(
        post(body(1), vec![("x-flowpayroll-signature", whole(&body(1)))]).await,
        204
    );
    assert_eq!(
        post(
            body(2),
            vec![("x-flowpayroll-signature", first_part(&body(2)))]
        )
        .await,
        401
    );
    assert_eq!(post(body(3), vec![]).await, 401);
    assert_eq!(
        post(body(4), vec![("x-affix-api-signature", whole(&body(4)))]).await,
        204
    );
    let both = |right: &'static str, wrong: &'static str, b: &[u8]| {
        vec![(right, whole(b)), (wrong, first_part(b))]
    };
    assert_eq!(
        post(
            body(5),
            both("x-flowpayroll-signature", "x-affix-api-signature", &body(5))
        )
        .await,
        204
    );
    assert_eq!(
        post(
            body(6),
            both("x-affix-api-signature", "x-flowpayroll-signature", &body(6))
        )
        .await,
        401
    );
    let large = vec![b' '; 1024 * 1024 + 1];
    let signature = whole(&large);
    assert_eq!(
        post(large, vec![("x-flowpayroll-signature", signature)]).await,
        413
    );
    listener.kill().unwrap();
    listener.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_verifies_prints_escaped_refuses_replays_and_forwards() {
    let sandbox = Sandbox::start().await.unwrap();
    let secret = sandbox.client_secret().expose_secret().to_owned();

    // Where verified deliveries are forwarded: checks the signature again.
    let forwarded = Arc::new(AtomicU64::new(0));
    let verifier = Verifier::new(sandbox.client_secret());
    let counter = Arc::clone(&forwarded);
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| async move {
        if verifier.verify(&body, &headers).is_ok() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
        StatusCode::OK
    });
    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_url = format!("http://{}/", target.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(target, app).await.unwrap() });

    let (mut listener, uri, mut lines) = listen(&secret, &["--forward", &target_url]);
    sandbox.set_webhook_uri(Some(&uri));

    // JSON escapes C0 controls itself; C1 and bidi controls travel raw.
    let hostile =
        json!({"added": [{"first_name": "\u{9b}2J\u{202e}x"}], "removed": [], "updated": []});
    let delivery = sandbox
        .deliver_webhook(WebhookPayload::Json(hostile.clone()))
        .await
        .unwrap();
    assert_eq!(delivery.status, Some(204));
    let again = sandbox
        .deliver_webhook(WebhookPayload::Json(hostile))
        .await
        .unwrap();
    assert_eq!(again.status, Some(200));

    let mut seen = Vec::new();
    let lines = tokio::task::spawn_blocking(move || {
        while seen.len() < 4 {
            seen.push(next_line(&mut lines));
        }
        seen
    })
    .await
    .unwrap();
    listener.kill().unwrap();
    listener.wait().unwrap();
    let text = lines.join("\n");
    assert!(lines[0].starts_with("#1 verified"), "{text}");
    assert!(lines[0].contains("added 1, removed 0, updated 0"), "{text}");
    assert!(lines[1].contains("\\u{9b}2J\\u{202e}x"), "{text}");
    assert!(!lines[1].contains(['\u{9b}', '\u{202e}']), "{text}");
    assert!(text.contains("#2 replay refused"), "{text}");
    assert!(text.contains("#1 forwarded: HTTP 200"), "{text}");
    assert!(!text.contains(&secret));
    assert_eq!(forwarded.load(Ordering::SeqCst), 1);
}

#[test]
fn verify_checks_a_saved_body_against_its_signature() {
    let secret = "webhook-cli-secret";
    let body = br#"{"added":[],"removed":[],"updated":[]}"#;
    let path =
        std::env::temp_dir().join(format!("flowpayroll-webhook-{}.json", std::process::id()));
    std::fs::write(&path, body).unwrap();
    let signature = sign(SecretString::new(secret), body);
    let run = |signature: &str, secret: Option<&str>| {
        let mut command = command();
        if let Some(secret) = secret {
            command.env("FLOWPAYROLL_CLIENT_SECRET", secret);
        }
        command
            .args([
                "webhooks",
                "verify",
                "--body",
                path.to_str().unwrap(),
                "--signature",
                signature,
            ])
            .output()
            .unwrap()
    };
    let ok = run(&signature, Some(secret));
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "verified: 38 bytes\n");

    let other = sign(SecretString::new("another"), body);
    let refused = run(&other, Some(secret));
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("does not match") && stderr.contains("raw body"),
        "{stderr}"
    );

    let short = run(&signature[..63], Some(secret));
    assert!(String::from_utf8_lossy(&short.stderr).contains("malformed"));
    let no_secret = run(&signature, None);
    assert!(String::from_utf8_lossy(&no_secret.stderr).contains("FLOWPAYROLL_CLIENT_SECRET"));
    std::fs::remove_file(path).unwrap();
}

/// A port that cannot be bound is a local I/O failure, said as one: no hint about
/// credentials (that hint follows configuration errors only; this one gets the action
/// of a local failure), exit code 1.
#[test]
fn listen_on_a_busy_port_is_an_io_error_without_the_credentials_hint() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let run: common::Run = command()
        .env("FLOWPAYROLL_CLIENT_SECRET", "listen-secret-1")
        .args(["webhooks", "listen", "--port", &port])
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0].starts_with(&format!("error: cannot listen on 127.0.0.1:{port}: ")),
        "{}",
        run.stderr
    );
    assert_eq!(
        lines[1],
        "hint: check the local resource the message names (a port in use, a file)"
    );
    drop(busy);
}
