//! Unit tests of [`super::within`] and [`super::within_once_armed`]: when the timer is
//! set, and for how much of the limit. Tokio's time is paused (the clock is
//! [`SystemClock`], which follows it), so every instant below is exact.

// Tokio's paused clock is the time under test here: read and slept on directly.
#![allow(clippy::disallowed_methods)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::{sleep, Instant};

use super::{within, within_once_armed};
use crate::clock::SystemClock;
use crate::error::{Error, Limit};
use crate::generated::model::Operation;

const LIMIT: Duration = Duration::from_secs(3);

/// Longer than any limit here: a test that would wait for it fails instead of hanging.
const GIVE_UP: Duration = Duration::from_secs(3600);

fn timed_out_after(result: &Result<u8, Error>) -> Option<(Duration, Limit)> {
    match result {
        Err(Error::Timeout {
            operation: Operation::ListTokens,
            after,
            limit,
            phase: None,
            host: None,
        }) => Some((*after, *limit)),
        _ => None,
    }
}

#[tokio::test(start_paused = true)]
async fn within_ends_stalled_work_at_exactly_its_limit() {
    let started = Instant::now();
    let result = tokio::time::timeout(
        GIVE_UP,
        within(
            &SystemClock,
            LIMIT,
            Limit::CallBudget,
            Operation::ListTokens,
            std::future::pending::<Result<u8, Error>>(),
        ),
    )
    .await
    .expect("the limit ends the work");
    assert_eq!(
        timed_out_after(&result),
        Some((LIMIT, Limit::CallBudget)),
        "{result:?}"
    );
    assert_eq!(started.elapsed(), LIMIT);
}

#[tokio::test(start_paused = true)]
async fn within_returns_work_that_ends_in_time() {
    let result = within(
        &SystemClock,
        LIMIT,
        Limit::CallBudget,
        Operation::ListTokens,
        async {
            sleep(LIMIT - Duration::from_millis(1)).await;
            Ok(7)
        },
    )
    .await;
    assert_eq!(result.ok(), Some(7));
}

#[tokio::test(start_paused = true)]
async fn an_unarmed_limit_never_ends_the_work() {
    let armed = AtomicBool::new(false);
    let result = within_once_armed(
        &SystemClock,
        LIMIT,
        Limit::CallBudget,
        Operation::ListTokens,
        &armed,
        async {
            sleep(LIMIT * 2).await;
            Ok(9)
        },
    )
    .await;
    assert_eq!(result.ok(), Some(9));
    assert!(!armed.load(Ordering::Relaxed));
}

#[tokio::test(start_paused = true)]
async fn a_limit_armed_late_ends_the_work_when_the_whole_limit_has_passed() {
    let armed = AtomicBool::new(false);
    let started = Instant::now();
    let result = tokio::time::timeout(
        GIVE_UP,
        within_once_armed(
            &SystemClock,
            LIMIT,
            Limit::MintDeadline,
            Operation::ListTokens,
            &armed,
            async {
                sleep(Duration::from_secs(1)).await;
                armed.store(true, Ordering::Relaxed);
                std::future::pending::<Result<u8, Error>>().await
            },
        ),
    )
    .await
    .expect("the armed limit ends the work");
    assert_eq!(
        timed_out_after(&result),
        Some((LIMIT, Limit::MintDeadline)),
        "{result:?}"
    );
    // What was left of the limit when it armed, not the whole limit again.
    assert_eq!(started.elapsed(), LIMIT);
}

#[tokio::test(start_paused = true)]
async fn a_limit_armed_from_the_start_ends_the_work_at_its_end() {
    let armed = AtomicBool::new(true);
    let started = Instant::now();
    let result = tokio::time::timeout(
        GIVE_UP,
        within_once_armed(
            &SystemClock,
            LIMIT,
            Limit::CallBudget,
            Operation::ListTokens,
            &armed,
            std::future::pending::<Result<u8, Error>>(),
        ),
    )
    .await
    .expect("the armed limit ends the work");
    assert_eq!(
        timed_out_after(&result),
        Some((LIMIT, Limit::CallBudget)),
        "{result:?}"
    );
    assert_eq!(started.elapsed(), LIMIT);
}
