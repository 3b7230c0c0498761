//! Property tests of the retry decision: generators weighted toward the statuses and
//! limits that have a branch of their own, a check that they reach every branch, and
//! the properties that every decision keeps within the retries and the budget.

use std::time::Duration;

use proptest::prelude::*;

use super::tests::{api_error, TOKEN_OPERATION};
use super::*;
use crate::clock::ManualClock;
use http::StatusCode;

/// Statuses weighted toward the ones with a branch of their own (401 re-mints, 429
/// waits, 408 and 5xx are retried by mints), with the rest of 100..600 now and then.
fn any_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => Just(401),
        3 => Just(429),
        1 => Just(408),
        2 => 500u16..600,
        1 => 100u16..600,
    ]
}

/// A `Retry-After` in seconds: mostly none or short, sometimes absurd.
fn any_retry_after() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        2 => Just(None),
        4 => (0u64..120).prop_map(Some),
        1 => any::<u64>().prop_map(Some),
    ]
}

fn any_error() -> impl Strategy<Value = Error> {
    let operations = prop::sample::select(vec![TOKEN_OPERATION, "list_tokens", "get_client"]);
    let bodies = prop_oneof![
        Just(b"{}".to_vec()),
        prop::sample::select(vec![
            "invalid_client",
            "unauthorized_client",
            "invalid_scope",
            "invalid_grant"
        ])
        .prop_map(|code| format!(r#"{{"error":"{code}"}}"#).into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    prop_oneof![
        8 => (operations, any_status(), any_retry_after(), bodies)
            .prop_map(|(op, status, wait, body)| api_error(op, status, wait, &body)),
        1 => any::<u64>().prop_map(|ms| Error::Timeout {
            operation: crate::generated::model::Operation::ListTokens,
            after: Duration::from_millis(ms),
            limit: crate::error::Limit::Request,
            phase: None,
            host: None,
        }),
        1 => Just(Error::TokenUnavailable("gone".to_owned())),
    ]
}

/// Milliseconds: mostly on the scale of the default policies, sometimes anything.
fn any_millis() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 0u64..200_000, 1 => any::<u64>()]
}

fn any_rules() -> impl Strategy<Value = Rules> {
    (
        any::<bool>(),
        0u32..10,
        any_millis(),
        0u64..20_000,
        any_millis(),
        prop::option::of(any_millis()),
    )
        .prop_map(|(api, retries, budget, base, max, cap)| Rules {
            kind: if api { Loop::Api } else { Loop::Mint },
            max_retries: retries,
            budget: Duration::from_millis(budget),
            base_backoff: Duration::from_millis(base),
            max_backoff: Duration::from_millis(max),
            retry_after_cap: cap.map(Duration::from_millis),
            transient: None,
        })
}

/// Rules, and a state whose retries are within `0..=max_retries + 1` and whose elapsed
/// time is mostly within the budget, so that both sides of every limit are reached.
fn rules_and_state() -> impl Strategy<Value = (Rules, AttemptState)> {
    any_rules().prop_flat_map(|rules| {
        let budget = u64::try_from(rules.budget.as_millis()).unwrap_or(u64::MAX);
        let elapsed = prop_oneof![6 => 0..=budget.saturating_add(1_000), 1 => any::<u64>()];
        (
            Just(rules.clone()),
            0..=rules.max_retries + 1,
            any::<bool>(),
            elapsed,
        )
            .prop_map(|(rules, retries, reminted, elapsed)| {
                let state = AttemptState {
                    retries,
                    reminted,
                    elapsed: Duration::from_millis(elapsed),
                };
                (rules, state)
            })
    })
}

/// Which branch of [`decide`] a case ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Branch {
    Remint,
    Retry,
    OutOfRetries,
    OutOfBudget,
    NotRetried,
}

fn branch(error: &Error, state: &AttemptState, rules: &Rules, draw: f64) -> Branch {
    match decide(error, state, rules, draw) {
        Decision::Remint => Branch::Remint,
        Decision::RetryAfter(_) => Branch::Retry,
        Decision::GiveUp => {
            // Whether the same error would have been retried with retries and time left.
            let fresh = AttemptState {
                retries: 0,
                elapsed: Duration::ZERO,
                ..*state
            };
            let roomy = Rules {
                max_retries: u32::MAX,
                budget: Duration::MAX,
                ..rules.clone()
            };
            if !matches!(decide(error, &fresh, &roomy, draw), Decision::RetryAfter(_)) {
                Branch::NotRetried
            } else if state.retries >= rules.max_retries {
                Branch::OutOfRetries
            } else {
                Branch::OutOfBudget
            }
        }
    }
}

