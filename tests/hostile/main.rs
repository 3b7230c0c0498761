//! Hostile and broken servers (issue 9): a raw-TCP server under each test's control
//! sends what broken gateways, proxies and attackers send. Every test asserts the error
//! kind, the hits or bytes read, and that no secret reaches the error's `Display`, its
//! `Debug` or the captured logs.

#[path = "../common/mod.rs"]
mod common;

mod bodies;
mod compression;
mod no_panic;
mod raw_client;
mod secrets;
mod time;
mod transport;
mod urls_and_proxies;

use common::raw::{json, RawServer, Reply, Request};
use common::{CLIENT_ID, CLIENT_SECRET};
use flowpayroll::{Environment, Error, FlowPayroll, FlowPayrollBuilder, TokenRequestPolicy};

const TOKEN_PATH: &str = "/oauth2/token";
const TOKENS_PATH: &str = "/2023-03-01/management/tokens";

/// A builder whose token endpoint and API are both on `server`.
fn builder_for(server: &RawServer) -> FlowPayrollBuilder {
    FlowPayroll::builder()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .environment(Environment::Custom {
            token_url: server.url(TOKEN_PATH).parse().unwrap(),
            api_url: server.url("").parse().unwrap(),
        })
}

/// A 200 token response issuing `token`, with `extra` JSON members (`,"expires_in":60`).
fn token_reply(token: &str, extra: &str) -> Reply {
    json(
        200,
        &format!(r#"{{"access_token":"{token}","token_type":"Bearer"{extra}}}"#),
    )
}

/// A server that issues `token` (for an hour) at the token endpoint and answers every
/// other request with what `api` makes of it.
fn behind_token(token: &str, api: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> RawServer {
    let token = token.to_owned();
    RawServer::start(move |_, request| match request.path() {
        TOKEN_PATH => token_reply(&token, r#","expires_in":3600"#),
        _ => api(request),
    })
}

/// A token request policy that asks once: a failure comes straight back.
fn one_attempt() -> TokenRequestPolicy {
    TokenRequestPolicy::default().with_attempts(1)
}

/// Fails the test unless `error` is [`Error::BodyTooLarge`] for `operation` at `limit`,
/// and its message names the limit as `shown` (`"64 KiB"`).
fn assert_body_too_large(error: &Error, operation: &str, limit: usize, shown: &str) {
    assert!(
        matches!(error, Error::BodyTooLarge { operation: op, limit: l } if op.id() == operation && *l == limit),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&format!("{shown} limit")),
        "{error}"
    );
}

/// The log capture, installed before the test does anything: a test that checks for
/// leaks starts with `let leaks = LeakCheck::start();`, so every line it logs is seen.
struct LeakCheck(common::logs::Captured);

impl LeakCheck {
    fn start() -> Self {
        Self(common::logs::captured_logs())
    }

    /// Fails the test if the client secret or any of `secrets` appears in `error`'s
    /// `Display` or `Debug`, or anywhere in the captured logs.
    fn assert_no_secret(&self, error: &Error, secrets: &[&str]) {
        let shown = [
            ("Display", error.to_string()),
            ("Debug", format!("{error:?}")),
            ("logs", self.0.text()),
        ];
        for secret in secrets.iter().copied().chain([CLIENT_SECRET]) {
            for (where_, text) in &shown {
                assert!(!text.contains(secret), "{where_} leaks `{secret}`: {text}");
            }
        }
    }
}
