//! [`SecretString`]: the one type that holds secrets (client secrets, access tokens).
//!
//! It has no `Display`, its `Debug` prints `SecretString([redacted])`, and its memory is
//! wiped when it is dropped. The value is reachable only through
//! [`SecretString::expose_secret`], so every place that reads it is easy to find. It
//! serializes as a plain string because the wire needs the value (a token request, a
//! client update); serializing is sending, never logging.
//!
//! [`redact`] masks the secrets a server's text may echo; [`terminal`] escapes the
//! characters in it that would act on a terminal (public as `flowpayroll::terminal`).

pub(crate) mod redact;
pub mod terminal;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// A secret string: redacted in `Debug`, never `Display`ed, wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself. Call it only to put the value on the wire.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests;
