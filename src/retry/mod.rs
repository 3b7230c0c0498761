//! The one rule that decides what happens after a failed attempt, for API calls and for
//! token mints alike: [`decide`] maps `(error, attempt state)` to [`Decision`] (retry
//! after a wait, re-mint the token and replay, or give up). It is pure: no HTTP, no
//! clock, no randomness of its own (the jitter draw is an argument), so every branch is
//! unit-tested and property-tested here.
//!
//! [`run`] is the one loop that applies it, for [`crate::client`] (API calls: 401 once,
//! 429) and [`crate::auth::mint`] (token requests: network, 408, 429, 5xx): each gives
//! it the attempt and a hook for what a decision means to it (drop a token, hold other
//! calls, log). Both also bound the whole loop in time with [`within`], so a call or a
//! mint never outlives its budget however the server answers or stalls. [`hold`] is the
//! 429 hold: API calls wait out a `Retry-After` seen by any of them. How long each wait
//! is (backoff, a failed mint's cooldown, the hold) is decided in [`wait`] alone.
//! [`transient`] holds what API calls need to retry transient failures when a caller
//! turns that on: the classifier and the retry budget shared by a client's clones.

pub(crate) mod hold;
pub(crate) mod transient;
pub(crate) mod wait;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::config::policy::{RetryPolicy, TokenRequestPolicy};
use crate::error::classify::{classify, Failure};
use crate::error::{Error, Limit};
use crate::generated::model::Operation;
use crate::retry::transient::Transient;
use crate::retry::wait::backoff;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then send the same request again.
    RetryAfter(Duration),
    /// Drop the token the attempt used, mint a new one and replay the request.
    Remint,
    /// Return the error to the caller.
    GiveUp,
}

/// What a loop has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AttemptState {
    /// Retries already made (re-mints not included).
    pub retries: u32,
    /// Whether the token was already re-minted once in this call.
    pub reminted: bool,
    /// Time since the loop started.
    pub elapsed: Duration,
}

impl AttemptState {
    /// How many requests were sent before the next one (retries and the re-mint's
    /// replay): its `http.request.resend_count`.
    pub fn resends(&self) -> u32 {
        self.retries.saturating_add(u32::from(self.reminted))
    }
}

/// Which loop is asking: the two retry different failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loop {
    /// An API call: a 401 re-mints once, a 429 waits; anything else is retried only
    /// when transient retries are on ([`Rules::transient`]) and their classifier says so.
    Api,
    /// A token request: network failures, timeouts, 408, 429 and 5xx are retried.
    Mint,
}

/// The limits of one loop, taken from [`RetryPolicy`] or [`TokenRequestPolicy`].
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    /// Which loop.
    pub kind: Loop,
    /// Retries allowed after the first attempt.
    pub max_retries: u32,
    /// The whole loop ends by then: a wait that would end at or past it is not started.
    pub budget: Duration,
    /// First backoff without `Retry-After`; doubles with each retry (full jitter).
    pub base_backoff: Duration,
    /// The longest backoff without `Retry-After`.
    pub max_backoff: Duration,
    /// The longest `Retry-After` followed as sent; longer ones are cut to this. `None`
    /// follows any `Retry-After` (and gives up if it does not fit the budget).
    pub retry_after_cap: Option<Duration>,
    /// API calls: the operation and the client's transient retries, when they are on.
    pub transient: Option<(Operation, Arc<Transient>)>,
}

impl Rules {
    /// The rules of API calls.
    pub fn api(policy: &RetryPolicy) -> Self {
        Self {
            kind: Loop::Api,
            max_retries: policy.max_retries,
            budget: policy.total_budget,
            base_backoff: policy.base_backoff,
            max_backoff: policy.max_backoff,
            retry_after_cap: None,
            transient: None,
        }
    }

    /// These rules, also retrying `operation`'s transient failures under `transient`
    /// (its classifier and budget).
    pub fn with_transient(mut self, operation: Operation, transient: &Arc<Transient>) -> Self {
        self.transient = Some((operation, Arc::clone(transient)));
        self
    }

    /// The rules of token mints.
    pub fn mint(policy: &TokenRequestPolicy) -> Self {
        Self {
            kind: Loop::Mint,
            max_retries: policy.attempts.saturating_sub(1),
            budget: policy.deadline,
            base_backoff: policy.base_backoff,
            max_backoff: policy.max_backoff,
            retry_after_cap: Some(policy.max_backoff),
            transient: None,
        }
    }
}

