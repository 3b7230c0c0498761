//! [`TokenView`]: one thread's view of the cache's token, for the fast path of a call.
//!
//! Every clone of a `HeaderValue` bumps a reference count in the bytes it shares, so
//! threads that all clone the cached token's header write to the same cache line on
//! every call and slow each other down. A view keeps its own copy of the header, made
//! once per token, and notices a new token (a refresh, a 401 invalidation, a token from
//! the fleet) with one read of the cache's pointer ([`arc_swap::Cache`]): no lock, no
//! write to memory another thread uses. A view is meant to be kept per thread
//! (`crate::client::thread_lease`).

use std::sync::Arc;
use std::time::Instant;

use arc_swap::{ArcSwapOption, Cache};
use reqwest::header::HeaderValue;

use super::{CachedToken, Lease, TokenCache};
use crate::observe::memory_hit;

/// One thread's view of a [`TokenCache`]'s token.
#[derive(Debug)]
pub(crate) struct TokenView {
    current: Cache<Arc<ArcSwapOption<CachedToken>>, Option<Arc<CachedToken>>>,
    /// The token the copy was made from (held, so that no later token can have its
    /// address) and this view's copy of its header.
    copy: Option<(Arc<CachedToken>, HeaderValue)>,
}

impl TokenView {
    pub fn new(cache: &TokenCache) -> Self {
        Self {
            current: Cache::new(Arc::clone(&cache.inner.current)),
            copy: None,
        }
    }

    /// The cached token when it is valid at `now` and not yet due for a refresh; `None`
    /// sends the caller to [`TokenCache::lease`], which refreshes, waits or mints.
    #[inline]
    pub fn fresh(&mut self, now: Instant) -> Option<Lease> {
        let token = self.current.load().as_ref()?;
        if now >= token.refresh_at {
            return None;
        }
        let header = match &self.copy {
            Some((copied, header)) if Arc::ptr_eq(copied, token) => header.clone(),
            _ => {
                let header = own_copy(&token.header);
                self.copy = Some((Arc::clone(token), header.clone()));
                header
            }
        };
        Some(memory_hit(Lease {
            header,
            generation: token.generation,
        }))
    }
}

/// A header value with the same bytes and sensitivity as `value` in an allocation of
/// its own.
fn own_copy(value: &HeaderValue) -> HeaderValue {
    match HeaderValue::from_bytes(value.as_bytes()) {
        Ok(mut copy) => {
            copy.set_sensitive(value.is_sensitive());
            copy
        }
        // The bytes were a valid header value already; this is only defence.
        Err(_) => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_equal_sensitive_and_does_not_share_the_bytes() {
        let mut value = HeaderValue::from_str("tok-4f9a").unwrap();
        value.set_sensitive(true);
        let copy = own_copy(&value);
        assert_eq!(copy, value);
        assert!(copy.is_sensitive());
        assert_ne!(copy.as_bytes().as_ptr(), value.as_bytes().as_ptr());
    }
}
