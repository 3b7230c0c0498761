// The README is the crate's front page. Its links to files outside the API docs
// (`docs/*.md`, `CONTRIBUTING.md`) are reference-style links, defined at the end of the
// README for GitHub; the definitions below come first, so rustdoc uses them instead
// (CommonMark: the first definition of a label wins): docs.rs's view of the same files
// in the published package of this version.
#![doc = concat!("[versioning]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/versioning.md")]
#![doc = concat!("[benchmarks]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/docs/benchmarks.md")]
#![doc = concat!("[contributing]: https://docs.rs/crate/flowpayroll/", env!("CARGO_PKG_VERSION"), "/source/CONTRIBUTING.md")]
#![doc = ""]
#![doc = include_str!("../README.md")]
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
mod body;
mod builder;
mod client;
mod config;
mod context;
mod decode_reason;
pub mod deps;
mod error;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod fleet;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod hold;
mod http_client;
mod management;
pub mod operation;
mod policy;
mod redact;
mod response;
mod retry;
mod retry_after;
mod secret;
mod tls;

#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;

#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use auth::clock;
pub use auth::{TokenId, TokenOrigin, TokenStatus, DEFAULT_LIFETIME, MAX_LIFETIME};
pub use body::{DEFAULT_BODY_LIMIT, ERROR_BODY_LIMIT, TOKEN_BODY_LIMIT};
pub use builder::FlowPayrollBuilder;
pub use client::{FlowPayroll, MAX_USER_ID_LEN};
pub use config::{
    Environment, TokenAuthMethod, LIVE_API_URL, LIVE_TOKEN_URL, SANDBOX_API_URL, SANDBOX_TOKEN_URL,
};
pub use context::{RequestContext, USER_ID, X_AUTH_TOKEN};
pub use error::{ApiError, BodyPrefix, Error};
pub use generated::{ErrorBody, DOCUMENTED_ERRORS};
pub use management::Management;
pub use operation::Operation;
pub use policy::{RefreshPolicy, RetryPolicy, TokenRequestPolicy};
pub use secret::SecretString;

/// Request and response models generated from the spec, the open enums, and
/// [`SecretString`].
pub mod types {
    pub use crate::generated::open_enums::*;
    pub use crate::generated::types::*;
    pub use crate::SecretString;
}

/// The low-level client progenitor generates: one method per operation, no token
/// handling, errors as progenitor reports them. Give it a [`RequestContext`] with the
/// headers to send.
///
/// This module is made of `progenitor_client` and `reqwest` types, public dependencies
/// under the policy of [`deps`].
pub mod raw {
    pub use crate::generated::{Client, ResponseValue};
    pub use progenitor_client::Error;
}
