//! The single flight: the one mint a cache runs at a time, in its own task, and how its
//! end is published. Whatever ends it (a token, an error, a panic, its runtime dropping
//! the task), [`Flight`] stores the token or records the failure's cooldown and wakes
//! every waiter, so the cache can never stay "refreshing".

use std::sync::Arc;

use tokio::sync::watch;
use tracing::Instrument;

use super::{CacheInner, CachedToken, Control, Cooldown, TokenCache};
use crate::auth::source::{Minted, TokenOrigin};
use crate::clock::later;
use crate::error::Error;
use crate::observe::spans::mint_span;
use crate::observe::{mint_ended, MintReason, MintResult};
use crate::retry::wait::failure_cooldown;

/// What a flight's waiters receive: `None` until it ends.
pub(super) type FlightResult = Option<Result<Arc<CachedToken>, Error>>;

impl TokenCache {
    /// Starts a mint in its own task and records it as the flight everyone joins.
    pub(super) fn spawn_flight(
        &self,
        control: &mut Control,
        trigger: MintReason,
    ) -> Result<watch::Receiver<FlightResult>, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::TokenUnavailable(
                "no Tokio runtime: FlowPayroll calls must run inside one".to_owned(),
            )
        })?;
        let (sender, receiver) = watch::channel(None);
        control.flight = Some(receiver.clone());
        control.last_reason = Some(trigger);
        let flight = Flight {
            inner: Arc::clone(&self.inner),
            sender: Some(sender),
            trigger,
            started: self.inner.clock.now(),
        };
        let span = mint_span(trigger);
        runtime.spawn(
            async move {
                let result = flight.inner.source.mint().await;
                flight.finish(result);
            }
            .instrument(span),
        );
        Ok(receiver)
    }
}

/// The error of a flight that ended without a result.
pub(super) fn abandoned() -> Error {
    Error::TokenUnavailable(
        "the token request was abandoned (its task panicked or its Tokio runtime shut down)"
            .to_owned(),
    )
}

/// The one running mint. Whatever ends it (a result, a panic, its runtime dropping the
/// task), the flight is settled and its waiters are woken: the cache cannot stay
/// "refreshing" forever.
struct Flight {
    inner: Arc<CacheInner>,
    sender: Option<watch::Sender<FlightResult>>,
    trigger: MintReason,
    /// When the mint started, on the cache's clock.
    started: std::time::Instant,
}

impl Flight {
    fn finish(mut self, result: Result<Minted, Error>) {
        self.record(result.as_ref().map(|minted| minted.origin));
        let result = result.map(|minted| self.inner.store(minted, self.trigger));
        self.inner.settle(&result);
        if let Some(sender) = self.sender.take() {
            // Nobody listening is fine: the token is in the cache for the next caller.
            let _ = sender.send(Some(result));
        }
    }

    /// The mint's metrics: how it ended, why it started, how long it took.
    fn record(&self, origin: Result<TokenOrigin, &Error>) {
        let result = origin.map(|origin| match origin {
            TokenOrigin::Minted => MintResult::Minted,
            TokenOrigin::FleetCache => MintResult::FleetCache,
        });
        let elapsed = self
            .inner
            .clock
            .now()
            .saturating_duration_since(self.started);
        mint_ended(self.trigger, self.inner.source.mode(), result, elapsed);
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        let Some(sender) = self.sender.take() else {
            return;
        };
        let error = abandoned();
        self.record(Err(&error));
        tracing::warn!(
            target: "flowpayroll::auth",
            panicked = std::thread::panicking(),
            "token request abandoned; the next call mints again"
        );
        self.inner.settle_abandoned(&error);
        let _ = sender.send(Some(Err(error)));
    }
}

impl CacheInner {
    /// Why a caller that found no usable token starts a mint: none yet, the cached one
    /// expired, or it was dropped (after a 401, or by the caller: `control.dropped`).
    pub(super) fn trigger(&self, control: &Control) -> MintReason {
        match &*self.current.load() {
            Some(_) => MintReason::Expired,
            None if self.generations.load(std::sync::atomic::Ordering::Relaxed) == 0 => {
                MintReason::Cold
            }
            None => control.dropped.unwrap_or(MintReason::After401),
        }
    }

    /// Turns a minted token into the cached one (refresh time, generation) and logs it.
    fn store(&self, minted: Minted, trigger: MintReason) -> Arc<CachedToken> {
        let Minted {
            issued,
            sent_at,
            refresh_in,
            origin,
        } = minted;
        let lifetime = issued.lifetime;
        let refresh_in = refresh_in.unwrap_or_else(|| {
            lifetime.saturating_sub(self.refresh.margin(lifetime, self.clock.jitter()))
        });
        let token = CachedToken {
            header: issued.header,
            generation: self
                .generations
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .wrapping_add(1),
            refresh_at: later(sent_at, refresh_in),
            expires_at: later(sent_at, lifetime),
            id: issued.id,
            origin,
        };
        let latency = self.clock.now().saturating_duration_since(sent_at);
        tracing::info!(
            target: "flowpayroll::auth",
            jti = %token.id.logged(),
            expires_in_s = lifetime.as_secs(),
            refresh_in_s = refresh_in.as_secs(),
            latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            refresh = trigger == MintReason::RefreshAhead,
            reason = trigger.label(),
            from_fleet_cache = origin == TokenOrigin::FleetCache,
            "token minted"
        );
        Arc::new(token)
    }

    /// Settles a flight that ended without a result: no cooldown, so the next call
    /// mints again at once.
    fn settle_abandoned(&self, error: &Error) {
        let mut control = self.lock();
        control.flight = None;
        control.consecutive_failures = control.consecutive_failures.saturating_add(1);
        control.last_error = Some(error.clone());
    }

    /// Publishes the result of a flight: the new token, or the cooldown of a failure.
    fn settle(&self, result: &Result<Arc<CachedToken>, Error>) {
        let mut control = self.lock();
        control.flight = None;
        match result {
            Ok(token) => {
                self.current.store(Some(Arc::clone(token)));
                control.cooldown = None;
                control.consecutive_failures = 0;
                control.last_error = None;
                if token.origin == TokenOrigin::Minted {
                    control.minted = control.minted.saturating_add(1);
                }
            }
            Err(error) => {
                control.consecutive_failures = control.consecutive_failures.saturating_add(1);
                let ttl = failure_cooldown(&self.requests, error, control.consecutive_failures);
                tracing::warn!(
                    target: "flowpayroll::auth",
                    error = %error,
                    failures = control.consecutive_failures,
                    cooldown_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
                    "token refresh failed"
                );
                control.cooldown = Some(Cooldown {
                    until: later(self.clock.now(), ttl),
                    error: error.clone(),
                });
                control.last_error = Some(error.clone());
            }
        }
    }
}
