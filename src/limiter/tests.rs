//! The limiter on a manual clock: spacing, waits and refusals, learning, the token
//! endpoint's group, and the fleet's answers (a recording `SharedBudget`).

use std::sync::Mutex;

use super::*;
use crate::clock::ManualClock;
use crate::limiter::policy::Quota;

fn limiter(policy: RateLimit) -> (Arc<ManualClock>, Limiter) {
    let clock = Arc::new(ManualClock::new());
    let limiter = Limiter::new(policy.with_headroom_percent(0), clock.clone()).unwrap();
    (clock, limiter)
}

fn ten_per_second() -> RateLimit {
    RateLimit::quota(Quota::new(10, Duration::from_secs(1)).unwrap())
}

const MS: fn(u64) -> Duration = Duration::from_millis;

#[tokio::test]
async fn calls_are_spaced_by_the_quota_and_a_wait_past_the_budget_is_refused() {
    let (clock, limiter) = limiter(ten_per_second());
    let op = Operation::ListTokens;
    assert_eq!(limiter.acquire(op, MS(1000)).await.unwrap(), MS(0));
    assert_eq!(limiter.acquire(op, MS(1000)).await.unwrap(), MS(100));
    assert_eq!(limiter.acquire(op, MS(1000)).await.unwrap(), MS(200));
    let error = limiter.acquire(op, MS(250)).await.unwrap_err();
    assert!(matches!(
        error,
        Error::RateLimited { operation: Operation::ListTokens, retry_after } if retry_after == MS(300)
    ));
    assert_eq!(error.retry_after(), Some(MS(300)));
    // Another path is another group, with budget of its own.
    assert_eq!(
        limiter.acquire(Operation::GetClient, MS(0)).await.unwrap(),
        MS(0)
    );
    // The operations of one path share one.
    assert!(limiter
        .acquire(Operation::UpdateClient, MS(0))
        .await
        .is_err());
    clock.advance(MS(300));
    assert_eq!(limiter.acquire(op, MS(0)).await.unwrap(), MS(0));
}

#[tokio::test]
async fn fail_fast_never_waits() {
    let (_, limiter) = limiter(ten_per_second().with_when_limited(WhenLimited::FailFast));
    assert_eq!(limiter.max_wait(MS(5000)), MS(0));
    let op = Operation::ListTokens;
    assert!(limiter
        .acquire(op, limiter.max_wait(MS(5000)))
        .await
        .is_ok());
    assert!(limiter
        .acquire(op, limiter.max_wait(MS(5000)))
        .await
        .is_err());
}

#[tokio::test]
async fn the_token_endpoint_has_its_own_quota_whatever_the_others() {
    let (_, limiter) = limiter(ten_per_second());
    let token = Operation::RequestToken;
    assert_eq!(limiter.acquire(token, MS(0)).await.unwrap(), MS(0));
    // 40 per 5 minutes: the next request 7.5 s later.
    let error = limiter.acquire(token, MS(0)).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(MS(7500)));
    assert_eq!(limiter.spacing(token), MS(7500));
}

#[tokio::test]
async fn learning_takes_the_quota_from_the_first_429_and_its_retry_after() {
    let (clock, limiter) = limiter(RateLimit::learning());
    let op = Operation::ListTokens;
    // Nothing learned: no spacing.
    for _ in 0..10 {
        assert_eq!(limiter.acquire(op, MS(0)).await.unwrap(), MS(0));
        limiter.succeeded(op);
    }
    clock.advance(MS(200));
    assert_eq!(limiter.acquire(op, MS(0)).await.unwrap(), MS(0));
    // 10 calls went through since the start; the window ends 800 ms after the 429.
    limiter.throttled(op, Some(MS(800))).await;
    assert_eq!(limiter.spacing(op), MS(100));
    // Nothing before the window's end, then one call per 100 ms.
    let error = limiter.acquire(op, MS(0)).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(MS(800)));
    clock.advance(MS(800));
    assert_eq!(limiter.acquire(op, MS(0)).await.unwrap(), MS(0));
    assert_eq!(limiter.acquire(op, MS(100)).await.unwrap(), MS(100));
    // A 429 without a success to learn from, or without a Retry-After, never speeds up.
    limiter.throttled(op, Some(MS(50))).await;
    limiter.throttled(op, None).await;
    assert_eq!(limiter.spacing(op), MS(100));
    // Another group has learned nothing.
    assert_eq!(limiter.spacing(Operation::GetClient), MS(0));
}

#[tokio::test]
async fn a_configured_group_does_not_learn_but_waits_out_the_window() {
    let (_, limiter) = limiter(ten_per_second());
    let op = Operation::ListTokens;
    limiter.succeeded(op);
    limiter.throttled(op, Some(MS(2000))).await;
    assert_eq!(limiter.spacing(op), MS(100));
    let error = limiter.acquire(op, MS(0)).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(MS(2000)));
}

