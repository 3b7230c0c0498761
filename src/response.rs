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

use crate::error::{ApiError, BodyPrefix, Error};
use crate::generated::ErrorBody;
use crate::operation::Operation;

/// Maps the outcome of a generated method for `operation` into the crate's result.
/// `now` is the wall-clock time, to turn a `Retry-After` date into a wait.
pub(crate) async fn finish<T: DeserializeOwned>(
    operation: &'static str,
    outcome: Result<ResponseValue<T>, GeneratedError<()>>,
    now: SystemTime,
) -> Result<ResponseValue<T>, Error> {
    let error = match outcome {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    Err(match error {
        GeneratedError::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            match response.bytes().await {
                Ok(body) => api_error(operation, status, &headers, &body, now),
                Err(source) => Error::Transport {
                    operation,
                    source: std::sync::Arc::new(source),
                },
            }
        }
        GeneratedError::InvalidResponsePayload(body, _) => Error::Decode {
            operation,
            reason: describe_decode_failure::<T>(&body),
        },
        GeneratedError::CommunicationError(source)
        | GeneratedError::ResponseBodyError(source)
        | GeneratedError::InvalidUpgrade(source) => Error::Transport {
            operation,
            source: std::sync::Arc::new(source),
        },
        GeneratedError::ErrorResponse(value) => {
            api_error(operation, value.status(), value.headers(), &[], now)
        }
        GeneratedError::InvalidRequest(message) | GeneratedError::Custom(message) => {
            Error::InvalidRequest { operation, message }
        }
    })
}

/// An [`Error::Api`] for a response of `operation` with `status`, decoding `body` into
/// the type the spec documents for that status.
pub(crate) fn api_error(
    operation: &'static str,
    status: reqwest::StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Error {
    let documented = Operation::from_id(operation)
        .and_then(|operation| ErrorBody::decode(operation, status.as_u16(), body));
    let (body_value, undecoded) = match documented {
        Some(Ok(decoded)) => (Some(decoded), None),
        Some(Err(problem)) => (None, Some(problem.to_string())),
        None => (None, None),
    };
    Error::Api(Box::new(ApiError {
        operation,
        status,
        body: body_value,
        undecoded,
        retry_after: retry_after(headers, now),
        raw: BodyPrefix::new(body),
    }))
}

/// Where and why `body` fails to decode as `T`, without quoting any value from it.
pub(crate) fn describe_decode_failure<T: DeserializeOwned>(body: &[u8]) -> String {
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        return if body.is_empty() {
            "the body is empty".to_owned()
        } else {
            format!("the body ({} bytes) is not JSON", body.len())
        };
    }
    let mut decoder = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut decoder) {
        Ok(_) => "the body decodes on a second attempt".to_owned(),
        Err(error) => {
            let path = error.path().to_string();
            let message = without_quoted_values(&error.into_inner().to_string());
            if path == "." {
                message
            } else {
                format!("at `{path}`: {message}")
            }
        }
    }
}

/// Replaces every double-quoted value in a serde message (the offending value, which
/// could be a secret) with `"…"`; backquoted field names stay.
fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = None;
    for c in message.chars() {
        match inside {
            Some(close) if c == close => inside = None,
            Some(_) => {}
            None if c == '"' => {
                inside = Some('"');
                out.push_str("\"…\"");
            }
            None => out.push(c),
        }
    }
    out
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

    #[test]
    fn decode_failures_name_the_path_but_not_the_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Token {
            expires_in: i64,
        }
        let reason = describe_decode_failure::<Token>(br#"{"expires_in": "s3cr3t"}"#);
        assert!(reason.starts_with("at `expires_in`"), "{reason}");
        assert!(!reason.contains("s3cr3t"), "{reason}");
        assert_eq!(
            describe_decode_failure::<Token>(b"<html>"),
            "the body (6 bytes) is not JSON"
        );
        assert_eq!(describe_decode_failure::<Token>(b""), "the body is empty");
    }
}
