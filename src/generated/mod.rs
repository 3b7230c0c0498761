//! The generated models, the lower of the two doors to the code that `build.rs`
//! generates from `openapi/flowpayroll.yaml` into `OUT_DIR` (nothing generated is edited
//! by hand; edit the spec and rebuild). The generated code sits at two layers of the
//! crate, so it comes in two parts, each in its own folder:
//!
//! * here, [`model`]: the request and response models (`types`), the open enums, the
//!   [`Operation`](model::Operation) enum and the typed error bodies
//!   ([`ErrorBody`](model::ErrorBody)) with their tables. It needs only
//!   [`SecretString`](crate::secret::SecretString), so errors can be built on it.
//! * `crate::raw`: progenitor's low-level client, one method per operation. It needs
//!   the HTTP layer (the TLS set-up and the
//!   [`RequestContext`](crate::transport::context::RequestContext) it carries).
//!
//! Every `include!` of `OUT_DIR` is in `generated::model` or `raw::client`, and the
//! generated code names nothing outside them (`crate::generated::model::…`,
//! `crate::raw::client::…`), each re-exporting what its part needs.

pub(crate) mod model;
