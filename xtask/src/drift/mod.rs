//! `cargo xtask drift`: what differs between the hand-maintained spec and the vendor's
//! published OpenAPI document, for the operations the spec covers, which differences
//! the spec decided on purpose, and which are new. See `docs/spec.md`.
//!
//! Both documents are read the way `validate` reads one (`validate::read_document`);
//! operations are paired in `operations.rs`, compared in `compare.rs` and `schema.rs`,
//! matched with the spec's decisions in `decisions.rs`, and printed by `report.rs`.

mod compare;
mod decisions;
mod model;
mod operations;
mod report;
mod responses;
mod schema;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::validate::{display_path, read_document};
use compare::Diff;
pub use decisions::Stale;
pub use model::{Finding, Level};
use operations::Mapping;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// One JSON document, with a stable fingerprint per finding.
    Json,
    /// A table for a pull-request comment.
    Markdown,
    /// GitHub Actions annotations at the line of the hand spec.
    Github,
}

/// Which unacknowledged differences fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Only breaking ones.
    Breaking,
    /// Any, and stale decisions.
    Any,
}

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The hand spec (default `openapi/flowpayroll.yaml`).
    pub spec: Option<PathBuf>,
    /// The upstream document (default: `x-flowpayroll-upstream.document` of the spec,
    /// relative to it).
    pub upstream: Option<PathBuf>,
    /// Output format.
    pub format: Format,
    /// What fails the run.
    pub fail_on: FailOn,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The spec file, as shown.
    pub spec: String,
    /// The upstream file, as shown.
    pub upstream: String,
    /// Operations compared, as `METHOD /path` of the spec.
    pub compared: Vec<String>,
    /// Spec operations declared hand-only.
    pub declared: Vec<String>,
    /// Upstream operations under a mapped prefix the spec does not cover.
    pub uncovered: Vec<String>,
    /// The differences, by level, then spec pointer.
    pub findings: Vec<Finding>,
    /// `covers` entries no difference is at any more, with their spec line.
    pub stale: Vec<(Stale, usize)>,
    /// Problems of the documents that did not stop the comparison: (document, pointer, message).
    pub warnings: Vec<(String, String, String)>,
}

impl Outcome {
    /// Whether the run fails under `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        let open = self.findings.iter().filter(|f| f.decision.is_none());
        match fail_on {
            FailOn::Breaking => open.into_iter().any(|f| f.level == Level::Breaking),
            FailOn::Any => open.count() > 0 || !self.stale.is_empty(),
        }
    }
}

/// Runs the command; returns the exit code (0 clean, 1 drift, 2 a document unreadable).
pub fn run(options: &Options) -> u8 {
    // The clock ban (clippy.toml) is for the client's token cache; this only times the run.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    match compare_files(options) {
        Ok(outcome) => {
            report::print(options.format, &outcome, started.elapsed());
            u8::from(outcome.fails(options.fail_on))
        }
        Err((file, message)) => {
            report::unreadable(options.format, &file, &message);
            2
        }
    }
}

/// Reads both documents and compares them; `Err` names the file that cannot be read.
fn compare_files(options: &Options) -> Result<Outcome, (String, String)> {
    let default_spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/flowpayroll.yaml");
    let spec_path = options.spec.clone().unwrap_or(default_spec);
    let spec = read_document(&spec_path).map_err(|e| (display_path(&spec_path), e))?;
    let upstream_path = match &options.upstream {
        Some(path) => path.clone(),
        None => {
            let document = operations::config(&spec.value).and_then(|c| c.get("document"));
            let Some(relative) = document.and_then(|d| d.as_str()) else {
                let why =
                    "no --upstream given and the spec names no `x-flowpayroll-upstream.document`";
                return Err((display_path(&spec_path), why.into()));
            };
            spec_path.parent().unwrap_or(Path::new(".")).join(relative)
        }
    };
    let upstream = read_document(&upstream_path).map_err(|e| (display_path(&upstream_path), e))?;
    let mut outcome = compare(&spec.value, &upstream.value);
    for finding in &mut outcome.findings {
        finding.line = spec.lines.line(&finding.spec);
    }
    for (stale, line) in &mut outcome.stale {
        *line = spec.lines.line(&stale.pointer);
    }
    outcome.spec = display_path(&spec_path);
    outcome.upstream = display_path(&upstream_path);
    // The process is about to exit; the trees are left to it.
    std::mem::forget(spec);
    std::mem::forget(upstream);
    Ok(outcome)
}

/// Compares the documents `spec` and `upstream` (lines are left 0).
pub fn compare(spec: &serde_json::Value, upstream: &serde_json::Value) -> Outcome {
    let mut diff = Diff::new(spec, upstream);
    let mapping = Mapping::of(spec);
    let matched = operations::pair(&mut diff, &mapping);
    let mut compared = Vec::new();
    for (ours, theirs) in &matched.pairs {
        diff.operation(ours, theirs);
        compared.push(diff.operation.clone());
    }
    let mut findings: Vec<Finding> = diff.findings.into_values().collect();
    findings.sort_by(|a, b| (a.level, &a.spec, a.kind).cmp(&(b.level, &b.spec, b.kind)));
    let stale = decisions::acknowledge(spec, &mut findings);
    Outcome {
        compared,
        declared: matched.declared,
        uncovered: matched.uncovered,
        findings,
        stale: stale.into_iter().map(|s| (s, 0)).collect(),
        warnings: diff.warnings.into_iter().collect(),
        ..Outcome::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// Any JSON value, a few levels deep, with the keys schemas and operations use.
    fn any_value() -> impl Strategy<Value = Value> {
        let key = prop::sample::select(vec![
            "type",
            "format",
            "enum",
            "x-extensible-enum",
            "nullable",
            "required",
            "properties",
            "items",
            "minimum",
            "maxLength",
            "pattern",
            "oneOf",
            "allOf",
            "$ref",
            "a",
            "b",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            "[a-z]{0,3}".prop_map(Value::String),
            Just(json!("#/components/schemas/S")),
            Just(json!("#/components/schemas/Missing")),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..5).prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                )),
            ]
        })
    }

    proptest! {
        /// A document compared with itself finds nothing, whatever its schemas,
        /// parameters, responses and security hold.
        #[test]
        fn a_document_compared_with_itself_finds_nothing(
            schema in any_value(),
            shared in any_value(),
            parameter in any_value(),
            response in any_value(),
            security in any_value(),
        ) {
            let document = json!({
                "openapi": "3.0.3",
                "security": security,
                "paths": {"/a/{id}": {
                    "parameters": [parameter],
                    "post": {
                        "requestBody": {"content": {"application/json": {"schema": schema}}},
                        "responses": {"200": response, "201": {"content": {"$ref": "#/components/x"}}},
                    },
                }},
                "components": {"schemas": {"S": shared}, "x": {"text/plain": {"schema": shared}}},
            });
            let outcome = compare(&document, &document);
            prop_assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
            prop_assert_eq!(outcome.compared.len(), 1);
        }
    }
}
