//! [`FlowPayroll`]: the client every clone shares (HTTP client, token cache, policies),
//! and the loop every API call runs through (token, headers, 401 re-mint, 429 waits,
//! the call's time budget), run by [`crate::retry::run`]. Configuration
//! lives in [`crate::client::builder`].

pub(crate) mod builder;
mod local;
pub(crate) mod management;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use progenitor_client::ResponseValue;
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;
use url::Origin;

use crate::auth::cache::Lease;
use crate::auth::cache::TokenCache;
use crate::auth::cache::TokenStatus;
use crate::client::builder::FlowPayrollBuilder;
use crate::client::management::Management;
use crate::clock::Clock;
use crate::config::policy::RetryPolicy;
use crate::error::{Error, Limit};
use crate::generated::client::Client as RawClient;
use crate::generated::model::types::AuthorizationCodeExchange;
use crate::generated::model::Operation;
use crate::observe::{self, Attempt};
use crate::response::{self, Seen};
use crate::retry::{self, within_once_armed, Decision, Failed, Rules};
use crate::secret::SecretString;
use crate::transport::context::user_value;
use crate::transport::context::RequestContext;
use crate::transport::http_client::Timeouts;

/// The Flow Payroll client: typed operations with tokens minted, cached, refreshed and
/// attached for you.
///
/// Cheap to clone; every clone shares one connection pool and one token cache. Calls
/// run inside a Tokio runtime (the token cache mints in its own task); polled outside
/// one, a call returns [`Error::NoRuntime`] before sending anything.
#[derive(Clone)]
pub struct FlowPayroll {
    shared: Arc<ClientInner>,
    user_id: Option<HeaderValue>,
}

/// What every clone of a client shares (built by [`crate::FlowPayrollBuilder`]).
#[derive(Debug)]
pub(crate) struct ClientInner {
    pub http: reqwest::Client,
    /// The API base URL, without a trailing `/`.
    pub api_url: String,
    /// Where the token may go: the API URL's scheme, host and port. Calls on the fast
    /// path use their thread's copy (`local`).
    pub api_origin: Arc<Origin>,
    /// The client's id, sent by the calls that carry the credentials.
    pub client_id: String,
    /// Masked in any server text an error keeps; sent by the calls that carry the
    /// credentials.
    pub client_secret: SecretString,
    /// The most bytes read of a success body.
    pub body_limit: usize,
    /// The time limits of one API request.
    pub timeouts: Timeouts,
    /// Whether a request's own timeout ends it before the call's budget can: the budget
    /// is no shorter, and both run on Tokio's clock (no clock was injected). A call's
    /// first request, with the token at hand and no hold, then needs no budget timer.
    pub budget_outlasts_request: bool,
    pub tokens: TokenCache,
    pub retry: RetryPolicy,
    pub clock: Arc<dyn Clock>,
    /// Calls wait here after a 429 (this client's, or the fleet's).
    pub hold: Arc<crate::retry::hold::ApiHold>,
    /// The fleet this client is a member of (fleet mode).
    #[cfg(feature = "redis")]
    pub fleet: Option<crate::fleet::Fleet>,
}

impl fmt::Debug for FlowPayroll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowPayroll")
            .field("api_url", &self.shared.api_url)
            .field("user_id", &self.user_id)
            .field("token", &self.shared.tokens.status().token_id)
            .finish_non_exhaustive()
    }
}

impl FlowPayroll {
    pub(crate) fn new(shared: ClientInner, user_id: Option<HeaderValue>) -> Self {
        Self {
            shared: Arc::new(shared),
            user_id,
        }
    }

    /// Starts configuring a client.
    pub fn builder() -> FlowPayrollBuilder {
        FlowPayrollBuilder::default()
    }

    /// A client configured from the `FLOWPAYROLL_*` environment variables (see the
    /// crate docs for the list). A missing or malformed variable is an
    /// [`Error::Config`] that names it.
    pub fn from_env() -> Result<Self, Error> {
        FlowPayrollBuilder::from_env()?.build()
    }

    /// The management endpoints, as an owned handle (a clone of this client).
    pub fn management(&self) -> Management {
        Management::new(self.clone())
    }

