//! The sandbox's sign-in page refuses a link it must not serve: an unregistered or
//! almost-matching redirect URI (a trailing slash, another scheme, an open-redirect
//! attempt), an unknown client, a parameter given twice, an oversized query; with an
//! error page and no redirect. A bad scope, mode or provider on a good redirect URI
//! goes back to it with the error and the `state` (RFC 6749 §4.1.2.1).

mod common;

use common::sandbox_http::connecting;
use flowpayroll::sandbox::MAX_SIGN_IN_QUERY;
use flowpayroll::types::Scope;
use flowpayroll::Error;
use url::Url;

const REDIRECT: &str = "https://app.your-company.com";
const EMPLOYEES: &str = "/2023-03-01/official/employees";

#[tokio::test]
async fn the_page_refuses_unregistered_and_almost_matching_redirect_uris() {
    let (sandbox, connect) = connecting().await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = sandbox.sign_in_url();
    let link = |redirect_uri: &str| {
        let mut url = page.clone();
        url.query_pairs_mut()
            .append_pair("client_id", sandbox.client_id())
            .append_pair("mode", "official")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", EMPLOYEES)
            .append_pair("state", "s");
        url
    };
    for almost in [
        "https://app.your-company.com/",
        "http://app.your-company.com",
        "https://app.your-company.com.evil.example",
        "https://app.your-company.com@evil.example",
        "https://evil.example/?https://app.your-company.com",
        "https://evil.example",
        "//evil.example",
        "HTTPS://APP.YOUR-COMPANY.COM",
        "http://127.0.0.1:8080/callback/",
        "http://localhost:8080/callback",
        "",
    ] {
        let answer = browser.get(link(almost)).send().await.unwrap();
        assert_eq!(answer.status(), 400, "{almost}");
        assert!(answer.headers().get("location").is_none(), "{almost}");
        let html = answer.text().await.unwrap();
        assert!(html.contains("<p id=\"error\">"), "{almost}: {html}");
        // Nor does the library make a link to a scheme or host it must not.
        if almost.starts_with("http://app") || almost.starts_with("//") || almost.is_empty() {
            let error = connect
                .sign_in(almost)
                .scopes([Scope::from(EMPLOYEES)])
                .start();
            assert!(
                matches!(error, Err(Error::InvalidRequest { .. })),
                "{almost}"
            );
        }
    }
    // A registered one, and the loopback one with any port, are shown the page.
    for good in [REDIRECT, "http://127.0.0.1:49152/callback"] {
        let answer = browser.get(link(good)).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{good}");
    }
    // Too long, a parameter twice, an unknown client: an error page, no redirect.
    let mut long = link(REDIRECT);
    long.query_pairs_mut()
        .append_pair("tags", &"t".repeat(MAX_SIGN_IN_QUERY));
    let mut twice = link(REDIRECT);
    twice
        .query_pairs_mut()
        .append_pair("redirect_uri", "https://evil.example");
    let mut unknown = page.clone();
    unknown
        .query_pairs_mut()
        .append_pair("client_id", "someone-else")
        .append_pair("redirect_uri", REDIRECT);
    for bad in [long, twice, unknown] {
        let answer = browser.get(bad.clone()).send().await.unwrap();
        assert_eq!(answer.status(), 400, "{bad}");
        assert!(answer.headers().get("location").is_none());
    }
    // A good redirect URI but a bad scope, mode or provider: sent back with the error.
    for (name, value, error) in [
        ("scope", "census", "invalid_scope"),
        ("scope", "/2023-03-01/xhr/employees", "invalid_scope"),
        ("mode", "payroll", "invalid_request"),
        ("provider", "not-a-provider", "invalid_request"),
    ] {
        let mut url = link(REDIRECT);
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != name)
            .chain([(name.to_owned(), value.to_owned())])
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        let answer = browser.get(url).send().await.unwrap();
        assert_eq!(answer.status(), 303, "{name}={value}");
        let location = Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(location.origin(), Url::parse(REDIRECT).unwrap().origin());
        let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
        assert_eq!(
            pairs[0],
            ("error".to_owned(), error.to_owned()),
            "{name}={value}"
        );
        assert_eq!(pairs.last().unwrap(), &("state".to_owned(), "s".to_owned()));
    }
    assert_eq!(sandbox.tokens_issued(), 1);
}