/// A fleet that answers as told and records what it was asked.
#[derive(Debug, Default)]
struct Fleet {
    up: std::sync::atomic::AtomicBool,
    answer: Mutex<Option<SharedAnswer>>,
    asked: Mutex<Vec<(&'static str, Duration, Duration, u64)>>,
    learned: Mutex<Vec<(&'static str, Duration, u64)>>,
}

impl SharedBudget for Fleet {
    fn usable(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    fn decide(
        &self,
        group: &'static str,
        spacing: Duration,
        max_wait: Duration,
        successes: u64,
    ) -> SharedFuture<'_, Result<SharedAnswer, ()>> {
        self.asked
            .lock()
            .unwrap()
            .push((group, spacing, max_wait, successes));
        let answer = *self.answer.lock().unwrap();
        Box::pin(async move { answer.ok_or(()) })
    }

    fn learn(
        &self,
        group: &'static str,
        retry_after: Duration,
        successes: u64,
        _: u32,
    ) -> SharedFuture<'_, ()> {
        self.learned
            .lock()
            .unwrap()
            .push((group, retry_after, successes));
        Box::pin(async {})
    }
}

#[tokio::test]
async fn in_a_fleet_the_fleet_decides_and_its_share_applies_when_redis_is_down() {
    let (clock, limiter) = limiter(ten_per_second());
    let fleet = Arc::new(Fleet::default());
    fleet.up.store(true, Ordering::Release);
    *fleet.answer.lock().unwrap() = Some(SharedAnswer {
        granted: true,
        wait: MS(30),
        spacing: MS(100),
        members: 4,
    });
    let shared: Arc<dyn SharedBudget> = fleet.clone();
    limiter.share_with(Arc::downgrade(&shared));
    let op = Operation::ListTokens;
    assert_eq!(limiter.acquire(op, MS(500)).await.unwrap(), MS(30));
    assert_eq!(
        fleet.asked.lock().unwrap()[0],
        (op.path(), MS(100), MS(500), 0)
    );
    // The token endpoint is never the fleet's.
    assert_eq!(
        limiter
            .acquire(Operation::RequestToken, MS(0))
            .await
            .unwrap(),
        MS(0)
    );
    assert_eq!(fleet.asked.lock().unwrap().len(), 1);
    // A refusal says when.
    *fleet.answer.lock().unwrap() = Some(SharedAnswer {
        granted: false,
        wait: MS(700),
        spacing: MS(100),
        members: 4,
    });
    let error = limiter.acquire(op, MS(500)).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(MS(700)));
    // Redis stops answering: this member keeps a quarter of the quota (4 members seen),
    // its first own slot one share (400 ms) after its last fleet slot (in 30 ms).
    *fleet.answer.lock().unwrap() = None;
    let error = limiter.acquire(op, MS(0)).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(MS(430)));
    clock.advance(MS(430));
    assert_eq!(limiter.acquire(op, MS(0)).await.unwrap(), MS(0));
    let error = limiter.acquire(op, MS(0)).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(MS(400)));
    // Known to be down: not asked at all, the share still applies.
    fleet.up.store(false, Ordering::Release);
    let asked = fleet.asked.lock().unwrap().len();
    assert!(limiter.acquire(op, MS(0)).await.is_err());
    assert_eq!(fleet.asked.lock().unwrap().len(), asked);
}

#[tokio::test]
async fn a_configured_fleet_share_wins_over_the_members_seen() {
    let (_, limiter) = limiter(ten_per_second().with_fleet_share(2));
    let fleet = Arc::new(Fleet::default());
    let shared: Arc<dyn SharedBudget> = fleet.clone();
    limiter.share_with(Arc::downgrade(&shared));
    let op = Operation::ListTokens;
    assert!(limiter.acquire(op, MS(0)).await.is_ok());
    let error = limiter.acquire(op, MS(0)).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(MS(200)));
}

#[tokio::test]
async fn a_learning_member_reports_its_successes_to_the_fleet() {
    let (_, limiter) = limiter(RateLimit::learning());
    let fleet = Arc::new(Fleet::default());
    fleet.up.store(true, Ordering::Release);
    *fleet.answer.lock().unwrap() = Some(SharedAnswer {
        granted: true,
        wait: MS(0),
        spacing: MS(0),
        members: 1,
    });
    let shared: Arc<dyn SharedBudget> = fleet.clone();
    limiter.share_with(Arc::downgrade(&shared));
    let op = Operation::ListTokens;
    for _ in 0..3 {
        limiter.acquire(op, MS(0)).await.unwrap();
        limiter.succeeded(op);
    }
    limiter.acquire(op, MS(0)).await.unwrap();
    limiter.succeeded(op);
    limiter.throttled(op, Some(MS(900))).await;
    let asked: Vec<u64> = fleet.asked.lock().unwrap().iter().map(|a| a.3).collect();
    assert_eq!(asked, [0, 1, 1, 1]);
    assert_eq!(*fleet.learned.lock().unwrap(), [(op.path(), MS(900), 1)]);
}
