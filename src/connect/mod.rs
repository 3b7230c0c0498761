//! Connecting an employer: the front half of the OAuth 2.0 authorization-code flow
//! (RFC 6749 §4.1) that ends in
//! [`exchange_authorization_code`](crate::Management::exchange_authorization_code).
//!
//! 1. [`FlowPayroll::connect`] gives a [`Connect`] handle; [`Connect::sign_in`] builds
//!    the link to the hosted sign-in page (typed scopes, mode and provider) with a
//!    fresh `state` of 256 bits from the operating system's CSPRNG.
//! 2. The end user signs in to their HR or payroll system and allows access; the page
//!    redirects their browser to the `redirect_uri` with `authorization_code` and
//!    `state`, or with `error` (`access_denied` when they refused).
//! 3. [`Connect::complete`] takes that callback (its URL or query string), finds the
//!    sign-in with the same `state` (compared in constant time; each works once and
//!    for [`SIGN_IN_LIFETIME`]), turns an error into [`ConnectError`] and exchanges
//!    the code: the answer is the connection, its token a [`SecretString`].
//!
//! ```
//! # #[cfg(feature = "sandbox")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use flowpayroll::sandbox::{Sandbox, SignInAnswer};
//! use flowpayroll::types::{Provider, Scope};
//!
//! let sandbox = Sandbox::start().await?;
//! let fp = sandbox.client_builder().build()?;
//! let connect = fp.connect();
//! let link = connect
//!     .sign_in("https://app.your-company.com")
//!     .scopes([Scope::from("/2023-03-01/official/employees")])
//!     .start()?;
//! // A browser would show `link.url`; the sandbox can answer for the end user.
//! let answer = SignInAnswer::Allow { provider: Provider::Sandbox };
//! let callback = sandbox.answer_sign_in(&link.url, answer).await?;
//! let connection = connect.complete(callback.as_str()).await?;
//! assert_eq!(connection.scopes, [Scope::from("/2023-03-01/official/employees")]);
//! // The same callback again: refused, nothing exchanged.
//! assert!(connect.complete(callback.as_str()).await.is_err());
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "sandbox"))]
//! # fn main() {}
//! ```
//!
//! The sign-in page's host is a documented guess ([`LIVE_SIGN_IN_URL`]); a custom
//! environment's is [`SIGN_IN_PATH`] under its API URL, where the embedded sandbox
//! serves it. [`Connect::with_sign_in_url`] overrides either.

mod callback;
mod link;
mod pending;
mod state;

pub use self::callback::MAX_CALLBACK_LEN;
pub use self::link::{
    SignInBuilder, SignInLink, LIVE_SIGN_IN_URL, SANDBOX_SIGN_IN_URL, SIGN_IN_PATH,
};
pub use self::pending::{PendingSignIn, MAX_PENDING};
pub use crate::error::connect::{ConnectError, MAX_DESCRIPTION};

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use url::Url;

use self::callback::Callback;
use self::pending::Pending;
use crate::client::management::AuthorizationCode;
use crate::client::FlowPayroll;
use crate::error::Error;
use crate::generated::model::types::ConnectionToken;
use crate::secret::SecretString;

/// How long a sign-in may take from its link to its callback: ten minutes, the longest
/// an authorization code should live (RFC 6749 §4.1.2), so that an abandoned sign-in
/// cannot be completed later.
pub const SIGN_IN_LIFETIME: Duration = Duration::from_secs(600);

/// How far in the future a pending sign-in's start may be (clocks of two application
/// servers disagree) before it is taken as forged.
const CLOCK_SKEW: u64 = 60;

impl FlowPayroll {
    /// Sign-ins that connect an employer (see [`crate::connect`]). The handle remembers
    /// the sign-ins it starts: keep one for the application (it is cheap to clone, and
    /// clones share the sign-ins).
    pub fn connect(&self) -> Connect {
        let (_, api_url, _) = self.sign_in_parts();
        Connect {
            sign_in_url: link::default_sign_in_url(api_url),
            client: self.clone(),
            lifetime: SIGN_IN_LIFETIME,
            pending: Arc::default(),
        }
    }
}

/// Starts and completes sign-ins for one client; from [`FlowPayroll::connect`].
#[derive(Debug, Clone)]
pub struct Connect {
    client: FlowPayroll,
    sign_in_url: Result<Url, Error>,
    lifetime: Duration,
    pending: Arc<Mutex<Pending>>,
}

impl Connect {
    /// Sends sign-ins to `url` instead of the environment's page.
    #[must_use]
    pub fn with_sign_in_url(mut self, url: Url) -> Self {
        self.sign_in_url = Ok(url);
        self
    }

    /// How long a sign-in may take (default [`SIGN_IN_LIFETIME`]).
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The sign-in page links go to.
    pub fn sign_in_url(&self) -> Result<&Url, Error> {
        self.sign_in_url.as_ref().map_err(Clone::clone)
    }