/// The generators reach every branch the properties below claim to check, often: a
/// property whose interesting case comes up once in a billion checks nothing.
#[test]
fn the_generators_reach_every_branch() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = (any_error(), rules_and_state(), 0.0f64..1.0);
    let mut seen = std::collections::HashMap::new();
    const CASES: usize = 2_000;
    for _ in 0..CASES {
        let (error, (rules, state), draw) = strategy.new_tree(&mut runner).unwrap().current();
        *seen
            .entry(branch(&error, &state, &rules, draw))
            .or_insert(0usize) += 1;
    }
    for wanted in [
        Branch::Remint,
        Branch::Retry,
        Branch::OutOfRetries,
        Branch::OutOfBudget,
        Branch::NotRetried,
    ] {
        let count = seen.get(&wanted).copied().unwrap_or(0);
        assert!(
            count >= CASES / 50,
            "{wanted:?} reached {count} times in {CASES}: {seen:?}"
        );
    }
}

proptest! {
    /// Any error, any state, any limits: no panic, and a retry always fits the budget
    /// and the retry count.
    #[test]
    fn decisions_respect_the_limits(
        error in any_error(),
        (rules, state) in rules_and_state(),
        draw in any::<f64>(),
    ) {
        let retries = state.retries;
        match decide(&error, &state, &rules, draw) {
            Decision::RetryAfter(wait) => {
                prop_assert!(retries < rules.max_retries);
                prop_assert!(state.elapsed.checked_add(wait).is_some_and(|end| end < rules.budget));
                if let Some(cap) = rules.retry_after_cap {
                    prop_assert!(wait <= cap.max(rules.max_backoff));
                }
            }
            Decision::Remint => {
                prop_assert!(!state.reminted);
                prop_assert_eq!(rules.kind, Loop::Api);
                prop_assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
            }
            Decision::GiveUp => {}
        }
    }

    /// The loop the client and the mint run ([`run`]), against an attempt that fails
    /// with a script of errors and then succeeds, on a manual clock moved to each
    /// sleep's end: it ends within `max_retries + 1` attempts (plus one replay after a
    /// re-mint, API calls only), sleeps exactly the waits it decided and less than the
    /// budget in all, tells each attempt its resend count and start time, and returns
    /// the success or the last error.
    #[test]
    fn the_retry_loop_always_ends(
        errors in prop::collection::vec(any_error(), 1..40),
        rules in any_rules(),
    ) {
        let clock = ManualClock::new();
        let started = clock.now();
        let mut script = errors.iter();
        let mut attempts = Vec::new();
        let mut decisions = Vec::new();
        let outcome = drive(&clock, run(
            &clock,
            &rules,
            |state, now| {
                attempts.push((state.resends(), now, clock.now()));
                let next = script.next().cloned();
                async move { next.map_or(Ok(()), |error| Err(Failed::Attempt(error, ()))) }
            },
            |_, (), decision, state| decisions.push((decision, *state)),
        ));
        let Some(outcome) = outcome else {
            return Err(TestCaseError::fail("the loop waited on something but its clock"));
        };
        let remints = decisions.iter().filter(|(d, _)| *d == Decision::Remint).count();
        prop_assert!(remints <= usize::from(rules.kind == Loop::Api));
        prop_assert!(attempts.len() <= rules.max_retries as usize + 1 + remints);
        for (index, (resends, now, read)) in attempts.iter().enumerate() {
            prop_assert_eq!(*resends as usize, index);
            prop_assert_eq!(now, read);
        }
        prop_assert_eq!(attempts[0].1, started);
        let waits: Duration = decisions
            .iter()
            .filter_map(|(d, _)| match d {
                Decision::RetryAfter(wait) => Some(*wait),
                _ => None,
            })
            .sum();
        prop_assert_eq!(clock.elapsed(), waits);
        prop_assert!(waits.is_zero() || waits < rules.budget, "slept {:?}", waits);
        if let Some((_, state)) = decisions.last() {
            let retries = decisions.len() - remints - usize::from(outcome.is_err());
            prop_assert_eq!(state.retries as usize, retries);
        }
        match outcome {
            Ok(()) => prop_assert_eq!(attempts.len(), errors.len() + 1),
            Err(error) => {
                prop_assert_eq!(decisions.len(), attempts.len());
                prop_assert_eq!(decisions.last().map(|(d, _)| *d), Some(Decision::GiveUp));
                prop_assert_eq!(error.to_string(), errors[attempts.len() - 1].to_string());
            }
        }
    }
}

/// Polls `future` to its end, moving `clock` to the end of the earliest sleep each time
/// it waits; `None` if it waits with no sleep on `clock` (it would hang).
fn drive<T>(clock: &ManualClock, future: impl std::future::Future<Output = T>) -> Option<T> {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(value) => return Some(value),
            Poll::Pending => {
                let wake = clock.next_wake()?;
                clock.advance(wake.saturating_sub(clock.elapsed()));
            }
        }
    }
}
