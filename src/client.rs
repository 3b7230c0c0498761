//! [`FlowPayroll`] and its builder: configuration in, one shared HTTP client and token
//! cache out, and the loop every API call runs through (token, headers, 401, 429).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::ResponseValue;
use reqwest::header::HeaderValue;
use reqwest::Url;
use serde::de::DeserializeOwned;

use crate::auth::cache::TokenCache;
use crate::auth::clock::{Clock, SystemClock};
use crate::auth::mint::Minter;
use crate::auth::token::TokenEndpoint;
use crate::auth::TokenStatus;
use crate::config::{self, Environment, TokenAuthMethod};
use crate::generated::Client as RawClient;
use crate::management::Management;
use crate::policy::{RefreshPolicy, RetryPolicy, TokenRequestPolicy};
use crate::retry::{decide, within, AttemptState, Decision, Rules};
use crate::{response, Error, RequestContext, SecretString};

/// The Flow Payroll client: typed operations with tokens minted, cached, refreshed and
/// attached for you.
///
/// Cheap to clone; every clone shares one connection pool and one token cache. Calls
/// must run inside a Tokio runtime (the token cache mints in its own task).
#[derive(Clone)]
pub struct FlowPayroll {
    shared: Arc<Shared>,
    user_id: Option<Result<HeaderValue, String>>,
}

#[derive(Debug)]
struct Shared {
    http: reqwest::Client,
    api_url: String,
    /// Where the token may go: the API URL's scheme, host and port.
    api_origin: url::Origin,
    /// Masked in any server text an error keeps.
    client_secret: SecretString,
    body_limit: usize,
    tokens: TokenCache,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for FlowPayroll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowPayroll")
            .field("api_url", &self.shared.api_url)
            .field("user_id", &self.user_id.as_ref().map(|u| u.as_ref().ok()))
            .field("token", &self.shared.tokens.status().token_id)
            .finish_non_exhaustive()
    }
}

impl FlowPayroll {
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

