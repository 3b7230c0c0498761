//! The middleware seam: the application's tower layers around every request the client
//! sends, API calls and token requests alike ([`Stack`]), and what the crate keeps
//! true whatever they do.
//!
//! The layers see an `http::Request<reqwest::Body>` carrying its
//! [`Operation`] as an extension and answer an `http::Response<reqwest::Body>`: tower's
//! own request and response types, so `tower-http`'s layers fit as they are. The
//! innermost service, below every layer, is the crate's ([`next`]): it checks the origin
//! the request now goes to and only then attaches the credentials (`X-Auth-Token`, the
//! client secret), so no layer ever sees them and a layer that rewrites the URL cannot
//! carry them elsewhere. Around the whole stack ([`Stack::send`]): the request's timeout
//! (a layer that never calls the next one is ended by it), a panic caught and turned
//! into an error, and an error of a layer with every secret masked ([`failure`]). The
//! body limit applies twice: inside (what a layer reads) and after the stack (what the
//! client reads, whatever body a layer put there).

pub(crate) mod failure;
pub(crate) mod next;

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt as _;
use tower::util::BoxCloneSyncService;
use tower::ServiceExt as _;

use crate::generated::model::Operation;
use crate::secret::SecretString;
use crate::transport::middleware::failure::{Failure, StackError};
use crate::transport::middleware::next::{Guard, Next};

/// A request as the layers see it.
pub type HttpRequest = http::Request<reqwest::Body>;
/// A response as the layers see it.
pub type HttpResponse = http::Response<reqwest::Body>;
/// The error a layer may fail with: anything that converts into it.
pub type BoxError = tower::BoxError;
/// The service a layer wraps: the layers added after it and, innermost, the crate's own
/// (which attaches the credentials and sends).
pub type Inner = BoxCloneSyncService<HttpRequest, HttpResponse, BoxError>;

/// One layer as the builder keeps it: a function from the service it wraps to the
/// wrapped one.
pub(crate) type LayerFn = Arc<dyn Fn(Inner) -> Inner + Send + Sync>;

/// The layers of a client around its innermost service, shared by every clone.
pub(crate) struct Stack {
    service: Inner,
    /// Masked in the message of any error a layer returns.
    client_secret: SecretString,
    /// The API requests' timeout, which also bounds the layers.
    api_timeout: Duration,
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("api_timeout", &self.api_timeout)
            .finish_non_exhaustive()
    }
}

impl Stack {
    /// The stack of `layers` (the first outermost) on `http`, or `None` without layers:
    /// then requests go straight to `http`, as before the seam existed.
    pub(crate) fn new(
        layers: &[LayerFn],
        http: reqwest::Client,
        client_secret: SecretString,
        api_timeout: Duration,
    ) -> Option<Arc<Self>> {
        if layers.is_empty() {
            return None;
        }
        let service = layers
            .iter()
            .rev()
            .fold(Inner::new(Next::new(http)), |inner, layer| layer(inner));
        Some(Arc::new(Self {
            service,
            client_secret,
            api_timeout,
        }))
    }

    /// The API requests' timeout.
    pub(crate) fn api_timeout(&self) -> Duration {
        self.api_timeout
    }

    /// Sends `request` of `operation` through the layers, `guard` attaching the
    /// credentials inside them, the whole bounded by `timeout`.
    pub(crate) async fn send(
        &self,
        request: reqwest::Request,
        operation: Option<Operation>,
        guard: Guard,
        timeout: Duration,
    ) -> Result<reqwest::Response, Failure> {
        let mut request = HttpRequest::try_from(request).map_err(Failure::Reqwest)?;
        if let Some(operation) = operation {
            request.extensions_mut().insert(operation);
        }
        let sent_secrets = guard.secrets();
        request.extensions_mut().insert(guard);
        // `oneshot` polls the layers' readiness and calls them inside the future, so a
        // panic in any of the three is caught here.
        let sent = AssertUnwindSafe(self.service.clone().oneshot(request)).catch_unwind();
        // The request's own timeout, on Tokio's clock like reqwest's.
        let outcome = match tokio::time::timeout(timeout, sent).await {
            Err(_) => return Err(Failure::Stack(StackError::timed_out(timeout))),
            Ok(Err(_panic)) => return Err(Failure::Stack(StackError::panicked())),
            Ok(Ok(outcome)) => outcome,
        };
        match outcome {
            Ok(response) => Ok(reqwest::Response::from(response)),
            Err(error) => {
                let mut secrets = vec![self.client_secret.expose_secret()];
                secrets.extend(sent_secrets.iter().map(String::as_str));
                Err(Failure::from_layer(error, &secrets))
            }
        }
    }
}

#[cfg(test)]
mod tests;