    /// A client that sends `User-Id: user_id` on every call (Flow Payroll records it in
    /// its audit log). Shares this client's pool and token cache. A value outside the
    /// spec's `UserId` rules (empty, longer than [`crate::header::MAX_USER_ID_LEN`] bytes, not
    /// printable ASCII, or with a space at either end) is refused here, with
    /// [`Error::InvalidRequest`]:
    ///
    /// ```
    /// # let fp = flowpayroll::FlowPayroll::builder().credentials("id", "secret").build().unwrap();
    /// assert!(fp.as_user("u-123").is_ok());
    /// assert!(fp.as_user("line\nbreak").is_err());
    /// ```
    pub fn as_user(&self, user_id: &str) -> Result<FlowPayroll, Error> {
        let value = user_value(user_id).map_err(|message| Error::InvalidRequest {
            operation: None,
            message,
        })?;
        Ok(FlowPayroll {
            shared: Arc::clone(&self.shared),
            user_id: Some(value),
        })
    }

    /// Lists the API modes and the providers of each (`GET /providers`).
    pub async fn providers(
        &self,
    ) -> Result<Vec<crate::generated::model::types::ProviderGroup>, Error> {
        self.call(Operation::ListProviders, |api| async move {
            api.list_providers().await
        })
        .await
    }

    /// The state of the token cache, for readiness probes. Takes no lock that a mint
    /// holds and sends nothing.
    pub fn token_status(&self) -> TokenStatus {
        let mut status = self.shared.tokens.status();
        status.rate_limited_for = self.shared.hold.remaining(self.shared.clock.now());
        #[cfg(feature = "redis")]
        {
            status.fleet = self.shared.fleet.as_ref().map(crate::fleet::Fleet::status);
        }
        status
    }

    /// Returns the status of a valid token, minting one only if none is cached (or the
    /// cached one is past its refresh time): a way to check credentials at start-up.
    /// It does not force a new mint.
    pub async fn authenticate(&self) -> Result<TokenStatus, Error> {
        runtime()?;
        self.shared.tokens.lease().await?;
        Ok(self.token_status())
    }

    /// The cached access token (minted if needed), for tools that must pass it on
    /// themselves. Prefer letting the client attach it.
    pub async fn access_token(&self) -> Result<SecretString, Error> {
        runtime()?;
        let lease = self.shared.tokens.lease().await?;
        let text = lease
            .header
            .to_str()
            .map_err(|_| Error::TokenUnavailable("the token is not text".to_owned()))?;
        Ok(SecretString::new(text))
    }

    /// The low-level generated client ([`crate::raw::Client`]) for one or more calls,
    /// on this client's shared HTTP client: redirects off, its User-Agent, timeouts and
    /// connection pool. It carries the cached access token (minted if needed) and this
    /// client's `User-Id`; the token is only ever sent to the configured API URL, and
    /// success bodies are read up to [`FlowPayrollBuilder::max_response_body`]. It does
    /// not retry, re-mint after a 401 or decode error bodies: errors are progenitor's.
    ///
    /// The client holds the token current when it was made: keep it for a few calls,
    /// not across a refresh (after one, its calls answer 401). Call `raw()` again for
    /// each unit of work; the token comes from the cache, so that costs no request.
    pub async fn raw(&self) -> Result<RawClient, Error> {
        let (lease, origin) = self.lease().await?;
        Ok(self.raw_client(lease.header, self.user_id.clone(), origin))
    }

    /// The headers for one call of a low-level [`crate::raw::Client`] you build
    /// yourself: the cached access token (minted if needed), this client's `User-Id`,
    /// the token restricted to the configured API origin and the body limit. Prefer
    /// [`Self::raw`]: a `raw::Client::new` makes its own HTTP client, which follows
    /// redirects (carrying `X-Auth-Token` along) and has no User-Agent.
    pub async fn request_context(&self) -> Result<RequestContext, Error> {
        let (lease, origin) = self.lease().await?;
        Ok(self.context(lease.header, self.user_id.clone(), origin))
    }

    /// The token of a call and the origin it may go to: this thread's copies while the
    /// cached token is fresh (see [`local`]), else from the token cache.
    async fn lease(&self) -> Result<(Lease, Arc<Origin>), Error> {
        match local::lease(&self.shared, self.shared.clock.now()) {
            Some(fresh) => Ok(fresh),
            // Boxed: the cache's future is large, and the fast path should not carry it.
            None => Box::pin(self.cache_lease()).await,
        }
    }