    /// The management endpoints.
    pub fn management(&self) -> Management<'_> {
        Management::new(self)
    }

    /// A client that sends `User-Id: user_id` on every call (Flow Payroll records it in
    /// its audit log). Shares this client's pool and token cache. A value that cannot be
    /// a header fails each call with [`Error::InvalidRequest`] before anything is sent.
    pub fn as_user(&self, user_id: &str) -> FlowPayroll {
        FlowPayroll {
            shared: Arc::clone(&self.shared),
            user_id: Some(user_value(user_id)),
        }
    }

    /// Lists the API modes and the providers of each (`GET /providers`).
    pub async fn providers(&self) -> Result<Vec<crate::types::ProviderGroup>, Error> {
        self.call(
            crate::operation::Operation::ListProviders.id(),
            |api| async move { api.list_providers().await },
        )
        .await
    }

    /// The state of the token cache, for readiness probes. Takes no lock that a mint
    /// holds and sends nothing.
    pub fn token_status(&self) -> TokenStatus {
        self.shared.tokens.status()
    }

    /// Makes sure a valid token is cached, minting one if needed, and returns its
    /// status: a way to check credentials at start-up.
    pub async fn authenticate(&self) -> Result<TokenStatus, Error> {
        self.shared.tokens.lease().await?;
        Ok(self.shared.tokens.status())
    }

    /// The cached access token (minted if needed), for tools that must pass it on
    /// themselves. Prefer letting the client attach it.
    pub async fn access_token(&self) -> Result<SecretString, Error> {
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
    pub async fn raw(&self) -> Result<RawClient, Error> {
        let lease = self.shared.tokens.lease().await?;
        let user_id = self.user_id_for_raw()?;
        Ok(self.raw_client(lease.header, user_id))
    }

    /// The headers for one call of a low-level [`crate::raw::Client`] you build
    /// yourself: the cached access token (minted if needed), this client's `User-Id`,
    /// the token restricted to the configured API origin and the body limit. Prefer
    /// [`Self::raw`]: a `raw::Client::new` makes its own HTTP client, which follows
    /// redirects (carrying `X-Auth-Token` along) and has no User-Agent.
    pub async fn request_context(&self) -> Result<RequestContext, Error> {
        let lease = self.shared.tokens.lease().await?;
        Ok(RequestContext::new()
            .with_access_token_value(lease.header)
            .with_user_id_value(self.user_id_for_raw()?)
            .with_token_origin(self.shared.api_origin.clone())
            .with_body_limit(self.shared.body_limit))
    }

    fn user_id_for_raw(&self) -> Result<Option<HeaderValue>, Error> {
        match &self.user_id {
            Some(Err(message)) => Err(Error::Config(message.clone())),
            Some(Ok(value)) => Ok(Some(value.clone())),
            None => Ok(None),
        }
    }

    /// Runs one generated operation with the token and headers attached, applying the
    /// 401 and 429 policies.
    pub(crate) async fn call<T, F, Fut>(&self, operation: &'static str, send: F) -> Result<T, Error>
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
        operation: &'static str,
        send: F,
    ) -> Result<(T, u64), Error>
    where
        T: DeserializeOwned,
        F: Fn(RawClient) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        let user_id = match &self.user_id {
            None => None,
            Some(Ok(value)) => Some(value.clone()),
            Some(Err(message)) => {
                return Err(Error::InvalidRequest {
                    operation,
                    message: message.clone(),
                })
            }
        };
        let shared = &*self.shared;
        let clock = &*shared.clock;
        let rules = Rules::api(&shared.retry);
        let started = clock.now();
        let attempts = async {
            let mut state = AttemptState::default();
            loop {
                let lease = shared.tokens.lease().await?;
                let generation = lease.generation;
                let api = self.raw_client(lease.header.clone(), user_id.clone());
                let outcome = send(api).await;
                let token = lease.header.to_str().unwrap_or_default();
                let secrets = [shared.client_secret.expose_secret(), token];
                let now = clock.system_now();
                let error = match response::finish(operation, outcome, now, &secrets).await {
                    Ok(value) => return Ok((value.into_inner(), generation)),
                    Err(error) => error,
                };
                state.elapsed = clock.now().saturating_duration_since(started);
                match decide(&error, &state, &rules, fastrand::f64()) {
                    // The token was refused: drop it (once, whoever sees it first) and
                    // replay the call with a fresh one. A second 401 goes to the caller.
                    Decision::Remint => {
                        shared.tokens.invalidate(generation);
                        state.reminted = true;
                    }
                    Decision::RetryAfter(wait) => {
                        state.retries += 1;
                        tracing::info!(
                            target: "flowpayroll::api",
                            operation,
                            retry = state.retries,
                            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                            "rate limited; retrying after the wait"
                        );
                        clock.sleep(wait).await;
                    }
                    Decision::GiveUp => return Err(error),
                }
            }
        };
        within(clock, shared.retry.total_budget, operation, attempts).await
    }

    /// A generated client on the shared HTTP client, sending `token` (to the API origin
    /// only) and `user_id`, reading success bodies up to the configured limit.
    fn raw_client(&self, token: HeaderValue, user_id: Option<HeaderValue>) -> RawClient {
        let shared = &*self.shared;
        let context = RequestContext::new()
            .with_access_token_value(token)
            .with_user_id_value(user_id)
            .with_token_origin(shared.api_origin.clone())
            .with_body_limit(shared.body_limit);
        RawClient::new_with_client(&shared.api_url, shared.http.clone(), context)
    }

    /// Drops the token of `generation` from the cache if it is still the cached one.
    pub(crate) fn forget_token(&self, generation: u64) {
        self.shared.tokens.invalidate(generation);
    }
}

fn user_value(user_id: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(user_id)
        .map_err(|_| "the User-Id contains characters that cannot go in an HTTP header".to_owned())
}

/// Configures a [`FlowPayroll`]. Only the credentials are required.
#[derive(Debug, Default)]
pub struct FlowPayrollBuilder {
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    environment: Environment,
    token_url: Option<String>,
    api_url: Option<String>,
    token_auth: TokenAuthMethod,
    scope: Option<String>,
    user_id: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    token_timeout: Option<Duration>,
    max_response_body: Option<usize>,
    refresh: RefreshPolicy,
    token_requests: TokenRequestPolicy,
    retry: RetryPolicy,
    clock: Option<Arc<dyn Clock>>,
}

