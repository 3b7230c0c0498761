//! Entry points for the fuzz targets under `fuzz/` (feature `_fuzzing`, not part of the
//! public API). Each feeds arbitrary bytes to one parser of server input and checks
//! what must hold whatever the bytes: no panic, no secret in any text shown, values
//! within their bounds. The same functions run as a bounded stable harness in the unit
//! tests below, so they never rot.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::StatusCode;
use reqwest::header::HeaderMap;

use crate::auth::token::{parse_issued, MAX_LIFETIME};
use crate::error::decode_reason::describe_decode_failure;
use crate::generated::model::Operation;
use crate::response::api_error;
use crate::response::retry_after::parse_retry_after;
use crate::transport::body::Capped;

/// The secret every target plants; it must never come out.
const PLANTED: &str = "planted-SECRET-0x5eed";

fn nows() -> [SystemTime; 3] {
    [
        SystemTime::UNIX_EPOCH,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) * 64),
    ]
}

/// A token endpoint answer: `data` as the body, then `data` with a token planted.
pub fn token_response(data: &[u8]) {
    for now in nows() {
        check_token_body(data, now);
    }
    let text = String::from_utf8_lossy(data);
    let planted = format!(
        r#"{{"access_token":"{PLANTED}",{}"#,
        text.trim_start_matches('{')
    );
    check_token_body(planted.as_bytes(), nows()[1]);
}

fn check_token_body(body: &[u8], now: SystemTime) {
    match parse_issued(body, now) {
        Ok(issued) => {
            assert!(issued.lifetime <= MAX_LIFETIME && !issued.lifetime.is_zero());
            assert!(issued.header.is_sensitive());
            assert!(!issued.id.logged().chars().any(char::is_control));
        }
        Err(reason) => assert!(!reason.contains(PLANTED), "{reason}"),
    }
}

/// A JWT whose payload is `data` (base64url-encoded as a server would), in a token
/// response without `expires_in`: `exp`, `jti` and whatever else the payload holds.
pub fn jwt_claims(data: &[u8]) {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let token = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"none"}"#),
        b64(data),
        b64(b"sig")
    );
    let body = format!(r#"{{"access_token":"{token}","token_type":"Bearer"}}"#);
    for now in nows() {
        check_token_body(body.as_bytes(), now);
    }
}

/// The latest instant an HTTP-date can name (`Fri, 31 Dec 9999 23:59:59 GMT`).
const LAST_HTTP_DATE: Duration = Duration::from_secs(253_402_300_799);

/// A `Retry-After` value: never a panic; delta-seconds are that many seconds (or
/// [`Duration::MAX`] past `u64`); anything else is a date, so never further than the
/// last date an HTTP-date can name; non-UTF-8 is nothing.
pub fn retry_after(data: &[u8]) {
    for now in nows() {
        let Some(wait) = parse_retry_after(data, now) else {
            continue;
        };
        let text = std::str::from_utf8(data)
            .expect("only UTF-8 is read")
            .trim();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            // All digits: `parse` fails only past `u64::MAX`.
            let expected = text.parse().map_or(Duration::MAX, Duration::from_secs);
            assert_eq!(wait, expected, "{text}");
        } else {
            let since_epoch = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            assert!(
                wait <= LAST_HTTP_DATE.saturating_sub(since_epoch),
                "{text}: {wait:?}"
            );
        }
    }
}

/// An error body for every operation and a spread of statuses, with the planted secret
/// masked: the error's `Display` and `Debug` never hold it or a raw control character.
pub fn error_body(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let body = format!("{text}{PLANTED}{text}");
    for complete in [true, false] {
        let capped = Capped {
            bytes: body.as_bytes().to_vec(),
            complete,
        };
        for operation in Operation::ALL {
            for status in [400, 401, 403, 404, 409, 429, 500, 502] {
                let status = StatusCode::from_u16(status).expect("valid status");
                let error = api_error(
                    *operation,
                    status,
                    &HeaderMap::new(),
                    &capped,
                    nows()[1],
                    &[PLANTED],
                );
                let shown = format!("{error} {error:?}");
                assert!(!shown.contains(PLANTED), "{shown}");
                assert!(!error.to_string().chars().any(|c| c.is_control()));
            }
        }
    }
    // Success bodies that do not decode: a path and a type, never the content.
    let reason = describe_decode_failure::<Vec<crate::generated::model::types::TokenSummary>>(
        body.as_bytes(),
        &[],
    );
    assert!(!reason.contains(PLANTED), "{reason}");
    let reason = describe_decode_failure::<crate::generated::model::types::ClientSettings>(
        body.as_bytes(),
        &[],
    );
    assert!(!reason.contains(PLANTED), "{reason}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stable, bounded run of every target: a few thousand pseudo-random inputs
    /// each, plus the inputs that once broke the parsers.
    #[test]
    fn every_target_holds_on_bounded_random_input() {
        let seeds: [&[u8]; 6] = [
            br#"{"exp":18446744073709551615}"#,
            br#"{"exp":1e308,"jti":"\u001b[2J"}"#,
            b"18446744073709551616",
            br#""{\"access_token\":\"x\"}""#,
            b"",
            b"\xff\xfe",
        ];
        let mut rng = fastrand::Rng::with_seed(9);
        let random = (0..2000).map(|_| {
            let len = rng.usize(0..96);
            (0..len).map(|_| rng.u8(..)).collect::<Vec<u8>>()
        });
        for data in seeds.iter().map(|s| s.to_vec()).chain(random) {
            token_response(&data);
            jwt_claims(&data);
            retry_after(&data);
        }
        // Error bodies are mostly JSON: the shapes the spec documents, then bounded
        // random mutations of them, so that the decoders past `{` are reached.
        let shapes: [&[u8]; 6] = [
            br#"{"message":"m","status":400}"#,
            br#"{"error":"invalid_client","error_description":"d\u001b[2J"}"#,
            br#"{"errors":[{"field":"f","message":"m"}],"message":"x"}"#,
            br#"{"error":"conflict","message":null}"#,
            br#"{"message":"#,
            br#"[{"message":1e999}]"#,
        ];
        let mut mutated = Vec::new();
        for shape in shapes {
            for _ in 0..8 {
                let mut data = shape.to_vec();
                let at = rng.usize(0..=data.len());
                data.insert(at, rng.u8(..));
                mutated.push(data);
            }
        }
        for data in seeds
            .iter()
            .chain(&shapes)
            .map(|s| s.to_vec())
            .chain(mutated)
        {
            error_body(&data);
        }
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        /// Random bytes, digits and dates: the bounds [`retry_after`]
        /// checks (seconds exact, dates no further than year 9999) hold. Exists for the
        /// three branches of its parser: not a number or date (random bytes), delta
        /// seconds up to 30 digits (past `u64`), and HTTP-dates from 1970 to 9999.
        #[test]
        fn retry_after_keeps_its_bounds(
            value in proptest::prop_oneof![
                proptest::collection::vec(proptest::num::u8::ANY, 0..64),
                "[0-9]{1,30}".prop_map(String::into_bytes),
                (0u64..253_402_300_800).prop_map(|s| httpdate::fmt_http_date(
                    SystemTime::UNIX_EPOCH + Duration::from_secs(s)).into_bytes()),
            ],
        ) {
            retry_after(&value);
        }
    }
}
