//! Why a body did not decode, in words that never quote it: the JSON path and the type
//! expected there, rebuilt from the fixed parts of serde's messages. Server bodies may
//! hold tokens or secrets however they are escaped, so no part of one is repeated;
//! map keys on the path are masked, escaped and cut.

use serde::de::DeserializeOwned;

use crate::secret::redact::mask;
use crate::secret::terminal::escape;

/// Where and why `body` fails to decode as `T`: the JSON path and the type expected
/// there, never any part of the body (which may hold a token or a secret, however it
/// is escaped). Path segments that come from the body (map keys) are masked and
/// escaped.
pub(crate) fn describe_decode_failure<T: DeserializeOwned>(
    body: &[u8],
    secrets: &[&str],
) -> String {
    if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        return if body.is_empty() {
            "the body is empty".to_owned()
        } else {
            format!(
                "the body ({} bytes) is not JSON (syntax error at line {}, column {})",
                body.len(),
                error.line(),
                error.column()
            )
        };
    }
    let mut decoder = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut decoder) {
        Ok(_) => "the body decodes on a second attempt".to_owned(),
        Err(error) => {
            let path = safe_path(error.path(), secrets);
            let problem = describe_json_error(error.inner());
            if path == "." {
                problem
            } else {
                format!("at `{path}`: {problem}")
            }
        }
    }
}

/// A JSON path as `a.b[0].c`, each key masked, escaped and cut to 64 characters.
fn safe_path(path: &serde_path_to_error::Path, secrets: &[&str]) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                let key: String = key.chars().take(64).collect();
                let masked = mask(key.as_bytes(), secrets);
                out.push_str(&escape(&String::from_utf8_lossy(&masked)));
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    if out.is_empty() {
        ".".to_owned()
    } else {
        out
    }
}

/// What a serde message says was expected, rebuilt from its fixed parts only. Serde
/// messages quote the offending value (`invalid type: string "eyJ...", expected i64`),
/// and a quoted value can contain escaped quotes, so no attempt is made to cut values
/// out: only the kind of value found and the type expected (both written by the
/// decoder, never by the server) are kept, with the line and column.
pub(crate) fn describe_json_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    // serde_json appends " at line L column C"; the position is given apart.
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message[..],
    };
    let problem = if let Some(rest) = message.strip_prefix("invalid type: ") {
        format!("found {}", value_kind(rest))
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        format!("invalid {}", value_kind(rest))
    } else if message.starts_with("unknown variant") {
        "unknown variant".to_owned()
    } else if let Some(rest) = message.strip_prefix("invalid length ") {
        let length = rest.split(',').next().unwrap_or_default();
        if length.bytes().all(|b| b.is_ascii_digit()) {
            format!("invalid length {length}")
        } else {
            "invalid length".to_owned()
        }
    } else if let Some(field) = schema_field(message, "missing field `") {
        format!("missing field `{field}`")
    } else if let Some(field) = schema_field(message, "duplicate field `") {
        format!("duplicate field `{field}`")
    } else if error.is_eof() {
        "the body ends too early".to_owned()
    } else if error.is_syntax() {
        "not valid JSON".to_owned()
    } else {
        "does not match the schema".to_owned()
    };
    // The expected type comes last in serde's messages and is written by the decoder.
    let expected = match message.rsplit_once(", expected ") {
        Some((_, expected)) if !message.starts_with("missing field") => {
            let expected: String = expected.chars().take(200).collect();
            format!("expected {}, ", escape(&expected))
        }
        _ => String::new(),
    };
    format!(
        "{expected}{problem} (line {}, column {})",
        error.line(),
        error.column()
    )
}

/// The kind of value in serde's `Unexpected` text (`string "..."`, `integer `5``,
/// `map`), without the value.
fn value_kind(text: &str) -> &'static str {
    const KINDS: [&str; 12] = [
        "boolean",
        "integer",
        "floating point",
        "character",
        "string",
        "byte array",
        "unit value",
        "unit variant",
        "newtype",
        "sequence",
        "map",
        "null",
    ];
    KINDS
        .into_iter()
        .find(|kind| text.starts_with(kind))
        .unwrap_or("a value of another type")
}

