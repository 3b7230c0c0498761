//! Fleet mode (feature `redis`): the processes of a service that share one client id
//! share one token, one mint lease and one back-off through Redis. Turn it on with
//! [`crate::FlowPayrollBuilder::redis_url`] or `FLOWPAYROLL_REDIS_URL`; tune it with
//! [`FleetPolicy`]; watch it in [`crate::TokenStatus::fleet`]. The fleet guide
//! (`docs/fleet.md`, shipped in the package) describes the behaviour at length.
//!
//! Inside, the seam with the token cache (`auth::cache`) is its `TokenSource`: the cache
//! keeps its lock-free fast path and its in-process single flight, and in fleet mode its
//! flights (a cold mint, a refresh, a re-mint after a 401) ask `source::FleetSource`,
//! which runs `Fleet::obtain` around the usual minter. The cache also reports a refused
//! token (`TokenSource::refused`); the client's 429 hold reaches the fleet through
//! `hold::HoldSink`.
//!
//! One flight in fleet mode:
//! 1. a token refused here (401) is deleted from Redis if it is still the shared one
//!    (compare-and-delete), so a 401 seen by a hundred members causes one re-mint;
//! 2. a usable shared entry is adopted (for a refresh: one not yet due for refresh);
//! 3. a fleet-wide token endpoint cooldown is returned as an error, without a request;
//! 4. otherwise the member takes the mint lease (`lease`), reads the entry once more
//!    (the previous holder may just have shared it), mints, writes the entry and
//!    releases the lease (or writes the cooldown if the mint failed); members that find
//!    the lease taken poll for the entry, each wait jittered, for at most one lease.
//!
//! Redis that is down, slow, flushed or answering garbage never fails a call: each step
//! falls back to minting locally (`store` marks Redis unavailable and `watch` brings it
//! back). Values are sealed by `crypto` in the formats of `entry`; `remote` reads and
//! writes them.

mod budget;
mod crypto;
mod entry;
mod lease;
mod remote;
pub(crate) mod settings;
pub(crate) mod source;
mod status;
mod store;
mod watch;

pub use self::settings::FleetPolicy;

pub use self::status::{FleetState, FleetStatus};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use reqwest::header::HeaderValue;

use self::lease::{jittered, Lease};
use self::store::Store;
use crate::auth::source::Minted;
use crate::auth::token::TokenId;
use crate::clock::Clock;
use crate::error::Error;
use crate::observe::{cache_lookup, Tier};
use crate::retry::hold::{ApiHold, HoldSink};
use crate::secret::SecretString;

/// A token found in the fleet cache, with its times relative to now.
#[derive(Debug)]
pub(crate) struct SharedToken {
    pub header: HeaderValue,
    pub id: TokenId,
    pub refresh_in: Duration,
    pub expires_in: Duration,
}

/// What [`Fleet::obtain`] produced.
#[derive(Debug)]
pub(crate) enum Obtained {
    /// Minted by this member (and shared when Redis allowed).
    Minted(Minted),
    /// Taken from the fleet cache.
    Shared(SharedToken),
}

/// A fleet member (one per client, shared by its clones).
#[derive(Debug, Clone)]
pub(crate) struct Fleet {
    inner: Arc<FleetInner>,
}

/// The Redis keys of one client's namespace (a hash tag keeps them on one cluster slot).
#[derive(Debug)]
struct Keys {
    token: String,
    lease: String,
    hold: String,
    cooldown: String,
    /// The rate limiter's group hashes: this, then the group's path.
    rate_prefix: String,
    /// The members seen lately (a sorted set).
    members: String,
}

#[derive(Debug)]
pub(crate) struct FleetInner {
    store: Store,
    sealer: crypto::Sealer,
    keys: Keys,
    policy: FleetPolicy,
    clock: Arc<dyn Clock>,
    hold: Arc<ApiHold>,
    watcher: Once,
    /// This member's id among the members seen by the rate limiter.
    member_id: String,
    scripts: budget::Scripts,
    /// The sealed entry of the last token adopted or shared, with its header.
    last: Mutex<Option<(HeaderValue, Vec<u8>)>>,
    /// The sealed entry of a token refused with a 401, to delete before the next read.
    refused: Mutex<Option<Vec<u8>>>,
    adopted: AtomicU64,
    shared: AtomicU64,
    local: AtomicU64,
}

/// Where one flight goes after looking at Redis.
enum Step {
    Adopt(SharedToken),
    Cooling(Error),
    /// Mint under this lease, or locally (`None`) and say why.
    Mint(Option<Lease>, Option<&'static str>),
}

/// Identifies the client whose tokens a fleet shares.
#[derive(Debug)]
pub(crate) struct Member<'a> {
    pub token_url: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a SecretString,
    pub scope: Option<&'a str>,
}

impl<'a> Member<'a> {
    /// The client `endpoint` mints for.
    pub(crate) fn of(endpoint: &'a crate::auth::token::TokenEndpoint) -> Self {
        Self {
            token_url: endpoint.url.as_str(),
            client_id: &endpoint.client_id,
            client_secret: &endpoint.client_secret,
            scope: endpoint.scope.as_deref(),
        }
    }
}

