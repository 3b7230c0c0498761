//! A server that echoes the client secret or the access token back (a 400 quoting the
//! form it received, a 403 naming the token, a proxy page dumping the request) does not
//! get either printed: not in the error line, not in the `--verbose` log, in neither
//! output format.

mod common;

use common::*;
use serde_json::json;

const SECRET: &str = "echo-secret-Vb81-never-print";
const TOKEN: &str = "echo-token-Lq02-never-print-either";

/// Issues [`TOKEN`] at `/oauth2/token`, refuses at `/refused/oauth2/token` quoting the
/// form, and answers the API with errors that quote the token.
fn echoing_server() -> RawServer {
    RawServer::start(|line| match path_of(line) {
        "/oauth2/token" => json_http(
            "200 OK",
            &json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}),
        ),
        "/refused/oauth2/token" => json_http(
            "400 Bad Request",
            &json!({
                "error": "invalid_request",
                "error_description": format!("bad form: grant_type=client_credentials&client_secret={SECRET}"),
            }),
        ),
        "/2023-03-01/management/introspect" => json_http(
            "403 Forbidden",
            &json!({"message": format!("token {TOKEN} was disconnected")}),
        ),
        _ => http(
            "502 Bad Gateway",
            "text/html",
            &format!("<pre>X-Auth-Token: {TOKEN}</pre>"),
        ),
    })
}

/// Runs the command, which must fail with exit `code` (1 refused, 4 may pass later).
fn flowpayroll(server: &RawServer, token_path: &str, code: i32, args: &[&str]) -> Run {
    let run = server.run(token_path, SECRET, args);
    assert_eq!(run.code, code, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    for secret in [SECRET, TOKEN] {
        assert!(
            !run.stderr.contains(secret),
            "{args:?} printed it: {}",
            run.stderr
        );
    }
    run
}

#[test]
fn echoed_secrets_are_not_printed() {
    let server = echoing_server();
    for output in ["json", "table"] {
        let run = flowpayroll(
            &server,
            "/refused/oauth2/token",
            1,
            &["providers", "--verbose", "--output", output],
        );
        assert!(
            run.stderr.contains("HTTP 400 Bad Request: bad form"),
            "{}",
            run.stderr
        );

        let run = flowpayroll(
            &server,
            "/oauth2/token",
            1,
            &["introspect", "--verbose", "--output", output],
        );
        assert!(
            run.stderr.contains("HTTP 403 Forbidden: token "),
            "{}",
            run.stderr
        );

        let run = flowpayroll(
            &server,
            "/oauth2/token",
            4,
            &["client", "get", "--verbose", "--output", output],
        );
        assert!(
            run.stderr.contains("HTTP 502 Bad Gateway: "),
            "{}",
            run.stderr
        );
    }
}
