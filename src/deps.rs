//! The public dependencies: the crates whose types appear in this crate's API,
//! re-exported so that you can name those types without depending on the crates
//! yourself (and without having to match their versions by hand).
//!
//! | crate | version | where its types appear |
//! |---|---|---|
//! | [`http`] | 1 | [`http::StatusCode`] from [`Error::status`](crate::Error::status) and [`ApiError::status`](crate::ApiError::status); [`http::HeaderName`] in [`header::USER_ID`](crate::header::USER_ID) and [`header::X_AUTH_TOKEN`](crate::header::X_AUTH_TOKEN); [`http::HeaderMap`] taken by [`webhook::Verifier::verify`](crate::webhook::Verifier::verify); with the `sandbox` feature, `StatusCode` in `sandbox::Fault::Status` |
//! | [`url`] | 2 | [`url::Url`] from [`Environment`](crate::Environment) and, with the `sandbox` feature, `Sandbox::url` |
//! | [`reqwest`] | 0.13 | the HTTP client a [`raw::Client`](crate::raw::Client) wraps; [`reqwest::Error`] as the source of [`Error::Transport`](crate::Error::Transport) |
//! | [`progenitor_client`] | 0.15 | everything in [`crate::raw`]: its `Error`, `ResponseValue` and client traits |
//! | [`serde`] | 1 | `Serialize` and `Deserialize` on the models in [`crate::types`] |
//! | [`serde_json`] | 1 | the JSON object of [`types::UndocumentedBody`](crate::types::UndocumentedBody); the error of [`ErrorBody::decode`](crate::ErrorBody::decode); with the `sandbox` feature, `Value` in `sandbox::WebhookPayload::Json` |
//! | [`tower`] | 0.5 | the `Layer` and `Service` traits of [`FlowPayrollBuilder::layer`](crate::FlowPayrollBuilder::layer), and [`middleware::Inner`](crate::middleware::Inner), its boxed service |
//! | [`chrono`] | 0.4 | [`chrono::DateTime`] in [`types::TokenSummary`](crate::types::TokenSummary) |
//!
//! # Policy
//!
//! * These crates, and only these, are public dependencies. Every other dependency
//!   (Tokio, axum, redis, rustls...) is an implementation detail: none of its types is
//!   part of the API, so changing or dropping it is not a breaking change. The client
//!   runs on a Tokio runtime, but no Tokio type appears in its API: the clock seam
//!   (feature `test-util`) uses `std::time`.
//! * Moving to a new major version of a public dependency (for a crate before 1.0, a
//!   new minor version: reqwest 0.13 to 0.14, chrono 0.4 to 0.5) is a breaking change of
//!   flowpayroll. Before flowpayroll 1.0 it comes in a new minor release (0.1 to 0.2),
//!   and the changelog names the crate and both versions. Compatible updates (http 1.x,
//!   reqwest 0.13.x) can come in any release.
//! * Foreign types are reachable here only, under the crate that defines them
//!   (`deps::http::StatusCode`, not reqwest's re-export of it); the crate root
//!   re-exports none.
//!
//! ```
//! use flowpayroll::deps::http::StatusCode;
//!
//! fn should_back_off(error: &flowpayroll::Error) -> bool {
//!     error.status() == Some(StatusCode::TOO_MANY_REQUESTS)
//! }
//! # let _ = should_back_off;
//! ```

pub use ::chrono;
pub use ::http;
pub use ::progenitor_client;
pub use ::reqwest;
pub use ::serde;
pub use ::serde_json;
pub use ::tower;
pub use ::url;
