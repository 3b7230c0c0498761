//! Unit tests of `response`.

use super::*;

#[test]
fn error_bodies_are_masked_before_they_are_kept() {
    let echo = b"grant_type=client_credentials&client_id=id&client_secret=sec-Zq9%2Bx";
    let body = Capped {
        bytes: echo.to_vec(),
        complete: true,
    };
    let error = api_error(
        Operation::RequestToken,
        http::StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        &body,
        SystemTime::UNIX_EPOCH,
        &["sec-Zq9+x"],
    );
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("Zq9"), "{shown}");
    assert!(shown.contains("client_secret=[redacted]"), "{shown}");
}

#[test]
fn a_body_off_its_schema_still_gives_its_words() {
    for (body, words) in [
        (
            r#"{"message":"Token expired","error":"x"}"#,
            Some("Token expired"),
        ),
        (
            r#"{"error":"invalid_token","error_description":"The access token expired"}"#,
            Some("The access token expired"),
        ),
        (r#"{"error":"invalid_token"}"#, Some("invalid_token")),
        (
            r#"{"message":"  ","error":"unauthorized"}"#,
            Some("unauthorized"),
        ),
        (r#"{"message":{"text":"nested"},"code":401}"#, None),
        (r#"["message"]"#, None),
        ("<html>401</html>", None),
        ("", None),
    ] {
        assert_eq!(
            fallback_message(body.as_bytes()).as_deref(),
            words,
            "{body}"
        );
    }
    // Cut to the limit, on a character boundary.
    let long = serde_json::json!({ "message": "é".repeat(BodyPrefix::LIMIT) }).to_string();
    let cut = fallback_message(long.as_bytes()).unwrap();
    assert_eq!(cut, "é".repeat(BodyPrefix::LIMIT / 2));
}

#[test]
fn an_undecoded_401_says_the_servers_words_and_why_it_did_not_decode() {
    let body = Capped {
        bytes: br#"{"message":"Token expired\u001b[2J"}"#.to_vec(),
        complete: true,
    };
    let error = api_error(
        Operation::ListTokens,
        http::StatusCode::UNAUTHORIZED,
        &HeaderMap::new(),
        &body,
        SystemTime::UNIX_EPOCH,
        &[],
    );
    let api = error.as_api().unwrap();
    assert!(api.body().is_none());
    assert_eq!(api.message(), Some("Token expired\u{1b}[2J"));
    assert!(api.decode_problem().unwrap().contains("code"));
    assert_eq!(
        error.to_string(),
        format!(
            "`list_tokens` answered 401 Unauthorized: Token expired\\u{{1b}}[2J (the body does \
             not match the spec: {})",
            api.decode_problem().unwrap()
        )
    );
}

proptest::proptest! {
    #[test]
    fn fallback_messages_are_bounded_and_never_panic(
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        text in ".{0,800}",
    ) {
        let _ = fallback_message(&body);
        let json = serde_json::json!({ "message": text }).to_string();
        let words = fallback_message(json.as_bytes());
        if let Some(words) = words {
            proptest::prop_assert!(words.len() <= BodyPrefix::LIMIT);
            proptest::prop_assert!(text.starts_with(&words));
        } else {
            proptest::prop_assert!(text.trim().is_empty());
        }
    }
}
