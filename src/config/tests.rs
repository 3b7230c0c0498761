//! Unit tests of `config`.

use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn loopback_http_is_allowed_and_remote_http_is_not() {
    for ok in [
        "http://127.0.0.1:8080/x",
        "http://127.5.0.1/",
        "http://[::1]:1/",
        "http://localhost:3000",
        "https://example.com",
    ] {
        assert!(parse_url("URL", ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://example.com/",
        "http://10.0.0.1/",
        "http://[::2]/",
        "ftp://localhost/",
        "http://localhost.evil.com/",
    ] {
        let error = parse_url("URL", bad).unwrap_err().to_string();
        assert!(error.starts_with("invalid configuration: URL"), "{error}");
    }
}

#[test]
fn userinfo_query_and_fragment_are_refused_without_echoing_them() {
    for (bad, problem) in [
        (
            "https://user:hunter2-pw@example.com/",
            "user name or password",
        ),
        ("https://user@example.com/", "user name or password"),
        (
            "http://u:hunter2-pw@127.0.0.1:9/oauth2/token",
            "user name or password",
        ),
        ("https://api.example.com/v1?key=hunter2-pw", "has a query"),
        ("https://api.example.com/v1#hunter2-pw", "has a fragment"),
        ("https://u:hunter2-pw@[::1", "is not a URL"),
        ("not a url with hunter2-pw@ inside", "is not a URL"),
    ] {
        let error = parse_url("the API URL", bad).unwrap_err().to_string();
        assert!(error.contains(problem), "{bad}: {error}");
        assert!(!error.contains("hunter2-pw"), "{bad}: {error}");
    }
    let error = parse_url("the API URL", "https://api.example.com/v1?x=1")
        .unwrap_err()
        .to_string();
    assert!(error.contains("`https://api.example.com/v1`"), "{error}");
}

#[test]
fn env_reads_every_variable() {
    let settings = read_env(env(&[
        ("FLOWPAYROLL_CLIENT_ID", "id"),
        ("FLOWPAYROLL_CLIENT_SECRET", "secret"),
        ("FLOWPAYROLL_ENVIRONMENT", "live"),
        ("FLOWPAYROLL_TOKEN_URL", "http://127.0.0.1:9/oauth2/token"),
        ("FLOWPAYROLL_API_URL", "http://127.0.0.1:9"),
        ("FLOWPAYROLL_TOKEN_AUTH", "basic"),
        ("FLOWPAYROLL_SCOPE", " /2023-03-01/xhr/employees  census "),
        ("FLOWPAYROLL_USER_ID", "u-1"),
    ]))
    .unwrap();
    assert_eq!(settings.environment, Environment::Live);
    assert_eq!(settings.token_auth, TokenAuthMethod::ClientSecretBasic);
    assert_eq!(
        settings.token_url.unwrap().as_str(),
        "http://127.0.0.1:9/oauth2/token"
    );
    assert_eq!(
        settings.scope.unwrap(),
        [Scope::XhrEmployees, Scope::Unknown("census".to_owned())]
    );
    assert_eq!(settings.user_id.as_deref(), Some("u-1"));
}

#[test]
fn env_errors_name_the_variable() {
    let missing = read_env(env(&[("FLOWPAYROLL_CLIENT_SECRET", "s")])).unwrap_err();
    assert!(missing
        .to_string()
        .contains("FLOWPAYROLL_CLIENT_ID is not set"));
    let base = [
        ("FLOWPAYROLL_CLIENT_ID", "i"),
        ("FLOWPAYROLL_CLIENT_SECRET", "s3cr3t-value"),
    ];
    for (name, value) in [
        ("FLOWPAYROLL_ENVIRONMENT", "staging"),
        ("FLOWPAYROLL_TOKEN_AUTH", "jwt"),
        ("FLOWPAYROLL_API_URL", "not a url"),
        ("FLOWPAYROLL_TOKEN_URL", "http://example.com/token"),
        ("FLOWPAYROLL_SCOPE", "employees \"payruns\""),
    ] {
        let mut pairs = base.to_vec();
        pairs.push((name, value));
        let error = read_env(env(&pairs)).unwrap_err().to_string();
        assert!(error.contains(name), "{error}");
        assert!(!error.contains("s3cr3t-value"), "{error}");
    }
}