impl Fleet {
    /// A member of the fleet at `redis_url` (nothing is sent until the first mint).
    pub(crate) fn new(
        redis_url: &SecretString,
        member: Member<'_>,
        policy: FleetPolicy,
        clock: Arc<dyn Clock>,
        hold: &Arc<ApiHold>,
        limiter: Option<&Arc<crate::limiter::Limiter>>,
    ) -> Result<Self, Error> {
        let client = redis::Client::open(redis_url.expose_secret()).map_err(|e| {
            // The URL may hold a password: name the problem, not the URL.
            Error::Config(format!(
                "the Redis URL is not valid ({:?}); expected redis://[:password@]host[:port][/db]",
                e.kind()
            ))
        })?;
        let namespace = crypto::namespace(member.token_url, member.client_id, member.scope);
        let key = |kind: &str| format!("flowpayroll:{{{namespace}}}:{kind}");
        let inner = Arc::new(FleetInner {
            store: Store::new(client, policy.clone(), Arc::clone(&clock)),
            sealer: crypto::Sealer::new(member.client_secret, &namespace),
            keys: Keys {
                token: key("token"),
                lease: key("lease"),
                hold: key("hold"),
                cooldown: key("cooldown"),
                rate_prefix: key("rate:"),
                members: key("members"),
            },
            policy,
            clock,
            hold: Arc::clone(hold),
            watcher: Once::new(),
            member_id: format!("{:032x}", fastrand::u128(..)),
            scripts: budget::Scripts::default(),
            last: Mutex::new(None),
            refused: Mutex::new(None),
            adopted: AtomicU64::new(0),
            shared: AtomicU64::new(0),
            local: AtomicU64::new(0),
        });
        let sink: Arc<dyn HoldSink> = inner.clone();
        hold.share_with(Arc::downgrade(&sink));
        if let Some(limiter) = limiter {
            budget::share(&inner, limiter);
        }
        Ok(Self { inner })
    }

    /// A token for the cache's flight: shared, or minted with `mint` (under the lease
    /// when Redis answers, locally when it does not). `refresh` says the member still
    /// has a valid token; `cooldown` says how long a failed mint is remembered.
    pub(crate) async fn obtain<M, Fut>(
        &self,
        mint: M,
        cooldown: impl Fn(&Error) -> Duration,
    ) -> Result<Obtained, Error>
    where
        M: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Minted, Error>>,
    {
        let inner = &self.inner;
        inner.watcher.call_once(|| watch::spawn(&self.inner));
        let (lease, local_reason) = match inner.look().await {
            Step::Adopt(token) => {
                inner.adopted.fetch_add(1, Ordering::Relaxed);
                cache_lookup(Tier::Fleet, true);
                return Ok(Obtained::Shared(token));
            }
            Step::Cooling(error) => return Err(error),
            Step::Mint(lease, reason) => (lease, reason),
        };
        cache_lookup(Tier::Fleet, false);
        if let Some(reason) = local_reason {
            inner.local.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(target: "flowpayroll::fleet", reason, "minting locally");
        }
        let result = mint().await;
        match &result {
            Ok(token) => inner.share(token).await,
            Err(error) if lease.is_some() => inner.publish_cooldown(error, cooldown(error)).await,
            Err(_) => {}
        }
        if let Some(lease) = lease {
            lease.release(&inner.store).await;
        }
        result.map(Obtained::Minted)
    }

    /// Notes that `header` was refused (401): if it is the shared token, the next
    /// flight deletes it from Redis unless another member already replaced it.
    pub(crate) fn refused(&self, header: &HeaderValue) {
        let last = lock(&self.inner.last);
        if let Some((_, sealed)) = last.as_ref().filter(|(h, _)| h == header) {
            *lock(&self.inner.refused) = Some(sealed.clone());
        }
    }

    pub(crate) fn status(&self) -> FleetStatus {
        let (state, reason) = self.inner.store.state();
        FleetStatus {
            state,
            reason,
            tokens_adopted: self.inner.adopted.load(Ordering::Relaxed),
            tokens_shared: self.inner.shared.load(Ordering::Relaxed),
            local_mints: self.inner.local.load(Ordering::Relaxed),
        }
    }
}

impl FleetInner {
    /// Steps 1 to 4 of the module docs, up to the mint.
    async fn look(&self) -> Step {
        let store = &self.store;
        if !store.usable() {
            return Step::Mint(None, Some("Redis unavailable"));
        }
        let refused = lock(&self.refused).take();
        if let Some(sealed) = &refused {
            let _ = store.compare_and_delete(&self.keys.token, sealed).await;
        }
        let give_up_at = self.clock.now() + self.policy.lease + self.policy.timeout;
        loop {
            let Ok(read) = store.get(&self.keys.token).await else {
                return Step::Mint(None, Some("Redis unavailable"));
            };
            if let Some(token) = self.open_token(read, refused.as_deref()) {
                return Step::Adopt(token);
            }
            match store.get(&self.keys.cooldown).await {
                Err(()) => return Step::Mint(None, Some("Redis unavailable")),
                Ok(read) => {
                    if let Some(error) = self.open_cooldown(read) {
                        return Step::Cooling(error);
                    }
                }
            }
            match Lease::acquire(store, &self.keys.lease, self.policy.lease).await {
                Err(()) => return Step::Mint(None, Some("Redis unavailable")),
                Ok(Some(lease)) => {
                    // The previous holder may have shared its token and released the
                    // lease between the read above and taking it: look once more.
                    let Ok(read) = store.get(&self.keys.token).await else {
                        return Step::Mint(None, Some("Redis unavailable"));
                    };
                    if let Some(token) = self.open_token(read, refused.as_deref()) {
                        lease.release(store).await;
                        return Step::Adopt(token);
                    }
                    return Step::Mint(Some(lease), None);
                }
                Ok(None) => {}
            }
            if self.clock.now() >= give_up_at {
                return Step::Mint(None, Some("the lease holder did not share a token in time"));
            }
            self.clock
                .sleep(jittered(self.policy.wait_poll, self.clock.jitter()))
                .await;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
