//! progenitor's low-level [`Client`]: one method per operation, no token handling,
//! headers from the [`RequestContext`] it carries (see `hooks`).

/// The models the generated methods take and return.
use crate::generated::model::types;
/// Named by the generated client as `crate::generated::client::RequestContext`.
pub(crate) use crate::transport::context::RequestContext;
/// Named by the generated `Client::new` as `crate::generated::client::client_builder`.
pub(crate) use crate::transport::tls::client_builder;

include!(concat!(env!("OUT_DIR"), "/client.rs"));