    /// [`Self::lease`] from the token cache, which refreshes, waits or mints.
    async fn cache_lease(&self) -> Result<(Lease, Arc<Origin>), Error> {
        runtime()?;
        let lease = self.shared.tokens.lease().await?;
        Ok((lease, Arc::clone(&self.shared.api_origin)))
    }

    /// A code exchange for `code` and `redirect_uri` with this client's credentials.
    pub(crate) fn code_exchange(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> AuthorizationCodeExchange {
        AuthorizationCodeExchange::builder()
            .client_id(self.shared.client_id.clone())
            .client_secret(self.shared.client_secret.clone())
            .code(code)
            .redirect_uri(redirect_uri)
            .build()
    }

    /// Runs one generated operation with the token and headers attached, applying the
    /// 401 and 429 policies.
    pub(crate) async fn call<T, F, Fut>(&self, operation: Operation, send: F) -> Result<T, Error>
    where
        T: DeserializeOwned,
        F: Fn(RawClient) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        self.call_with_token(operation, send)
            .await
            .map(|(value, _)| value)
    }

    /// Like [`Self::call`], also returning the generation of the token the successful
    /// attempt used.
    pub(crate) async fn call_with_token<T, F, Fut>(
        &self,
        op: Operation,
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
        let rules = Rules::api(&shared.retry);
        // The budget's timer is set as soon as the call does anything but one request
        // with the token at hand; until then that request's timeout bounds it.
        let armed = AtomicBool::new(!shared.budget_outlasts_request);
        let (armed, send) = (&armed, &send);
        let attempts = retry::run(
            clock,
            &rules,
            |state, now| async move {
                let (lease, origin) = match local::lease(&self.shared, now) {
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
                let attempt = Attempt::start(op, &shared.api_url, state.resends(), clock);
                let outcome = match attempt.run(send(api)).await {
                    Ok(value) => return Ok((attempt.succeeded(value).into_inner(), generation)),
                    Err(error) => Err(error),
                };
                armed.store(true, Ordering::Relaxed);
                let token = lease.header.to_str().unwrap_or_default();
                let secrets = [shared.client_secret.expose_secret(), token];
                let seen = Seen {
                    now: clock.system_now(),
                    secrets: &secrets,
                    timeouts: shared.timeouts,
                };
                let finished = Box::pin(response::finish::<T>(op, outcome, &seen)).await;
                match attempt.end(finished) {
                    Ok(value) => Ok((value.into_inner(), generation)),
                    Err(error) => Err(Failed::Attempt(error, generation)),
                }
            },
            |error, generation, decision, state| match decision {
                // The token was refused: drop it (once, whoever sees it first) and
                // replay the call with a fresh one. A second 401 goes to the caller.
                Decision::Remint => {
                    shared.tokens.invalidate(generation);
                }
                Decision::RetryAfter(wait) => {
                    shared.hold.hold(clock.now(), wait);
                    tracing::info!(
                        target: "flowpayroll::api",
                        operation,
                        retry = state.retries,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "rate limited; retrying after the wait"
                    );
                }
                Decision::GiveUp => {
                    // Out of retries or budget: the others still wait out the 429.
                    if error.status() == Some(http::StatusCode::TOO_MANY_REQUESTS) {
                        if let Some(wait) = error.retry_after() {
                            shared.hold.hold(clock.now(), wait);
                        }
                    }
                }
            },
        );
        let limit = shared.retry.total_budget;
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
    fn context(
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
    }

    /// A generated client on the shared HTTP client with the [`Self::context`] of
    /// `token`, `user_id` and `origin`.
    fn raw_client(
        &self,
        token: HeaderValue,
        user_id: Option<HeaderValue>,
        origin: Arc<Origin>,
    ) -> RawClient {
        let shared = &*self.shared;
        let context = self.context(token, user_id, origin);
        RawClient::new_with_client(&shared.api_url, shared.http.clone(), context)
    }

    /// Drops the token of `generation` from the cache if it is still the cached one.
    pub(crate) fn forget_token(&self, generation: u64) {
        self.shared.tokens.invalidate(generation);
    }
}

/// [`Error::NoRuntime`] unless the caller runs inside a Tokio runtime: the token cache
/// and the time limits need one, and would panic without it.
fn runtime() -> Result<(), Error> {
    tokio::runtime::Handle::try_current()
        .map(drop)
        .map_err(|_| Error::NoRuntime)
}
