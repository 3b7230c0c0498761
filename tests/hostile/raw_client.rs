//! Case 9: the low-level path must not leak the token on redirects: `fp.raw()` uses the
//! shared client (no redirects, User-Agent) and sends the token only to the API URL.

use super::common::jwt;
use super::common::raw::{response, RawServer, Reply};
use super::*;

#[tokio::test]
async fn case_9_raw_calls_do_not_follow_a_redirect_to_another_host() {
    let elsewhere = RawServer::start(|_, _| super::common::raw::json(200, "[]"));
    let token = jwt("jti-raw");
    let location = elsewhere.url(TOKENS_PATH);
    let server = behind_token(&token, move |_| {
        Reply::Bytes(response(302, &[("location", &location)], b""))
    });
    let fp = builder_for(&server).build().unwrap();

    let raw = fp.raw().await.unwrap();
    let error = raw.list_tokens().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302));
    assert_eq!(elsewhere.requests().len(), 0);
    let api_request = &server.requests()[1];
    assert_eq!(api_request.path(), TOKENS_PATH);
    let headers = api_request.rest.to_ascii_lowercase();
    assert!(headers.contains(&format!("x-auth-token: {}", token.to_ascii_lowercase())));
    assert!(
        headers.contains("user-agent: flowpayroll-rust/"),
        "{headers}"
    );
}

#[tokio::test]
async fn case_9_a_request_context_sends_its_token_only_to_the_api_url() {
    let elsewhere = RawServer::start(|_, _| super::common::raw::json(200, "[]"));
    let server =
        RawServer::start(move |_, _| token_reply(&jwt("jti-ctx"), r#","expires_in":3600"#));
    let fp = builder_for(&server).build().unwrap();

    let context = fp.request_context().await.unwrap();
    let wrong_host = flowpayroll::raw::Client::new(&elsewhere.url(""), context);
    let error = wrong_host.list_tokens().await.unwrap_err();
    assert!(
        matches!(error, flowpayroll::raw::Error::InvalidRequest(ref m) if m.contains("only sent to the configured API URL")),
        "{error:?}"
    );
    assert_eq!(elsewhere.requests().len(), 0);
}
