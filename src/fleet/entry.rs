//! What the fleet stores, before sealing: the shared token, the API hold after a 429 and
//! the token endpoint cooldown. Times are wall-clock milliseconds since the Unix epoch,
//! the one clock a fleet of machines shares; each process turns them back into its own
//! monotonic instants.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::auth::token::TokenId;
use crate::secret::SecretString;

/// The longest cooldown reason kept (it is an error message, never a secret).
const MAX_REASON_LEN: usize = 512;

/// The shared token.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TokenEntry {
    /// The `X-Auth-Token` value.
    pub token: SecretString,
    /// `jti` or `sha256`, with `id`: the token's [`TokenId`].
    pub id_kind: String,
    pub id: String,
    /// When every member starts refreshing it.
    pub refresh_at_ms: u64,
    /// When it stops being used.
    pub expires_at_ms: u64,
}

/// A wait every member honours before calling the API (after a 429), or before asking
/// the token endpoint (a cooldown).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Hold {
    pub until_ms: u64,
    /// Why (the error that caused a cooldown); empty for an API hold.
    #[serde(default)]
    pub reason: String,
}

/// Milliseconds since the epoch of `time` (0 before it).
pub(crate) fn unix_ms(time: SystemTime) -> u64 {
    let since = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// How long from `now` until `at_ms` (zero if passed).
pub(crate) fn until(now: SystemTime, at_ms: u64) -> Duration {
    Duration::from_millis(at_ms.saturating_sub(unix_ms(now)))
}

impl TokenEntry {
    pub(crate) fn new(
        header: &HeaderValue,
        id: &TokenId,
        refresh_at_ms: u64,
        expires_at_ms: u64,
    ) -> Option<Self> {
        let (id_kind, id) = match id {
            TokenId::Jti(jti) => ("jti", jti.clone()),
            TokenId::Fingerprint(hex) => ("sha256", hex.clone()),
        };
        Some(Self {
            token: SecretString::new(header.to_str().ok()?),
            id_kind: id_kind.to_owned(),
            id,
            refresh_at_ms,
            expires_at_ms,
        })
    }

    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(serde_json::to_vec(self).expect("a token entry encodes"))
    }

    /// Decodes and checks an opened entry; `None` if it is not a usable token.
    pub(crate) fn decode(plain: &[u8]) -> Option<Self> {
        let entry: Self = serde_json::from_slice(plain).ok()?;
        let valid_id = match entry.id_kind.as_str() {
            "jti" | "sha256" => !entry.id.is_empty() && entry.id.len() <= 256,
            _ => false,
        };
        (valid_id
            && !entry.token.expose_secret().is_empty()
            && entry.refresh_at_ms <= entry.expires_at_ms)
            .then_some(entry)
    }

    /// The header to send (marked sensitive); `None` if the token cannot be one.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        let mut header = HeaderValue::from_str(self.token.expose_secret()).ok()?;
        header.set_sensitive(true);
        Some(header)
    }

    pub(crate) fn token_id(&self) -> TokenId {
        match self.id_kind.as_str() {
            "jti" => TokenId::Jti(self.id.clone()),
            _ => TokenId::Fingerprint(self.id.clone()),
        }
    }
}

impl Hold {
    pub(crate) fn new(until_ms: u64, reason: &str) -> Self {
        let mut reason = reason.to_owned();
        if reason.len() > MAX_REASON_LEN {
            let mut end = MAX_REASON_LEN;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
        }
        Self { until_ms, reason }
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a hold encodes")
    }

    pub(crate) fn decode(plain: &[u8]) -> Option<Self> {
        let hold: Self = serde_json::from_slice(plain).ok()?;
        (hold.reason.len() <= MAX_REASON_LEN).then_some(hold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_entries_round_trip_and_reject_nonsense() {
        let header = HeaderValue::from_static("a.b.c");
        let entry = TokenEntry::new(&header, &TokenId::Jti("j-1".into()), 10, 20).unwrap();
        let back = TokenEntry::decode(&entry.encode()).unwrap();
        assert_eq!(back.header().unwrap(), header);
        assert!(back.header().unwrap().is_sensitive());
        assert_eq!(back.token_id(), TokenId::Jti("j-1".into()));
        assert_eq!((back.refresh_at_ms, back.expires_at_ms), (10, 20));
        for bad in [
            r#"{"token":"","id_kind":"jti","id":"x","refresh_at_ms":1,"expires_at_ms":2}"#,
            r#"{"token":"t","id_kind":"jwt","id":"x","refresh_at_ms":1,"expires_at_ms":2}"#,
            r#"{"token":"t","id_kind":"jti","id":"","refresh_at_ms":1,"expires_at_ms":2}"#,
            r#"{"token":"t","id_kind":"jti","id":"x","refresh_at_ms":3,"expires_at_ms":2}"#,
            r#"{"token":"t","id_kind":"jti","id":"x","refresh_at_ms":-1,"expires_at_ms":2}"#,
            r#"[]"#,
        ] {
            assert!(TokenEntry::decode(bad.as_bytes()).is_none(), "{bad}");
        }
        let newline =
            r#"{"token":"a\nb","id_kind":"jti","id":"x","refresh_at_ms":1,"expires_at_ms":2}"#;
        assert!(TokenEntry::decode(newline.as_bytes())
            .unwrap()
            .header()
            .is_none());
    }

    #[test]
    fn holds_round_trip_with_a_bounded_reason() {
        let hold = Hold::new(42, &"é".repeat(400));
        assert!(hold.reason.len() <= MAX_REASON_LEN);
        let back = Hold::decode(&hold.encode()).unwrap();
        assert_eq!(back.until_ms, 42);
        assert_eq!(back.reason, hold.reason);
        assert!(Hold::decode(b"{\"until_ms\":\"soon\"}").is_none());
    }

    #[test]
    fn wall_clock_conversions_saturate() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        assert_eq!(unix_ms(now), 100_000);
        assert_eq!(until(now, 101_500), Duration::from_millis(1500));
        assert_eq!(until(now, 5), Duration::ZERO);
        assert_eq!(unix_ms(SystemTime::UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
