//! `cargo xtask validate`: every example of an OpenAPI 3.0.x document (and every example
//! file beside it) checked against its schema, with OpenAPI semantics, plus structural
//! and YAML portability checks. See `docs/validator.md`.
//!
//! A run reads the document once (`load.rs`), walks it once (`walk.rs`, `schemas.rs`)
//! for examples and structural findings, checks each distinct example once
//! (`engine.rs`), and prints the findings (`report.rs`, `sarif.rs`). Only a file that
//! is not YAML/JSON, or not an OpenAPI 3.0.x document, stops a run (exit 2).

mod engine;
mod files;
mod findings;
pub(crate) mod load;
mod messages;
mod places;
pub(crate) mod pointer;
mod report;
mod sarif;
mod scalars;
mod schema;
mod schemas;
pub(crate) mod walk;
mod yaml11;

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use engine::Engine;
use findings::{Finding, Rule, Severity};
use schema::Context;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per finding and a summary.
    Text,
    /// One JSON document (also when a file cannot be read).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`).
    Github,
}

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Spec files or folders; empty means the workspace's `openapi/`.
    pub paths: Vec<PathBuf>,
    /// Output format.
    pub format: Format,
    /// Reject properties a schema does not declare.
    pub strict: bool,
    /// Exit 1 on warnings too.
    pub deny_warnings: bool,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every finding, by file and line.
    pub findings: Vec<Finding>,
    /// Distinct examples found (each example location once), checked or not.
    pub visited: usize,
    /// Distinct examples checked.
    pub checked: usize,
    /// Of those, how many break their schema.
    pub failed: usize,
    /// Files that could not be read at all: (file, why).
    pub unreadable: Vec<(String, String)>,
}

impl Outcome {
    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity() == severity)
            .count()
    }
}

/// The largest document read.
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Runs the command; returns the process exit code (0 clean, 1 findings, 2 unreadable).
pub fn run(options: &Options) -> u8 {
    // The clock ban (clippy.toml) is for the client's token cache; this only times the run.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let mut outcome = Outcome::default();
    match targets(&options.paths) {
        Ok(targets) => {
            for (spec_path, examples_dir) in &targets {
                check(
                    spec_path,
                    examples_dir.as_deref(),
                    options.strict,
                    &mut outcome,
                );
            }
        }
        Err(message) => outcome.unreadable.push((String::new(), message)),
    }
    outcome
        .findings
        .sort_by(|a, b| (&a.file, a.line, &a.pointer).cmp(&(&b.file, b.line, &b.pointer)));
    report::print(
        options.format,
        &outcome,
        started.elapsed(),
        options.deny_warnings,
    );
    if !outcome.unreadable.is_empty() {
        2
    } else if outcome.count(Severity::Error) > 0
        || (options.deny_warnings && outcome.count(Severity::Warning) > 0)
    {
        1
    } else {
        0
    }
}

/// The spec files to check, each with its examples folder.
fn targets(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Option<PathBuf>)>, String> {
    let default = [Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut targets: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    for path in paths {
        if path.is_file() {
            let beside = path
                .parent()
                .map(|dir| dir.join("examples"))
                .filter(|dir| dir.is_dir());
            targets.push((path.clone(), beside));
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut specs: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            })
            .collect();
        specs.sort();
        match (specs.is_empty(), targets.last_mut()) {
            // A folder of example files given after its spec.
            (true, Some((_, examples))) => *examples = Some(path.clone()),
            (true, None) => return Err(format!("{}: no OpenAPI document here", path.display())),
            (false, _) => {
                let examples = Some(path.join("examples")).filter(|dir| dir.is_dir());
                targets.extend(specs.into_iter().map(|spec| (spec, examples.clone())));
            }
        }
    }
    Ok(targets)
}

/// Reads `path` (bounded), as text.
fn read(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read it as UTF-8 text: {e}"))?;
    if text.len() as u64 > MAX_BYTES {
        return Err(format!("larger than {MAX_BYTES} bytes"));
    }
    Ok(text)
}

/// Checks one document and its example files into `outcome`.
pub fn check(spec_path: &Path, examples_dir: Option<&Path>, strict: bool, outcome: &mut Outcome) {
    let file = display_path(spec_path);
    match read(spec_path) {
        Ok(text) => check_text(&text, file, examples_dir, strict, outcome),
        Err(message) => outcome.unreadable.push((file, message)),
    }
}

/// Reads the OpenAPI 3.0.x document at `path` the one way every command reads one
/// (bounded, YAML 1.2, lines by pointer); `Err` says why it cannot be read.
pub(crate) fn read_document(path: &Path) -> Result<load::Loaded, String> {
    parse_document(&read(path)?)
}

/// Reads `text` as an OpenAPI 3.0.x document.
fn parse_document(text: &str) -> Result<load::Loaded, String> {
    let loaded = load::load(text).map_err(|(line, column, message)| {
        format!("line {line}, column {column}: not YAML or JSON: {message}")
    })?;
    is_openapi_3_0(&loaded.value)?;
    Ok(loaded)
}

