//! The one door to the code that `build.rs` generates from `openapi/` into `OUT_DIR`.
//!
//! `client.rs` is progenitor's output: the low-level [`Client`], one method per
//! operation, and the `types` module of request and response models. `extras.rs` holds
//! what the crate generates itself from the same spec: the open enums (`Scope`,
//! `Provider`, ...) and [`ErrorBody`], the typed error bodies keyed by operation and
//! status. Nothing here is written by hand; edit the spec and rebuild.

include!(concat!(env!("OUT_DIR"), "/client.rs"));

/// Open enums: server-controlled strings whose known values are typed and whose unknown
/// values are kept verbatim.
pub mod open_enums {
    include!(concat!(env!("OUT_DIR"), "/open_enums.rs"));
}

include!(concat!(env!("OUT_DIR"), "/error_table.rs"));
