//! Unit tests of the retry decision, case by case: no HTTP, no clock. The properties
//! are in `props.rs`.

use std::time::Duration;

use super::*;
use crate::error::{ApiError, BodyPrefix};
use crate::generated::model::ErrorBody;
use http::StatusCode;

/// The token request's operation id.
pub(super) const TOKEN_OPERATION: &str = Operation::RequestToken.id();

pub(super) fn api_error(
    operation: &'static str,
    status: u16,
    retry_after: Option<u64>,
    body: &[u8],
) -> Error {
    let status = StatusCode::from_u16(status).unwrap();
    let operation = Operation::from_id(operation).unwrap();
    Error::Api(Box::new(ApiError {
        operation,
        request_id: None,
        status,
        body: ErrorBody::decode(operation, status.as_u16(), body).and_then(Result::ok),
        undecoded: None,
        retry_after: retry_after.map(Duration::from_secs),
        fallback_message: None,
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
        operation: crate::generated::model::Operation::ListTokens,
        after: Duration::from_secs(1),
        limit: crate::error::Limit::Request,
        phase: None,
        host: None,
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
        operation: Operation::RequestToken,
        after: Duration::from_secs(10),
        limit: crate::error::Limit::Request,
        phase: None,
        host: None,
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
    let body: crate::generated::model::types::OAuthError =
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

/// The loop's backoffs are `backoff` of the clock's jitter: with a manual clock seeded
/// the same, a run's waits come back exactly; another seed gives other waits.
#[tokio::test]
async fn the_backoff_jitter_is_the_clocks_and_replays_from_its_seed() {
    use crate::clock::ManualClock;
    async fn waits(seed: u64) -> Vec<Duration> {
        let clock = ManualClock::new().with_jitter_seed(seed);
        let rules = mint_rules();
        let waits = std::sync::Mutex::new(Vec::new());
        let looped = run::<(), (), _>(
            &clock,
            &rules,
            |_, _| async {
                Err(Failed::Attempt(
                    api_error(TOKEN_OPERATION, 503, None, b"{}"),
                    (),
                ))
            },
            |_, (), decision, _| {
                if let Decision::RetryAfter(wait) = decision {
                    waits.lock().unwrap().push(wait);
                }
            },
        );
        // Moves the clock to each sleep's end as soon as the loop sleeps.
        let drive = async {
            loop {
                tokio::task::yield_now().await;
                if let Some(at) = clock.next_wake() {
                    clock.advance(at.saturating_sub(clock.elapsed()));
                }
            }
        };
        tokio::select! {
            biased;
            result = looped => assert!(result.unwrap_err().status().is_some_and(|s| s == 503)),
            () = drive => unreachable!(),
        }
        waits.into_inner().unwrap()
    }
    let rules = mint_rules();
    let mut rng = fastrand::Rng::with_seed(7);
    let expected: Vec<Duration> = (0..rules.max_retries)
        .map(|retry| backoff(rules.base_backoff, rules.max_backoff, retry, rng.f64()))
        .collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(waits(7).await, expected);
    assert_eq!(waits(7).await, expected);
    assert_ne!(waits(8).await, expected);
}

/// API rules with transient retries on for `operation`, under `policy` and `classifier`.
fn transient_rules(
    operation: Operation,
    policy: transient::TransientRetries,
    classifier: Option<Arc<dyn transient::RetryClassifier>>,
) -> (Rules, Arc<Transient>) {
    let transient = Arc::new(Transient::new(policy, classifier));
    let rules = api_rules().with_transient(operation, &transient);
    (rules, transient)
}

#[test]
fn with_transient_retries_a_get_answered_5xx_is_retried_and_pays_for_it() {
    let (rules, transient) = transient_rules(
        Operation::ListTokens,
        transient::TransientRetries::default(),
        None,
    );
    let error = api_error("list_tokens", 503, None, b"");
    assert_eq!(
        decide(&error, &state(0, false, 0), &rules, 0.5),
        Decision::RetryAfter(Duration::from_millis(250))
    );
    assert_eq!(transient.budget.left(), 495);
    // A 503's Retry-After is followed.
    let error = api_error("list_tokens", 503, Some(2), b"");
    assert_eq!(
        decide(&error, &state(1, false, 0), &rules, 0.5),
        Decision::RetryAfter(Duration::from_secs(2))
    );
    // Out of retries: nothing is taken.
    assert_eq!(
        decide(&error, &state(3, false, 0), &rules, 0.5),
        Decision::GiveUp
    );
    assert_eq!(transient.budget.left(), 490);
    // Without them, the same 503 is returned.
    assert_eq!(
        decide(&error, &state(0, false, 0), &api_rules(), 0.5),
        Decision::GiveUp
    );
}

#[test]
fn with_transient_retries_an_empty_budget_and_the_fixed_rules_win() {
    let always: Arc<dyn transient::RetryClassifier> = Arc::new(|_: Operation, _: &Error| true);
    let (rules, transient) = transient_rules(
        Operation::UpdateClient,
        transient::TransientRetries::default().with_capacity(7),
        Some(always),
    );
    let unavailable = api_error("update_client", 500, None, b"");
    assert!(matches!(
        decide(&unavailable, &state(0, false, 0), &rules, 0.0),
        Decision::RetryAfter(_)
    ));
    assert_eq!(transient.budget.left(), 2);
    assert_eq!(
        decide(&unavailable, &state(1, false, 0), &rules, 0.0),
        Decision::GiveUp
    );
    assert_eq!(transient.budget.left(), 2);
    // A 401 re-mints once and is then returned, whatever the classifier says.
    let refused = api_error("update_client", 401, None, b"{}");
    assert_eq!(
        decide(&refused, &state(0, false, 0), &rules, 0.0),
        Decision::Remint
    );
    assert_eq!(
        decide(&refused, &state(0, true, 0), &rules, 0.0),
        Decision::GiveUp
    );
    // A 429 keeps its own rule and takes nothing from the budget.
    let throttled = api_error("update_client", 429, Some(1), b"");
    assert_eq!(
        decide(&throttled, &state(0, false, 0), &rules, 0.0),
        Decision::RetryAfter(Duration::from_secs(1))
    );
    assert_eq!(transient.budget.left(), 2);
}