/// Checks the document `text` (from `file`) and the example files in `examples_dir`.
fn check_text(
    text: &str,
    file: String,
    examples_dir: Option<&Path>,
    strict: bool,
    outcome: &mut Outcome,
) {
    let loaded = match parse_document(text) {
        Ok(loaded) => loaded,
        Err(message) => return outcome.unreadable.push((file, message)),
    };
    let document = &loaded.value;
    let mut walk = walk::walk(document);
    for (pointer, message) in &loaded.portability {
        walk.findings
            .at(pointer, Rule::YamlPortability, "", message.clone());
    }
    let mut findings = walk.findings;
    let mut contexts: BTreeSet<Context> = walk.sites.values().map(|s| s.context).collect();
    // Example files are requests or responses.
    contexts.extend([Context::Request, Context::Response]);
    let contexts: Vec<Context> = contexts.into_iter().collect();
    let mut engine = match Engine::new(document, &contexts, strict) {
        Ok(engine) => engine,
        Err(message) => return outcome.unreadable.push((file, message)),
    };
    let mut checked = BTreeSet::new();
    let mut failed = BTreeSet::new();
    for site in walk.sites.values() {
        let (Some(schema), Some(value)) = (&site.schema, document.pointer(&site.value)) else {
            continue;
        };
        match engine.check(site.context, schema, value) {
            Ok(violations) => {
                checked.insert(site.value.as_str());
                if !violations.is_empty() {
                    failed.insert(site.value.as_str());
                }
                for violation in violations {
                    let finding = Finding {
                        pointer: format!("{}{}", site.value, violation.instance_path),
                        rule: Some(Rule::InvalidExample),
                        what: site.what.clone(),
                        example: site.example.clone(),
                        instance_path: Some(violation.instance_path),
                        schema_rule: Some(violation.rule),
                        message: findings::cap(violation.message),
                        ..Finding::default()
                    };
                    findings.add(finding, &site.operations);
                }
            }
            Err(why) => findings.at(schema, Rule::NotChecked, &site.what, why),
        }
    }
    let mut findings = findings.into_vec();
    for finding in &mut findings {
        finding.file = file.clone();
        finding.line = loaded.lines.line(&finding.pointer);
    }
    outcome.findings.extend(findings);
    outcome.visited += walk
        .sites
        .keys()
        .map(|(value, ..)| value)
        .collect::<BTreeSet<_>>()
        .len();
    outcome.checked += checked.len();
    outcome.failed += failed.len();
    if let Some(dir) = examples_dir {
        if let Err(message) = files::check(dir, document, &mut engine, outcome) {
            outcome.unreadable.push((display_path(dir), message));
        }
    }
    // A large document's tree and validators take longer to free than to build; the
    // process is about to exit, so they are left to it.
    std::mem::forget(engine);
    std::mem::forget(loaded);
}

/// Whether `document` is an OpenAPI 3.0.x document.
fn is_openapi_3_0(document: &Value) -> Result<(), String> {
    if !document.is_object() {
        return Err("not an OpenAPI document: the top level is not a mapping".into());
    }
    if let Some(version) = document.get("swagger") {
        return Err(format!(
            "`swagger: {version}` is Swagger 2; this command reads OpenAPI 3.0.x"
        ));
    }
    match document.get("openapi") {
        Some(Value::String(version)) if version.starts_with("3.0.") => Ok(()),
        Some(version) => Err(format!(
            "`openapi: {version}` is not supported; this command reads OpenAPI 3.0.x"
        )),
        None => Err("not an OpenAPI document: there is no `openapi` field".into()),
    }
}

/// A path as the user would type it: relative to the current directory when inside it.
pub(crate) fn display_path(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    std::env::current_dir()
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const SEEDS: [&str; 4] = [
        include_str!("../../tests/fixtures/one_problem_does_not_stop_the_rest/openapi.yaml"),
        include_str!("../../tests/fixtures/unvisited_places/openapi.yaml"),
        include_str!("../../tests/fixtures/openapi_3_0_semantics/openapi.yaml"),
        include_str!("../../tests/fixtures/failed_branches/openapi.yaml"),
    ];

    proptest! {
        /// Whatever a document holds, a run ends with findings or "unreadable", never
        /// a panic: fixtures with random bytes replaced, inserted or removed.
        #[test]
        fn mutated_documents_never_panic(
            seed in 0..SEEDS.len(),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 1..12),
        ) {
            let mut bytes = SEEDS[seed].as_bytes().to_vec();
            for (at, byte, kind) in edits {
                let at = at % (bytes.len() + 1);
                match kind {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => {}
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            let mut outcome = Outcome::default();
            check_text(&text, "mutated.yaml".into(), None, false, &mut outcome);
            let readable = outcome.unreadable.is_empty();
            prop_assert!(readable || outcome.findings.is_empty());
            prop_assert!(outcome.checked <= outcome.visited);
            prop_assert!(outcome.failed <= outcome.checked);
        }
    }

    #[test]
    fn a_seed_document_unchanged_is_checked() {
        let mut outcome = Outcome::default();
        check_text(SEEDS[1], "seed.yaml".into(), None, false, &mut outcome);
        assert!(outcome.unreadable.is_empty());
        assert_eq!(
            (outcome.visited, outcome.checked, outcome.failed),
            (4, 4, 4)
        );
        assert_eq!(outcome.count(Severity::Warning), 1);
    }

    #[test]
    fn only_openapi_3_0_is_read() {
        assert!(is_openapi_3_0(&json!({"openapi": "3.0.3"})).is_ok());
        assert!(is_openapi_3_0(&json!({"openapi": "3.1.0"}))
            .unwrap_err()
            .contains("3.1.0"));
        assert!(is_openapi_3_0(&json!({"swagger": "2.0"}))
            .unwrap_err()
            .contains("Swagger 2"));
        assert!(is_openapi_3_0(&json!({"openapi": 3.0})).is_err());
        assert!(is_openapi_3_0(&json!(["openapi"])).is_err());
    }
}
