#![doc = include_str!("../README.md")]

#[allow(
    missing_docs,
    missing_debug_implementations,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::pedantic
)]
mod generated;

mod context;
mod error;
mod response;
mod secret;

pub use context::{RequestContext, USER_ID, X_AUTH_TOKEN};
pub use error::{ApiError, BodyPrefix, Error};
pub use generated::{ErrorBody, DOCUMENTED_ERRORS};
pub use secret::SecretString;

/// Request and response models generated from the spec, the open enums, and
/// [`SecretString`].
pub mod types {
    pub use crate::generated::open_enums::*;
    pub use crate::generated::types::*;
    pub use crate::SecretString;
}

/// The low-level client progenitor generates: one method per operation, no token
/// handling. Give it a [`RequestContext`] with the headers to send.
pub mod raw {
    pub use crate::generated::{Client, ResponseValue};
    pub use progenitor_client::Error;
}
