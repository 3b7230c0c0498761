//! One mint: token requests to the token endpoint ([`super::token`]), retried by the
//! shared loop and rule ([`crate::retry::run`]) and bounded as a whole by the mint deadline
//! ([`TokenRequestPolicy::deadline`]). [`Minter`] is the [`TokenSource`] the cache uses
//! in production.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::source::{Minted, TokenSource};
use super::token::{IssuedToken, TokenEndpoint, OPERATION};
use crate::clock::Clock;
use crate::config::policy::TokenRequestPolicy;
use crate::error::{Error, Limit};
use crate::generated::model::Operation;
use crate::limiter::Limiter;
use crate::observe::{self, Answer, Attempt};
use crate::retry::{self, within, Decision, Failed, Rules};

/// Mints tokens from a token endpoint.
#[derive(Debug)]
pub(crate) struct Minter {
    endpoint: TokenEndpoint,
    clock: Arc<dyn Clock>,
    policy: TokenRequestPolicy,
    /// The client-side rate limiter: the token endpoint's own quota.
    limiter: Option<Arc<Limiter>>,
}

impl Minter {
    pub fn new(endpoint: TokenEndpoint, clock: Arc<dyn Clock>, policy: TokenRequestPolicy) -> Self {
        Self {
            endpoint,
            clock,
            policy,
            limiter: None,
        }
    }

    /// Spaces token requests by the token endpoint's quota of `limiter`, if any.
    pub fn limited_by(mut self, limiter: Option<Arc<Limiter>>) -> Self {
        self.limiter = limiter;
        self
    }

    /// Requests a token, retrying transient failures, within the mint deadline.
    async fn run(&self) -> Result<Minted, Error> {
        let clock = &*self.clock;
        let rules = Rules::mint(&self.policy);
        // Where the last attempt stalled, to say so if the deadline ends the mint.
        let stalled = std::sync::Mutex::new(None);
        let attempts = retry::run(
            clock,
            &rules,
            |state, mut sent_at| async move {
                // The token endpoint's own quota: a wait within the mint's deadline.
                if let Some(limiter) = &self.limiter {
                    let left = self.policy.deadline.saturating_sub(state.elapsed);
                    let wait = limiter
                        .acquire(Operation::RequestToken, left)
                        .await
                        .map_err(Failed::Final)?;
                    if !wait.is_zero() {
                        clock.sleep(wait).await;
                        sent_at = clock.now();
                    }
                }
                let url = self.endpoint.url.as_str();
                let attempt = Attempt::start(Operation::RequestToken, url, state.resends(), clock);
                let request = attempt.run(self.endpoint.request(clock.system_now())).await;
                match attempt.end(request) {
                    Ok(issued) => Ok(Minted::new(issued, sent_at)),
                    Err(error) => Err(Failed::Attempt(error, ())),
                }
            },
            |error, (), decision, state| {
                if let Error::Timeout {
                    phase: Some(phase),
                    host,
                    ..
                } = error
                {
                    *stalled
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) =
                        Some((*phase, host.clone()));
                }
                // A mint is never re-minted (a token request's 401 refuses the
                // credentials): its decisions are a retry or the end.
                if let Decision::RetryAfter(wait) = decision {
                    tracing::warn!(
                        target: "flowpayroll::auth",
                        attempt = state.retries,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "token request failed; retrying"
                    );
                }
            },
        );
        let result = observe::call(
            Operation::RequestToken,
            clock,
            within(
                clock,
                self.policy.deadline,
                Limit::MintDeadline,
                OPERATION,
                attempts,
            ),
        )
        .await;
        match result {
            Err(Error::Timeout {
                operation,
                after,
                limit,
                phase: None,
                host: None,
            }) => {
                let last = stalled
                    .into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let (phase, host) = last.unzip();
                Err(Error::Timeout {
                    operation,
                    after,
                    limit,
                    phase,
                    host: host.flatten(),
                })
            }
            other => other,
        }
    }
}

/// A token answer is a 200 (the request id of a success is not kept).
impl Answer for IssuedToken {
    fn status(&self) -> u16 {
        200
    }

    fn request_id(&self) -> Option<String> {
        None
    }
}

impl TokenSource for Minter {
    fn mint(&self) -> Pin<Box<dyn Future<Output = Result<Minted, Error>> + Send + '_>> {
        Box::pin(self.run())
    }
}
