//! Unit tests of `auth::token`.

use super::*;

// Parsing takes the time as an argument; any fixed instant does.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn jwt(claims: &str) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        b64(r#"{"alg":"none"}"#),
        b64(claims),
        b64("sig")
    )
}

fn body(token: &str, rest: &str) -> Vec<u8> {
    format!(r#"{{"access_token":"{token}","token_type":"Bearer"{rest}}}"#).into_bytes()
}

#[test]
fn reads_lifetime_and_jti() {
    let token = jwt(r#"{"jti":"abc-123"}"#);
    let issued = parse_issued(&body(&token, r#","expires_in":3600"#), now()).unwrap();
    assert_eq!(issued.lifetime, Duration::from_secs(3600));
    assert_eq!(issued.id, TokenId::Jti("abc-123".into()));
    assert!(issued.header.is_sensitive());
}

#[test]
fn opaque_tokens_get_a_fingerprint() {
    let issued = parse_issued(&body("opaque-token", r#","expires_in":60"#), now()).unwrap();
    let TokenId::Fingerprint(hex) = &issued.id else {
        panic!("{:?}", issued.id)
    };
    assert_eq!(hex.len(), 12);
    assert!(!issued.id.to_string().contains("opaque"));
}

#[test]
fn missing_expires_in_uses_jwt_exp_then_the_default() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let token = jwt(r#"{"exp":1000120}"#);
    assert_eq!(
        parse_issued(&body(&token, ""), now).unwrap().lifetime,
        Duration::from_secs(120)
    );
    assert_eq!(
        parse_issued(&body("opaque", ""), now).unwrap().lifetime,
        DEFAULT_LIFETIME
    );
}

#[test]
fn a_huge_exp_is_capped_instead_of_overflowing() {
    // Issue 9, case 1: `UNIX_EPOCH + exp` overflowed and panicked the mint task.
    for exp in [
        "18446744073709551615",
        "9223372036854775807",
        "1e300",
        "253402300800",
    ] {
        let token = jwt(&format!(r#"{{"exp":{exp}}}"#));
        let issued = parse_issued(&body(&token, ""), now()).unwrap();
        assert_eq!(issued.lifetime, MAX_LIFETIME, "{exp}");
    }
    for odd in ["-1", "0", "1.5", "\"soon\"", "null", "1e-300", "NaN"] {
        let token = jwt(&format!(r#"{{"exp":{odd}}}"#));
        let issued = parse_issued(&body(&token, ""), now()).unwrap();
        assert_eq!(issued.lifetime, DEFAULT_LIFETIME, "{odd}");
    }
}

#[test]
fn absurd_lifetimes_are_capped_or_rejected() {
    let now = now();
    let huge = parse_issued(&body("t", r#","expires_in":9000000000000"#), now).unwrap();
    assert_eq!(huge.lifetime, MAX_LIFETIME);
    for bad in [r#","expires_in":0"#, r#","expires_in":-5"#] {
        let reason = parse_issued(&body("t", bad), now).unwrap_err();
        assert!(reason.contains("expires_in"), "{reason}");
    }
}

#[test]
fn malformed_bodies_never_echo_the_token() {
    let now = now();
    for bad in [
        br#"{"access_token":"leak-me","token_type":"Bearer","expires_in":"3600"}"#.to_vec(),
        br#"{"token_type":"Bearer"}"#.to_vec(),
        b"<html>leak-me</html>".to_vec(),
        Vec::new(),
        br#"{"access_token":"leak-me","token_type":"mac"}"#.to_vec(),
    ] {
        let reason = parse_issued(&bad, now).unwrap_err();
        assert!(!reason.contains("leak-me"), "{reason}");
    }
}

use proptest::prelude::*;

/// The lifetime rule with exact expected values, from generators weighted to its edges.
mod lifetime_props;

proptest::proptest! {
    /// Any `expires_in`, any `exp` (integer, float, huge, negative), any `jti`:
    /// no panic, and an accepted token lives between a second and a day. Exists for the
    /// overflow guards of `lifetime_from_exp` (a date past what `SystemTime` holds, a
    /// float past `Duration`) and the `jti` cut at 128 characters, which uniform `u64`,
    /// `f64` and 300-character `jti` draws reach; exact values are `lifetime_props`' job.
    #[test]
    fn any_lifetime_claim_is_bounded(
        expires_in in proptest::option::of(proptest::num::i64::ANY),
        exp in proptest::option::of(proptest::prop_oneof![
            proptest::num::u64::ANY.prop_map(|n| n.to_string()),
            proptest::num::i64::ANY.prop_map(|n| n.to_string()),
            proptest::num::f64::ANY.prop_map(|f| format!("{f:e}")),
        ]),
        jti in "\\PC{0,300}",
        now_s in proptest::num::u64::ANY,
    ) {
        let now = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(now_s))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut claims = serde_json::json!({ "jti": jti });
        if let Some(exp) = &exp {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(exp) {
                claims["exp"] = value;
            }
        }
        let token = jwt(&claims.to_string());
        let rest = expires_in.map(|s| format!(r#","expires_in":{s}"#)).unwrap_or_default();
        match parse_issued(&body(&token, &rest), now) {
            Ok(issued) => {
                prop_assert!(issued.lifetime >= Duration::from_secs(1) || expires_in.is_none());
                prop_assert!(issued.lifetime <= MAX_LIFETIME && !issued.lifetime.is_zero());
                prop_assert!(issued.id.to_string().chars().count() <= 128 + 7);
            }
            Err(reason) => prop_assert!(!reason.contains(&token), "{}", reason),
        }
    }
}

#[test]
fn the_longest_lifetime_believed_is_a_day() {
    let issued = parse_issued(&body("t", r#","expires_in":1000000000"#), now()).unwrap();
    assert_eq!(issued.lifetime, Duration::from_secs(86_400));
}

#[test]
fn a_token_type_is_named_only_when_it_looks_like_one() {
    let refusal = |token_type: &str| {
        let body = format!(r#"{{"access_token":"t","token_type":"{token_type}"}}"#);
        parse_issued(body.as_bytes(), now()).unwrap_err()
    };
    let named = |t: &str| format!("token_type is `{t}`; only bearer tokens can be used");
    let unnamed = "token_type is not `Bearer`; only bearer tokens can be used";
    assert_eq!(refusal("pop-key_2"), named("pop-key_2"));
    assert_eq!(refusal(&"m".repeat(20)), named(&"m".repeat(20)));
    assert_eq!(refusal(&"m".repeat(21)), unnamed);
    assert_eq!(refusal("eyJ.x"), unnamed);
    assert_eq!(refusal("a b"), unnamed);
}

#[test]
fn token_ids_show_as_the_jti_or_the_fingerprint_and_log_escaped() {
    assert_eq!(TokenId::Jti("abc-123".into()).to_string(), "abc-123");
    assert_eq!(
        TokenId::Fingerprint("0a1b2c3d4e5f".into()).to_string(),
        "sha256:0a1b2c3d4e5f"
    );
    assert_eq!(TokenId::Jti("a\u{1b}[2Jb".into()).logged(), r"a\u{1b}[2Jb");
}

/// A loopback server that answers one request with `answer` and hands back the
/// request as it arrived (head and body).
fn answer_once(answer: Vec<u8>) -> (Url, std::thread::JoinHandle<String>) {
    use std::io::{BufRead as _, Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/oauth2/token", listener.local_addr().unwrap());
    let served = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = std::io::BufReader::new(&stream);
        let (mut head, mut length) = (String::new(), 0);
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
            head.push_str(&line.to_ascii_lowercase());
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        (&stream).write_all(&answer).unwrap();
        head + &String::from_utf8(body).unwrap()
    });
    (url.parse().unwrap(), served)
}

fn endpoint(url: Url, method: TokenAuthMethod) -> TokenEndpoint {
    TokenEndpoint {
        http: crate::transport::tls::client_builder().build().unwrap(),
        url,
        client_id: "client-1".to_owned(),
        client_secret: SecretString::new("secret-9"),
        method,
        scope: None,
        timeouts: Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(10),
            request_limit: crate::error::Limit::TokenRequest,
        },
        stack: None,
    }
}

fn http_answer(status: &str, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body].concat()
}

#[tokio::test]
async fn credentials_go_in_the_form_or_in_a_basic_header() {
    let ok = http_answer("200 OK", &body("opaque", r#","expires_in":60"#));
    let (url, served) = answer_once(ok.clone());
    let issued = endpoint(url, TokenAuthMethod::ClientSecretPost)
        .request(now())
        .await
        .unwrap();
    assert_eq!(issued.lifetime, Duration::from_secs(60));
    let sent = served.join().unwrap();
    assert!(sent.contains("client_secret=secret-9"), "{sent}");
    assert!(!sent.contains("authorization:"), "{sent}");

    let (url, served) = answer_once(ok);
    endpoint(url, TokenAuthMethod::ClientSecretBasic)
        .request(now())
        .await
        .unwrap();
    let sent = served.join().unwrap();
    // base64("client-1:secret-9") = Y2xpZW50LTE6c2VjcmV0LTk=, lowercased with the head.
    assert!(
        sent.contains("authorization: basic y2xpzw50lte6c2vjcmv0ltk="),
        "{sent}"
    );
    assert!(!sent.contains("secret-9"), "{sent}");
}

#[tokio::test]
async fn an_error_status_is_an_api_error_and_a_long_body_is_too_large() {
    let refusal = http_answer("401 Unauthorized", br#"{"error":"invalid_client"}"#);
    let (url, _served) = answer_once(refusal);
    let error = endpoint(url, TokenAuthMethod::ClientSecretPost)
        .request(now())
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::UNAUTHORIZED),
        "{error:?}"
    );

    let padding = " ".repeat(TOKEN_BODY_LIMIT);
    let long = http_answer(
        "200 OK",
        &body("opaque", &format!(",{padding}\"expires_in\":60")),
    );
    let (url, _served) = answer_once(long);
    let error = endpoint(url, TokenAuthMethod::ClientSecretPost)
        .request(now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::BodyTooLarge {
                operation: OPERATION,
                limit: TOKEN_BODY_LIMIT
            }
        ),
        "{error:?}"
    );
}
