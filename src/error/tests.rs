//! Unit tests of `error`.

use super::*;

#[test]
fn body_prefix_is_bounded() {
    let body = "x".repeat(2000);
    let prefix = BodyPrefix::new(body.as_bytes(), true);
    assert_eq!(prefix.text().len(), BodyPrefix::LIMIT);
    assert!(prefix.is_truncated());
    assert!(prefix.to_string().ends_with("... (2000 bytes in all)"));
}

#[test]
fn body_prefix_cuts_on_a_character_boundary() {
    let mut body = "a".repeat(BodyPrefix::LIMIT - 1);
    body.push('é');
    let prefix = BodyPrefix::new(body.as_bytes(), true);
    assert_eq!(prefix.text(), "a".repeat(BodyPrefix::LIMIT - 1));
}
