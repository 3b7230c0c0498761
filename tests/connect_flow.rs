//! Connecting an employer end to end, without a browser: a sign-in link from
//! `flowpayroll::connect`, the sandbox's sign-in page answered as a person would
//! (`Sandbox::answer_sign_in`, or plain HTTP), the callback completed, the connection
//! listed. Refusals and the page's faults end in typed errors, with nothing exchanged.

mod common;

use common::sandbox_http::{control, http};
use flowpayroll::connect::{ConnectError, PendingSignIn};
use flowpayroll::sandbox::{Sandbox, SignInAnswer, SignInFault};
use flowpayroll::types::{Mode, Provider, Scope};
use flowpayroll::{Error, FlowPayroll};
use serde_json::json;

const REDIRECT: &str = "https://app.your-company.com";
const EMPLOYEES: &str = "/2023-03-01/official/employees";
const COMPANY: &str = "/2023-03-01/official/company";

async fn started() -> (Sandbox, FlowPayroll) {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    fp.authenticate().await.unwrap();
    (sandbox, fp)
}

fn allow() -> SignInAnswer {
    SignInAnswer::Allow {
        provider: Provider::Sandbox,
    }
}

fn connect_error(error: Error) -> ConnectError {
    match error {
        Error::Connect(error) => error,
        other => panic!("not a sign-in error: {other:?}"),
    }
}

