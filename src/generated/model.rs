//! The generated models: what `build.rs` writes from the spec's schemas and operations.
//!
//! * `types`: progenitor's request and response models and their builders.
//! * [`open_enums`]: server-controlled strings whose known values are typed and whose
//!   unknown values are kept verbatim (`Scope`, `Provider`, ...).
//! * [`Operation`]: one variant per `operationId`, with its method and path.
//! * [`ErrorBody`], [`DOCUMENTED_ERRORS`] and [`RESPONSE_EXAMPLES`]: the typed error
//!   bodies keyed by operation and status, and the spec's examples.

/// Named by the open enums' `Display` as `crate::generated::model::Escaped`.
pub(crate) use crate::secret::terminal::Escaped;
/// Named by the generated models as `crate::generated::model::SecretString`.
pub(crate) use crate::secret::SecretString;

include!(concat!(env!("OUT_DIR"), "/types.rs"));

/// Open enums: server-controlled strings whose known values are typed and whose unknown
/// values are kept verbatim.
pub mod open_enums {
    include!(concat!(env!("OUT_DIR"), "/open_enums.rs"));
}

include!(concat!(env!("OUT_DIR"), "/operation.rs"));

include!(concat!(env!("OUT_DIR"), "/error_table.rs"));
