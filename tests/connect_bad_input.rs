//! Bad input on the way in to a connection: forged, replayed, expired and foreign
//! `state`s, callbacks with a code and an error or without a code, a callback at
//! another redirect URI, a code for another redirect URI, oversized and hostile
//! callbacks. Each is a typed error, nothing is exchanged (the sandbox issues no
//! token), and no code or state is in any message. (Links the sign-in page refuses:
//! `connect_page.rs`.)

mod common;

use common::sandbox_http::{connecting, on_manual_clock};

use std::time::Duration;

use flowpayroll::connect::{Connect, ConnectError, MAX_CALLBACK_LEN, SIGN_IN_LIFETIME};
use flowpayroll::sandbox::{Sandbox, SignInAnswer};
use flowpayroll::types::{Provider, Scope};
use flowpayroll::{AuthorizationCode, Error, ErrorBody};
use proptest::prelude::*;
use url::Url;

const REDIRECT: &str = "https://app.your-company.com";
const OTHER_REDIRECT: &str = "https://dev.app.your-company.com";
const EMPLOYEES: &str = "/2023-03-01/official/employees";

/// A callback's query made from a code and a state.
type Query = fn(&str, &str) -> Vec<(&'static str, String)>;

/// A started sign-in answered with "allow": its callback URL, code and state.
async fn callback(sandbox: &Sandbox, connect: &Connect) -> (Url, String, String) {
    let link = connect
        .sign_in(REDIRECT)
        .scopes([Scope::from(EMPLOYEES)])
        .start()
        .unwrap();
    let answer = SignInAnswer::Allow {
        provider: Provider::Sandbox,
    };
    let url = sandbox.answer_sign_in(&link.url, answer).await.unwrap();
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let (code, state) = (param("authorization_code"), param("state"));
    (url, code, state)
}

/// `url` with its query replaced by `pairs`.
fn with_query(url: &Url, pairs: &[(&str, &str)]) -> String {
    let mut url = url.clone();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

/// The sign-in error of `error`, after checking that its words and `Debug` hold no
/// code or state.
fn refused(error: Error, secrets: &[&str]) -> ConnectError {
    let shown = format!("{error} {error:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{shown}");
    }
    match error {
        Error::Connect(error) => error,
        other => panic!("not a sign-in error: {other:?}"),
    }
}

#[tokio::test]
async fn forged_foreign_and_replayed_states_are_refused() {
    let (sandbox, connect) = connecting().await;
    let (url, code, state) = callback(&sandbox, &connect).await;
    let forged = format!("{}x", &state[..42]);
    let secrets = [code.as_str(), state.as_str()];
    for (query, expected) in [
        (
            vec![
                ("authorization_code", code.as_str()),
                ("state", forged.as_str()),
            ],
            ConnectError::UnknownSignIn,
        ),
        (
            vec![("authorization_code", code.as_str())],
            ConnectError::StateMismatch,
        ),
        (
            vec![("authorization_code", code.as_str()), ("state", "")],
            ConnectError::UnknownSignIn,
        ),
    ] {
        let error = connect
            .complete(&with_query(&url, &query))
            .await
            .unwrap_err();
        assert_eq!(refused(error, &secrets), expected, "{query:?}");
    }
    // A foreign state: another sign-in's pending, this callback.
    let other = connect
        .sign_in(REDIRECT)
        .scopes([Scope::from(EMPLOYEES)])
        .start()
        .unwrap();
    let error = connect
        .complete_pending(other.pending, url.as_str())
        .await
        .unwrap_err();
    assert_eq!(refused(error, &secrets), ConnectError::StateMismatch);
    assert_eq!(sandbox.tokens_issued(), 1);

    // The real callback still works once; its replay is refused.
    connect.complete(url.as_str()).await.unwrap();
    let error = connect.complete(url.as_str()).await.unwrap_err();
    assert_eq!(refused(error, &secrets), ConnectError::UnknownSignIn);
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn an_expired_sign_in_is_refused_on_the_clients_clock() {
    let (sandbox, fp, clock) = on_manual_clock().await;
    let connect = fp.connect();
    let (on_time, ..) = callback(&sandbox, &connect).await;
    let (late, code, state) = callback(&sandbox, &connect).await;
    clock.advance(SIGN_IN_LIFETIME);
    connect.complete(on_time.as_str()).await.unwrap();
    clock.advance(Duration::from_secs(1));
    let error = connect.complete(late.as_str()).await.unwrap_err();
    assert_eq!(
        refused(error, &[&code, &state]),
        ConnectError::Expired {
            after: SIGN_IN_LIFETIME
        }
    );
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn malformed_callbacks_are_refused_before_any_exchange() {
    let (sandbox, connect) = connecting().await;
    let cases: [(&str, Query); 4] = [
        (
            "it carries both an authorization code and an error",
            |code, state| {
                vec![
                    ("authorization_code", code.into()),
                    ("error", "access_denied".into()),
                    ("state", state.into()),
                ]
            },
        ),
        ("it has no `authorization_code`", |_, state| {
            vec![("state", state.into())]
        }),
        ("its `authorization_code` is empty", |_, state| {
            vec![
                ("authorization_code", String::new()),
                ("state", state.into()),
            ]
        }),
        ("`state` is given more than once", |code, state| {
            vec![
                ("authorization_code", code.into()),
                ("state", state.into()),
                ("state", state.into()),
            ]
        }),
    ];
    for (why, query) in cases {
        let (url, code, state) = callback(&sandbox, &connect).await;
        let pairs = query(&code, &state);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let error = connect
            .complete(&with_query(&url, &pairs))
            .await
            .unwrap_err();
        assert_eq!(
            refused(error, &[&code, &state]),
            ConnectError::MalformedCallback(why.to_owned())
        );
    }
    // At another redirect URI than the sign-in's.
    let (url, code, state) = callback(&sandbox, &connect).await;
    let elsewhere = url.as_str().replacen(REDIRECT, OTHER_REDIRECT, 1);
    let error = connect.complete(&elsewhere).await.unwrap_err();
    assert_eq!(
        refused(error, &[&code, &state]),
        ConnectError::MalformedCallback(
            "it came to another redirect URI than the sign-in's".into()
        )
    );
    // Oversized.
    let (url, code, state) = callback(&sandbox, &connect).await;
    let padding = "p".repeat(MAX_CALLBACK_LEN);
    let long = with_query(
        &url,
        &[
            ("authorization_code", &code),
            ("state", &state),
            ("pad", &padding),
        ],
    );
    let error = connect.complete(&long).await.unwrap_err();
    assert!(matches!(
        refused(error, &[&code, &state]),
        ConnectError::MalformedCallback(_)
    ));
    // A hostile error description: escaped and cut.
    let (url, code, state) = callback(&sandbox, &connect).await;
    let hostile = format!("\u{1b}[2J\u{202e}{}", "x".repeat(5000));
    let query = [
        ("error", "server_error"),
        ("error_description", hostile.as_str()),
        ("state", state.as_str()),
    ];
    let error = connect
        .complete(&with_query(&url, &query))
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(
        !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{shown:?}"
    );
    assert!(
        shown.len() < 2 * flowpayroll::connect::MAX_DESCRIPTION,
        "{}",
        shown.len()
    );
    assert!(refused(error, &[&code, &state]).is_transient());
    assert_eq!(sandbox.tokens_issued(), 1);
}

#[tokio::test]
async fn a_code_for_another_redirect_uri_is_refused_and_not_spent() {
    let (sandbox, connect) = connecting().await;
    let (url, code, _) = callback(&sandbox, &connect).await;
    let fp = sandbox.client_builder().build().unwrap();
    let error = fp
        .management()
        .exchange_authorization_code(&AuthorizationCode::new(code.as_str()), OTHER_REDIRECT)
        .await
        .unwrap_err();
    match error
        .as_api()
        .map(|api| (api.status().as_u16(), api.body()))
    {
        Some((400, Some(ErrorBody::BadRequestError(body)))) => assert_eq!(
            body.validation_error.as_deref(),
            Some("redirect_uri is not the one the code was issued for")
        ),
        other => panic!("{other:?}"),
    }
    assert!(!error.to_string().contains(&code));
    connect.complete(url.as_str()).await.unwrap();
    assert_eq!(sandbox.tokens_issued(), 3);
}

/// Strings weighted toward a callback's edges: its parameter names, separators,
/// escapes, control and bidi characters, and now and then a real code or state.
fn hostile(code: String, state: String) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "authorization_code=", "state=", "error=", "error_description=", "&", "=", "?",
            "%", "%ZZ", "%00", "%1B", "+", "#", "https://app.your-company.com/?",
            "https://evil.example/?", "\u{202e}", "\n", "é",
        ]).prop_map(str::to_owned),
        2 => prop::sample::select(vec![code, state]),
        2 => "[a-zA-Z0-9_-]{0,12}",
        1 => any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

#[test]
fn hostile_callbacks_exchange_nothing() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (sandbox, connect, code, state) = runtime.block_on(async {
        let (sandbox, connect) = connecting().await;
        let (_, code, state) = callback(&sandbox, &connect).await;
        (sandbox, connect, code, state)
    });
    let config = ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    };
    // Exists for the refusal paths of `complete` (no code, no state, a foreign state, a
    // malformed query) and for the one input that may succeed (the pieces include the
    // real code and state): an error never echoes either, and nothing else exchanges.
    proptest!(config, |(input in hostile(code.clone(), state.clone()))| {
        // A string holding the whole callback could complete it; the others cannot.
        let result = runtime.block_on(connect.complete(&input));
        if let Err(error) = result {
            let shown = format!("{error}");
            prop_assert!(!shown.contains(&code) && !shown.contains(&state), "{shown}");
        }
    });
    // At most the one real sign-in completed.
    assert!(sandbox.tokens_issued() <= 2);
}