impl FlowPayrollBuilder {
    /// A builder holding what the `FLOWPAYROLL_*` variables say, to adjust further.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = config::read_env(get)?;
        let mut builder = Self::default()
            .credentials(env.client_id, env.client_secret)
            .environment(env.environment)
            .token_auth(env.token_auth);
        builder.token_url = env.token_url.map(String::from);
        builder.api_url = env.api_url.map(String::from);
        builder.scope = env.scope;
        builder.user_id = env.user_id;
        Ok(builder)
    }

    /// The client id and secret issued by Flow Payroll.
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret.into());
        self
    }

    /// Sandbox (the default), Live, or a custom pair of URLs.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Overrides the token endpoint URL of the environment.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Overrides the API base URL of the environment.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = Some(url.into());
        self
    }

    /// How credentials are sent to the token endpoint (default: in the form body).
    pub fn token_auth(mut self, method: TokenAuthMethod) -> Self {
        self.token_auth = method;
        self
    }

    /// The scopes to request, space-separated (default: the client's own).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// A `User-Id` sent on every call (see [`FlowPayroll::as_user`] for one call).
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// How long to wait for a connection, to either host. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one API request may take in all. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long one token request may take in all. Default 10 s.
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = Some(timeout);
        self
    }

    /// The most bytes read of an API success body; a larger body fails the call with
    /// [`Error::BodyTooLarge`] as soon as the limit is passed (or at once when its
    /// `content-length` says so). Default [`crate::DEFAULT_BODY_LIMIT`] (8 MiB). Token
    /// responses are limited to [`crate::TOKEN_BODY_LIMIT`], and only the first
    /// [`crate::ERROR_BODY_LIMIT`] of an error body is read.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = Some(bytes);
        self
    }

    /// When tokens are refreshed.
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.refresh = policy;
        self
    }

    /// How the token endpoint is retried and its failures remembered.
    pub fn token_request_policy(mut self, policy: TokenRequestPolicy) -> Self {
        self.token_requests = policy;
        self
    }

    /// How API calls answered with 429 are retried, and the time budget of a call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock the token cache and retries use (default: Tokio's). Tests pass a
    /// [`crate::clock::ManualClock`] to move through lifetimes in virtual time.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<FlowPayroll, Error> {
        let client_id = self.client_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            Error::Config(
                "no client id: call `credentials` or set FLOWPAYROLL_CLIENT_ID".to_owned(),
            )
        })?;
        let client_secret = self
            .client_secret
            .filter(|secret| !secret.expose_secret().is_empty())
            .ok_or_else(|| {
                Error::Config(
                    "no client secret: call `credentials` or set FLOWPAYROLL_CLIENT_SECRET"
                        .to_owned(),
                )
            })?;
        let token_url = match self.token_url {
            Some(url) => config::parse_url("the token URL", &url)?,
            None => checked("the token URL", self.environment.token_url())?,
        };
        let api_url = match self.api_url {
            Some(url) => config::parse_url("the API URL", &url)?,
            None => checked("the API URL", self.environment.api_url())?,
        };
        let user_id = self
            .user_id
            .as_deref()
            .map(user_value)
            .transpose()
            .map_err(Error::Config)?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
            .timeout(self.timeout.unwrap_or(Duration::from_secs(30)))
            // Never follow redirects: they could carry credentials or X-Auth-Token to
            // another host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("flowpayroll-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let endpoint = TokenEndpoint {
            http: http.clone(),
            url: token_url,
            client_id,
            client_secret: client_secret.clone(),
            method: self.token_auth,
            scope: self.scope,
            timeout: self.token_timeout.unwrap_or(Duration::from_secs(10)),
        };
        let minter = Minter::new(endpoint, Arc::clone(&clock), self.token_requests.clone());
        let tokens = TokenCache::new(
            Arc::new(minter),
            Arc::clone(&clock),
            self.refresh,
            self.token_requests,
        );
        Ok(FlowPayroll {
            shared: Arc::new(Shared {
                http,
                api_url: api_url.as_str().trim_end_matches('/').to_owned(),
                api_origin: api_url.origin(),
                client_secret,
                body_limit: self.max_response_body.unwrap_or(crate::DEFAULT_BODY_LIMIT),
                tokens,
                retry: self.retry,
                clock,
            }),
            user_id: user_id.map(Ok),
        })
    }
}

fn checked(what: &str, url: Url) -> Result<Url, Error> {
    config::check_transport(what, &url)?;
    Ok(url)
}
