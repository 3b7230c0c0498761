//! The global flags reach the server: `--token-url` wins over `FLOWPAYROLL_TOKEN_URL`,
//! `--user-id` is sent as `User-Id`, `--token-auth basic` moves the credentials into an
//! `Authorization: Basic` header, `--environment` wins over `FLOWPAYROLL_ENVIRONMENT`
//! (seen through the `CONNECT` a proxy on 127.0.0.1 receives, so nothing leaves the
//! machine), and `client update` sends the redirect URIs back as they were.

mod common;

use base64::Engine as _;
use common::*;
use serde_json::{json, Value};

const SECRET: &str = "flags-secret-Zr4";
const TOKENS: &str = "/2023-03-01/management/tokens";
const CLIENT: &str = "/2023-03-01/management/client";

fn example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../openapi/examples")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A token at `/flag/oauth2/token`, a refusal at `/env/oauth2/token`, an empty token
/// list, and the spec's example client settings (echoed back with the posted name).
fn server() -> RawServer {
    RawServer::start(|line| {
        let token =
            json!({"access_token": jwt("jti-flags"), "token_type": "Bearer", "expires_in": 3600});
        match (line.split(' ').next().unwrap_or_default(), path_of(line)) {
            (_, "/flag/oauth2/token") => json_http("200 OK", &token),
            (_, "/env/oauth2/token") => json_http(
                "401 Unauthorized",
                &json!({"error": "invalid_client", "error_description": "wrong endpoint"}),
            ),
            (_, TOKENS) => json_http("200 OK", &json!([])),
            ("GET", CLIENT) => json_http(
                "200 OK",
                &example("get_client.200.reference.application_json.json"),
            ),
            ("POST", CLIENT) => {
                let mut settings = example("get_client.200.reference.application_json.json");
                settings["name"] = json!("Renamed");
                json_http("200 OK", &settings)
            }
            _ => http("404 Not Found", "text/plain", "no such path"),
        }
    })
}

fn check(run: &Run) {
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "the secret was printed"
    );
}

#[test]
fn token_url_user_id_and_token_auth_flags_reach_the_server() {
    let server = server();
    let run: Run = server
        .command("/env/oauth2/token", SECRET)
        .args(["--token-url", &server.url("/flag/oauth2/token")])
        .args(["--user-id", "auditor-7", "--token-auth", "basic"])
        .args(["tokens", "list", "--output", "json"])
        .output()
        .unwrap()
        .into();
    check(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "[]");
    let received = server.received();
    let lines: Vec<&str> = received.iter().map(|r| r.line.as_str()).collect();
    assert_eq!(
        lines,
        [
            "POST /flag/oauth2/token HTTP/1.1",
            "GET /2023-03-01/management/tokens HTTP/1.1"
        ]
    );
    let (mint, call) = (&received[0], &received[1]);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("c:{SECRET}"));
    assert_eq!(
        mint.header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert!(!mint.body.contains("client_secret"), "{}", mint.body);
    assert!(!mint.body.contains(SECRET), "{}", mint.body);
    assert_eq!(call.header("user-id"), Some("auditor-7"));
}

#[test]
fn without_the_flags_the_environment_variables_apply() {
    let server = server();
    let run: Run = server
        .command("/flag/oauth2/token", SECRET)
        .args(["tokens", "list", "--output", "json"])
        .output()
        .unwrap()
        .into();
    check(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let received = server.received();
    assert_eq!(received.len(), 2);
    let (mint, call) = (&received[0], &received[1]);
    assert_eq!(mint.header("authorization"), None);
    assert!(
        mint.body.contains(&format!("client_secret={SECRET}")),
        "{}",
        mint.body
    );
    assert_eq!(call.header("user-id"), None);
}

/// The token host the CLI tunnels to through an https proxy on 127.0.0.1, with
/// `FLOWPAYROLL_ENVIRONMENT=live` and these flags (the proxy refuses every tunnel).
fn tunnelled_to(flags: &[&str]) -> String {
    let proxy = RawServer::start(|_| http("403 Forbidden", "text/plain", "no tunnels"));
    let mut command = command();
    command
        .env("FLOWPAYROLL_CLIENT_ID", "c")
        .env("FLOWPAYROLL_CLIENT_SECRET", SECRET)
        .env("FLOWPAYROLL_ENVIRONMENT", "live")
        .env("HTTPS_PROXY", proxy.url(""))
        .env("NO_PROXY", "");
    for name in ["https_proxy", "ALL_PROXY", "all_proxy", "no_proxy"] {
        command.env_remove(name);
    }
    let run: Run = command
        .args(flags)
        .args(["tokens", "list", "--output", "json"])
        .output()
        .unwrap()
        .into();
    check(&run);
    // The proxy refuses the tunnel: a failure that may pass later.
    assert_eq!(run.code, 4, "{}", run.stderr);
    let lines: Vec<String> = proxy.received().into_iter().map(|r| r.line).collect();
    assert!(
        !lines.is_empty(),
        "nothing reached the proxy: {}",
        run.stderr
    );
    assert!(lines.iter().all(|l| *l == lines[0]), "{lines:?}");
    lines[0].clone()
}

#[test]
fn the_environment_flag_wins_over_the_variable() {
    assert_eq!(
        tunnelled_to(&[]),
        "CONNECT auth.flowpayroll.ai:443 HTTP/1.1"
    );
    assert_eq!(
        tunnelled_to(&["--environment", "sandbox"]),
        "CONNECT auth.sandbox.flowpayroll.ai:443 HTTP/1.1"
    );
}

#[test]
fn client_update_sends_the_redirect_uris_back() {
    let server = server();
    let run: Run = server
        .command("/flag/oauth2/token", SECRET)
        .args(["client", "update", "--name", "Renamed", "--output", "json"])
        .output()
        .unwrap()
        .into();
    check(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let current = example("get_client.200.reference.application_json.json");
    let received = server.received();
    let lines: Vec<&str> = received.iter().map(|r| r.line.as_str()).collect();
    assert_eq!(
        lines,
        [
            "POST /flag/oauth2/token HTTP/1.1",
            "GET /2023-03-01/management/client HTTP/1.1",
            "POST /2023-03-01/management/client HTTP/1.1"
        ]
    );
    let sent: Value = serde_json::from_str(&received[2].body).unwrap();
    assert_eq!(sent["name"], "Renamed");
    assert_eq!(sent["redirect_uris"], current["redirect_uris"]);
    assert_eq!(sent["webhook_uri"], current["webhook_uri"]);
    let shown: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(shown["redirect_uris"], current["redirect_uris"]);
    assert_eq!(shown["name"], "Renamed");
}
