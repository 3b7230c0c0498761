//! An in-process fake Flow Payroll (feature `sandbox`): a real HTTP server on 127.0.0.1
//! that keeps the state the API describes, so that tests can check their own logic
//! against it, plus fault injection, counters and a control API for tests in any
//! language.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), flowpayroll::Error> {
//! use flowpayroll::deps::http::StatusCode;
//! use flowpayroll::operation::Operation;
//! use flowpayroll::sandbox::{Fault, Sandbox};
//!
//! let sandbox = Sandbox::start().await?;
//! let fp = sandbox.client_builder().build()?;
//!
//! // The next `list_tokens` answers 401: the client re-mints once and replays.
//! sandbox.fail_next(Operation::ListTokens, 1, Fault::Status(StatusCode::UNAUTHORIZED));
//! let tokens = fp.management().tokens().await?;
//! // Both tokens this client was issued are listed, still valid.
//! assert_eq!(tokens.len(), 2);
//! assert!(tokens.iter().all(|t| t.valid));
//! assert_eq!(sandbox.token_requests(), 2);
//! assert_eq!(sandbox.api_requests(Operation::ListTokens), 2);
//! # Ok(())
//! # }
//! ```
//!
//! What it keeps and answers:
//!
//! * `POST /oauth2/token`: the client-credentials grant, credentials in the body or as
//!   HTTP Basic, checked against the client's current secrets. The `scope` asked for is
//!   granted if every scope in it is allowed ([`SandboxConfig::scopes`]); otherwise the
//!   answer is `invalid_scope`. Tokens are JWT-shaped (claims `jti`, `iat`, `exp`,
//!   `scope`, `sub`; the signature is random) and live [`SandboxConfig::token_lifetime`].
//! * `list_tokens` lists every token the sandbox issued (by the token endpoint or a code
//!   exchange) with its `jti` as `token`, its scopes, `created_at`, mode, provider, and
//!   `valid`, which turns false on disconnect or expiry. `introspect_token` describes the
//!   calling token the same way; `disconnect_token` disconnects it (then 403).
//! * `update_client` replaces the settings `get_client` returns, secrets included: the
//!   token endpoint accepts the new secrets from then on.
//! * `GET /connect`: the sign-in page (see [`crate::connect`]), which checks the link,
//!   lets a person (or [`Sandbox::answer_sign_in`]) allow or refuse, and redirects with
//!   a code bound to the redirect URI and the scopes, mode and provider granted.
//! * `exchange_authorization_code` accepts only a code it issued (by the page or
//!   `POST /__sandbox/authorize`), within [`CODE_LIFETIME`], with the very redirect URI
//!   it was issued for (else 400; a wrong URI does not spend it), and once (then 409).
//! * `exchange_authorization_code` with a wrong `client_id` or `client_secret` is a 400
//!   (`invalid_client`; the spec's decision: a 401 would mean a bad `X-Auth-Token`).
//! * `list_providers` answers with the spec's example, to a valid token like every other
//!   operation (the spec's decision on `/providers`); so do forced faults.
//! * Every operation but the token endpoint answers 401 without a live token, 403 with a
//!   disconnected one, and 400 to a `User-Id` outside the spec's rules.
//! * Memory is bounded: expired and disconnected tokens are forgotten after
//!   [`SandboxConfig::eviction_grace`], and at most [`SandboxConfig::max_tokens`] are kept.
//! * Under `/__sandbox/` (the same port): `GET /__sandbox/stats`, `POST /__sandbox/faults`,
//!   `POST /__sandbox/authorize`, `POST /__sandbox/sign-in/faults`, `POST
//!   /__sandbox/quotas`, `POST /__sandbox/webhooks/deliver` and `POST /__sandbox/reset`
//!   (the control API of the sandbox guide, `docs/sandbox.md`).
//! * Quotas per endpoint in fixed windows, answered 429 with an exact `Retry-After`
//!   ([`SandboxConfig::quota`], [`Sandbox::set_quota`]).
//! * Webhooks: [`Sandbox::deliver_webhook`] POSTs a signed delivery to the client's
//!   `webhook_uri`, as the spec's `employeesChanged` callback describes. It starts null
//!   (webhooks off: nothing is sent anywhere) unless [`SandboxConfig::webhook_uri`] names
//!   a receiver; [`Sandbox::set_webhook_uri`] or an `update_client` changes it.

mod account;
mod answer;
mod codes;
mod config;
mod connection;
mod control;
mod faults;
mod page;
mod quotas;
mod routes;
mod sign_in;
mod stats;
mod token_endpoint;
mod tokens;
mod webhooks;

