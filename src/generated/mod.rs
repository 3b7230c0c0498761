//! The one door to the code that `build.rs` generates from `openapi/flowpayroll.yaml`
//! into `OUT_DIR`: every `include!` of it is in this module's two children, and the
//! generated code names nothing outside them (`crate::generated::model::…`,
//! `crate::generated::client::…`), each re-exporting what its part needs. Nothing
//! generated is edited by hand; edit the spec and rebuild.
//!
//! The generated code sits at two layers of the crate, so it comes in two parts:
//!
//! * [`model`]: the request and response models (`types`), the open enums, the
//!   [`Operation`](model::Operation) enum and the typed error bodies
//!   ([`ErrorBody`](model::ErrorBody)) with their tables. It needs only
//!   [`SecretString`](crate::secret::SecretString), so errors can be built on it.
//! * [`client`]: progenitor's low-level [`Client`](client::Client), one method per
//!   operation. It needs the HTTP layer (the TLS set-up and the
//!   [`RequestContext`](crate::transport::context::RequestContext) it carries), and
//!   [`hooks`] attaches that context to each request.

pub(crate) mod client;
mod hooks;
pub(crate) mod model;
