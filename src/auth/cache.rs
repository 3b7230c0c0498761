//! The token cache: one token shared by every clone of the client, minted by a single
//! flight and refreshed ahead of expiry without making anyone wait.
//!
//! * **Fast path.** A valid token outside its refresh window is read from an
//!   [`ArcSwapOption`]: no lock, no allocation (an `Arc` count goes up).
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

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use reqwest::header::HeaderValue;
use reqwest::StatusCode;
use tokio::sync::watch;
use tokio::time::Instant;

use super::clock::Clock;
use super::token::{TokenEndpoint, TokenId, OPERATION};
use crate::error::Error;
use crate::generated::ErrorBody;
use crate::policy::{backoff, RefreshPolicy, TokenRequestPolicy};

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

type FlightResult = Option<Result<Arc<CachedToken>, Error>>;

/// What the cache knows about its token, for readiness probes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenStatus {
    /// The `jti` (or fingerprint) of the cached token.
    pub token_id: Option<TokenId>,
    /// How long the cached token stays usable; `None` without one.
    pub valid_for: Option<Duration>,
    /// How long until the cached token is refreshed (zero: refresh due or running).
    pub refresh_in: Option<Duration>,
    /// Whether a mint or refresh is running now.
    pub refreshing: bool,
    /// Failed mints in a row.
    pub consecutive_failures: u32,
    /// The error of the last failed mint, until one succeeds.
    pub last_error: Option<Error>,
    /// Tokens minted since the client was built.
    pub tokens_minted: u64,
}

/// The shared token cache (cheap to clone).
#[derive(Debug, Clone)]
pub(crate) struct TokenCache {
    inner: Arc<CacheInner>,
}

#[derive(Debug)]
struct CacheInner {
    endpoint: TokenEndpoint,
    clock: Arc<dyn Clock>,
    refresh: RefreshPolicy,
    requests: TokenRequestPolicy,
    current: ArcSwapOption<CachedToken>,
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
}

#[derive(Debug)]
struct Cooldown {
    until: Instant,
    error: Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Cold,
    Refresh,
}

impl TokenCache {
    pub fn new(
        endpoint: TokenEndpoint,
        clock: Arc<dyn Clock>,
        refresh: RefreshPolicy,
        requests: TokenRequestPolicy,
    ) -> Self {
        Self {
            inner: Arc::new(CacheInner {
                endpoint,
                clock,
                refresh,
                requests,
                current: ArcSwapOption::empty(),
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
                Some(token) if now < token.refresh_at => return Ok(token.lease()),
                Some(token) if now < token.expires_at => Some(token.lease()),
                _ => None,
            }
        };
        if let Some(lease) = refresh_due {
            self.start_refresh_if_due(now);
            return Ok(lease);
        }
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
            tracing::info!(target: "flowpayroll::auth", jti = %token.id, "token invalidated after 401");
        }
        invalidated
    }

    pub fn status(&self) -> TokenStatus {
        let now = self.inner.clock.now();
        let current = self
            .inner
            .current
            .load_full()
            .filter(|t| now < t.expires_at);
        let control = self.inner.lock();
        TokenStatus {
            token_id: current.as_ref().map(|t| t.id.clone()),
            valid_for: current.as_ref().map(|t| t.expires_at - now),
            refresh_in: current
                .as_ref()
                .map(|t| t.refresh_at.saturating_duration_since(now)),
            refreshing: control.flight.is_some(),
            consecutive_failures: control.consecutive_failures,
            last_error: control.last_error.clone(),
            tokens_minted: control.minted,
        }
    }

    fn start_refresh_if_due(&self, now: Instant) {
        let mut control = self.inner.lock();
        let cooling = control.cooldown.as_ref().is_some_and(|c| now < c.until);
        if control.flight.is_none() && !cooling {
            tracing::debug!(target: "flowpayroll::auth", "token refresh started");
            self.spawn_flight(&mut control, Trigger::Refresh);
        }
    }