pub use self::account::LOOPBACK_REDIRECT_URI;
pub use self::codes::CODE_LIFETIME;
pub use self::config::SandboxConfig;
pub use self::faults::Fault;
pub use self::page::SignInAnswer;
pub use self::quotas::{QuotaStats, WindowCount, RECENT_WINDOWS};
pub use self::sign_in::{SignInFault, MAX_SIGN_IN_QUERY};
pub use self::stats::{Stats, RECENT_USER_IDS};
pub use self::webhooks::{
    WebhookDelivery, WebhookPayload, WebhookStats, MAX_GENERATED, MAX_IN_FLIGHT, MAX_WEBHOOK_BODY,
};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use url::Url;

use crate::client::builder::FlowPayrollBuilder;
use crate::config::Environment;
use crate::error::Error;
use crate::generated::model::open_enums::{Mode, Scope};
use crate::generated::model::Operation;
use crate::secret::SecretString;

use self::account::Account;
use self::faults::Faults;
use self::stats::Counters;
use self::tokens::TokenStore;

/// How long [`Sandbox::shutdown`] waits for open connections to finish before it stops
/// serving them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running sandbox. [`Sandbox::shutdown`] stops it and waits until it has stopped;
/// dropping it only tells it to stop.
pub struct Sandbox {
    state: Arc<State>,
    address: SocketAddr,
    url: Url,
    token_url: Url,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// What the server shares between requests. Not `Debug`: it holds issued tokens.
struct State {
    config: SandboxConfig,
    /// `config.scopes`, shared by every token granted all of them.
    allowed_scopes: Arc<[Scope]>,
    /// The mode of a token granted all of them.
    allowed_mode: Mode,
    tokens: Mutex<TokenStore>,
    account: Mutex<Account>,
    faults: Mutex<Faults>,
    latency: Mutex<Duration>,
    quotas: Mutex<quotas::Quotas>,
    counters: Counters,
    webhooks: webhooks::Webhooks,
    sign_ins: Mutex<sign_in::SignIns>,
    /// Turns true when the sandbox is told to stop: waits in progress (latency, slow
    /// faults) end at once, so that no request holds the shutdown up.
    stopping: watch::Sender<bool>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url())
            .field("client_id", &self.client_id())
            .field("token_requests", &self.token_requests())
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox with the default configuration on a free port of 127.0.0.1.
    pub async fn start() -> Result<Self, Error> {
        Self::start_with(SandboxConfig::default()).await
    }

