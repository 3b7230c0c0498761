//! The spec as JSON: the one reader of `openapi/flowpayroll.yaml` for the tests (the
//! integration tests' helpers, `tests/spec_examples.rs`, and the crate's own
//! `spec_answers` unit test, which includes this file by path). It reads the file at
//! test time, so an edit of the spec is what gets tested. The build and `cargo xtask`
//! read it their own ways (`build/spec.rs`, `xtask/src/validate/load.rs`): the
//! generator takes a typed `openapiv3` document, the validator needs each node's line.

use std::path::Path;

/// `openapi/flowpayroll.yaml`, parsed into a JSON value (panics if it cannot be read).
pub fn spec() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/flowpayroll.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()))
}
