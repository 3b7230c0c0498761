//! Unit and property tests of the retry decision: no HTTP, no clock.

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::error::{ApiError, BodyPrefix};
use crate::generated::model::ErrorBody;
use http::StatusCode;

/// The token request's operation id.
const TOKEN_OPERATION: &str = Operation::RequestToken.id();

fn api_error(operation: &'static str, status: u16, retry_after: Option<u64>, body: &[u8]) -> Error {
    let status = StatusCode::from_u16(status).unwrap();
    let operation = Operation::from_id(operation).unwrap();
    Error::Api(Box::new(ApiError {
        operation,
        request_id: None,
        status,
        body: ErrorBody::decode(operation, status.as_u16(), body).and_then(Result::ok),
        undecoded: None,
        retry_after: retry_after.map(Duration::from_secs),
        raw: BodyPrefix::new(body, true),
    }))
}

fn api_rules() -> Rules {
    Rules::api(&RetryPolicy::default())
}

fn mint_rules() -> Rules {
    Rules::mint(&TokenRequestPolicy::default())
}

fn state(retries: u32, reminted: bool, elapsed_s: u64) -> AttemptState {
    AttemptState {
        retries,
        reminted,
        elapsed: Duration::from_secs(elapsed_s),
    }
}

#[test]
fn an_api_401_remints_once_then_gives_up() {
    let error = api_error("list_tokens", 401, None, b"{}");
    assert_eq!(
        decide(&error, &state(0, false, 0), &api_rules(), 0.5),
        Decision::Remint
    );
    assert_eq!(
        decide(&error, &state(0, true, 0), &api_rules(), 0.5),
        Decision::GiveUp
    );
}

#[test]
fn an_api_429_follows_retry_after_within_the_budget() {
    let rules = api_rules();
    let error = api_error("list_tokens", 429, Some(7), b"{}");
    assert_eq!(
        decide(&error, &state(0, false, 0), &rules, 0.5),
        Decision::RetryAfter(Duration::from_secs(7))
    );
    // Retries used up, or the wait would end past the whole call's budget (60 s).
    assert_eq!(
        decide(&error, &state(3, false, 0), &rules, 0.5),
        Decision::GiveUp
    );
    assert_eq!(
        decide(&error, &state(1, false, 53), &rules, 0.5),
        Decision::GiveUp
    );
    assert_eq!(
        decide(&error, &state(1, false, 52), &rules, 0.5),
        Decision::RetryAfter(Duration::from_secs(7))
    );
}

#[test]
fn a_huge_retry_after_gives_up_instead_of_overflowing() {
    // Issue 9, case 3: `Retry-After: 18446744073709551615` after a first wait.
    let error = api_error("list_tokens", 429, Some(u64::MAX), b"{}");
    for rules in [api_rules(), mint_rules()] {
        let decision = decide(&error, &state(1, false, 1), &rules, 0.5);
        match rules.kind {
            Loop::Api => assert_eq!(decision, Decision::GiveUp),
            // The token endpoint's Retry-After is capped at max_backoff.
            Loop::Mint => assert_eq!(decision, Decision::RetryAfter(Duration::from_secs(5))),
        }
    }
    let mut elapsed = state(1, false, 0);
    elapsed.elapsed = Duration::MAX;
    let small = api_error("list_tokens", 429, Some(1), b"{}");
    assert_eq!(
        decide(&small, &elapsed, &api_rules(), 0.5),
        Decision::GiveUp
    );
}

#[test]
fn api_calls_do_not_retry_server_errors_or_transport_failures() {
    for status in [400, 403, 404, 409, 500, 502, 503] {
        let error = api_error("list_tokens", status, Some(1), b"{}");
        assert_eq!(
            decide(&error, &state(0, false, 0), &api_rules(), 0.5),
            Decision::GiveUp,
            "{status}"
        );
    }
    let timeout = Error::Timeout {
        operation: "list_tokens",
        after: Duration::from_secs(1),
    };
    assert_eq!(
        decide(&timeout, &state(0, false, 0), &api_rules(), 0.5),
        Decision::GiveUp
    );
}

