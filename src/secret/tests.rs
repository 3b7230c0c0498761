//! Unit tests of `secret`.

use super::SecretString;

#[test]
fn debug_never_shows_the_value() {
    let secret = SecretString::new("hunter2-very-secret");
    assert_eq!(format!("{secret:?}"), "SecretString([redacted])");
    assert_eq!(
        format!("{:#?}", Some(&secret)),
        "Some(\n    SecretString([redacted]),\n)"
    );
    assert_eq!(secret.expose_secret(), "hunter2-very-secret");
}

#[test]
fn serde_round_trip_keeps_the_value() {
    let secret: SecretString = serde_json::from_str("\"abc\"").unwrap();
    assert_eq!(serde_json::to_string(&secret).unwrap(), "\"abc\"");
}