#[tokio::test]
async fn a_sign_in_connects_once_and_the_connection_is_listed() {
    let (sandbox, fp) = started().await;
    let connect = fp.connect();
    assert_eq!(connect.sign_in_url().unwrap(), &sandbox.sign_in_url());
    let link = connect
        .sign_in(REDIRECT)
        .scopes([EMPLOYEES, COMPANY].map(Scope::from))
        .start()
        .unwrap();
    // The link carries what the page needs, and a 256-bit state.
    let query: Vec<(String, String)> = link.url.query_pairs().into_owned().collect();
    let names: Vec<&str> = query.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["client_id", "mode", "redirect_uri", "scope", "state"]
    );
    assert_eq!(query[1].1, "official");
    assert_eq!(query[3].1, format!("{EMPLOYEES} {COMPANY}"));
    assert_eq!(query[4].1.len(), 43);
    assert!(!format!("{link:?}").contains(&query[4].1));
    assert_eq!(connect.pending_sign_ins(), 1);

    let callback = sandbox.answer_sign_in(&link.url, allow()).await.unwrap();
    assert!(callback
        .as_str()
        .starts_with(&format!("{REDIRECT}/?authorization_code=")));
    let connection = connect.complete(callback.as_str()).await.unwrap();
    assert_eq!(connection.scopes, [EMPLOYEES, COMPANY].map(Scope::from));
    assert_eq!(
        (connection.mode, connection.provider),
        (Mode::Official, Provider::Sandbox)
    );
    assert_eq!(connect.pending_sign_ins(), 0);
    assert_eq!(sandbox.tokens_issued(), 2);

    let listed = fp.management().tokens().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[1].valid);

    // The same callback again (a replay): refused before any exchange.
    let error = connect.complete(callback.as_str()).await.unwrap_err();
    assert_eq!(connect_error(error), ConnectError::UnknownSignIn);
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn a_pending_sign_in_kept_in_a_session_completes_once() {
    let (sandbox, fp) = started().await;
    let connect = fp.connect();
    let link = connect
        .sign_in(REDIRECT)
        .scopes([Scope::from("/2023-03-01/xhr/payruns")])
        .provider(Provider::from("hibob"))
        .start()
        .unwrap();
    assert_eq!(link.url.query_pairs().nth(1).unwrap().1, "developer");
    // What a web app keeps between its two requests.
    let session = serde_json::to_string(&link.pending).unwrap();
    let callback = sandbox.answer_sign_in(&link.url, allow()).await.unwrap();

    let pending: PendingSignIn = serde_json::from_str(&session).unwrap();
    assert_eq!(pending.provider(), Some(&Provider::from("hibob")));
    let connection = connect
        .complete_pending(pending.clone(), callback.as_str())
        .await
        .unwrap();
    // The link named the provider: the page did not ask, whatever was picked.
    assert_eq!(connection.provider, Provider::from("hibob"));
    assert_eq!(connection.mode, Mode::Xhr);
    // Completed: gone from the handle's sign-ins too.
    assert_eq!(connect.pending_sign_ins(), 0);
    // A second copy of the session: the code is spent, the exchange answers 409.
    let again = connect
        .complete_pending(pending, callback.as_str())
        .await
        .unwrap_err();
    assert_eq!(again.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn a_refusal_is_a_typed_error_and_nothing_is_exchanged() {
    let (sandbox, fp) = started().await;
    let connect = fp.connect();
    let link = connect
        .sign_in(REDIRECT)
        .scopes([Scope::from(EMPLOYEES)])
        .start()
        .unwrap();
    let callback = sandbox
        .answer_sign_in(&link.url, SignInAnswer::Refuse)
        .await
        .unwrap();
    let error = connect.complete(callback.as_str()).await.unwrap_err();
    assert!(!error.is_transient());
    assert_eq!(
        error.to_string(),
        "sign-in not completed: the end user refused the connection on the sign-in page: the user refused access"
    );
    assert_eq!(
        connect_error(error),
        ConnectError::Refused {
            description: Some("the user refused access".into())
        }
    );
    assert_eq!(sandbox.tokens_issued(), 1);
}

#[tokio::test]
async fn faults_make_the_page_refuse_or_fail() {
    let (sandbox, fp) = started().await;
    let connect = fp.connect();
    let start = || {
        connect
            .sign_in(REDIRECT)
            .scopes([Scope::from(EMPLOYEES)])
            .start()
            .unwrap()
    };
    // Zero runs queue nothing (a zero count used to sit at the queue's head for ever).
    sandbox.fail_next_sign_in(0, SignInFault::Unavailable);
    sandbox.fail_next_sign_in(1, SignInFault::Refuse);
    // Through the control API too, as a test in another language would.
    let queued = control(
        &sandbox,
        "POST",
        "sign-in/faults",
        Some(json!({"fault": "server_error", "times": 2})),
    )
    .await;
    // Three queued in all: the refusal first, then these two.
    assert_eq!((queued.status, &queued.body), (200, &json!({"pending": 3})));
    sandbox.fail_next_sign_in(1, SignInFault::Unavailable);

    let refused = sandbox.answer_sign_in(&start().url, allow()).await.unwrap();
    let error = connect_error(connect.complete(refused.as_str()).await.unwrap_err());
    assert!(matches!(error, ConnectError::Refused { .. }), "{error:?}");
    for _ in 0..2 {
        let failed = sandbox.answer_sign_in(&start().url, allow()).await.unwrap();
        let error = connect_error(connect.complete(failed.as_str()).await.unwrap_err());
        assert!(error.is_transient());
        assert!(
            matches!(&error, ConnectError::SignInFailed { error, .. } if error == "server_error"),
            "{error:?}"
        );
    }
    let unavailable = sandbox
        .answer_sign_in(&start().url, allow())
        .await
        .unwrap_err();
    assert_eq!(
        unavailable.to_string(),
        "invalid request: the sign-in page answered 503 Service Unavailable: the sign-in page is unavailable (a sandbox fault)"
    );
    // The queue is spent: the next sign-in works.
    let callback = sandbox.answer_sign_in(&start().url, allow()).await.unwrap();
    connect.complete(callback.as_str()).await.unwrap();
    assert_eq!(sandbox.tokens_issued(), 2);

    let bad = control(
        &sandbox,
        "POST",
        "sign-in/faults",
        Some(json!({"fault": "explode"})),
    )
    .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn the_page_works_without_javascript() {
    let (_sandbox, fp) = started().await;
    let link = fp
        .connect()
        .sign_in(REDIRECT)
        .scopes([Scope::from(EMPLOYEES)])
        .start()
        .unwrap();
    let page = http().get(link.url.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\" action=\"connect\">"));
    assert!(html.contains("<select name=\"provider\">"));
    assert!(html.contains(EMPLOYEES));
    assert!(!html.to_lowercase().contains("<script"));
    // The page keeps the state to itself: it comes back only in the redirect.
    let state = link
        .url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1;
    assert!(!html.contains(&*state));
}