    /// A sign-in whose callback goes to `redirect_uri`, which must be one of the
    /// client's redirect URIs, exactly (the page refuses any other).
    pub fn sign_in(&self, redirect_uri: impl Into<String>) -> SignInBuilder {
        SignInBuilder {
            connect: self.clone(),
            redirect_uri: redirect_uri.into(),
            scopes: Vec::new(),
            mode: None,
            provider: None,
            simulated: false,
        }
    }

    /// Completes the sign-in this `callback` (the URL the browser came back to, or its
    /// query string) belongs to: the one started here with the same `state`. It is
    /// taken out first, so a callback works once, whatever happens next.
    ///
    /// Before anything is exchanged, an [`Error::Connect`] if the callback has no
    /// `state` ([`ConnectError::StateMismatch`]) or one no waiting sign-in has
    /// ([`ConnectError::UnknownSignIn`]), then as
    /// [`Connect::complete_pending`] says.
    pub async fn complete(&self, callback: &str) -> Result<ConnectionToken, Error> {
        let read = callback::parse(callback)?;
        let state = read.state.as_ref().ok_or(ConnectError::StateMismatch)?;
        let pending = lock(&self.pending)
            .take(state.expose_secret())
            .ok_or(ConnectError::UnknownSignIn)?;
        self.finish(pending, read).await
    }

    /// Completes `pending` (kept by the application, such as in its session) with its
    /// `callback`. Before anything is exchanged, an [`Error::Connect`] if the callback
    /// is malformed or longer than [`MAX_CALLBACK_LEN`], if its `state` is not
    /// `pending`'s ([`ConnectError::StateMismatch`]), if the sign-in is older than its
    /// lifetime, if the callback came to another redirect URI, or if it carries an
    /// error (the end user refused, the page failed). Then the code is exchanged: a
    /// refusal of the exchange (an unknown, expired, reused or mismatched code) is an
    /// [`Error::Api`] of `exchange_authorization_code` (400, or 409 for a reused code).
    pub async fn complete_pending(
        &self,
        pending: PendingSignIn,
        callback: &str,
    ) -> Result<ConnectionToken, Error> {
        let read = callback::parse(callback)?;
        // Whichever way it completes, it completes once.
        lock(&self.pending).take(pending.state.expose_secret());
        self.finish(pending, read).await
    }

    async fn finish(
        &self,
        pending: PendingSignIn,
        read: Callback,
    ) -> Result<ConnectionToken, Error> {
        let received = read.state.as_ref().map(SecretString::expose_secret);
        if !received.is_some_and(|s| state::matches(&pending.state, s)) {
            return Err(ConnectError::StateMismatch.into());
        }
        let now = self.unix_now();
        let lifetime = self.lifetime.as_secs();
        let expired = match now.checked_sub(pending.started_at) {
            Some(elapsed) => elapsed > lifetime,
            None => pending.started_at - now > CLOCK_SKEW,
        };
        if expired {
            return Err(ConnectError::Expired {
                after: self.lifetime,
            }
            .into());
        }
        if let Some(url) = &read.url {
            if !same_endpoint(url, &pending.redirect_uri) {
                return Err(ConnectError::MalformedCallback(
                    "it came to another redirect URI than the sign-in's".to_owned(),
                )
                .into());
            }
        }
        let code = match (read.code, read.error) {
            (Some(_), Some(_)) => {
                return Err(ConnectError::MalformedCallback(
                    "it carries both an authorization code and an error".to_owned(),
                )
                .into())
            }
            (None, Some(error)) if error == "access_denied" => {
                return Err(ConnectError::Refused {
                    description: read.description,
                }
                .into())
            }
            (None, Some(error)) => {
                return Err(ConnectError::SignInFailed {
                    error,
                    description: read.description,
                }
                .into())
            }
            (None, None) => {
                return Err(ConnectError::MalformedCallback(
                    "it has no `authorization_code`".to_owned(),
                )
                .into())
            }
            (Some(code), None) if code.expose_secret().is_empty() => {
                return Err(ConnectError::MalformedCallback(
                    "its `authorization_code` is empty".to_owned(),
                )
                .into())
            }
            (Some(code), None) => code,
        };
        self.client
            .management()
            .exchange_authorization_code(&AuthorizationCode::new(code), &pending.redirect_uri)
            .await
    }

    /// How many sign-ins are waiting for their callback (at most [`MAX_PENDING`]).
    pub fn pending_sign_ins(&self) -> usize {
        lock(&self.pending).len()
    }

    fn remember(&self, pending: PendingSignIn) {
        let expired_before = self.unix_now().saturating_sub(self.lifetime.as_secs());
        lock(&self.pending).insert(pending, expired_before, MAX_PENDING);
    }

    fn unix_now(&self) -> u64 {
        let (.., clock) = self.client.sign_in_parts();
        clock
            .system_now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// Whether the callback `url` is at `redirect_uri`: same scheme, host, port and path
/// (its query is the page's parameters after the URI's own).
fn same_endpoint(url: &Url, redirect_uri: &str) -> bool {
    Url::parse(redirect_uri).is_ok_and(|expected| {
        (
            url.scheme(),
            url.host_str(),
            url.port_or_known_default(),
            url.path(),
        ) == (
            expected.scheme(),
            expected.host_str(),
            expected.port_or_known_default(),
            expected.path(),
        )
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
