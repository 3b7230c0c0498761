//! The `Retry-After` header (RFC 9110 §10.2.3) as a wait: delta-seconds or an
//! HTTP-date, read without overflow whatever the server sends.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

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

    // The property over random bytes, digits and dates, with the bounds it checks, is
    // `retry_after_keeps_its_bounds` in `crate::fuzzing`.
}
