//! Building a client: plain `http://` only to loopback, clear errors for missing or
//! malformed settings, and the environments' URLs.

use flowpayroll::{Environment, Error, FlowPayroll};

fn config_error(result: Result<FlowPayroll, Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    for (token_url, api_url) in [
        (
            "http://auth.example.com/oauth2/token",
            "https://api.example.com",
        ),
        (
            "https://auth.example.com/oauth2/token",
            "http://api.example.com",
        ),
        ("http://192.168.1.10/oauth2/token", "http://127.0.0.1:1"),
        ("http://[2001:db8::1]/oauth2/token", "http://127.0.0.1:1"),
    ] {
        let message = config_error(
            FlowPayroll::builder()
                .credentials("id", "secret-value-1")
                .token_url(token_url)
                .api_url(api_url)
                .build(),
        );
        assert!(message.contains("plain http"), "{message}");
        assert!(!message.contains("secret-value-1"));
    }
    let custom = Environment::Custom {
        token_url: "http://auth.example.com/token".parse().unwrap(),
        api_url: "http://127.0.0.1:1".parse().unwrap(),
    };
    let message = config_error(
        FlowPayroll::builder()
            .credentials("id", "s")
            .environment(custom)
            .build(),
    );
    assert!(message.contains("the token URL"), "{message}");
}

#[test]
fn loopback_http_and_https_are_accepted() {
    for (token_url, api_url) in [
        (
            "http://127.0.0.1:8080/oauth2/token",
            "http://localhost:8080",
        ),
        ("http://[::1]:8080/oauth2/token", "http://127.1.2.3:9"),
        (
            "https://auth.example.com/oauth2/token",
            "https://api.example.com/base/",
        ),
    ] {
        FlowPayroll::builder()
            .credentials("id", "secret")
            .token_url(token_url)
            .api_url(api_url)
            .build()
            .unwrap();
    }
    // The default environment is the sandbox, over https.
    FlowPayroll::builder()
        .credentials("id", "secret")
        .build()
        .unwrap();
    assert_eq!(
        Environment::Sandbox.token_url().as_str(),
        Environment::SANDBOX_TOKEN_URL
    );
    assert_eq!(
        Environment::Live.token_url().as_str(),
        "https://auth.flowpayroll.ai/oauth2/token"
    );
}

#[test]
fn missing_credentials_and_bad_values_are_named() {
    assert!(config_error(FlowPayroll::builder().build()).contains("no client id"));
    assert!(
        config_error(FlowPayroll::builder().credentials("id", "").build())
            .contains("no client secret")
    );
    let message = config_error(
        FlowPayroll::builder()
            .credentials("id", "s")
            .api_url("not a url")
            .build(),
    );
    assert!(
        message.contains("the API URL `not a url` is not a URL"),
        "{message}"
    );
    // A bad User-Id is the caller's input, refused as on every other path (tests/user_id.rs).
    match FlowPayroll::builder()
        .credentials("id", "s")
        .user_id("a\r\nb")
        .build()
    {
        Err(Error::InvalidRequest { operation, message }) => {
            assert_eq!(operation, None);
            assert!(message.contains("User-Id"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn scopes_are_typed_and_one_scope_per_item() {
    use flowpayroll::types::Scope;
    for scopes in [vec![Scope::XhrEmployees, Scope::from("census")], vec![]] {
        let built = FlowPayroll::builder()
            .credentials("id", "s")
            .scope(scopes)
            .build();
        assert!(built.is_ok(), "{built:?}");
    }
    for (bad, shown) in [
        ("employees payruns", "`employees payruns`"),
        ("", "``"),
        ("tab\there", "`tab\\there`"),
        ("quote\"d", "`quote\\\"d`"),
    ] {
        let message = config_error(
            FlowPayroll::builder()
                .credentials("id", "s")
                .scope([Scope::XhrEmployees, Scope::from(bad)])
                .build(),
        );
        assert!(
            message.starts_with(&format!("the scope {shown} is not one scope")),
            "{message}"
        );
    }
}

#[test]
fn urls_are_typed_or_parsed_and_a_bad_proxy_is_a_config_error() {
    use flowpayroll::deps::url::Url;
    let token_url = Url::parse("http://127.0.0.1:9/oauth2/token").unwrap();
    let built = FlowPayroll::builder()
        .credentials("id", "s")
        .token_url(&token_url)
        .api_url(Url::parse("http://[::1]:9/").unwrap())
        .https_proxy(Url::parse("http://user:pw@127.0.0.1:3128").unwrap())
        .build();
    assert!(built.is_ok(), "{built:?}");
    assert!(FlowPayroll::builder()
        .credentials("id", "s")
        .no_proxy()
        .build()
        .is_ok());
    let message = config_error(
        FlowPayroll::builder()
            .credentials("id", "s")
            .https_proxy("http://user:hunter2-pw@[::1")
            .build(),
    );
    assert!(message.starts_with("the https proxy"), "{message}");
    assert!(message.contains("is not a URL"), "{message}");
    assert!(!message.contains("hunter2-pw"), "{message}");
}
