//! Cases 5 and 7: credentials never go to a proxy in clear text, and URLs with a user
//! name, password, query or fragment are refused without repeating the password.

use super::common::jwt;
use super::common::raw::{json, RawServer, Reply};
use super::*;

fn api_and_token_server() -> RawServer {
    behind_token(&jwt("jti-proxy"), |_| json(200, "[]"))
}

#[tokio::test]
async fn case_5_plain_http_is_never_proxied_even_with_proxy_variables_set() {
    let proxy = RawServer::start(|_, _| json(200, "[]"));
    // Every proxy variable points at the proxy, for the whole test process: no client
    // in it may send plain http there.
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        std::env::set_var(name, proxy.url(""));
    }
    let server = api_and_token_server();
    for fp in [
        builder_for(&server).build().unwrap(),
        builder_for(&server)
            .https_proxy(Some(&proxy.url("")))
            .build()
            .unwrap(),
    ] {
        fp.management().tokens().await.unwrap();
    }
    assert_eq!(proxy.requests().len(), 0);
    assert_eq!(proxy.connections(), 0);
    assert_eq!(server.hits(TOKEN_PATH), 2);
    assert_eq!(server.hits(TOKENS_PATH), 2);
}

#[tokio::test]
async fn https_goes_through_the_proxy_in_a_tunnel() {
    let proxy = RawServer::start(|_, _| Reply::Reset);
    let fp = FlowPayroll::builder()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url("https://auth.flowpayroll.invalid/oauth2/token")
        .https_proxy(Some(&proxy.url("")))
        .token_request_policy(one_attempt())
        .build()
        .unwrap();

    let error = fp.authenticate().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    // The proxy is asked for a tunnel; the request itself would go inside it, in TLS.
    assert_eq!(
        seen[0].line,
        "CONNECT auth.flowpayroll.invalid:443 HTTP/1.1"
    );
    assert!(!seen[0].rest.contains(CLIENT_SECRET));
    assert_no_secret(&error, &[]);
}

#[test]
fn case_7_urls_with_userinfo_query_or_fragment_are_refused() {
    let password = "pw-LEAK-in-url-31c";
    let cases = [
        (
            format!("http://user:{password}@127.0.0.1:9/oauth2/token"),
            "http://127.0.0.1:9".to_owned(),
            "the token URL contains a user name or password",
        ),
        (
            "http://127.0.0.1:9/oauth2/token".to_owned(),
            format!("http://user:{password}@127.0.0.1:9"),
            "the API URL contains a user name or password",
        ),
        (
            "http://127.0.0.1:9/oauth2/token".to_owned(),
            format!("http://127.0.0.1:9/base?key={password}"),
            "the API URL `http://127.0.0.1:9/base` has a query",
        ),
        (
            "http://127.0.0.1:9/oauth2/token".to_owned(),
            format!("http://127.0.0.1:9/base#{password}"),
            "the API URL `http://127.0.0.1:9/base` has a fragment",
        ),
        (
            format!("http://127.0.0.1:9/oauth2/token?{password}"),
            "http://127.0.0.1:9".to_owned(),
            "the token URL `http://127.0.0.1:9/oauth2/token` has a query",
        ),
    ];
    for (token_url, api_url, expected) in cases {
        for built in [
            FlowPayroll::builder()
                .credentials(CLIENT_ID, CLIENT_SECRET)
                .token_url(&token_url)
                .api_url(&api_url)
                .build(),
            FlowPayroll::builder()
                .credentials(CLIENT_ID, CLIENT_SECRET)
                .environment(Environment::Custom {
                    token_url: token_url.parse().unwrap(),
                    api_url: api_url.parse().unwrap(),
                })
                .build(),
        ] {
            let error = built.unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{error:?}");
            assert!(error.to_string().contains(expected), "{error}");
            assert_no_secret(&error, &[password]);
        }
    }
}
