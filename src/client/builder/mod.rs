//! [`FlowPayrollBuilder`]: configuration in (credentials, URLs, timeouts, limits,
//! policies, clock), one checked [`FlowPayroll`](crate::FlowPayroll) out, with its shared HTTP client
//! ([`crate::transport::http_client`]) and token cache.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::clock::Clock;
use crate::config::into_url::IntoUrl;
use crate::config::policy::{RefreshPolicy, RetryPolicy, TokenRequestPolicy};
use crate::config::{self, Environment, TokenAuthMethod};
use crate::error::Error;
use crate::generated::model::open_enums::Scope;
use crate::secret::SecretString;

mod build;
#[cfg(feature = "redis")]
mod fleet;
mod limits;
mod middleware;
mod retries;

/// Configures a [`FlowPayroll`](crate::FlowPayroll). Only the credentials are required.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `build()` is called"]
pub struct FlowPayrollBuilder {
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    environment: Environment,
    token_url: Option<Result<Url, Error>>,
    api_url: Option<Result<Url, Error>>,
    token_auth: TokenAuthMethod,
    scope: Option<Vec<Scope>>,
    user_id: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    root_certificates: Vec<Vec<u8>>,
    token_timeout: Option<Duration>,
    max_response_body: Option<usize>,
    https_proxy: ProxyChoice,
    refresh: RefreshPolicy,
    token_requests: TokenRequestPolicy,
    retry: RetryPolicy,
    transient: retries::TransientChoice,
    clock: Option<Arc<dyn Clock>>,
    layers: middleware::Layers,
    rate_limit: Option<crate::limiter::policy::RateLimit>,
    #[cfg(feature = "redis")]
    redis_url: Option<SecretString>,
    #[cfg(feature = "redis")]
    fleet_policy: crate::fleet::settings::FleetPolicy,
}

impl FlowPayrollBuilder {
    /// A builder holding what the `FLOWPAYROLL_*` variables say, to adjust further.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = config::read_env(&get)?;
        let mut builder = Self::default()
            .credentials(env.client_id, env.client_secret)
            .environment(env.environment)
            .token_auth(env.token_auth);
        builder.token_url = env.token_url.map(Ok);
        builder.api_url = env.api_url.map(Ok);
        builder.scope = env.scope;
        builder.user_id = env.user_id;
        builder = builder.rate_limit_from_env(&get)?;
        #[cfg(feature = "redis")]
        {
            builder.redis_url = env.redis_url;
        }
        #[cfg(not(feature = "redis"))]
        if env.redis_url.is_some() {
            return Err(Error::Config(
                "FLOWPAYROLL_REDIS_URL is set, but flowpayroll was built without its `redis` \
                 feature (fleet mode): turn the feature on (the CLI: install it with \
                 `--features redis`) or unset the variable"
                    .to_owned(),
            ));
        }
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

    /// Overrides the token endpoint URL of the environment: a [`Url`] or text
    /// ([`IntoUrl`]); a bad one fails [`Self::build`] with [`Error::Config`].
    pub fn token_url(mut self, url: impl IntoUrl) -> Self {
        self.token_url = Some(url.into_url("the token URL"));
        self
    }

    /// Overrides the API base URL of the environment: a [`Url`] or text
    /// ([`IntoUrl`]); a bad one fails [`Self::build`] with [`Error::Config`].
    pub fn api_url(mut self, url: impl IntoUrl) -> Self {
        self.api_url = Some(url.into_url("the API URL"));
        self
    }

    /// How credentials are sent to the token endpoint (default: in the form body).
    pub fn token_auth(mut self, method: TokenAuthMethod) -> Self {
        self.token_auth = method;
        self
    }

    /// The scopes to request (default, and with an empty list: the client's own).
    /// Each is a [`Scope`](crate::types::Scope), or text turned into one (an unlisted
    /// value is [`Scope::Unknown`](crate::types::Scope::Unknown)). A scope that is not
    /// an RFC 6749 scope-token (empty, or holding a space, `"`, `\` or a character
    /// outside printable ASCII) fails [`Self::build`] with [`Error::Config`].
    ///
    /// ```
    /// use flowpayroll::types::Scope;
    /// use flowpayroll::FlowPayroll;
    ///
    /// let builder = FlowPayroll::builder()
    ///     .credentials("id", "secret")
    ///     .scope([Scope::XhrEmployees, Scope::XhrPayruns]);
    /// assert!(builder.build().is_ok());
    /// let two_in_one = FlowPayroll::builder()
    ///     .credentials("id", "secret")
    ///     .scope(["/2023-03-01/xhr/employees /2023-03-01/xhr/payruns"]);
    /// assert!(two_in_one.build().is_err());
    /// ```
    pub fn scope<S: Into<Scope>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scope = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// A `User-Id` sent on every call (see [`FlowPayroll::as_user`](crate::FlowPayroll::as_user) for one call).
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// How long to wait for a connection (TCP, a proxy's tunnel, the TLS handshake), to
    /// either host. Default 10 s. The shorter of this and the request timeouts (`timeout`,
    /// `token_timeout`) bounds it; a stall there is [`crate::Limit::Connect`].
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
    /// `content-length` says so). Default [`crate::limits::DEFAULT_BODY_LIMIT`] (8 MiB). Token
    /// responses are limited to [`crate::limits::TOKEN_BODY_LIMIT`], and only the first
    /// [`crate::limits::ERROR_BODY_LIMIT`] of an error body is read.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = Some(bytes);
        self
    }

    /// The proxy for `https` targets, a [`Url`] or text ([`IntoUrl`]; it may hold the
    /// proxy's `user:password@`, never shown in an error). Without this call, or
    /// [`Self::no_proxy`], the system proxy is used for `https` (`HTTPS_PROXY`, else
    /// `ALL_PROXY`, minus `NO_PROXY`). Plain `http` targets (loopback only) are never
    /// proxied, whatever is set.
    pub fn https_proxy(mut self, url: impl IntoUrl) -> Self {
        self.https_proxy = ProxyChoice::Https(url.into_url("the https proxy"));
        self
    }

    /// No proxy at all, whatever the environment says (see [`Self::https_proxy`]).
    pub fn no_proxy(mut self) -> Self {
        self.https_proxy = ProxyChoice::Off;
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

    /// How API calls answered with 429 are retried (and, with
    /// [`Self::retry_transient_failures`], transient failures), and the time budget of a
    /// call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Trusts the certificates of a PEM bundle as roots, on top of the platform's (for a
    /// proxy or a test server with its own CA). A bundle without a certificate fails
    /// [`Self::build`] with [`Error::Config`].
    pub fn add_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// The clock the token cache and retries use (default: Tokio's). Tests pass a
    /// [`crate::clock::ManualClock`] to move through lifetimes in virtual time.
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
}

/// Which proxy `https` targets go through.
#[derive(Debug, Default)]
enum ProxyChoice {
    /// The one the environment names (`HTTPS_PROXY`...).
    #[default]
    System,
    /// None.
    Off,
    /// This one (or why it is not a URL).
    Https(Result<Url, Error>),
}
