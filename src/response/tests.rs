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
