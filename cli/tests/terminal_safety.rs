//! Server text cannot act on the user's terminal: control characters in table cells, a
//! token's `jti`, `error_description`, `message`, a raw error page and the `--verbose`
//! log reach stdout and stderr escaped, while `--output json` parses back to the exact
//! strings the server sent.

mod common;

use common::*;
use serde_json::{json, Value};

/// Clears the screen, retitles the window, rings the bell, returns the carriage to forge
/// a line, opens a C1 CSI, reverses the text direction and starts a real new line.
const HOSTILE: &str =
    "\u{1b}[2J\u{1b}]0;pwned\u{7}\rforged line\u{9b}31m red \u{202e}gpj.exe\u{7f}\nnext";

const SECRET: &str = "terminal-secret-Qx7";

/// Token endpoint at `/oauth2/token` (a token whose jti is hostile), a failing one at
/// `/refused/oauth2/token`, and API answers carrying hostile text.
fn hostile_server() -> RawServer {
    RawServer::start(|line| {
        let token =
            json!({"access_token": jwt(HOSTILE), "token_type": "Bearer", "expires_in": 3600});
        let tokens = json!([{
            "token": HOSTILE, "provider": HOSTILE, "mode": "sandbox", "valid": true,
            "created_at": "2024-01-02T03:04:05Z", "scopes": [HOSTILE],
        }]);
        match path_of(line) {
            "/oauth2/token" => json_http("200 OK", &token),
            "/refused/oauth2/token" => json_http(
                "401 Unauthorized",
                &json!({"error": "invalid_client", "error_description": HOSTILE}),
            ),
            "/2023-03-01/management/tokens" => json_http("200 OK", &tokens),
            "/2023-03-01/management/introspect" => {
                json_http("403 Forbidden", &json!({"message": HOSTILE}))
            }
            _ => http(
                "502 Bad Gateway",
                "text/html",
                &format!("<h1>{HOSTILE}</h1>"),
            ),
        }
    })
}

fn flowpayroll(server: &RawServer, token_path: &str, args: &[&str]) -> Run {
    let run = server.run(token_path, SECRET, args);
    assert_terminal_safe("stdout", &run.stdout);
    assert_terminal_safe("stderr", &run.stderr);
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    run
}

#[test]
fn table_cells_and_the_verbose_log_are_escaped() {
    let server = hostile_server();
    let run = flowpayroll(
        &server,
        "/oauth2/token",
        &["tokens", "list", "--output", "table", "--verbose"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The header and one row: the hostile newline did not start a line of its own.
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("forged line").count(),
        2,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(r"\u{1b}[2J"), "{}", run.stdout);
    // The log names the minted token by its (escaped) jti, each event on one line.
    let minted: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("token minted"))
        .collect();
    assert_eq!(minted.len(), 1, "{}", run.stderr);
    assert!(minted[0].contains("forged line"), "{}", run.stderr);
    assert_eq!(server.requests(), 2);
}

#[test]
fn a_hostile_jti_is_escaped_in_the_table() {
    let server = hostile_server();
    let run = flowpayroll(
        &server,
        "/oauth2/token",
        &["token", "mint", "--output", "table"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(run.stdout.contains(r"\rforged line"), "{}", run.stdout);
}

#[test]
fn json_output_stays_exact() {
    let server = hostile_server();
    let run = flowpayroll(
        &server,
        "/oauth2/token",
        &["tokens", "list", "--output", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tokens: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(tokens[0]["token"], HOSTILE);
    assert_eq!(tokens[0]["provider"], HOSTILE);
    assert_eq!(tokens[0]["scopes"][0], HOSTILE);

    let run = flowpayroll(
        &server,
        "/oauth2/token",
        &["token", "mint", "--output", "json"],
    );
    let minted: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(minted["jti"], HOSTILE);
}

#[test]
fn server_text_in_errors_is_escaped() {
    let server = hostile_server();
    // `error_description` from the token endpoint.
    let run = flowpayroll(
        &server,
        "/refused/oauth2/token",
        &["providers", "--verbose"],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    // The error line, then its hint (the verbose log comes first).
    let lines: Vec<&str> = run.stderr.lines().collect();
    let (last, hint) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    assert!(
        hint.starts_with("hint: check the client id and secret"),
        "{hint}"
    );
    assert!(
        last.starts_with("error: `request_token` failed with HTTP 401 Unauthorized: "),
        "{}",
        run.stderr
    );
    assert!(
        last.contains("forged line") && last.contains("next"),
        "{}",
        run.stderr
    );

    // `message` from an API error.
    let run = flowpayroll(&server, "/oauth2/token", &["introspect"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("HTTP 403 Forbidden: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("forged line"), "{}", run.stderr);

    // A proxy's page that the spec does not describe: its raw start.
    let run = flowpayroll(&server, "/oauth2/token", &["client", "get"]);
    // A 502 may pass later.
    assert_eq!(run.code, 4);
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("HTTP 502 Bad Gateway: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("forged line"), "{}", run.stderr);
}
