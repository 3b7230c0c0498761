//! An in-process fake Flow Payroll (feature `sandbox`): a real HTTP server on 127.0.0.1
//! that issues tokens, checks them, and answers every operation with the spec's own
//! examples, plus fault injection and counters for tests.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), flowpayroll::Error> {
//! use flowpayroll::sandbox::{Fault, Sandbox};
//!
//! let sandbox = Sandbox::start().await?;
//! let fp = sandbox.client_builder().build()?;
//!
//! // The next `list_tokens` answers 401: the client re-mints once and replays.
//! sandbox.fail_next("list_tokens", 1, Fault::Status(401));
//! let tokens = fp.management().tokens().await?;
//! assert!(!tokens.is_empty());
//! assert_eq!(sandbox.token_requests(), 2);
//! assert_eq!(sandbox.api_requests("list_tokens"), 2);
//! # Ok(())
//! # }
//! ```
//!
//! * `POST /oauth2/token`: the client-credentials grant, credentials in the body or as
//!   HTTP Basic. Issues JWT-shaped tokens (`header.payload.signature`, the payload
//!   carrying `jti`, `iat`, `exp`, `scope`; the signature is random, not verifiable)
//!   living [`SandboxConfig::token_lifetime`]. Bad credentials get `invalid_client`, a
//!   wrong grant type `unsupported_grant_type` (RFC 6749 §5.2 bodies).
//! * The management endpoints and `/providers` accept only tokens the sandbox issued, not
//!   expired (401 otherwise) and not disconnected (403), in `X-Auth-Token`, and answer
//!   with the documented examples of `openapi/` (built into the crate at compile time).
//!   `disconnect` really disconnects the calling token; `introspect` describes it;
//!   `update_client` returns what it was sent.

mod routes;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::clock::{Clock, SystemClock};
use crate::{Environment, Error, FlowPayrollBuilder, SecretString};

/// A forced answer for the next calls of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and the spec's example body for it.
    Status(u16),
    /// Answer 429 with `Retry-After: retry_after` (seconds).
    TooManyRequests {
        /// The `Retry-After` to send, in seconds.
        retry_after: u64,
    },
}

/// How a sandbox is set up.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The client id it accepts. Default `sandbox-client`.
    pub client_id: String,
    /// The client secret it accepts. Default: random.
    pub client_secret: SecretString,
    /// How long issued tokens live. Default one hour.
    pub token_lifetime: Duration,
    /// The port on 127.0.0.1; 0 (the default) picks a free one.
    pub port: u16,
    /// The clock deciding when tokens expire. Default: Tokio's.
    pub clock: Arc<dyn Clock>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        let secret: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
        Self {
            client_id: "sandbox-client".to_owned(),
            client_secret: SecretString::new(secret),
            token_lifetime: Duration::from_secs(3600),
            port: 0,
            clock: Arc::new(SystemClock),
        }
    }
}

/// A running sandbox. It stops when dropped (or with [`Sandbox::shutdown`]).
pub struct Sandbox {
    state: Arc<State>,
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

/// What the server shares between requests. Not `Debug`: it holds issued tokens.
struct State {
    config: SandboxConfig,
    tokens: Mutex<HashMap<String, Issued>>,
    faults: Mutex<HashMap<String, Vec<Fault>>>,
    latency: Mutex<Duration>,
    token_requests: AtomicUsize,
    api_requests: Mutex<HashMap<String, usize>>,
    user_ids: Mutex<Vec<String>>,
}

/// A token the sandbox issued.
#[derive(Debug, Clone)]
struct Issued {
    jti: String,
    scope: Option<String>,
    expires_at: Instant,
    disconnected: bool,
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
            .map_err(|e| {
                Error::Config(format!(
                    "the sandbox cannot listen on 127.0.0.1:{}: {e}",
                    config.port
                ))
            })?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Config(format!("the sandbox has no address: {e}")))?;
        let state = Arc::new(State {
            config,
            tokens: Mutex::default(),
            faults: Mutex::default(),
            latency: Mutex::default(),
            token_requests: AtomicUsize::new(0),
            api_requests: Mutex::default(),
            user_ids: Mutex::default(),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let app = routes::router(Arc::clone(&state));
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::warn!(target: "flowpayroll::sandbox", %error, "the sandbox server stopped");
            }
        });
        Ok(Self {
            state,
            address,
            stop: Some(stop),
        })
    }

    /// The base URL, such as `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The token endpoint URL.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.url())
    }

    /// The client id the sandbox accepts.
    pub fn client_id(&self) -> &str {
        &self.state.config.client_id
    }

    /// The client secret the sandbox accepts.
    pub fn client_secret(&self) -> &SecretString {
        &self.state.config.client_secret
    }

    /// An environment pointing at this sandbox.
    pub fn environment(&self) -> Environment {
        Environment::Custom {
            token_url: self.token_url().parse().expect("a loopback URL parses"),
            api_url: self.url().parse().expect("a loopback URL parses"),
        }
    }

    /// A client builder with this sandbox's URLs and credentials.
    pub fn client_builder(&self) -> FlowPayrollBuilder {
        crate::FlowPayroll::builder()
            .credentials(self.client_id(), self.client_secret().clone())
            .environment(self.environment())
    }

    /// Makes the next `times` calls of `operation` (an operation id of the spec, such as
    /// `list_tokens` or `request_token`) answer with `fault`.
    pub fn fail_next(&self, operation: &str, times: usize, fault: Fault) {
        let mut faults = lock(&self.state.faults);
        faults
            .entry(operation.to_owned())
            .or_default()
            .extend(std::iter::repeat_n(fault, times));
    }

    /// Delays every answer by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.state.latency) = latency;
    }

    /// Token requests received so far.
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// Requests received so far for `operation` (an operation id).
    pub fn api_requests(&self, operation: &str) -> usize {
        lock(&self.state.api_requests)
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// Every `User-Id` received, in order.
    pub fn user_ids_seen(&self) -> Vec<String> {
        lock(&self.state.user_ids).clone()
    }

    /// Stops the server.
    pub fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl State {
    fn now(&self) -> Instant {
        self.config.clock.now()
    }

    fn system_now(&self) -> SystemTime {
        self.config.clock.system_now()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
