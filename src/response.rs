//! Turning what a generated method returns into the crate's result: success values pass
//! through; every other status is decoded by (operation, status) into [`ErrorBody`].
//!
//! The generator is not told about error responses (see `build/prepare.rs`), so it hands
//! them back unread as `UnexpectedResponse`; this module reads the body once, keeps a
//! bounded prefix and decodes it into the type the spec documents for that status.

use std::time::{Duration, SystemTime};

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;

use crate::body::{exceeded_limit, read_capped, size, Capped, ERROR_BODY_LIMIT};
use crate::error::{ApiError, BodyPrefix, Error};
use crate::generated::ErrorBody;
use crate::operation::Operation;
use crate::redact::{escaped, mask};

/// What turning a failed request into an [`Error`] needs besides the response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'a> {
    /// The wall-clock time, to turn a `Retry-After` date into a wait.
    pub now: SystemTime,
    /// Masked in any server text the error keeps.
    pub secrets: &'a [&'a str],
    /// The request timeout, named when it is reached.
    pub timeout: Duration,
}

/// Maps the outcome of a generated method for `operation` into the crate's result.
pub(crate) async fn finish<T: DeserializeOwned>(
    op: Operation,
    outcome: Result<ResponseValue<T>, GeneratedError<()>>,
    seen: &Seen<'_>,
) -> Result<ResponseValue<T>, Error> {
    let Seen {
        now,
        secrets,
        timeout,
    } = *seen;
    let operation = op.id();
    let error = match outcome {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    Err(match error {
        GeneratedError::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            match read_capped(response, ERROR_BODY_LIMIT).await {
                Ok(body) => api_error(op, status, &headers, &body, now, secrets),
                Err(source) => transport(operation, source, timeout),
            }
        }
        GeneratedError::InvalidResponsePayload(body, _) => Error::Decode {
            operation,
            reason: describe_decode_failure::<T>(&body, secrets),
        },
        GeneratedError::CommunicationError(source)
        | GeneratedError::ResponseBodyError(source)
        | GeneratedError::InvalidUpgrade(source) => transport(operation, source, timeout),
        GeneratedError::ErrorResponse(value) => {
            let empty = Capped {
                bytes: Vec::new(),
                complete: true,
            };
            api_error(op, value.status(), value.headers(), &empty, now, secrets)
        }
        GeneratedError::InvalidRequest(message) | GeneratedError::Custom(message) => {
            Error::InvalidRequest { operation, message }
        }
    })
}

/// The error for a request of `operation` that got no (whole) response: the body
/// limit, the request `timeout`, or a transport failure.
pub(crate) fn transport(
    operation: &'static str,
    source: reqwest::Error,
    timeout: Duration,
) -> Error {
    if let Some(limit) = exceeded_limit(&source) {
        return Error::BodyTooLarge { operation, limit };
    }
    if source.is_timeout() && !source.is_connect() {
        return Error::Timeout {
            operation,
            after: timeout,
        };
    }
    Error::Transport {
        operation,
        source: std::sync::Arc::new(source),
    }
}

/// An [`Error::Api`] for a response of `operation` with `status`, decoding `body` into
/// the type the spec documents for that status. `secrets` are masked first, so neither
/// the typed body nor the kept prefix can hold them.
pub(crate) fn api_error(
    operation: Operation,
    status: http::StatusCode,
    headers: &HeaderMap,
    body: &Capped,
    now: SystemTime,
    secrets: &[&str],
) -> Error {
    let masked = mask(&body.bytes, secrets);
    let documented = ErrorBody::decode(operation, status.as_u16(), &masked);
    let (body_value, undecoded) = match documented {
        Some(Ok(decoded)) => (Some(decoded), None),
        Some(Err(_)) if !body.complete => (
            None,
            Some(format!(
                "the body is larger than {}",
                size(ERROR_BODY_LIMIT)
            )),
        ),
        Some(Err(problem)) => (None, Some(describe_json_error(&problem))),
        None => (None, None),
    };
    let request_id = request_id(headers);
    tracing::info!(
        target: "flowpayroll::api",
        operation = operation.id(),
        status = status.as_u16(),
        request_id = request_id.as_deref().unwrap_or("-"),
        "error response"
    );
    Error::Api(Box::new(ApiError {
        operation,
        request_id,
        status,
        body: body_value,
        undecoded,
        retry_after: retry_after(headers, now),
        raw: BodyPrefix::new(&masked, body.complete),
    }))
}

/// The most characters of a request id kept.
const REQUEST_ID_LIMIT: usize = 128;

/// The server's id for a response: `X-Request-Id`, else `X-Correlation-Id`; escaped and
/// cut to [`REQUEST_ID_LIMIT`] characters.
fn request_id(headers: &HeaderMap) -> Option<String> {
    let value = ["x-request-id", "x-correlation-id"]
        .iter()
        .find_map(|name| headers.get(*name))?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let cut: String = text.trim().chars().take(REQUEST_ID_LIMIT).collect();
    (!cut.is_empty()).then(|| crate::redact::escaped(&cut))
}

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
                out.push_str(&escaped(&String::from_utf8_lossy(&masked)));
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
            format!("expected {}, ", escaped(&expected))
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

/// The `Retry-After` of `headers` as a wait from `now`: delta-seconds or an HTTP-date
/// (RFC 9110 §10.2.3). A date in the past means no wait.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.as_bytes(), now)
}

/// A `Retry-After` value as a wait from `now`. Delta-seconds too large for a `u64`
/// mean "a very long time" ([`Duration::MAX`]): the retry rule then gives up rather
/// than overflow. Anything else unreadable is `None`.
pub(crate) fn parse_retry_after(value: &[u8], now: SystemTime) -> Option<Duration> {
    let value = std::str::from_utf8(value).ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            retry_after(&headers("42"), now),
            Some(Duration::from_secs(42))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:30 GMT"), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:27:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(
            retry_after(&headers("18446744073709551615"), now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            retry_after(&headers("99999999999999999999999"), now),
            Some(Duration::MAX)
        );
        for odd in ["-1", "1.5", "", "+5", "Wed, 21 Oct 99999 07:28:00 GMT"] {
            assert_eq!(parse_retry_after(odd.as_bytes(), now), None, "{odd}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

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

    proptest::proptest! {
        /// Arbitrary bytes as a token response, an error body or any success type:
        /// the description never panics and never repeats a run of the body.
        #[test]
        fn decode_descriptions_never_quote_the_body(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..256),
            secret in "[A-Za-z0-9]{12}",
        ) {
            let mut body = body;
            body.extend_from_slice(format!(r#"{{"access_token":"{secret}"}}"#).as_bytes());
            for reason in [
                describe_decode_failure::<Token>(&body, &[]),
                describe_decode_failure::<crate::types::AccessTokenResponse>(&body, &[]),
                describe_decode_failure::<Vec<crate::types::TokenSummary>>(&body, &[]),
            ] {
                proptest::prop_assert!(!reason.contains(&secret), "{}", reason);
            }
        }

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

        #[test]
        fn retry_after_never_panics(value in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let _ = parse_retry_after(&value, SystemTime::UNIX_EPOCH);
            let _ = parse_retry_after(&value, SystemTime::UNIX_EPOCH + Duration::from_secs(u32::MAX.into()));
        }
    }
}