    async fn wait_for_fresh_token(&self) -> Result<Arc<CachedToken>, Error> {
        let mut flight = {
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
                (None, _) => self.spawn_flight(&mut control, Trigger::Cold),
            }
        };
        let outcome = flight.wait_for(Option::is_some).await;
        match outcome.as_deref() {
            Ok(Some(result)) => result.clone(),
            _ => Err(Error::TokenUnavailable(
                "the token request was abandoned (is the Tokio runtime shutting down?)".to_owned(),
            )),
        }
    }

    /// Starts a mint in its own task and records it as the flight everyone joins.
    fn spawn_flight(
        &self,
        control: &mut Control,
        trigger: Trigger,
    ) -> watch::Receiver<FlightResult> {
        let (sender, receiver) = watch::channel(None);
        control.flight = Some(receiver.clone());
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let result = inner.mint(trigger).await;
            inner.settle(&result);
            // Nobody listening is fine: the token is in the cache for the next caller.
            let _ = sender.send(Some(result));
        });
        receiver
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

    /// One mint, retrying transient failures with backoff, within its own deadline.
    async fn mint(&self, trigger: Trigger) -> Result<Arc<CachedToken>, Error> {
        let clock = &*self.clock;
        let deadline = clock.now() + self.requests.deadline;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent_at = clock.now();
            // Each attempt is bounded by the token request timeout; the deadline is
            // checked before every wait, so a mint never outlives it by more than one
            // attempt.
            let error = match self.endpoint.request(clock.system_now()).await {
                Ok(issued) => {
                    let margin = self.refresh.margin(issued.lifetime, fastrand::f64());
                    let token = CachedToken {
                        header: issued.header,
                        generation: self
                            .generations
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                            + 1,
                        refresh_at: sent_at + (issued.lifetime - margin),
                        expires_at: sent_at + issued.lifetime,
                        id: issued.id,
                    };
                    tracing::info!(
                        target: "flowpayroll::auth",
                        jti = %token.id,
                        expires_in_s = issued.lifetime.as_secs(),
                        refresh_in_s = (issued.lifetime - margin).as_secs(),
                        latency_ms = (clock.now() - sent_at).as_millis() as u64,
                        refresh = trigger == Trigger::Refresh,
                        "token minted"
                    );
                    return Ok(Arc::new(token));
                }
                Err(error) => error,
            };
            let wait = match classify(&error) {
                Failure::Transient { retry_after } if attempt < self.requests.attempts => {
                    retry_after
                        .map(|w| w.min(self.requests.max_backoff))
                        .unwrap_or_else(|| {
                            backoff(
                                self.requests.base_backoff,
                                self.requests.max_backoff,
                                attempt - 1,
                            )
                        })
                }
                _ => return Err(error),
            };
            if clock.now() + wait >= deadline {
                return Err(error);
            }
            tracing::warn!(
                target: "flowpayroll::auth",
                attempt,
                wait_ms = wait.as_millis() as u64,
                error = %error,
                "token request failed; retrying"
            );
            clock.sleep(wait).await;
        }
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
                control.minted += 1;
            }
            Err(error) => {
                control.consecutive_failures += 1;
                let ttl = match classify(error) {
                    Failure::Permanent => self.requests.permanent_failure_ttl,
                    Failure::Transient {
                        retry_after: Some(wait),
                    } => wait.min(self.requests.max_failure_cooldown),
                    _ => Duration::from_secs(1)
                        .saturating_mul(1 << (control.consecutive_failures - 1).min(16))
                        .min(self.requests.max_failure_cooldown),
                };
                tracing::warn!(
                    target: "flowpayroll::auth",
                    error = %error,
                    failures = control.consecutive_failures,
                    cooldown_ms = ttl.as_millis() as u64,
                    "token refresh failed"
                );
                control.cooldown = Some(Cooldown {
                    until: self.clock.now() + ttl,
                    error: error.clone(),
                });
                control.last_error = Some(error.clone());
            }
        }
    }
}

enum Failure {
    /// Retrying with the same credentials cannot succeed.
    Permanent,
    /// May succeed later.
    Transient { retry_after: Option<Duration> },
    /// Not retried, but not known to be permanent (a malformed response...).
    Other,
}

fn classify(error: &Error) -> Failure {
    match error {
        Error::Transport { .. } | Error::TokenUnavailable(_) => {
            Failure::Transient { retry_after: None }
        }
        Error::Api(api) if api.operation() == OPERATION => {
            let code = match api.body() {
                Some(ErrorBody::OAuthError(body)) => Some(body.error.as_str()),
                _ => None,
            };
            let status = api.status();
            if status == StatusCode::UNAUTHORIZED
                || matches!(
                    code,
                    Some("invalid_client" | "unauthorized_client" | "invalid_scope")
                )
            {
                Failure::Permanent
            } else if status == StatusCode::REQUEST_TIMEOUT
                || status == StatusCode::TOO_MANY_REQUESTS
                || status.is_server_error()
            {
                Failure::Transient {
                    retry_after: api.retry_after(),
                }
            } else {
                Failure::Other
            }
        }
        _ => Failure::Other,
    }
}