#[test]
fn mints_retry_transient_failures_and_never_refusals() {
    let rules = mint_rules();
    for status in [408, 429, 500, 503] {
        let error = api_error(TOKEN_OPERATION, status, None, b"{}");
        let Decision::RetryAfter(wait) = decide(&error, &state(0, false, 0), &rules, 1.0) else {
            panic!("{status} is retried");
        };
        assert_eq!(wait, rules.base_backoff, "{status}");
        // Attempts are used up after the third.
        assert_eq!(
            decide(&error, &state(2, false, 0), &rules, 1.0),
            Decision::GiveUp
        );
    }
    let refused = api_error(TOKEN_OPERATION, 400, None, br#"{"error":"invalid_client"}"#);
    assert_eq!(classify(&refused), Failure::Refused);
    for error in [refused, api_error(TOKEN_OPERATION, 401, None, b"{}")] {
        assert_eq!(
            decide(&error, &state(0, false, 0), &rules, 0.5),
            Decision::GiveUp
        );
    }
    let timeout = Error::Timeout {
        operation: TOKEN_OPERATION,
        after: Duration::from_secs(10),
    };
    assert!(matches!(
        decide(&timeout, &state(0, false, 0), &rules, 0.0),
        Decision::RetryAfter(_)
    ));
    // A 401 of the token endpoint never asks for a re-mint, whatever the loop.
    let refused = api_error(TOKEN_OPERATION, 401, None, b"{}");
    assert_eq!(
        decide(&refused, &state(0, false, 0), &api_rules(), 0.5),
        Decision::GiveUp
    );
}

#[test]
fn an_oauth_code_counts_only_from_the_token_endpoint() {
    // An `invalid_client` body is a refusal from the token endpoint; the same words in
    // a management answer (a gateway's, say) are just a 400.
    let body: crate::types::OAuthError =
        serde_json::from_str(r#"{"error":"invalid_client"}"#).unwrap();
    let with_code = |operation| {
        let mut error = api_error(operation, 400, None, b"{}");
        if let Error::Api(api) = &mut error {
            api.body = Some(ErrorBody::OAuthError(body.clone()));
        }
        error
    };
    assert_eq!(classify(&with_code(TOKEN_OPERATION)), Failure::Refused);
    assert_eq!(classify(&with_code("list_tokens")), Failure::Other);
}

#[test]
fn backoff_doubles_up_to_its_cap_and_survives_odd_draws() {
    let (base, cap) = (Duration::from_millis(100), Duration::from_secs(2));
    assert_eq!(backoff(base, cap, 0, 1.0), base);
    assert_eq!(backoff(base, cap, 3, 1.0), Duration::from_millis(800));
    assert_eq!(backoff(base, cap, 40, 1.0), cap);
    assert_eq!(backoff(base, cap, 3, f64::NAN), Duration::ZERO);
    assert_eq!(backoff(base, cap, 3, 7.0), Duration::from_millis(800));
    assert_eq!(
        backoff(Duration::MAX, Duration::MAX, 40, 1.0),
        Duration::MAX
    );
}

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
            operation: "list_tokens",
            after: Duration::from_millis(ms),
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

    /// The loop as the client runs it, on a script of errors: it ends within the
    /// retries and the budget, re-minting at most once.
    #[test]
    fn the_retry_loop_always_ends(
        errors in prop::collection::vec(any_error(), 1..40),
        rules in any_rules(),
        draws in prop::collection::vec(0.0f64..1.0, 40),
    ) {
        let mut state = AttemptState::default();
        let (mut remints, mut steps) = (0, 0);
        for (error, draw) in errors.iter().zip(draws) {
            steps += 1;
            match decide(error, &state, &rules, draw) {
                Decision::RetryAfter(wait) => {
                    state.retries += 1;
                    state.elapsed += wait;
                }
                Decision::Remint => {
                    remints += 1;
                    state.reminted = true;
                }
                Decision::GiveUp => break,
            }
        }
        prop_assert!(remints <= 1);
        prop_assert!(state.retries <= rules.max_retries);
        prop_assert!(state.elapsed < rules.budget || state.elapsed.is_zero());
        prop_assert!(steps <= rules.max_retries as usize + 2);
    }
}
