//! The cache's state machine against scripted token sources: whatever a mint does
//! (fail, panic, hang until its runtime is dropped), the flight settles and a later
//! call mints again.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};

use super::*;
use crate::auth::source::Minted;
use crate::auth::token::IssuedToken;
use crate::clock::SystemClock;

const OK: u8 = 0;
const PANIC: u8 = 1;
const FAIL: u8 = 2;
const HANG: u8 = 3;

/// A token source whose behaviour the test switches, counting its mints.
#[derive(Debug, Default)]
struct Scripted {
    mode: AtomicU8,
    mints: AtomicU32,
}

impl TokenSource for Scripted {
    fn mint(&self) -> Pin<Box<dyn Future<Output = Result<Minted, Error>> + Send + '_>> {
        Box::pin(async move {
            let n = self.mints.fetch_add(1, Ordering::SeqCst) + 1;
            match self.mode.load(Ordering::SeqCst) {
                PANIC => panic!("token endpoint stub panicked"),
                FAIL => Err(Error::Config("stub failure".to_owned())),
                HANG => std::future::pending().await,
                _ => {
                    let mut header = HeaderValue::from_static("stub-token");
                    header.set_sensitive(true);
                    Ok(Minted::new(
                        IssuedToken {
                            header,
                            id: TokenId::Jti(format!("stub-{n}")),
                            lifetime: Duration::from_secs(3600),
                        },
                        SystemClock.now(),
                    ))
                }
            }
        })
    }
}

fn cache(mode: u8) -> (TokenCache, Arc<Scripted>) {
    let source = Arc::new(Scripted::default());
    source.mode.store(mode, Ordering::SeqCst);
    let cache = TokenCache::new(
        source.clone(),
        Arc::new(SystemClock),
        RefreshPolicy::default(),
        TokenRequestPolicy::default(),
    );
    (cache, source)
}

/// Like [`cache`], on a clock that moves only when the test says.
fn cache_on_manual_clock(mode: u8) -> (TokenCache, Arc<Scripted>, Arc<crate::clock::ManualClock>) {
    let source = Arc::new(Scripted::default());
    source.mode.store(mode, Ordering::SeqCst);
    let clock = Arc::new(crate::clock::ManualClock::new());
    let cache = TokenCache::new(
        source.clone(),
        clock.clone(),
        RefreshPolicy::default(),
        TokenRequestPolicy::default(),
    );
    (cache, source, clock)
}

#[tokio::test]
async fn a_panicking_mint_settles_the_flight_and_the_next_call_mints_again() {
    let (cache, source) = cache(PANIC);
    let error = cache.lease().await.unwrap_err();
    assert!(matches!(error, Error::TokenUnavailable(_)), "{error}");
    assert!(error.to_string().contains("abandoned"), "{error}");
    // Tried once more with a new flight, then gave up; nothing left "refreshing".
    assert_eq!(source.mints.load(Ordering::SeqCst), 2);
    let status = cache.status();
    assert!(!status.refreshing);
    assert!(status.last_error.is_some());

    source.mode.store(OK, Ordering::SeqCst);
    let lease = cache.lease().await.unwrap();
    assert_eq!(lease.generation, 1);
    assert_eq!(source.mints.load(Ordering::SeqCst), 3);
    assert_eq!(cache.status().tokens_minted, 1);
    assert!(cache.status().last_error.is_none());
}

#[tokio::test]
async fn a_failed_mint_is_remembered_then_retried() {
    let (cache, source) = cache(FAIL);
    for _ in 0..3 {
        assert!(matches!(cache.lease().await.unwrap_err(), Error::Config(_)));
    }
    // One mint: the failure is in its cooldown for the other two calls.
    assert_eq!(source.mints.load(Ordering::SeqCst), 1);
    assert!(!cache.status().refreshing);
    assert_eq!(cache.status().consecutive_failures, 1);
}

#[test]
fn a_mint_abandoned_by_its_runtime_does_not_wedge_the_cache() {
    let (cache, source) = cache(HANG);
    let first = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    first.block_on(async {
        let waiting = tokio::spawn({
            let cache = cache.clone();
            async move { cache.lease().await }
        });
        while !cache.status().refreshing {
            tokio::task::yield_now().await;
        }
        waiting.abort();
    });
    assert!(cache.status().refreshing);
    // The runtime ends with the mint still running: its task is dropped.
    drop(first);
    assert!(!cache.status().refreshing);
    assert!(cache.status().last_error.is_some());

    source.mode.store(OK, Ordering::SeqCst);
    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let lease = second.block_on(cache.lease()).unwrap();
    assert_eq!(lease.generation, 1);
    assert_eq!(source.mints.load(Ordering::SeqCst), 2);
}

