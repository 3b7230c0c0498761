//! The token cache: one token shared by every clone of the client, minted by a single
//! flight and refreshed ahead of expiry without making anyone wait.
//!
//! * **Fast path.** A valid token outside its refresh window is read from an
//!   [`ArcSwapOption`]: no lock, no allocation. Calls through the client read it through
//!   a per-thread [`view::TokenView`] instead, which writes nothing another thread
//!   reads.
//! * **Single flight.** A mint or refresh runs in its own task; callers that need a token
//!   meanwhile subscribe to that task's result (a `watch` channel). However many callers
//!   arrive, there is one request in flight, and dropping any caller (even the one that
//!   started it) neither cancels it nor starts another.
//! * **Refresh ahead.** In the refresh window (see [`RefreshPolicy`]) the first caller
//!   starts a background refresh and everyone keeps the current token. Only a token that
//!   has really expired makes callers wait.
//! * **Failures.** A failed mint is remembered (a *cooldown*): callers get that error at
//!   once instead of asking the token endpoint again, for `permanent_failure_ttl` after a
//!   permanent failure and for a doubling backoff (or `Retry-After`) after others. While a
//!   refresh is failing, the still-valid token keeps being served.
//! * **Never wedged.** A flight always settles: when its task ends in an error, panics,
//!   or is dropped with its runtime, a guard (`flight::Flight`) records the outcome and
//!   wakes the waiters, so the next call can mint again.
//!
//! Where tokens come from is a seam: the cache asks a [`TokenSource`] (in production
//! [`super::mint::Minter`], which retries token requests under the shared retry rule).
//! A source that shares tokens across processes plugs in there (fleet mode,
//! `crate::fleet::source`); the cache's states (fast path, flight, cooldown) stay the
//! same whatever the source. The source also hears of tokens refused with a 401
//! ([`TokenSource::refused`]).
//!
//! This module owns the cache's state and the paths callers take through it; the
//! flight itself (spawning, storing, settling, cooldowns) is [`flight`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use reqwest::header::HeaderValue;
use tokio::sync::watch;

use self::flight::{abandoned, FlightResult};
use super::source::{TokenOrigin, TokenSource};
use super::token::TokenId;
use crate::clock::Clock;
use crate::config::policy::{RefreshPolicy, TokenRequestPolicy};
use crate::error::Error;
use crate::observe::{cache_lookup, memory_hit, MintReason, Tier};

/// A token in the cache.
#[derive(Debug)]
pub(crate) struct CachedToken {
    /// The `X-Auth-Token` value (sensitive).
    pub header: HeaderValue,
    /// Which mint produced it (1 for the first), to invalidate exactly this token.
    pub generation: u64,
    /// The token's `jti` or fingerprint.
    pub id: TokenId,
    /// When the refresh starts.
    pub refresh_at: Instant,
    /// When the token stops being used.
    pub expires_at: Instant,
    /// Minted here, or taken from the fleet cache.
    pub origin: TokenOrigin,
}

impl CachedToken {
    fn lease(&self) -> Lease {
        Lease {
            header: self.header.clone(),
            generation: self.generation,
        }
    }
}

/// What one call gets from the cache: the header to send, and which token it is.
#[derive(Debug, Clone)]
pub(crate) struct Lease {
    /// The `X-Auth-Token` value (sensitive).
    pub header: HeaderValue,
    /// The generation of the token, for [`TokenCache::invalidate`].
    pub generation: u64,
}

/// What the cache knows about its token: the part of [`crate::TokenStatus`] that is
/// the cache's (`crate::client::status` adds the 429 hold and the fleet member).
#[derive(Debug, Clone)]
pub(crate) struct CacheStatus {
    pub token_id: Option<TokenId>,
    pub valid_for: Option<Duration>,
    pub refresh_in: Option<Duration>,
    pub refreshing: bool,
    pub consecutive_failures: u32,
    pub last_error: Option<Error>,
    pub tokens_minted: u64,
    pub origin: Option<TokenOrigin>,
    pub last_mint_reason: Option<MintReason>,
}

