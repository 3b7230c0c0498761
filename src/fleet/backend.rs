//! The seam between fleet mode and the place its members meet: the public
//! [`TokenStore`] trait, what a read finds ([`Stored`]), and the future and error types
//! an implementation returns. Redis is the built-in implementation (feature `redis`,
//! `crate::fleet::redis_store`); any other shared store (a database, a cache the
//! application already runs) can be plugged in with
//! [`FlowPayrollBuilder::token_store`](crate::FlowPayrollBuilder::token_store).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// What an implementation of [`TokenStore`] reports when the store did not do what was
/// asked (unreachable, refused, failed). Fleet mode never shows it to a caller: it marks
/// the store unavailable, mints locally and logs the message on `flowpayroll::fleet`
/// (cut to 200 characters), so the message must never carry a password or URL.
pub type StoreError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The future every [`TokenStore`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// What [`TokenStore::get`] found at a key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stored {
    /// No live value: never written, deleted, or past its TTL.
    Missing,
    /// The value's bytes (at most the `max_len` asked for).
    Value(Vec<u8>),
    /// Something that is not a byte string (another program's key of another type).
    /// The member ignores it and logs that it did; the store stays usable.
    Foreign,
}

/// The shared store behind fleet mode: where the members of a fleet keep the shared
/// token, the mint lease, the fleet-wide 429 hold and token endpoint cooldown.
///
/// # The protocol an implementation keeps
///
/// Every member of one fleet must reach the same store, and every method must act
/// **atomically** with respect to all of them (one transaction, one script, one lock):
///
/// * **Values are opaque.** Keys are ASCII strings chosen by the crate; values are
///   sealed bytes (AES-256-GCM under a key derived from the client secret, made and
///   checked inside the crate). Store and return them byte for byte; never interpret,
///   log or change them. Encryption stays in the crate: the store never sees a token.
/// * **Expiry.** A value written with a TTL is [`Stored::Missing`] once the TTL has
///   passed (by the store's clock); it may be removed later, but never read back.
/// * **Leases are exclusive and expiring.** A lease key holds the id of its holder
///   (random bytes). [`acquire_lease`](Self::acquire_lease) takes it only if no live
///   lease is there; [`renew_lease`](Self::renew_lease) extends it and
///   [`release_lease`](Self::release_lease) deletes it only while it still holds the
///   caller's id. At any moment at most one holder has a live lease.
/// * **Bounded.** Fleet mode gives each call a timeout (`FleetPolicy::timeout`) and drops
///   it when it is late; a call that is dropped must leave the store consistent. A
///   method fails (`Err`) when the store did not answer: the member then mints locally
///   until [`ping`](Self::ping) answers again. Fleet mode never retries a failed call.
///
/// Methods take `&self` from many tasks at once; an implementation is `Send + Sync`.
/// `fleet-tests/src/sqlite_store.rs` in the repository implements the trait on SQLite.
pub trait TokenStore: Send + Sync + std::fmt::Debug + 'static {
    /// Reads the live value at `key`, or its first `max_len` bytes when it is longer (the
    /// crate never opens a value that long; the store must not download more of it).
    fn get<'a>(&'a self, key: &'a str, max_len: usize) -> StoreFuture<'a, Stored>;

    /// Writes `value` at `key`, replacing what is there, live for `ttl`.
    fn set<'a>(&'a self, key: &'a str, value: &'a [u8], ttl: Duration) -> StoreFuture<'a, ()>;

    /// Deletes `key` only if its live value is exactly `expected`; whether it did.
    fn delete_if<'a>(&'a self, key: &'a str, expected: &'a [u8]) -> StoreFuture<'a, bool>;

    /// Takes the lease at `key` for `holder`, live for `ttl`, only if no live value is
    /// there; whether it did.
    fn acquire_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Makes the lease at `key` live for `ttl` from now, only if it is live and still
    /// held by `holder` (compare-and-extend); whether it did. `false` means the lease
    /// was lost: the holder stops minting under it.
    fn renew_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Frees the lease at `key` if `holder` still holds it; whether it did. By default
    /// [`delete_if`](Self::delete_if).
    fn release_lease<'a>(&'a self, key: &'a str, holder: &'a [u8]) -> StoreFuture<'a, bool> {
        self.delete_if(key, holder)
    }

    /// Whether the store answers: the probe fleet mode sends while the store is
    /// unavailable, after [`reset`](Self::reset).
    fn ping(&self) -> StoreFuture<'_, ()>;

    /// Called when a call failed or was dropped for being late: drop connections so
    /// the next call starts afresh. By default nothing.
    fn reset(&self) {}
}
