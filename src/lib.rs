// The README is the crate's front page. Its links to files outside the API docs
// (`docs/*.md`, `CONTRIBUTING.md`) are reference-style links, defined at the end of the
// README for GitHub; the definitions below come first, so rustdoc uses them instead
// (CommonMark: the first definition of a label wins): docs.rs's view of the same files
// in the published package of this version.
#![doc = concat!("[versioning]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/versioning.md")]
#![doc = concat!("[benchmarks]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/benchmarks.md")]
#![doc = concat!("[contributing]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/CONTRIBUTING.md")]
#![doc = concat!("[client]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/client.md")]
#![doc = concat!("[errors]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/errors.md")]
#![doc = concat!("[sandbox]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/sandbox.md")]
#![doc = concat!("[connect]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/connect.md")]
#![doc = concat!("[fleet]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/fleet.md")]
#![doc = concat!("[webhooks]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/webhooks.md")]
#![doc = concat!("[build-cost]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/build-cost.md")]
#![doc = concat!("[observability]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/observability.md")]
#![doc = concat!("[middleware]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/middleware.md")]
#![doc = concat!("[changelog]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/CHANGELOG.md")]
#![doc = concat!("[mit]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/LICENSE-MIT")]
#![doc = concat!("[apache]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/LICENSE-APACHE")]
#![doc = concat!("[cli]: https://docs.rs/crate/flowpayroll-cli/", env!("CARGO_PKG_VERSION"), "/source/README.md")]
#![doc = ""]
#![doc = include_str!("../README.md")]
//!
//! # How the crate is organised
//!
//! `src/` is built in layers: each folder does one job and imports only from its own
//! layer and the ones below it (a lower number), never through the crate root, and no
//! two modules import each other. `tests/layers` reads this table and checks the
//! imports against it.
//!
//! | layer | modules | job |
//! |---|---|---|
//! | 1 | `secret`, `clock`, `setters` | [`SecretString`], masking of secrets and terminal escapes in server text; the clock seam; the `with_*` setters macro |
//! | 2 | `generated` | the generated models: `types`, open enums, [`Operation`](operation::Operation), [`ErrorBody`] (the door to `OUT_DIR`) |
//! | 3 | `error` | [`Error`], [`ApiError`], [`WebhookError`], [`ConnectError`](connect::ConnectError), transport causes ([`TransportCause`]), what to do ([`Error::action`]), which failures are transient or permanent, and why a body did not decode |
//! | 4 | `observe` | what an operator sees: metric names, units, labels and their recording (feature `metrics`); the spans |
//! | 5 | `config` | [`Environment`], URLs and `FLOWPAYROLL_*`; the policies ([`RetryPolicy`]...) |
//! | 6 | `transport` | the HTTP client, TLS, bounded bodies, [`RequestContext`] and the `User-Id` rule; the error of a request without a whole response; the middleware layers' stack and the service under them |
//! | 7 | `raw` | the generated low-level client (`raw::Client`) and the hooks that attach the context |
//! | 8 | `response` | generated results into [`Error`]s: decoding error bodies, `Retry-After` |
//! | 9 | `retry`, `limiter` | the retry decision, every wait (backoff, a failed mint's cooldown), the 429 hold and transient retries of API calls ([`RetryClassifier`], the retry budget); the client-side rate limiter ([`RateLimit`]) |
//! | 10 | `auth` | token requests, mints, the token cache |
//! | 11 | `fleet` | fleet mode: the token cache shared through Redis, and what a member reports |
//! | 12 | `client` | [`FlowPayroll`], its builder, the call pipeline, [`Management`] and [`TokenStatus`] |
//! | 13 | `webhook`, `connect` | verifying webhook deliveries, the replay guards; sign-in links, their callbacks and the code exchange |
//! | 14 | `sandbox` | the in-process fake server |
//! | 15 | `crate`, `operation`, `deps`, `fuzzing`, `spec_answers` | the crate root and its public doors (`types`, `header`, `limits`, `middleware` are re-exports in it); the spec-driven answers test |
//!
//! The generated code is in two layers: the models (`generated`) under the errors (an
//! [`ApiError`] holds an [`ErrorBody`]), the client (`raw`) above the HTTP layer it runs
//! on. They are `include!`d there only, and name nothing outside those two folders.
// docs.rs (`--cfg docsrs`, nightly rustdoc) marks each feature-gated item with the
// feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[allow(
    missing_docs,
    missing_debug_implementations,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::pedantic
)]
mod generated;

mod auth;
mod client;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod clock;
#[cfg(not(feature = "test-util"))]
mod clock;
mod config;
pub mod connect;
pub mod deps;
mod error;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod fleet;
#[cfg(any(test, feature = "_fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod limiter;
mod observe;
pub mod operation;
pub mod raw;
mod response;
mod retry;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;
mod secret;
mod setters;
#[cfg(test)]
mod spec_answers;
mod transport;
pub mod webhook;

pub use auth::source::TokenOrigin;
pub use auth::token::TokenId;
pub use client::builder::FlowPayrollBuilder;
pub use client::management::{AuthorizationCode, Management};
pub use client::status::TokenStatus;
pub use client::FlowPayroll;
pub use config::into_url::IntoUrl;
pub use config::policy::{RefreshPolicy, RetryPolicy, TokenRequestPolicy};
pub use config::{Environment, TokenAuthMethod};
pub use error::{
    ApiError, BodyPrefix, CertificateProblem, Error, Limit, Phase, ProxyProblem, TlsProblem,
    TransportCause,
};
pub use generated::model::ErrorBody;
pub use limiter::policy::{Quota, RateLimit, WhenLimited, MIN_TOKEN_SPACING};
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use observe::describe_metrics;
pub use observe::MintReason;
pub use retry::transient::{request_never_sent, IdempotentOnly, RetryClassifier, TransientRetries};
pub use secret::SecretString;
pub use transport::context::RequestContext;
#[cfg(feature = "rustls-ring")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls-ring")))]
pub use transport::tls::install_ring_provider;
pub use webhook::WebhookError;