    /// Starts a sandbox with `config`.
    pub async fn start_with(config: SandboxConfig) -> Result<Self, Error> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| Error::Io {
                context: format!("the sandbox cannot listen on 127.0.0.1:{}", config.port),
                source: Arc::new(e),
            })?;
        let address = listener.local_addr().map_err(|e| Error::Io {
            context: "the sandbox has no address".to_owned(),
            source: Arc::new(e),
        })?;
        let url = Url::parse(&format!("http://{address}/"))
            .map_err(|e| Error::Config(format!("the sandbox's address is not a URL: {e}")))?;
        let token_url = url
            .join(Operation::RequestToken.path())
            .map_err(|e| Error::Config(format!("the sandbox's token URL: {e}")))?;
        let state = Arc::new(State::new(config));
        let (stop, stopped) = oneshot::channel::<()>();
        let app = routes::router(Arc::clone(&state));
        let server = tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<connection::Connection>();
            let serve =
                axum::serve(connection::Listener(listener), app).with_graceful_shutdown(async {
                    let _ = stopped.await;
                });
            if let Err(error) = serve.await {
                tracing::warn!(target: "flowpayroll::sandbox", %error, "the sandbox server stopped");
            }
        });
        Ok(Self {
            state,
            address,
            url,
            token_url,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// The base URL, such as `http://127.0.0.1:41234/`.
    pub fn url(&self) -> Url {
        self.url.clone()
    }

    /// The token endpoint URL, such as `http://127.0.0.1:41234/oauth2/token`.
    pub fn token_url(&self) -> Url {
        self.token_url.clone()
    }

    /// The address it listens on (127.0.0.1 and its port), for raw TCP clients.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The client id the sandbox accepts.
    pub fn client_id(&self) -> &str {
        &self.state.config.client_id
    }

    /// A client secret the sandbox accepts now: the first of the client's secrets, so
    /// after a rotation (`update_client`) it is the new one.
    pub fn client_secret(&self) -> SecretString {
        lock(&self.state.account)
            .settings()
            .client_secret
            .first()
            .cloned()
            .unwrap_or_else(|| self.state.config.client_secret.clone())
    }

    /// An environment pointing at this sandbox.
    pub fn environment(&self) -> Environment {
        Environment::Custom {
            token_url: self.token_url(),
            api_url: self.url(),
        }
    }

    /// A client builder with this sandbox's URLs and credentials.
    pub fn client_builder(&self) -> FlowPayrollBuilder {
        crate::client::FlowPayroll::builder()
            .credentials(self.client_id(), self.client_secret())
            .environment(self.environment())
    }

    /// Makes the next `times` calls of `operation` answer with `fault`, after the faults
    /// already queued for it.
    pub fn fail_next(&self, operation: Operation, times: u64, fault: Fault) {
        lock(&self.state.faults).push(operation, times, fault);
    }

    /// Delays every answer by `latency` (on the sandbox's clock).
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.state.latency) = latency;
    }

    /// Token requests received so far, faulted and refused ones included.
    pub fn token_requests(&self) -> u64 {
        self.api_requests(Operation::RequestToken)
    }

    /// Requests received so far for `operation`, faulted and refused ones included.
    pub fn api_requests(&self, operation: Operation) -> u64 {
        self.state.counters.requests(operation)
    }

    /// Tokens issued so far (token endpoint and code exchanges).
    pub fn tokens_issued(&self) -> u64 {
        self.stats().tokens_issued
    }

    /// The last `User-Id`s received (at most [`RECENT_USER_IDS`]), oldest first.
    pub fn user_ids_seen(&self) -> Vec<String> {
        self.state.counters.recent_user_ids()
    }

    /// Every counter at once; the same figures `GET /__sandbox/stats` serves.
    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// Forgets every token, fault, count and setting change, as if just started.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Stops the server and waits until it has stopped. The listener closes at once (a
    /// new connection is refused); requests in progress are answered (one waiting on
    /// latency or a slow fault gets a 503 at once) and their connections closed. The
    /// wait is bounded: if a connection is still open after 5 seconds (a client that
    /// never finishes sending its request), this returns anyway, the listener closed,
    /// and that connection ends when its client closes it.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        let Some(mut server) = self.server.take() else {
            return;
        };
        // Real (or paused Tokio) time, not the sandbox's clock: a manual clock that
        // nobody moves must not hold the shutdown up.
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
            .await
            .is_err()
        {
            tracing::warn!(
                target: "flowpayroll::sandbox",
                "connections still open {SHUTDOWN_GRACE:?} after shutdown; not waiting for them"
            );
            server.abort();
            let _ = server.await;
        }
    }

    /// Tells the server to stop accepting, and every wait in progress to end.
    fn signal_stop(&mut self) {
        self.state.stopping.send_replace(true);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Sandbox {
    /// Tells the server to stop, without waiting: use [`Sandbox::shutdown`] to wait.
    fn drop(&mut self) {
        self.signal_stop();
    }
}

impl State {
    fn new(config: SandboxConfig) -> Self {
        let allowed_scopes: Arc<[Scope]> = config.scopes.clone().into();
        Self {
            allowed_mode: token_endpoint::mode_of(&allowed_scopes)
                .unwrap_or_else(|| config.mode.clone()),
            allowed_scopes,
            tokens: Mutex::new(TokenStore::new(config.eviction_grace, config.max_tokens)),
            account: Mutex::new(Account::new(&config)),
            faults: Mutex::default(),
            latency: Mutex::default(),
            quotas: Mutex::new(quotas::Quotas::new(&config, config.clock.now())),
            counters: Counters::default(),
            webhooks: webhooks::Webhooks::default(),
            sign_ins: Mutex::default(),
            stopping: watch::Sender::new(false),
            config,
        }
    }

    fn now(&self) -> Instant {
        self.config.clock.now()
    }

    fn system_now(&self) -> SystemTime {
        self.config.clock.system_now()
    }

    /// Waits `duration` on the sandbox's clock; false if the sandbox was told to stop
    /// first.
    async fn wait(&self, duration: Duration) -> bool {
        let mut stopping = self.stopping.subscribe();
        tokio::select! {
            () = self.config.clock.sleep(duration) => true,
            _ = stopping.wait_for(|stopping| *stopping) => false,
        }
    }

    fn reset(&self) {
        lock(&self.tokens).clear();
        *lock(&self.account) = Account::new(&self.config);
        lock(&self.faults).clear();
        *lock(&self.latency) = Duration::ZERO;
        *lock(&self.quotas) = quotas::Quotas::new(&self.config, self.now());
        self.counters.reset();
        self.webhooks.reset();
        *lock(&self.sign_ins) = sign_in::SignIns::default();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
