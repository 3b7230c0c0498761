//! The sign-in's CSRF `state` (RFC 6749 §10.12): 256 bits from the operating system's
//! CSPRNG, URL-safe Base64, compared in constant time.

use std::sync::Arc;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::Error;
use crate::secret::SecretString;

/// Random bytes in a `state`: 256 bits, twice the 128 that RFC 6749 §10.10 asks an
/// attacker's guessing odds to stay under 2^-128 with.
pub(crate) const STATE_BYTES: usize = 32;

/// A fresh `state` (43 characters of URL-safe Base64).
pub(crate) fn fresh() -> Result<SecretString, Error> {
    let mut bytes = zeroize::Zeroizing::new([0u8; STATE_BYTES]);
    getrandom::getrandom(&mut *bytes).map_err(|e| Error::Io {
        context: "cannot draw the sign-in state from the operating system's random source"
            .to_owned(),
        source: Arc::new(std::io::Error::other(e.to_string())),
    })?;
    Ok(SecretString::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(*bytes),
    ))
}

/// Whether `received` is `expected`, in time that depends on their lengths only.
pub(crate) fn matches(expected: &SecretString, received: &str) -> bool {
    bool::from(
        expected
            .expose_secret()
            .as_bytes()
            .ct_eq(received.as_bytes()),
    )
}

/// The key a pending sign-in is found by: the SHA-256 of its `state`, so that the map
/// lookup's timing says nothing about the state itself.
pub(crate) fn key(state: &str) -> [u8; 32] {
    Sha256::digest(state.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_long_distinct_and_url_safe() {
        let states: Vec<SecretString> = (0..64).map(|_| fresh().unwrap()).collect();
        for (i, state) in states.iter().enumerate() {
            let text = state.expose_secret();
            assert_eq!(text.len(), 43);
            assert!(text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert!(states[..i].iter().all(|other| other != state));
        }
    }

    #[test]
    fn only_the_same_state_matches() {
        let state = fresh().unwrap();
        let text = state.expose_secret().to_owned();
        assert!(matches(&state, &text));
        assert!(!matches(&state, &text[..42]));
        assert!(!matches(&state, &format!("{text}x")));
        assert!(!matches(&state, ""));
        let mut flipped = text.into_bytes();
        flipped[10] ^= 1;
        assert!(!matches(&state, &String::from_utf8(flipped).unwrap()));
        assert_ne!(key("a"), key("b"));
    }
}