/// The decision after `error`, given what the loop has done (`state`) and its `rules`.
/// `draw` is a random number in `[0, 1)` for the backoff jitter.
///
/// The order is the decision table of `docs/errors.md` ("Retries"): a 401 re-mints, a
/// 429 waits, and only then, for API calls with transient retries on, the classifier
/// decides; the retry count and the time budget bound every retry, and a transient one
/// last takes its cost from the retry budget (the one effect of this function).
pub(crate) fn decide(error: &Error, state: &AttemptState, rules: &Rules, draw: f64) -> Decision {
    let failure = classify(error);
    let (server_wait, transient) = match (rules.kind, failure) {
        (Loop::Api, Failure::Refused) if !state.reminted && is_api_answer(error) => {
            return Decision::Remint
        }
        (Loop::Api, Failure::Throttled(wait)) => (wait, None),
        // A second 401: no classifier retries it.
        (Loop::Api, Failure::Refused) if is_api_answer(error) => return Decision::GiveUp,
        (Loop::Api, _) => match &rules.transient {
            Some((operation, transient)) if transient.should_retry(*operation, error) => {
                let wait = match failure {
                    Failure::Unavailable(wait) => wait,
                    _ => None,
                };
                (wait, Some((*operation, transient)))
            }
            _ => return Decision::GiveUp,
        },
        (Loop::Mint, Failure::Throttled(wait) | Failure::Unavailable(wait)) => (wait, None),
        _ => return Decision::GiveUp,
    };
    if state.retries >= rules.max_retries {
        return Decision::GiveUp;
    }
    let wait = match server_wait {
        Some(wait) => rules.retry_after_cap.map_or(wait, |cap| wait.min(cap)),
        None => backoff(rules.base_backoff, rules.max_backoff, state.retries, draw),
    };
    match state.elapsed.checked_add(wait) {
        Some(end) if end < rules.budget => {}
        _ => return Decision::GiveUp,
    }
    if let Some((operation, transient)) = transient {
        if !transient.budget.withdraw(error) {
            tracing::warn!(
                target: "flowpayroll::api",
                operation = operation.id(),
                error = %error,
                "not retried: the retry budget is empty (too many retries without a success); the error goes to the caller"
            );
            return Decision::GiveUp;
        }
    }
    Decision::RetryAfter(wait)
}

/// A 401 of the token endpoint is a refusal of the credentials, not of a token.
fn is_api_answer(error: &Error) -> bool {
    error
        .as_api()
        .is_some_and(|api| api.operation() != Operation::RequestToken)
}

/// How an attempt of [`run`] failed.
#[derive(Debug)]
pub(crate) enum Failed<C> {
    /// With an error [`decide`] rules on, and what the loop's owner needs to act on the
    /// decision (the generation of the token the attempt used), handed to the hook.
    Attempt(Error, C),
    /// With an error that ends the loop as it is (no token could be had).
    Final(Error),
}

/// The loop of API calls and token mints: runs `attempt` until it succeeds, fails
/// [`Failed::Final`], or [`decide`] gives up, sleeping on `clock` between attempts.
/// The backoff's jitter is `clock`'s ([`Clock::jitter`]): seeded on a manual clock, so
/// a failing run replays.
///
/// `attempt` gets the state so far (its [`AttemptState::resends`] is the attempt's
/// resend count) and the time on `clock` it starts at (read once per attempt).
/// `decided` sees each failed attempt's error, context, the decision and the state
/// after it (the retry counted, the re-mint noted) before the loop acts on it: the owner
/// drops a token, holds other calls back or logs there. The time budget is the owner's
/// ([`within`]), around the loop; the budget in `rules` only decides which waits start.
pub(crate) async fn run<T, C, Fut>(
    clock: &dyn Clock,
    rules: &Rules,
    mut attempt: impl FnMut(AttemptState, Instant) -> Fut,
    mut decided: impl FnMut(&Error, C, Decision, &AttemptState),
) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, Failed<C>>>,
{
    let started = clock.now();
    let mut now = started;
    let mut state = AttemptState::default();
    loop {
        let (error, context) = match attempt(state, now).await {
            Ok(value) => return Ok(value),
            Err(Failed::Final(error)) => return Err(error),
            Err(Failed::Attempt(error, context)) => (error, context),
        };
        state.elapsed = clock.now().saturating_duration_since(started);
        let decision = decide(&error, &state, rules, clock.jitter());
        match decision {
            Decision::Remint => state.reminted = true,
            Decision::RetryAfter(_) => state.retries += 1,
            Decision::GiveUp => {}
        }
        decided(&error, context, decision, &state);
        match decision {
            Decision::RetryAfter(wait) => clock.sleep(wait).await,
            Decision::Remint => {}
            Decision::GiveUp => return Err(error),
        }
        now = clock.now();
    }
}

/// Runs `work`, or ends it with [`Error::Timeout`] (naming `which` limit) once `limit`
/// has passed on `clock`.
pub(crate) async fn within<T>(
    clock: &dyn Clock,
    limit: Duration,
    which: Limit,
    operation: Operation,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    within_once_armed(clock, limit, which, operation, &AtomicBool::new(true), work).await
}

/// Like [`within`], with the timer set only once `armed` is true, for what is left of
/// `limit` then: registering a timer is most of the cost of a short call. Until it arms
/// the timer, `work` must be bounded by something that ends no later than `limit` on the
/// same clock (a call's request timeout).
pub(crate) async fn within_once_armed<T>(
    clock: &dyn Clock,
    limit: Duration,
    which: Limit,
    operation: Operation,
    armed: &AtomicBool,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let started = clock.now();
    let mut timer = None;
    // Polled after `work` each time: when `work` arms it and waits, the timer is set
    // in the same poll.
    let deadline = std::future::poll_fn(|context| {
        if timer.is_none() && !armed.load(Ordering::Relaxed) {
            return Poll::Pending;
        }
        timer
            .get_or_insert_with(|| {
                let elapsed = clock.now().saturating_duration_since(started);
                clock.deadline(limit.saturating_sub(elapsed))
            })
            .as_mut()
            .poll(context)
    });
    tokio::select! {
        biased;
        result = work => result,
        () = deadline => Err(Error::Timeout {
            operation,
            after: limit,
            limit: which,
            phase: None,
            host: None,
        }),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod props;

#[cfg(test)]
mod within_tests;