/// The shared token cache (cheap to clone).
#[derive(Debug, Clone)]
pub(crate) struct TokenCache {
    inner: Arc<CacheInner>,
}

#[derive(Debug)]
struct CacheInner {
    source: Arc<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    refresh: RefreshPolicy,
    requests: TokenRequestPolicy,
    /// Behind an `Arc` of its own, which each thread's [`view::TokenView`] holds.
    current: Arc<ArcSwapOption<CachedToken>>,
    control: Mutex<Control>,
    generations: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Default)]
struct Control {
    flight: Option<watch::Receiver<FlightResult>>,
    cooldown: Option<Cooldown>,
    consecutive_failures: u32,
    last_error: Option<Error>,
    minted: u64,
    /// Why the last flight started.
    last_reason: Option<MintReason>,
    /// Why the cache was emptied (a 401, or the caller), for the next mint's reason.
    dropped: Option<MintReason>,
}

#[derive(Debug)]
struct Cooldown {
    until: Instant,
    error: Error,
}

impl TokenCache {
    pub fn new(
        source: Arc<dyn TokenSource>,
        clock: Arc<dyn Clock>,
        refresh: RefreshPolicy,
        requests: TokenRequestPolicy,
    ) -> Self {
        Self {
            inner: Arc::new(CacheInner {
                source,
                clock,
                refresh,
                requests,
                current: Arc::new(ArcSwapOption::empty()),
                control: Mutex::new(Control::default()),
                generations: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// A usable token: the cached one, or the result of the (single) mint in flight.
    ///
    /// The fast path reads the cache without a lock and without touching the cached
    /// token's reference count: the only shared write is the header value's own count.
    pub async fn lease(&self) -> Result<Lease, Error> {
        let now = self.inner.clock.now();
        let refresh_due = {
            let current = self.inner.current.load();
            match &*current {
                Some(token) if now < token.refresh_at => return Ok(memory_hit(token.lease())),
                Some(token) if now < token.expires_at => Some(memory_hit(token.lease())),
                _ => None,
            }
        };
        if let Some(lease) = refresh_due {
            self.start_refresh_if_due(now);
            return Ok(lease);
        }
        cache_lookup(Tier::Memory, false);
        self.wait_for_fresh_token().await.map(|token| token.lease())
    }

    /// Drops the token of `generation` from the cache if it is still the cached one
    /// (after a 401), so the next call mints a new one. Returns whether it was.
    pub fn invalidate(&self, generation: u64) -> bool {
        let current = self.inner.current.load();
        let Some(token) = current.as_ref().filter(|t| t.generation == generation) else {
            return false;
        };
        let previous = self.inner.current.compare_and_swap(&*current, None);
        let invalidated = previous.as_ref().is_some_and(|p| Arc::ptr_eq(p, token));
        if invalidated {
            tracing::info!(target: "flowpayroll::auth", jti = %token.id.logged(), "token invalidated after 401");
            self.inner.source.refused(&token.header);
            self.inner.lock().dropped = Some(MintReason::After401);
        }
        invalidated
    }

    /// Drops the cached token, whichever it is, and forgets a failed mint's cooldown:
    /// the next call mints (reason [`MintReason::Invalidated`]). The source hears of it
    /// like of a refused token, so a fleet does not hand the same token back. Returns
    /// whether there was a token to drop.
    pub fn invalidate_current(&self) -> bool {
        let mut control = self.inner.lock();
        control.cooldown = None;
        control.dropped = Some(MintReason::Invalidated);
        let Some(token) = self.inner.current.swap(None) else {
            return false;
        };
        drop(control);
        tracing::info!(target: "flowpayroll::auth", jti = %token.id.logged(), "token invalidated by the caller");
        self.inner.source.refused(&token.header);
        true
    }

    /// Mints a new token now (reason [`MintReason::Forced`]), or joins the mint already
    /// running, and waits for it; a failed mint's cooldown does not stop it. The cached
    /// token keeps serving calls meanwhile, and stays if the mint fails. The source
    /// hears of the replaced token like of a refused one, so a fleet mints (and shares)
    /// a new token instead of handing the same one back.
    pub async fn force_refresh(&self) -> Result<(), Error> {
        let flight = {
            let mut control = self.inner.lock();
            match &control.flight {
                Some(flight) => flight.clone(),
                None => {
                    control.cooldown = None;
                    if let Some(token) = &*self.inner.current.load() {
                        self.inner.source.refused(&token.header);
                    }
                    self.spawn_flight(&mut control, MintReason::Forced)?
                }
            }
        };
        tracing::info!(target: "flowpayroll::auth", "token refresh forced by the caller");
        join(flight).await.map(drop)
    }

    pub fn status(&self) -> CacheStatus {
        let now = self.inner.clock.now();
        let current = self
            .inner
            .current
            .load_full()
            .filter(|t| now < t.expires_at);
        let control = self.inner.lock();
        CacheStatus {
            token_id: current.as_ref().map(|t| t.id.clone()),
            valid_for: current
                .as_ref()
                .map(|t| t.expires_at.saturating_duration_since(now)),
            refresh_in: current
                .as_ref()
                .map(|t| t.refresh_at.saturating_duration_since(now)),
            refreshing: control.flight.is_some(),
            consecutive_failures: control.consecutive_failures,
            last_error: control.last_error.clone(),
            tokens_minted: control.minted,
            origin: current.as_ref().map(|t| t.origin),
            last_mint_reason: control.last_reason,
        }
    }

    fn start_refresh_if_due(&self, now: Instant) {
        let mut control = self.inner.lock();
        let cooling = control.cooldown.as_ref().is_some_and(|c| now < c.until);
        if control.flight.is_none() && !cooling {
            tracing::debug!(target: "flowpayroll::auth", "token refresh started");
            // Without a runtime there is no refresh; the current token is still valid
            // and the next call that must wait reports the missing runtime.
            let _ = self.spawn_flight(&mut control, MintReason::RefreshAhead);
        }
    }

    async fn wait_for_fresh_token(&self) -> Result<Arc<CachedToken>, Error> {
        // A flight abandoned by its runtime (another runtime's, for a client kept in a
        // `static`) is joined once more with a flight of this caller's runtime.
        let mut tries = 0;
        loop {
            tries += 1;
            let flight = {
                let mut control = self.inner.lock();
                let now = self.inner.clock.now();
                // A flight may have finished between the fast path and taking the lock.
                if let Some(token) = self
                    .inner
                    .current
                    .load_full()
                    .filter(|t| now < t.expires_at)
                {
                    return Ok(token);
                }
                match (&control.flight, &control.cooldown) {
                    (Some(flight), _) => flight.clone(),
                    (None, Some(cooldown)) if now < cooldown.until => {
                        return Err(cooldown.error.clone())
                    }
                    (None, _) => {
                        let reason = self.inner.trigger(&control);
                        self.spawn_flight(&mut control, reason)?
                    }
                }
            };
            match join(flight).await {
                Err(Error::TokenUnavailable(_)) if tries < 2 => continue,
                result => return result,
            }
        }
    }
}

/// The result of the flight `flight`, once it ends.
async fn join(mut flight: watch::Receiver<FlightResult>) -> Result<Arc<CachedToken>, Error> {
    let outcome = flight.wait_for(Option::is_some).await;
    match outcome.as_deref() {
        Ok(Some(result)) => result.clone(),
        // The guard always sends before the sender goes; this is only defence.
        _ => Err(abandoned()),
    }
}

impl CacheInner {
    fn lock(&self) -> MutexGuard<'_, Control> {
        // The lock is never held across an await or user code; a poisoned lock still
        // holds consistent data.
        self.control
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

mod flight;
#[cfg(test)]
mod tests;
pub(crate) mod view;
