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

/// `message` texts weighted toward the branches of `fallback_message`: blank ones
/// (skipped), ones around the 512-byte cut with a multi-byte character across it (the
/// cut moves back to a character boundary), and any text.
fn message_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        2 => "[ \t\n\r\u{a0}\u{2003}]{0,6}",
        3 => (505usize..=515, prop::sample::select(vec!["é", "東", "😀", "a"]), "[a-z]{0,4}")
            .prop_map(|(n, wide, tail)| "x".repeat(n) + wide + &tail),
        3 => ".{0,800}",
    ]
}

proptest::proptest! {
    /// Exists for both branches of `fallback_message` (blank text skipped, long text
    /// cut at a character boundary at or under `BodyPrefix::LIMIT`), with the exact
    /// expected words; and for no panic on any body.
    #[test]
    fn fallback_messages_are_bounded_and_never_panic(
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        text in message_text(),
    ) {
        let _ = fallback_message(&body);
        let json = serde_json::json!({ "message": text }).to_string();
        let words = fallback_message(json.as_bytes());
        let expected = (!text.trim().is_empty()).then(|| {
            let end = (0..=text.len().min(BodyPrefix::LIMIT))
                .rev()
                .find(|&end| text.is_char_boundary(end))
                .unwrap_or(0);
            text[..end].to_owned()
        });
        proptest::prop_assert_eq!(words, expected);
    }
}

/// Reachability of `message_text` over 256 deterministic cases: blank texts, texts
/// cut exactly at the limit and texts cut short of it by a wide character all occur.
#[test]
fn the_message_generator_reaches_blank_and_both_cuts() {
    use proptest::strategy::{Strategy as _, ValueTree as _};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut blank, mut at_limit, mut short_of_it) = (0, 0, 0);
    for _ in 0..256 {
        let text = message_text().new_tree(&mut runner).unwrap().current();
        let json = serde_json::json!({ "message": text }).to_string();
        match fallback_message(json.as_bytes()) {
            None => blank += 1,
            Some(words) if words.len() == BodyPrefix::LIMIT => at_limit += 1,
            Some(words) if words.len() < text.len() => short_of_it += 1,
            Some(_) => {}
        }
    }
    assert!(
        blank >= 10 && at_limit >= 10 && short_of_it >= 5,
        "{blank} {at_limit} {short_of_it}"
    );
}
