//! Webhook deliveries: checking that a POST to your `webhook_uri` comes from Flow
//! Payroll ([`Verifier`]), signing bodies the same way ([`sign`], for tests and the
//! sandbox), and refusing a delivery seen before ([`ReplayGuard`]).
//!
//! The spec documents the delivery as the `employeesChanged` callback of
//! `update_client`: the body is [`crate::types::EmployeesChanged`], and the signature
//! header ([`SIGNATURE_HEADER`]) is the lowercase hex HMAC-SHA256 of the raw body, keyed
//! with the client secret itself, the one the client authenticates with (during a
//! rotation, any secret of its `client_secret` list): there is no separate webhook
//! secret. [`UPSTREAM_SIGNATURE_HEADER`] is read only when [`SIGNATURE_HEADER`] is
//! absent. Nothing signed is fresh: there is no timestamp and no delivery
//! id, so a captured delivery verifies forever. [`ReplayGuard`] narrows that gap by
//! remembering the digests of the bodies it has accepted for a while.
//!
//! ```
//! use flowpayroll::webhook::{sign, Verifier, SIGNATURE_HEADER};
//! use flowpayroll::types::EmployeesChanged;
//! use flowpayroll::SecretString;
//!
//! let secret = SecretString::new("ffffffff-ffffffff-ffffffff-ffffffff");
//! let body = br#"{"added":[],"removed":[],"updated":[]}"#;
//! let mut headers = flowpayroll::deps::http::HeaderMap::new();
//! headers.insert(SIGNATURE_HEADER, sign(&secret, body).parse().unwrap());
//!
//! let verifier = Verifier::new(secret);
//! let change: EmployeesChanged = verifier.verify_json(body, &headers)?;
//! assert!(change.added.is_empty());
//! # Ok::<(), flowpayroll::webhook::WebhookError>(())
//! ```

use std::borrow::Borrow;
use std::fmt;

use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;

use crate::error::decode_reason::describe_decode_failure;
use crate::observe::webhook_verified;
use crate::secret::SecretString;

#[cfg(feature = "redis")]
mod redis_replay;
mod replay;

pub use crate::error::webhook::WebhookError;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_replay::RedisReplayGuard;
pub use replay::ReplayGuard;

/// The header Flow Payroll signs deliveries in (see the spec's `x-flowpayroll-decision`
/// on webhook headers).
pub const SIGNATURE_HEADER: &str = "x-flowpayroll-signature";
/// The upstream vendor's name for the same header, read when [`SIGNATURE_HEADER`] is
/// absent.
pub const UPSTREAM_SIGNATURE_HEADER: &str = "x-affix-api-signature";
/// The header that says what a delivery is about (`webhooks-employees-webhook`).
pub const ORIGIN_HEADER: &str = "x-flowpayroll-origin";
/// The value of [`ORIGIN_HEADER`] on an employees delivery.
pub const EMPLOYEES_ORIGIN: &str = "webhooks-employees-webhook";

/// The length of an HMAC-SHA256, in bytes.
const MAC_LEN: usize = 32;

/// Checks deliveries against one or more client secrets: during a rotation, configure
/// every secret in `client_secret`, and a body signed with any of them passes.
#[derive(Clone)]
pub struct Verifier {
    secrets: Vec<SecretString>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Verifier {
    /// A verifier for deliveries signed with `secret`.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Self {
            secrets: vec![secret.into()],
        }
    }

    /// Also accepts deliveries signed with `secret` (the other side of a rotation).
    #[must_use]
    pub fn with_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// A verifier for every secret of `secrets` (such as a client's `client_secret`),
    /// or `None` if there is none.
    pub fn from_secrets(
        secrets: impl IntoIterator<Item = impl Into<SecretString>>,
    ) -> Option<Self> {
        let secrets: Vec<SecretString> = secrets.into_iter().map(Into::into).collect();
        (!secrets.is_empty()).then_some(Self { secrets })
    }

    /// Checks the signature header of `headers` against `body`, the raw bytes received.
    pub fn verify(&self, body: &[u8], headers: &http::HeaderMap) -> Result<(), WebhookError> {
        webhook_verified(self.check(body, headers))
    }

    fn check(&self, body: &[u8], headers: &http::HeaderMap) -> Result<(), WebhookError> {
        let value = headers
            .get(SIGNATURE_HEADER)
            .or_else(|| headers.get(UPSTREAM_SIGNATURE_HEADER))
            .ok_or(WebhookError::MissingSignature)?;
        let value = value
            .to_str()
            .map_err(|_| WebhookError::MalformedSignature("it is not visible ASCII"))?;
        self.check_signature(body, value)
    }

    /// Checks `signature` (64 lowercase hex digits) against `body`.
    pub fn verify_signature(&self, body: &[u8], signature: &str) -> Result<(), WebhookError> {
        webhook_verified(self.check_signature(body, signature))
    }

    fn check_signature(&self, body: &[u8], signature: &str) -> Result<(), WebhookError> {
        let expected = decode_hex(signature)?;
        // `verify_slice` compares in constant time; the length is already exactly 32.
        let mut matched = false;
        for secret in &self.secrets {
            matched |= mac(secret, body).verify_slice(&expected).is_ok();
        }
        if matched {
            Ok(())
        } else {
            Err(WebhookError::Mismatch)
        }
    }

    /// Verifies, then decodes `body` as `T`. Nothing is decoded unless the signature
    /// passed.
    pub fn verify_json<T: DeserializeOwned>(
        &self,
        body: &[u8],
        headers: &http::HeaderMap,
    ) -> Result<T, WebhookError> {
        self.verify(body, headers)?;
        decode(body)
    }
}

/// Decodes a verified body as `T`; the error names the path and the expected type only.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|_| WebhookError::Payload {
        reason: describe_decode_failure::<T>(body, &[]),
    })
}

/// The signature of `body` under `secret`: lowercase hex HMAC-SHA256, as Flow Payroll
/// sends it. For tests of a receiver and for the sandbox. `secret` is a
/// [`SecretString`] or a reference to one, so `sign(sandbox.client_secret(), body)` and
/// `sign(&secret, body)` both work.
pub fn sign(secret: impl Borrow<SecretString>, body: &[u8]) -> String {
    hex::encode(mac(secret.borrow(), body).finalize().into_bytes())
}

fn mac(secret: &SecretString, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    mac
}

/// Exactly 64 hex digits to 32 bytes; anything else is malformed, so a truncated or
/// empty signature can never compare equal to a prefix.
fn decode_hex(text: &str) -> Result<[u8; MAC_LEN], WebhookError> {
    let digits = text.as_bytes();
    if digits.len() != MAC_LEN * 2 {
        return Err(WebhookError::MalformedSignature(
            "it is not 64 hex digits long",
        ));
    }
    // Uppercase is refused (the `hex` crate would take it): the service sends lowercase,
    // and accepting both would let a one-bit change (0x20, the case bit) of a signature
    // still verify.
    if digits.iter().any(|d| matches!(d, b'A'..=b'F')) {
        return Err(WebhookError::MalformedSignature(
            "it holds uppercase hex; signatures are lowercase",
        ));
    }
    let mut bytes = [0u8; MAC_LEN];
    hex::decode_to_slice(digits, &mut bytes).map_err(|_| {
        WebhookError::MalformedSignature("it holds a character that is not a hex digit")
    })?;
    Ok(bytes)
}
