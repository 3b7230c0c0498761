//! This member's reads and writes of the client's entries in Redis: the shared token
//! (opened only if it is this client's, not the one just refused and not due for
//! refresh), the fleet-wide token endpoint cooldown and the API hold, each sealed by
//! `crypto` in the formats of `entry`, with a TTL that ends it in Redis too.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::backend::Stored;
use super::entry::{unix_ms, until, Hold, TokenEntry};
use super::{lock, FleetInner, SharedToken};
use crate::auth::source::Minted;
use crate::error::Error;
use crate::retry::hold::HoldSink;

impl FleetInner {
    /// The shared token in `read`, if it opens with this client's key, is not the one
    /// just refused, and is not yet due for refresh. (A member without a token that finds
    /// one due waits for the refresh too, or makes it: one rule for cold starts and
    /// refreshes.)
    pub(super) fn open_token(&self, read: Stored, refused: Option<&[u8]>) -> Option<SharedToken> {
        let sealed = match read {
            Stored::Missing => return None,
            Stored::Foreign => {
                self.store
                    .note_ignored("ignored a fleet token entry that is not a string");
                return None;
            }
            Stored::Value(sealed) => sealed,
        };
        if refused == Some(sealed.as_slice()) {
            return None;
        }
        let opened = self.sealer.open("token", &sealed);
        let Some((entry, header)) = opened
            .as_deref()
            .and_then(|plain| TokenEntry::decode(plain))
            .and_then(|entry| entry.header().map(|header| (entry, header)))
        else {
            self.store.note_ignored(
                "ignored a fleet token entry that does not open with this client's key \
                 (another client's, or altered)",
            );
            return None;
        };
        let now = self.clock.system_now();
        let expires_in = until(now, entry.expires_at_ms);
        let refresh_in = until(now, entry.refresh_at_ms);
        if expires_in.is_zero() || refresh_in.is_zero() {
            return None;
        }
        *lock(&self.last) = Some((header.clone(), sealed));
        Some(SharedToken {
            header,
            id: entry.token_id(),
            refresh_in,
            expires_in,
        })
    }

    /// A fleet-wide token endpoint cooldown in `read` that is still running, as the
    /// error to return.
    pub(super) fn open_cooldown(&self, read: Stored) -> Option<Error> {
        let Stored::Value(sealed) = read else {
            return None;
        };
        let hold = self
            .sealer
            .open("cooldown", &sealed)
            .and_then(|plain| Hold::decode(&plain));
        let Some(hold) = hold else {
            self.store
                .note_ignored("ignored a fleet cooldown that does not open with this client's key");
            return None;
        };
        let left = until(self.clock.system_now(), hold.until_ms);
        (!left.is_zero()).then(|| {
            Error::TokenUnavailable(format!(
                "another member of the fleet was refused a token; not asking again for {} ms \
                 (its error: {})",
                left.as_millis(),
                hold.reason
            ))
        })
    }

    /// Writes a token this member minted to the fleet cache (when Redis answers), with
    /// the refresh time this member chose for it.
    pub(super) async fn share(&self, token: &Minted) {
        if !self.store.usable() {
            return;
        }
        // Times count from when the request was sent, as the cache counts them.
        let since_sent = self.clock.now().saturating_duration_since(token.sent_at);
        let sent_ms = unix_ms(self.clock.system_now())
            .saturating_sub(u64::try_from(since_sent.as_millis()).unwrap_or(u64::MAX));
        let after =
            |d: Duration| sent_ms.saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let lifetime = token.issued.lifetime;
        let refresh_in = token.refresh_in.unwrap_or(lifetime).min(lifetime);
        let ttl = lifetime.saturating_sub(since_sent);
        let header = &token.issued.header;
        let entry = TokenEntry::new(header, &token.issued.id, after(refresh_in), after(lifetime));
        let Some(entry) = entry.filter(|_| !ttl.is_zero()) else {
            return;
        };
        let sealed = self.sealer.seal("token", &entry.encode());
        if self.store.set(&self.keys.token, &sealed, ttl).await.is_ok() {
            self.shared.fetch_add(1, Ordering::Relaxed);
            *lock(&self.last) = Some((header.clone(), sealed));
        }
    }

    /// Tells the fleet not to ask the token endpoint for `ttl` after `error`.
    pub(super) async fn publish_cooldown(&self, error: &Error, ttl: Duration) {
        if ttl.is_zero() || !self.store.usable() {
            return;
        }
        let until_ms = unix_ms(self.clock.system_now())
            .saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
        let hold = Hold::new(until_ms, &error.to_string());
        let sealed = self.sealer.seal("cooldown", &hold.encode());
        let _ = self.store.set(&self.keys.cooldown, &sealed, ttl).await;
    }

    /// Applies an API hold read from the fleet to this member.
    pub(super) fn apply_hold(&self, sealed: &[u8]) {
        let Some(hold) = self
            .sealer
            .open("hold", sealed)
            .and_then(|plain| Hold::decode(&plain))
        else {
            self.store
                .note_ignored("ignored a fleet API hold that does not open with this client's key");
            return;
        };
        let left = until(self.clock.system_now(), hold.until_ms);
        if !left.is_zero() {
            self.hold.extend(self.clock.now(), left);
        }
    }
}

impl HoldSink for FleetInner {
    fn publish(self: Arc<Self>, wait: Duration) {
        if wait.is_zero() || !self.store.usable() {
            return;
        }
        let until_ms = unix_ms(self.clock.system_now())
            .saturating_add(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
        let sealed = self.sealer.seal("hold", &Hold::new(until_ms, "").encode());
        let key = self.keys.hold.clone();
        // Called from the API call loop, which must not wait for Redis.
        tokio::spawn(async move {
            let _ = self.store.set(&key, &sealed, wait).await;
        });
    }
}
