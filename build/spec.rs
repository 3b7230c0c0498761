//! Loading the OpenAPI document for `build.rs`, which generates from a typed
//! `openapiv3::OpenAPI`. Not shared: `cargo xtask validate` and `drift` read the spec
//! with their own loader (`xtask/src/validate/load.rs`), which keeps each node's line
//! and YAML 1.1 portability findings, and the tests read it as plain JSON
//! (`tests/common/spec.rs`).
//!
//! The file is read twice. The first pass parses it into a generic YAML value, which is
//! where `yaml_serde` rejects duplicate mapping keys (a typed parse would silently keep
//! the last one). The second pass parses it into `openapiv3::OpenAPI`. Both passes keep
//! YAML's line and column in their errors.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why the document could not be loaded, with the position when the parser knows it.
#[derive(Debug)]
pub struct LoadError {
    /// The file that failed.
    pub path: PathBuf,
    /// 1-based line and column of the problem, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

/// Reads and parses the OpenAPI document at `path`.
pub fn load(path: &Path) -> Result<openapiv3::OpenAPI, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError {
        path: path.to_owned(),
        position: None,
        message: format!("cannot read the file: {e}"),
    })?;
    parse(path, &text)
}

/// Parses `text` (the content of `path`) as an OpenAPI 3.0.x document, rejecting
/// duplicate keys.
pub fn parse(path: &Path, text: &str) -> Result<openapiv3::OpenAPI, LoadError> {
    yaml_serde::from_str::<yaml_serde::Value>(text).map_err(|e| located(path, e))?;
    let spec: openapiv3::OpenAPI = yaml_serde::from_str(text).map_err(|e| located(path, e))?;
    if !spec.openapi.starts_with("3.0.") {
        return Err(LoadError {
            path: path.to_owned(),
            position: None,
            message: format!(
                "`openapi: {}` is not supported; this loader reads OpenAPI 3.0.x",
                spec.openapi
            ),
        });
    }
    Ok(spec)
}

fn located(path: &Path, error: yaml_serde::Error) -> LoadError {
    LoadError {
        path: path.to_owned(),
        position: error.location().map(|l| (l.line(), l.column())),
        message: error.to_string(),
    }
}
