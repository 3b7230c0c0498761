//! Keys and sealing for what the fleet stores in Redis.
//!
//! * The **namespace** of a client is a hash of (token URL, client id, scope): two
//!   clients never read each other's entries, whatever their names.
//! * The **key** is derived from the client secret with HKDF-SHA256 (salted with a
//!   fixed label, bound to the namespace), so only processes holding the secret can read
//!   or write an entry.
//! * Every value is sealed with AES-256-GCM under a fresh random nonce, with the
//!   namespace and the kind of value (`token`, `hold`, `cooldown`) as associated data:
//!   a value copied from another client, from another kind of key, or changed by a
//!   single bit does not open.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::secret::SecretString;

/// The format byte in front of every sealed value.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The largest sealed value that is opened (a token entry is well under 8 KiB).
pub(crate) const MAX_SEALED_LEN: usize = 16 * 1024;

/// The hex namespace of a client: SHA-256 of its token URL, client id and scope.
pub(crate) fn namespace(token_url: &str, client_id: &str, scope: Option<&str>) -> String {
    let mut hash = Sha256::new();
    // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
    for part in [token_url, client_id, scope.unwrap_or("")] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.update([u8::from(scope.is_some())]);
    hex::encode(&hash.finalize()[..16])
}

/// The AES-256 key of `namespace`: HKDF-SHA256 of the client secret, salted with a
/// fixed label naming the format's version, with the namespace as its info.
fn derive_key(secret: &SecretString, namespace: &str) -> Zeroizing<[u8; 32]> {
    let hkdf = hkdf::Hkdf::<Sha256>::new(
        Some(b"flowpayroll fleet cache v1"),
        secret.expose_secret().as_bytes(),
    );
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf.expand(namespace.as_bytes(), key.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    key
}

/// Seals and opens the values of one client's namespace.
pub(crate) struct Sealer {
    cipher: Aes256Gcm,
    namespace: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    /// The sealer of `namespace`, keyed by `secret`.
    pub(crate) fn new(secret: &SecretString, namespace: &str) -> Self {
        let key = derive_key(secret, namespace);
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref())),
            namespace: namespace.to_owned(),
        }
    }

    fn aad(&self, kind: &str) -> Vec<u8> {
        format!("flowpayroll/{}/{kind}", self.namespace).into_bytes()
    }

    /// `plaintext` sealed as a value of `kind`.
    pub(crate) fn seal(&self, kind: &str, plaintext: &[u8]) -> Vec<u8> {
        // A random 96-bit nonce from the OS for every value: a key seals far fewer
        // than the 2^32 values after which random nonces could collide.
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        self.seal_with_nonce(kind, plaintext, &nonce)
    }

    /// [`Sealer::seal`] under a given nonce: a fresh random one in production, a fixed
    /// one in the known-answer test.
    fn seal_with_nonce(&self, kind: &str, plaintext: &[u8], nonce: &Nonce<U12>) -> Vec<u8> {
        let aad = self.aad(kind);
        let sealed = self
            .cipher
            .encrypt(
                nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("AES-GCM encrypts any message under 64 GiB");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of a value of `kind`, or `None` if it was not sealed by this
    /// client's key for this kind (foreign, tampered, truncated or oversized).
    pub(crate) fn open(&self, kind: &str, sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() > MAX_SEALED_LEN || sealed.len() < 1 + NONCE_LEN + TAG_LEN {
            return None;
        }
        let (version, rest) = sealed.split_first()?;
        if *version != VERSION {
            return None;
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let aad = self.aad(kind);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

#[cfg(test)]
mod vectors;

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(secret: &str, ns: &str) -> Sealer {
        Sealer::new(&SecretString::new(secret), ns)
    }

    #[test]
    fn namespaces_separate_every_part() {
        let base = namespace("https://a/token", "id", Some("s"));
        assert_eq!(base.len(), 32);
        assert_eq!(base, namespace("https://a/token", "id", Some("s")));
        for other in [
            namespace("https://b/token", "id", Some("s")),
            namespace("https://a/token", "id2", Some("s")),
            namespace("https://a/token", "id", Some("t")),
            namespace("https://a/token", "id", None),
            namespace("https://a/token", "id", Some("")),
            namespace("https://a/tokeni", "d", Some("s")),
        ] {
            assert_ne!(base, other);
        }
    }

    /// Known answers from Python's `hashlib` (SHA-256 over each part as an 8-byte
    /// big-endian length and the bytes, then 1 or 0 for whether there is a scope; the
    /// first 16 bytes in hex).
    #[test]
    fn namespaces_match_an_independent_hash() {
        assert_eq!(
            namespace("https://a/token", "id", Some("s")),
            "9eac4db6653f20f76e8420de27c1cf04"
        );
        assert_eq!(
            namespace("https://a/token", "id", None),
            "af5adeb4470e6b9729eccf38572a04da"
        );
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_namespace_and_kind() {
        let a = sealer("secret-a", "ns1");
        let sealed = a.seal("token", b"hello");
        assert_eq!(&**a.open("token", &sealed).unwrap(), b"hello");
        assert!(a.open("hold", &sealed).is_none());
        assert!(sealer("secret-b", "ns1").open("token", &sealed).is_none());
        assert!(sealer("secret-a", "ns2").open("token", &sealed).is_none());
        // Two seals of the same text differ (fresh nonce) and both open.
        let again = a.seal("token", b"hello");
        assert_ne!(sealed, again);
        assert!(a.open("token", &again).is_some());
    }

    #[test]
    fn any_change_or_truncation_is_rejected() {
        let a = sealer("secret-a", "ns1");
        let sealed = a.seal("token", b"a token entry");
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(a.open("token", &bad).is_none(), "bit flip at {i}");
        }
        for len in 0..sealed.len() {
            assert!(
                a.open("token", &sealed[..len]).is_none(),
                "truncated to {len}"
            );
        }
        assert!(a.open("token", &vec![1u8; MAX_SEALED_LEN + 1]).is_none());
    }

    #[test]
    fn the_size_limits_are_inclusive_and_hold_for_genuine_values() {
        let a = sealer("secret-a", "ns1");
        // Version byte, nonce and tag: 1 + 12 + 16 bytes around the plaintext.
        let empty = a.seal("token", b"");
        assert_eq!(empty.len(), 29);
        assert_eq!(a.open("token", &empty).unwrap().len(), 0);
        let largest = a.seal("token", &[7u8; 16 * 1024 - 29]);
        assert_eq!(largest.len(), 16 * 1024);
        assert_eq!(a.open("token", &largest).unwrap().len(), 16 * 1024 - 29);
        // One byte more is refused unread, though it is sealed with the right key.
        let over = a.seal("token", &[7u8; 16 * 1024 - 28]);
        assert_eq!(over.len(), 16 * 1024 + 1);
        assert!(a.open("token", &over).is_none());
    }

    #[test]
    fn debug_names_the_namespace_and_nothing_of_the_key() {
        let shown = format!("{:?}", sealer("secret-a", "ns1"));
        assert_eq!(shown, r#"Sealer { namespace: "ns1", .. }"#);
    }
}
