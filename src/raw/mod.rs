//! The low-level client progenitor generates: one method per operation, no token
//! handling, errors as progenitor reports them. Give it a
//! [`RequestContext`](crate::RequestContext) with the headers to send.
//!
//! This module is made of `progenitor_client` and `reqwest` types, public dependencies
//! under the policy of [`deps`](crate::deps).

// The door to the generated client in `OUT_DIR` (see `crate::generated` for the models).
#[allow(
    missing_docs,
    missing_debug_implementations,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::pedantic
)]
pub(crate) mod client;
mod hooks;

pub use client::{Client, ResponseValue};
pub use progenitor_client::Error;
