//! The pipeline every API call of a [`FlowPayroll`] runs through: the token (this
//! thread's copy, else the token cache), the headers, the 429 hold, one attempt, the
//! error decoded, and what a failed attempt means to the client (drop the token after a
//! 401, hold every call after a 429), all looped by [`crate::retry::run`] inside the
//! call's time budget.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use progenitor_client::ResponseValue;
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;
use url::Origin;

use crate::auth::cache::Lease;
use crate::client::{thread_lease, ClientInner, FlowPayroll};
use crate::error::{Error, Limit};
use crate::generated::model::Operation;
use crate::observe::{self, Attempt};
use crate::raw::Client as RawClient;
use crate::response::{self, Seen};
use crate::retry::wait::hold_after;
use crate::retry::{self, within_once_armed, AttemptState, Decision, Failed, Rules};
use crate::transport::context::RequestContext;

impl FlowPayroll {
    /// Runs one generated operation with the token and headers attached, applying the
    /// 401 and 429 policies.
    pub(crate) async fn call<T, F, Fut>(&self, operation: Operation, send: F) -> Result<T, Error>
    where
        T: DeserializeOwned,
        F: Fn(RawClient) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        self.call_with_token(operation, "", send)
            .await
            .map(|(value, _)| value)
    }

    /// Like [`Self::call`], also returning the generation of the token the successful
    /// attempt used; `sent_secret` (a code the request carries, or "") is masked in an
    /// error's body like the client's own secrets.
    pub(crate) async fn call_with_token<T, F, Fut>(
        &self,
        op: Operation,
        sent_secret: &str,
        send: F,
    ) -> Result<(T, u64), Error>
    where
        T: DeserializeOwned,
        F: Fn(RawClient) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        // Outside a Tokio runtime the first lease (from the cache, not this thread's
        // fresh copy) returns `Error::NoRuntime`: the check stays off the fast path.
        let operation = op.id();
        let user_id = &self.user_id;
        let shared = &*self.shared;
        let clock = &*shared.clock;
        let rules = match &shared.transient {
            None => Rules::api(&shared.retry),
            Some(transient) => Rules::api(&shared.retry).with_transient(op, transient),
        };
        // The budget's timer is set as soon as the call does anything but one request
        // with the token at hand; until then that request's timeout bounds it.
        let armed = AtomicBool::new(!shared.budget_outlasts_request);
        let (armed, send) = (&armed, &send);
        let limit = shared.retry.total_budget;
        // Only read with a limiter: what is left of the budget bounds its wait.
        let started = shared.limiter.as_ref().map(|_| clock.now());
        let attempts = retry::run(
            clock,
            &rules,
            |state, now| async move {
                let (lease, origin) = match thread_lease::lease(&self.shared, now) {
                    Some(fresh) => fresh,
                    None => {
                        armed.store(true, Ordering::Relaxed);
                        // Boxed, like the error path: kept inline, every call moves it.
                        Box::pin(self.cache_lease()).await.map_err(Failed::Final)?
                    }
                };
                let generation = lease.generation;
                let api = self.raw_client(lease.header.clone(), user_id.clone(), origin);
                // After a 429 seen by any caller of this client (or of the fleet), wait
                // instead of sending.
                if shared.hold.remaining(now).is_some() {
                    armed.store(true, Ordering::Relaxed);
                    while let Some(wait) = shared.hold.remaining(clock.now()) {
                        clock.sleep(wait).await;
                    }
                }
                if let (Some(limiter), Some(started)) = (&shared.limiter, started) {
                    let left = limit.saturating_sub(clock.now().saturating_duration_since(started));
                    let wait = Box::pin(limiter.acquire(op, limiter.max_wait(left)))
                        .await
                        .map_err(Failed::Final)?;
                    if !wait.is_zero() {
                        armed.store(true, Ordering::Relaxed);
                        clock.sleep(wait).await;
                    }
                }
                let attempt = Attempt::start(op, &shared.api_url, state.resends(), clock);
                let outcome = match attempt.run(send(api)).await {
                    Ok(value) => {
                        if let Some(limiter) = &shared.limiter {
                            limiter.succeeded(op);
                        }
                        refill_retry_budget(shared);
                        return Ok((attempt.succeeded(value).into_inner(), generation));
                    }
                    Err(error) => Err(error),
                };
                armed.store(true, Ordering::Relaxed);
                let token = lease.header.to_str().unwrap_or_default();
                let secrets = [shared.client_secret.expose_secret(), token, sent_secret];
                let seen = Seen {
                    now: clock.system_now(),
                    secrets: &secrets,
                    timeouts: shared.timeouts,
                };
                let finished = Box::pin(response::finish::<T>(op, outcome, &seen)).await;
                if let (Some(limiter), Err(error)) = (&shared.limiter, &finished) {
                    if error.status() == Some(reqwest::StatusCode::TOO_MANY_REQUESTS) {
                        Box::pin(limiter.throttled(op, error.retry_after())).await;
                    }
                }
                match attempt.end(finished) {
                    Ok(value) => {
                        refill_retry_budget(shared);
                        Ok((value.into_inner(), generation))
                    }
                    Err(error) => Err(Failed::Attempt(error, generation)),
                }
            },
            |error, generation, decision, state| {
                // Every other call of this client (and of the fleet) waits too.
                if let Some(wait) = hold_after(error, decision) {
                    shared.hold.hold(clock.now(), wait);
                }
                match decision {
                    // The token was refused: drop it (once, whoever sees it first) and
                    // replay the call with a fresh one. A second 401 goes to the caller.
                    Decision::Remint => {
                        shared.tokens.invalidate(generation);
                    }
                    Decision::RetryAfter(wait) => log_retry(operation, error, wait, state),
                    Decision::GiveUp => {}
                }
            },
        );
        // Boxed: each wrapper keeps its argument beside the future it awaits, so an
        // inline loop would be copied kilobytes at a time on every call.
        observe::call(
            op,
            clock,
            within_once_armed(
                clock,
                limit,
                Limit::CallBudget,
                op,
                armed,
                Box::pin(attempts),
            ),
        )
        .await
    }

    /// The headers of a call: `token` (sent to `origin` only) and `user_id`, and the
    /// configured limit of success bodies.
    pub(super) fn context(
        &self,
        token: HeaderValue,
        user_id: Option<HeaderValue>,
        origin: Arc<Origin>,
    ) -> RequestContext {
        RequestContext::new()
            .with_access_token_value(token)
            .with_user_id_value(user_id)
            .with_token_origin(origin)
            .with_body_limit(self.shared.body_limit)
            .with_stack(self.shared.stack.clone())
    }

    /// A generated client on the shared HTTP client with the [`Self::context`] of
    /// `token`, `user_id` and `origin`.
    pub(super) fn raw_client(
        &self,
        token: HeaderValue,
        user_id: Option<HeaderValue>,
        origin: Arc<Origin>,
    ) -> RawClient {
        let shared = &*self.shared;
        let context = self.context(token, user_id, origin);
        RawClient::new_with_client(&shared.api_url, shared.http.clone(), context)
    }

    /// The token of a call and the origin it may go to: this thread's copies while the
    /// cached token is fresh (see [`super::thread_lease`]), else from the token cache.
    pub(super) async fn lease(&self) -> Result<(Lease, Arc<Origin>), Error> {
        match thread_lease::lease(&self.shared, self.shared.clock.now()) {
            Some(fresh) => Ok(fresh),
            // Boxed: the cache's future is large, and the fast path should not carry it.
            None => Box::pin(self.cache_lease()).await,
        }
    }

    /// [`Self::lease`] from the token cache, which refreshes, waits or mints.
    pub(super) async fn cache_lease(&self) -> Result<(Lease, Arc<Origin>), Error> {
        super::runtime()?;
        let lease = self.shared.tokens.lease().await?;
        Ok((lease, Arc::clone(&self.shared.api_origin)))
    }
}

/// A successful attempt puts its refill back into the retry budget (transient retries
/// on).
fn refill_retry_budget(shared: &ClientInner) {
    if let Some(transient) = &shared.transient {
        transient.budget.refill();
    }
}

/// Logs a retry of `operation` after `error`: a 429's wait, or a transient failure's.
fn log_retry(operation: &str, error: &Error, wait: Duration, state: &AttemptState) {
    let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    if error.status() == Some(StatusCode::TOO_MANY_REQUESTS) {
        tracing::info!(
            target: "flowpayroll::api",
            operation,
            retry = state.retries,
            wait_ms,
            "rate limited; retrying after the wait"
        );
    } else {
        tracing::info!(
            target: "flowpayroll::api",
            operation,
            retry = state.retries,
            wait_ms,
            error = %error,
            "transient failure; retrying after the wait"
        );
    }
}