/// The field name of a serde message that starts with `prefix` (names come from the
/// schema, not the body, for missing and duplicate fields); plain identifiers only.
fn schema_field<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let name = message.strip_prefix(prefix)?.split('`').next()?;
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        .then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Token {
        access_token: String,
        expires_in: Option<i64>,
        nested: Option<Vec<std::collections::HashMap<String, i64>>>,
    }

    #[test]
    fn decode_failures_name_the_path_and_type_but_not_the_value() {
        let reason = describe_decode_failure::<Token>(
            br#"{"access_token":"a","expires_in": "s3cr3t"}"#,
            &[],
        );
        assert!(
            reason.starts_with("at `expires_in`: expected i64, found string (line 1"),
            "{reason}"
        );
        assert!(!reason.contains("s3cr3t"), "{reason}");
        assert_eq!(
            describe_decode_failure::<Token>(b"<html>", &[]),
            "the body (6 bytes) is not JSON (syntax error at line 1, column 1)"
        );
        assert_eq!(
            describe_decode_failure::<Token>(b"", &[]),
            "the body is empty"
        );
        let reason = describe_decode_failure::<Token>(br#"{"expires_in":1}"#, &[]);
        assert!(
            reason.starts_with("missing field `access_token`"),
            "{reason}"
        );
    }

    #[test]
    fn a_double_encoded_body_never_shows_its_content() {
        // Issue 9, case 2: the old filter stopped at the first escaped quote.
        let inner =
            r#"{"access_token":"tok-LEAK-1","token_type":"Bearer","client_secret":"sec-LEAK-2"}"#;
        let double = serde_json::to_vec(inner).unwrap();
        let reason = describe_decode_failure::<Token>(&double, &[]);
        assert!(
            reason.contains("expected struct Token, found string"),
            "{reason}"
        );
        assert!(!reason.contains("LEAK"), "{reason}");
        // A map key from the body is shown escaped, with the secret masked.
        let keyed = br#"{"access_token":"a","nested":[{"sec-LEAK-2\u001b[2J":"x"}]}"#;
        let reason = describe_decode_failure::<Token>(keyed, &["sec-LEAK-2"]);
        assert!(
            reason.starts_with("at `nested[0].[redacted]\\u{1b}[2J`"),
            "{reason}"
        );
    }

    /// JSON values of any shape, a few levels deep, under the member names the decoded
    /// types have (so that wrong types and missing members are reached).
    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[ -~]{0,12}".prop_map(Value::String),
        ];
        let names = prop::sample::select(vec![
            "access_token",
            "token_type",
            "expires_in",
            "scope",
            "jti",
            "name",
            "id",
            "x",
        ]);
        leaf.prop_recursive(3, 24, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((names.clone(), inner), 0..5).prop_map(|members| {
                    Value::Object(
                        members
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                    )
                }),
            ]
        })
    }

    /// A body that is mostly JSON, with `secret` as the value of one member (a string
    /// where a number is expected, say), sometimes behind random bytes.
    fn body_with(secret: &'static str) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let names = prop::sample::select(vec![
            "access_token",
            "token_type",
            "expires_in",
            "scope",
            "id",
        ]);
        (
            json_value(),
            names,
            prop_oneof![3 => Just(Vec::new()), 1 => prop::collection::vec(any::<u8>(), 0..32)],
            any::<bool>(),
        )
            .prop_map(move |(value, name, prefix, in_array)| {
                let mut object = match value {
                    serde_json::Value::Object(object) => object,
                    other => [("x".to_owned(), other)].into_iter().collect(),
                };
                object.insert(name.to_owned(), serde_json::Value::from(secret));
                let value = serde_json::Value::Object(object);
                let value = if in_array {
                    serde_json::Value::Array(vec![value])
                } else {
                    value
                };
                [prefix, serde_json::to_vec(&value).unwrap()].concat()
            })
    }

    proptest::proptest! {
        /// Mostly-JSON bodies as a token response, an error body or any success type:
        /// the description never panics and never repeats the secret they carry. Exists
        /// for the paths that quote the body (a wrong type at a member, a key in a
        /// path, bytes before the JSON): the secret sits at a member of each type.
        #[test]
        fn decode_descriptions_never_quote_the_body(body in body_with("Zq9sECRETsecret42")) {
            for reason in [
                describe_decode_failure::<Token>(&body, &[]),
                describe_decode_failure::<crate::generated::model::types::AccessTokenResponse>(&body, &[]),
                describe_decode_failure::<Vec<crate::generated::model::types::TokenSummary>>(&body, &[]),
            ] {
                proptest::prop_assert!(!reason.contains("Zq9sECRETsecret42"), "{}", reason);
            }
        }

        /// Exists for serde_json's messages that quote the value (`invalid type:
        /// string "..."`): each target type refuses a string, so each quotes it.
        #[test]
        fn json_error_descriptions_never_quote_string_values(
            value in "[ -~]{8,40}",
        ) {
            let json = serde_json::to_string(&value).unwrap();
            for target in ["i64", "bool", "struct"] {
                let error = match target {
                    "i64" => serde_json::from_str::<i64>(&json).unwrap_err(),
                    "bool" => serde_json::from_str::<bool>(&json).unwrap_err(),
                    _ => serde_json::from_str::<Token>(&json).unwrap_err(),
                };
                let text = describe_json_error(&error);
                proptest::prop_assert!(!text.contains(&value), "{}", text);
            }
        }
    }
}
