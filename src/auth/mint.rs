//! One mint: token requests to the token endpoint ([`super::token`]), retried by the
//! shared rule ([`crate::retry::decide`]) and bounded as a whole by the mint deadline
//! ([`TokenRequestPolicy::deadline`]). [`Minter`] is the [`TokenSource`] the cache uses
//! in production.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::source::{Minted, TokenSource};
use super::token::{IssuedToken, TokenEndpoint, OPERATION};
use crate::clock::Clock;
use crate::config::policy::TokenRequestPolicy;
use crate::error::Error;
use crate::generated::model::Operation;
use crate::observe::{self, Answer, Attempt};
use crate::retry::{decide, within, AttemptState, Decision, Rules};

/// Mints tokens from a token endpoint.
#[derive(Debug)]
pub(crate) struct Minter {
    endpoint: TokenEndpoint,
    clock: Arc<dyn Clock>,
    policy: TokenRequestPolicy,
}

impl Minter {
    pub fn new(endpoint: TokenEndpoint, clock: Arc<dyn Clock>, policy: TokenRequestPolicy) -> Self {
        Self {
            endpoint,
            clock,
            policy,
        }
    }

    /// Requests a token, retrying transient failures, within the mint deadline.
    async fn run(&self) -> Result<Minted, Error> {
        let clock = &*self.clock;
        let rules = Rules::mint(&self.policy);
        let started = clock.now();
        let attempts = async {
            let mut state = AttemptState::default();
            loop {
                let sent_at = clock.now();
                let url = self.endpoint.url.as_str();
                let attempt = Attempt::start(Operation::RequestToken, url, state.resends(), clock);
                let request = attempt.run(self.endpoint.request(clock.system_now())).await;
                let error = match attempt.end(request) {
                    Ok(issued) => return Ok(Minted::new(issued, sent_at)),
                    Err(error) => error,
                };
                state.elapsed = clock.now().saturating_duration_since(started);
                let Decision::RetryAfter(wait) = decide(&error, &state, &rules, fastrand::f64())
                else {
                    return Err(error);
                };
                state.retries += 1;
                tracing::warn!(
                    target: "flowpayroll::auth",
                    attempt = state.retries,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    error = %error,
                    "token request failed; retrying"
                );
                clock.sleep(wait).await;
            }
        };
        observe::call(
            Operation::RequestToken,
            clock,
            within(clock, self.policy.deadline, OPERATION, attempts),
        )
        .await
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
