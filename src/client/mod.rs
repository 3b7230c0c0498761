//! [`FlowPayroll`]: the client every clone shares (HTTP client, token cache, policies)
//! and its public methods. The loop every API call runs through (token, headers, 401
//! re-mint, 429 waits, the call's time budget) is in [`call`]; configuration lives in
//! [`crate::client::builder`].

pub(crate) mod builder;
mod call;
pub(crate) mod management;
pub(crate) mod status;
mod thread_lease;

use std::fmt;
use std::sync::Arc;

use reqwest::header::HeaderValue;
use url::Origin;

use crate::auth::cache::TokenCache;
use crate::client::builder::FlowPayrollBuilder;
use crate::client::management::Management;
use crate::client::status::TokenStatus;
use crate::clock::Clock;
use crate::config::policy::RetryPolicy;
use crate::error::Error;
use crate::generated::model::types::AuthorizationCodeExchange;
use crate::generated::model::Operation;
use crate::raw::Client as RawClient;
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
    /// path use their thread's copy (`thread_lease`).
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
    /// Transient retries of API calls, when they are on: the classifier and the retry
    /// budget every clone draws on.
    pub transient: Option<Arc<crate::retry::transient::Transient>>,
    pub clock: Arc<dyn Clock>,
    /// Calls wait here after a 429 (this client's, or the fleet's).
    pub hold: Arc<crate::retry::hold::ApiHold>,
    /// The application's middleware layers, when it has any.
    pub stack: Option<Arc<crate::transport::middleware::Stack>>,
    /// The client-side rate limiter, when configured.
    pub limiter: Option<Arc<crate::limiter::Limiter>>,
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
        TokenStatus::new(
            self.shared.tokens.status(),
            self.shared.hold.remaining(self.shared.clock.now()),
            #[cfg(feature = "redis")]
            self.shared.fleet.as_ref().map(crate::fleet::Fleet::status),
        )
    }

    /// Makes sure a usable token is cached and returns its status: a way to check
    /// credentials at start-up. Without a token, or with an expired one, it mints one
    /// and waits for it (a refused mint is this call's error). A token inside its
    /// refresh window is returned as it is, with a refresh started in the background;
    /// a fresh one is returned without any request. It never forces a new mint.
    pub async fn authenticate(&self) -> Result<TokenStatus, Error> {
        runtime()?;
        self.shared.tokens.lease().await?;
        Ok(self.token_status())
    }

    /// Mints a new token now and waits for it, whatever the cached one's age: after
    /// the client secret was rotated, say, or to check that the token endpoint still
    /// answers. Like every mint it is a single flight: callers at the same moment (and a
    /// mint already running) share one request. A failed mint's cooldown does not stop
    /// it; the cached token keeps serving calls meanwhile, and stays when the mint
    /// fails (the error is returned). In fleet mode the shared token in Redis is
    /// dropped first (unless another member already replaced it), so this member mints
    /// and publishes a new one instead of reading the old one back.
    /// [`TokenStatus::last_mint_reason`] then says [`MintReason::Forced`](crate::MintReason::Forced).
    ///
    /// ```no_run
    /// # async fn run(client: flowpayroll::FlowPayroll) -> Result<(), flowpayroll::Error> {
    /// client.force_refresh().await?;
    /// assert_eq!(client.token_status().last_mint_reason, Some(flowpayroll::MintReason::Forced));
    /// # Ok(()) }
    /// ```
    pub async fn force_refresh(&self) -> Result<TokenStatus, Error> {
        runtime()?;
        self.shared.tokens.force_refresh().await?;
        Ok(self.token_status())
    }

    /// Drops the cached token without asking for a new one, and forgets a failed
    /// mint's cooldown: the next call mints (reason
    /// [`MintReason::Invalidated`](crate::MintReason::Invalidated)). In fleet mode the
    /// shared token in Redis goes too, unless another member already replaced it.
    /// Returns whether a token was cached.
    pub fn invalidate_token(&self) -> bool {
        self.shared.tokens.invalidate_current()
    }

    /// The tokens left in the retry budget that the clones of this client share
    /// ([`crate::TransientRetries`]); `None` when transient retries are off.
    pub fn retry_budget_left(&self) -> Option<u32> {
        self.shared
            .transient
            .as_ref()
            .map(|transient| transient.budget.left())
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
    /// The client holds the token current when it was made and never replaces it: keep
    /// it for a few calls, not past that token's expiry (after it, its calls answer 401
    /// and nothing re-mints). Call `raw()` again for each unit of work; the token comes
    /// from the cache, so that costs no request.
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

    /// The client id, API base URL (no trailing `/`) and clock, for `crate::connect`.
    pub(crate) fn sign_in_parts(&self) -> (&str, &str, Arc<dyn Clock>) {
        let s = &*self.shared;
        (&s.client_id, &s.api_url, Arc::clone(&s.clock))
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