#[test]
fn without_a_runtime_a_call_is_an_error_not_a_panic() {
    let (cache, source) = cache(OK);
    let error = futures_lite_block_on(cache.lease()).unwrap_err();
    assert!(error.to_string().contains("no Tokio runtime"), "{error}");
    assert_eq!(source.mints.load(Ordering::SeqCst), 0);
    assert!(!cache.status().refreshing);
}

/// Polls a future that must be ready at once, outside any runtime.
fn futures_lite_block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the future was expected to be ready"),
    }
}

#[tokio::test]
async fn a_view_follows_the_cache_through_new_tokens_invalidation_and_refresh() {
    let (cache, source) = cache(OK);
    let mut view = view::TokenView::new(&cache);
    assert!(
        view.fresh(SystemClock.now()).is_none(),
        "nothing cached yet"
    );

    let first = cache.lease().await.unwrap();
    let seen = view.fresh(SystemClock.now()).unwrap();
    assert_eq!(seen.generation, first.generation);
    assert_eq!(seen.header, first.header);
    assert!(seen.header.is_sensitive());

    assert!(cache.invalidate(first.generation));
    assert!(
        view.fresh(SystemClock.now()).is_none(),
        "a refused token is not served"
    );
    let second = cache.lease().await.unwrap();
    assert_eq!(second.generation, 2);
    assert_eq!(view.fresh(SystemClock.now()).unwrap().generation, 2);

    // From the refresh time on, callers go to the cache, which starts the refresh.
    let due = SystemClock.now() + Duration::from_secs(3600);
    assert!(view.fresh(due).is_none());
    assert_eq!(source.mints.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_lease_refreshes_from_exactly_the_refresh_time_and_not_before() {
    let (cache, source, clock) = cache_on_manual_clock(OK);
    let first = cache.lease().await.unwrap();
    let refresh_at = cache.inner.current.load().as_ref().unwrap().refresh_at;
    let mints = || source.mints.load(Ordering::SeqCst);

    // A nanosecond before the refresh time: the cached token, and no refresh.
    clock.advance(refresh_at.duration_since(clock.now()) - Duration::from_nanos(1));
    assert_eq!(cache.lease().await.unwrap().generation, first.generation);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(mints(), 1);

    // At exactly the refresh time: still the cached token, and the refresh starts.
    clock.advance(Duration::from_nanos(1));
    assert_eq!(cache.lease().await.unwrap().generation, first.generation);
    for _ in 0..100 {
        if mints() == 2 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(mints(), 2);
}

#[tokio::test]
async fn a_token_is_not_served_from_exactly_its_expiry() {
    let (cache, source, clock) = cache_on_manual_clock(OK);
    let first = cache.lease().await.unwrap();
    let expires_at = cache.inner.current.load().as_ref().unwrap().expires_at;
    // A nanosecond before the expiry the status shows the token; at exactly the expiry
    // it shows none.
    clock.advance(expires_at.duration_since(clock.now()) - Duration::from_nanos(1));
    let status = cache.status();
    assert_eq!(status.valid_for, Some(Duration::from_nanos(1)));
    assert!(status.token_id.is_some());
    clock.advance(Duration::from_nanos(1));
    let status = cache.status();
    assert_eq!((status.valid_for, status.token_id), (None, None));
    // No call during the refresh window; at exactly the expiry the caller waits for
    // the next token instead of getting the expired one.
    let next = cache.lease().await.unwrap();
    assert_eq!(next.generation, first.generation + 1);
    assert_eq!(source.mints.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_refresh_that_failed_is_tried_again_from_exactly_the_end_of_its_cooldown() {
    let (cache, source, clock) = cache_on_manual_clock(OK);
    let mints = || source.mints.load(Ordering::SeqCst);
    let settle = || async {
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
    };
    let first = cache.lease().await.unwrap();
    let refresh_at = cache.inner.current.load().as_ref().unwrap().refresh_at;
    // The refresh fails: the token is still served, and a cooldown is remembered.
    source.mode.store(FAIL, Ordering::SeqCst);
    clock.advance(refresh_at.duration_since(clock.now()));
    assert_eq!(cache.lease().await.unwrap().generation, first.generation);
    settle().await;
    assert_eq!(mints(), 2);
    let until = cache.inner.lock().cooldown.as_ref().unwrap().until;
    source.mode.store(OK, Ordering::SeqCst);
    // A nanosecond before the cooldown ends: no new attempt.
    clock.advance(until.duration_since(clock.now()) - Duration::from_nanos(1));
    assert_eq!(cache.lease().await.unwrap().generation, first.generation);
    settle().await;
    assert_eq!(mints(), 2);
    // At exactly its end the refresh is tried again, and succeeds.
    clock.advance(Duration::from_nanos(1));
    assert_eq!(cache.lease().await.unwrap().generation, first.generation);
    settle().await;
    assert_eq!(mints(), 3);
    assert_eq!(
        cache.lease().await.unwrap().generation,
        first.generation + 1
    );
}

#[tokio::test]
async fn a_failed_mint_is_refused_from_its_cooldown_until_exactly_its_end() {
    let (cache, source, clock) = cache_on_manual_clock(FAIL);
    let mints = || source.mints.load(Ordering::SeqCst);
    assert!(matches!(cache.lease().await, Err(Error::Config(_))));
    let until = cache.inner.lock().cooldown.as_ref().unwrap().until;
    source.mode.store(OK, Ordering::SeqCst);
    // Until the cooldown ends, callers get its error and nothing is sent.
    clock.advance(until.duration_since(clock.now()) - Duration::from_nanos(1));
    assert!(matches!(cache.lease().await, Err(Error::Config(_))));
    assert_eq!(mints(), 1);
    // From exactly its end, the next caller mints.
    clock.advance(Duration::from_nanos(1));
    assert_eq!(cache.lease().await.unwrap().generation, 1);
    assert_eq!(mints(), 2);
}

#[tokio::test]
async fn a_mint_names_why_it_started() {
    let (cache, _source) = cache(OK);
    let reason = || cache.inner.trigger(&cache.inner.lock());
    assert_eq!(reason(), MintReason::Cold);
    let first = cache.lease().await.unwrap();
    assert_eq!(cache.status().last_mint_reason, Some(MintReason::Cold));
    // A cached token, valid or not: the mint replaces an expired one.
    assert_eq!(reason(), MintReason::Expired);
    assert!(cache.invalidate(first.generation));
    // Emptied after a 401.
    assert_eq!(reason(), MintReason::After401);
    let second = cache.lease().await.unwrap();
    assert_eq!(cache.status().last_mint_reason, Some(MintReason::After401));
    // Emptied by the caller.
    assert!(cache.invalidate_current());
    assert!(!cache.invalidate_current());
    assert_eq!(reason(), MintReason::Invalidated);
    let third = cache.lease().await.unwrap();
    assert_eq!(
        cache.status().last_mint_reason,
        Some(MintReason::Invalidated)
    );
    // Forced: a new generation, with the reason.
    cache.force_refresh().await.unwrap();
    let fourth = cache.lease().await.unwrap();
    assert_eq!(cache.status().last_mint_reason, Some(MintReason::Forced));
    let generations = [first, second, third, fourth].map(|lease| lease.generation);
    assert_eq!(generations, [1, 2, 3, 4]);
}

#[tokio::test]
async fn a_view_copies_a_token_once_not_on_every_call() {
    let (cache, _source) = cache(OK);
    let leased = cache.lease().await.unwrap();
    let mut view = view::TokenView::new(&cache);
    let now = SystemClock.now();
    let first = view.fresh(now).unwrap().header;
    let second = view.fresh(now).unwrap().header;
    // Both are this view's one copy of the token: the same bytes, not the cache's.
    assert_eq!(first.as_bytes().as_ptr(), second.as_bytes().as_ptr());
    assert_ne!(first.as_bytes().as_ptr(), leased.header.as_bytes().as_ptr());
}

#[tokio::test]
async fn without_a_cooldown_a_failed_mint_still_gives_its_own_error_once() {
    let source = Arc::new(Scripted::default());
    source.mode.store(FAIL, Ordering::SeqCst);
    let cache = TokenCache::new(
        source.clone(),
        Arc::new(SystemClock),
        RefreshPolicy::default(),
        TokenRequestPolicy::default().with_max_failure_cooldown(Duration::ZERO),
    );
    // The caller gets the mint's error as the flight sent it, after one mint; not a
    // second mint (nothing is cooling) ending in "abandoned".
    assert!(matches!(cache.lease().await, Err(Error::Config(_))));
    assert_eq!(source.mints.load(Ordering::SeqCst), 1);
}
