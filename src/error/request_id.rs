//! The server's id for one answer (`X-Request-Id`, else `X-Correlation-Id`): what an
//! [`ApiError`](super::ApiError) keeps and what an attempt's span reports.

use http::HeaderMap;

/// The most characters of a request id kept.
const REQUEST_ID_LIMIT: usize = 128;

/// The server's id for a response: `X-Request-Id`, else `X-Correlation-Id`; escaped and
/// cut to [`REQUEST_ID_LIMIT`] characters.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    let value = ["x-request-id", "x-correlation-id"]
        .iter()
        .find_map(|name| headers.get(*name))?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let cut: String = text.trim().chars().take(REQUEST_ID_LIMIT).collect();
    (!cut.is_empty()).then(|| crate::secret::terminal::escape(&cut).into_owned())
}
