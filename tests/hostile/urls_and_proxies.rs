//! Cases 5 and 7: credentials never go to a proxy in clear text, and URLs with a user
//! name, password, query or fragment are refused without repeating the password.

use super::common::jwt;
use super::common::raw::{json, RawServer, Reply};
use super::*;

fn api_and_token_server() -> RawServer {
    behind_token(&jwt("jti-proxy"), |_| json(200, "[]"))
}

/// Set in the child process of case 5: the URL of the server it calls.
const CHILD_SERVER: &str = "FLOWPAYROLL_TEST_CASE_5_SERVER";

/// Case 5 runs its client in a child process (this test binary again, one test), with
/// every proxy variable set there only: no test changes this process's environment.
#[test]
fn case_5_plain_http_is_never_proxied_even_with_proxy_variables_set() {
    let proxy = RawServer::start(|_, _| json(200, "[]"));
    let server = api_and_token_server();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "urls_and_proxies::case_5_child",
            "--include-ignored",
        ])
        .args(["--test-threads", "1", "--nocapture"])
        .env(CHILD_SERVER, server.url(""));
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        child.env(name, proxy.url(""));
    }
    let output = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(proxy.requests().len(), 0);
    assert_eq!(proxy.connections(), 0);
    assert_eq!(server.hits(TOKEN_PATH), 2);
    assert_eq!(server.hits(TOKENS_PATH), 2);
}

/// The client side of case 5, run only in its child process.
#[tokio::test]
#[ignore = "run by case_5 in a child process with the proxy variables set"]
async fn case_5_child() {
    let url = std::env::var(CHILD_SERVER).expect("run by case_5");
    assert!(std::env::var("HTTP_PROXY").is_ok_and(|v| !v.is_empty()));
    let builder = || {
        FlowPayroll::builder()
            .credentials(CLIENT_ID, CLIENT_SECRET)
            .environment(Environment::Custom {
                token_url: format!("{url}{TOKEN_PATH}").parse().unwrap(),
                api_url: url.parse().unwrap(),
            })
    };
    let proxy = std::env::var("HTTP_PROXY").unwrap();
    for fp in [
        builder().build().unwrap(),
        builder().https_proxy(&proxy).build().unwrap(),
    ] {
        fp.management().tokens().await.unwrap();
    }
}

#[tokio::test]
async fn https_goes_through_the_proxy_in_a_tunnel() {
    let leaks = LeakCheck::start();
    let proxy = RawServer::start(|_, _| Reply::Reset);
    let fp = FlowPayroll::builder()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url("https://auth.flowpayroll.invalid/oauth2/token")
        .https_proxy(proxy.url(""))
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
    leaks.assert_no_secret(&error, &[]);
}

#[test]
fn case_7_urls_with_userinfo_query_or_fragment_are_refused() {
    let leaks = LeakCheck::start();
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
            leaks.assert_no_secret(&error, &[password]);
        }
    }
}
