//! The seam between the token cache and where its tokens come from: the
//! [`TokenSource`] a cache mints through, what one mint hands back ([`Minted`]) and
//! where a cached token came from ([`TokenOrigin`]). The production source is
//! [`super::mint::Minter`]; fleet mode's is `crate::fleet::source`.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;

use super::token::IssuedToken;
use crate::error::Error;
use crate::observe::Mode;

/// Where the cache gets a new token. One call is one whole mint (retries included); the
/// cache runs it in its own task, at most one at a time.
pub(crate) trait TokenSource: std::fmt::Debug + Send + Sync + 'static {
    /// Gets a new token.
    fn mint(&self) -> Pin<Box<dyn Future<Output = Result<Minted, Error>> + Send + '_>>;

    /// The cached token with this header was refused (401) and dropped.
    fn refused(&self, _header: &HeaderValue) {}

    /// Local, or shared with a fleet (the `mode` label of the mint metrics).
    fn mode(&self) -> Mode {
        Mode::Local
    }
}

/// A token from a [`TokenSource`], with when its successful request was sent (its
/// lifetime counts from then).
#[derive(Debug)]
pub(crate) struct Minted {
    /// The validated token.
    pub issued: IssuedToken,
    /// When the request that got it was sent, on the cache's clock.
    pub sent_at: Instant,
    /// When to refresh it, from `sent_at`; `None`: the cache's [`RefreshPolicy`] decides.
    pub refresh_in: Option<Duration>,
    /// Minted here, or taken from the fleet cache.
    pub origin: TokenOrigin,
}

impl Minted {
    /// A token this process just requested, sent at `sent_at`.
    pub fn new(issued: IssuedToken, sent_at: Instant) -> Self {
        Self {
            issued,
            sent_at,
            refresh_in: None,
            origin: TokenOrigin::Minted,
        }
    }
}

/// Where the cached token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenOrigin {
    /// This process asked the token endpoint for it.
    Minted,
    /// Another member of the fleet minted it; this process read it from Redis.
    FleetCache,
}