/// Request and response models generated from the spec, and the open enums.
pub mod types {
    pub use crate::generated::model::open_enums::*;
    pub use crate::generated::model::types::*;
}

/// The headers the client adds to API calls, and the rule for a `User-Id`.
///
/// ```
/// use flowpayroll::header::{MAX_USER_ID_LEN, USER_ID, X_AUTH_TOKEN};
///
/// assert_eq!((X_AUTH_TOKEN.as_str(), USER_ID.as_str()), ("x-auth-token", "user-id"));
/// let long = "u".repeat(MAX_USER_ID_LEN + 1);
/// assert!(flowpayroll::RequestContext::new().with_user_id(&long).is_err());
/// ```
pub mod header {
    pub use crate::transport::context::{MAX_USER_ID_LEN, USER_ID, X_AUTH_TOKEN};
}

/// The middleware seam: tower layers around every request the client sends
/// ([`FlowPayrollBuilder::layer`]), and the types they see. A layer wraps an [`Inner`](middleware::Inner) service
/// of [`HttpRequest`](middleware::HttpRequest)s (`http::Request<reqwest::Body>`, the
/// request's [`Operation`](operation::Operation) in its extensions) to
/// [`HttpResponse`](middleware::HttpResponse)s. The credentials are attached under every
/// layer, for the configured origin only; the request's timeout, the body limits and the
/// masking of secrets hold whatever a layer does. The
#[doc = concat!("[middleware guide](https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/middleware.md)")]
/// says why tower, and shows a logging and a fault-injecting layer.
///
/// ```
/// use flowpayroll::middleware::HttpRequest;
/// use flowpayroll::operation::Operation;
///
/// let mut request = HttpRequest::new(reqwest::Body::from(""));
/// request.extensions_mut().insert(Operation::ListTokens);
/// assert_eq!(request.extensions().get::<Operation>(), Some(&Operation::ListTokens));
/// ```
pub mod middleware {
    pub use crate::transport::middleware::{BoxError, HttpRequest, HttpResponse, Inner};
}

/// Showing server text on a terminal: the escaper every `Display` of server text in this
/// crate uses, public so that an application (and the `flowpayroll` command) shows such
/// text the same way. It escapes C0 and C1 controls, DEL, the bidirectional marks,
/// embeddings, overrides and isolates, and the line and paragraph separators.
///
/// ```
/// use flowpayroll::terminal::escape;
///
/// assert_eq!(escape("\u{1b}]0;owned\u{7}\u{2028}ok"), "\\u{1b}]0;owned\\u{7}\\u{2028}ok");
/// ```
pub mod terminal {
    pub use crate::secret::terminal::{escape, is_unsafe, Escaped};
}

/// How much the client reads of a server's answers, and how long it believes a token
/// lives: a larger body fails with [`Error::BodyTooLarge`], a lifetime past
/// [`MAX_LIFETIME`](limits::MAX_LIFETIME) is cut to it. The table is in the
#[doc = concat!("[client guide](https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/client.md#what-the-client-reads).")]
///
/// ```
/// use flowpayroll::limits::{DEFAULT_BODY_LIMIT, ERROR_BODY_LIMIT, TOKEN_BODY_LIMIT};
///
/// assert!(ERROR_BODY_LIMIT < TOKEN_BODY_LIMIT && TOKEN_BODY_LIMIT < DEFAULT_BODY_LIMIT);
/// ```
pub mod limits {
    pub use crate::auth::token::{DEFAULT_LIFETIME, MAX_LIFETIME};
    pub use crate::transport::body::{DEFAULT_BODY_LIMIT, ERROR_BODY_LIMIT, TOKEN_BODY_LIMIT};
}

// Every guide in `docs/` is a doc test: its Rust blocks compile (and run unless
// `no_run`), so they stay true. `tests/docs.rs` checks that each guide is listed here.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../docs/benchmarks.md")]
    struct Benchmarks;
    #[doc = include_str!("../docs/build-cost.md")]
    struct BuildCost;
    #[doc = include_str!("../docs/cli-failures/README.md")]
    struct CliFailures;
    #[doc = include_str!("../docs/client.md")]
    struct Client;
    #[doc = include_str!("../docs/connect.md")]
    struct Connect;
    #[doc = include_str!("../docs/errors.md")]
    struct Errors;
    #[doc = include_str!("../docs/fleet.md")]
    struct Fleet;
    #[doc = include_str!("../docs/middleware.md")]
    struct Middleware;
    #[doc = include_str!("../docs/mutants.md")]
    struct Mutants;
    #[doc = include_str!("../docs/observability.md")]
    struct Observability;
    #[doc = include_str!("../docs/sandbox.md")]
    struct Sandbox;
    #[doc = include_str!("../docs/spec.md")]
    struct Spec;
    #[doc = include_str!("../docs/validator.md")]
    struct Validator;
    #[doc = include_str!("../docs/versioning.md")]
    struct Versioning;
    #[doc = include_str!("../docs/webhooks.md")]
    struct Webhooks;
}
