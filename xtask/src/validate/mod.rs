//! `cargo xtask validate`: every example of an OpenAPI 3.0.x document (and every example
//! file beside it) checked against its schema, with OpenAPI semantics, plus structural
//! and YAML hygiene checks. See `README.md` ("Validating the spec") for what it checks.
//!
//! The document is read with the same loader as `build.rs` (`build/spec.rs`), rewritten
//! once per context (request, response) into JSON Schema draft 4 (`schema.rs`) and
//! registered with the `jsonschema` crate; each example is validated against a `$ref`
//! to its schema's pointer in that document, so errors name the spec location of the
//! rule they broke. A validator is compiled once per (context, schema), not per example.

mod collect;
mod files;
mod positions;
mod report;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use jsonschema::{Draft, Registry, Validator};
use serde_json::{json, Value};

pub use collect::Label;
use schema::Context;

#[path = "../../../build/spec.rs"]
#[allow(dead_code)]
mod spec;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per finding and a summary.
    Text,
    /// One JSON document.
    Json,
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
}

/// One problem found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Finding {
    /// The file it is in.
    pub file: String,
    /// Its line in that file.
    pub line: usize,
    /// What the example (or response) is of.
    pub label: Option<Label>,
    /// Where in the example value (JSON pointer), when it is about a value.
    pub instance_path: Option<String>,
    /// Where the broken rule is in the spec (JSON pointer), when there is one.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Counts for the summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub checked: usize,
    pub passed: usize,
    pub failed: usize,
}

impl Counts {
    /// Counts one checked example.
    fn record(&mut self, passed: bool) {
        self.checked += 1;
        if passed {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }
}

/// Why a document could not be checked at all (exit code 2).
#[derive(Debug)]
pub struct Unreadable(pub String);

/// Runs the command; returns the process exit code (0 clean, 1 findings, 2 unreadable).
pub fn run(options: &Options) -> u8 {
    // The clock ban (clippy.toml) is for the client's token cache; this only times the run.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let targets = match targets(&options.paths) {
        Ok(targets) => targets,
        Err(Unreadable(message)) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let mut findings = Vec::new();
    let mut counts = Counts::default();
    for (spec_path, examples_dir) in &targets {
        match check(spec_path, examples_dir.as_deref(), options.strict) {
            Ok((found, c)) => {
                findings.extend(found);
                counts.checked += c.checked;
                counts.passed += c.passed;
                counts.failed += c.failed;
            }
            Err(Unreadable(message)) => {
                eprintln!("error: {message}");
                return 2;
            }
        }
    }
    report::print(options.format, &findings, counts, started.elapsed());
    u8::from(!findings.is_empty())
}

/// The spec files to check, each with its examples folder.
fn targets(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Option<PathBuf>)>, Unreadable> {
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
        let entries =
            std::fs::read_dir(path).map_err(|e| Unreadable(format!("{}: {e}", path.display())))?;
        let mut specs: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
            .collect();
        specs.sort();
        match (specs.is_empty(), targets.last_mut()) {
            // A folder of example files given after its spec.
            (true, Some((_, examples))) => *examples = Some(path.clone()),
            (true, None) => {
                return Err(Unreadable(format!(
                    "{}: no OpenAPI document here",
                    path.display()
                )))
            }
            (false, _) => {
                let examples = Some(path.join("examples")).filter(|dir| dir.is_dir());
                targets.extend(specs.into_iter().map(|spec| (spec, examples.clone())));
            }
        }
    }
    Ok(targets)
}

/// Checks one document and its example files.
pub fn check(
    spec_path: &Path,
    examples_dir: Option<&Path>,
    strict: bool,
) -> Result<(Vec<Finding>, Counts), Unreadable> {
    let text = std::fs::read_to_string(spec_path)
        .map_err(|e| Unreadable(format!("{}: {e}", spec_path.display())))?;
    let file = display_path(spec_path);
    let positions = positions::index(&text).map_err(|(line, column, message)| {
        Unreadable(format!("{file}:{line}:{column}: {message}"))
    })?;
    let mut findings: Vec<Finding> = positions
        .hygiene
        .iter()
        .map(|(line, _, message)| Finding {
            file: file.clone(),
            line: *line,
            message: message.clone(),
            ..Finding::default()
        })
        .collect();
    let document = match spec::parse_document(spec_path, &text) {
        Ok((_, document)) => document,
        // A duplicate key can break the typed parse; it is already a finding.
        Err(_) if !findings.is_empty() => return Ok((findings, Counts::default())),
        Err(error) => return Err(Unreadable(error.to_string())),
    };
    let collected = collect::collect(&document);
    if let Some(bad) = collected.unresolved.first() {
        return Err(Unreadable(format!(
            "{file}:{}: `$ref: {}` does not resolve (at {})",
            positions.line(&bad.pointer),
            bad.reference,
            bad.pointer
        )));
    }
    for (pointer, mut finding) in collected.findings {
        finding.file = file.clone();
        finding.line = positions.line(&pointer);
        findings.push(finding);
    }

    let mut engine = Engine::new(&document, strict)?;
    let mut counts = Counts::default();
    for example in &collected.examples {
        let errors = engine.validate(
            example.contexts.iter().copied(),
            &example.schema,
            &example.value,
        )?;
        counts.record(errors.is_empty());
        for mut finding in errors {
            finding.file = file.clone();
            let inside = format!(
                "{}{}",
                example.pointer,
                finding.instance_path.as_deref().unwrap_or_default()
            );
            finding.line = positions.line(&inside);
            finding.label = Some(example.label.clone());
            findings.push(finding);
        }
    }
    if let Some(dir) = examples_dir {
        files::check(dir, &document, &mut engine, &mut findings, &mut counts)?;
    }
    Ok((findings, counts))
}

/// Compiled validators over the rewritten document, one per (context, schema).
pub struct Engine {
    registry: Registry<'static>,
    rewritten: HashMap<Context, Value>,
    validators: HashMap<(Context, String), Validator>,
}

impl Engine {
    fn new(document: &Value, strict: bool) -> Result<Self, Unreadable> {
        let mut rewritten = HashMap::new();
        let mut builder = Registry::new();
        for context in [Context::Request, Context::Response] {
            let doc = schema::rewrite_document(document, context, strict);
            builder = builder
                .add(context.uri(), doc.clone())
                .map_err(|e| Unreadable(format!("the rewritten schemas are not usable: {e}")))?;
            rewritten.insert(context, doc);
        }
        let registry = builder
            .prepare()
            .map_err(|e| Unreadable(format!("the rewritten schemas are not usable: {e}")))?;
        Ok(Self {
            registry,
            rewritten,
            validators: HashMap::new(),
        })
    }

    /// Validates `value` against the schema at `schema` in each context; every error of
    /// every context is a finding (without file, line or label).
    pub fn validate(
        &mut self,
        contexts: impl Iterator<Item = Context>,
        schema: &str,
        value: &Value,
    ) -> Result<Vec<Finding>, Unreadable> {
        let mut findings = Vec::new();
        for context in contexts {
            let key = (context, schema.to_owned());
            if !self.validators.contains_key(&key) {
                let root = json!({"$ref": format!("{}#{}", context.uri(), schema)});
                let validator = jsonschema::options()
                    .with_draft(Draft::Draft4)
                    .should_validate_formats(true)
                    .with_format("uuid", is_uuid)
                    .with_format("date", is_date)
                    .with_registry(&self.registry)
                    .build(&root)
                    .map_err(|e| {
                        Unreadable(format!("the schema at {schema} cannot be compiled: {e}"))
                    })?;
                self.validators.insert(key.clone(), validator);
            }
            for error in self.validators[&key].iter_errors(value) {
                let rule = error
                    .absolute_keyword_location()
                    .and_then(|uri| {
                        uri.as_str()
                            .split_once('#')
                            .map(|(_, fragment)| fragment.to_owned())
                    })
                    .unwrap_or_else(|| error.evaluation_path().to_string());
                let message = match error.kind() {
                    // The whole list: the library abbreviates long ones.
                    jsonschema::error::ValidationErrorKind::Enum { options } => {
                        format!("{} is not one of {}", error.instance(), options)
                    }
                    _ => self
                        .explain(context, &rule)
                        .unwrap_or_else(|| error.to_string()),
                };
                let finding = Finding {
                    instance_path: Some(error.instance_path().to_string()),
                    rule: Some(rule),
                    message,
                    ..Finding::default()
                };
                if !findings.contains(&finding) {
                    findings.push(finding);
                }
            }
        }
        Ok(findings)
    }

    /// A clearer message for the rules the rewrite added.
    fn explain(&self, context: Context, rule: &str) -> Option<String> {
        let property = rule.strip_suffix("/not")?;
        let flag = self.rewritten[&context]
            .pointer(property)?
            .get("x-forbidden-because")?
            .as_str()?;
        let name = property.rsplit('/').next().unwrap_or("?");
        Some(match flag {
            "readOnly" => format!(
                "`{name}` is readOnly: it is sent by the server and must not appear in a request"
            ),
            _ => format!(
                "`{name}` is writeOnly: it is sent by the client and must not appear in a response"
            ),
        })
    }
}

fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_date(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let (month, day) = (
        value[5..7].parse::<u32>().unwrap_or(0),
        value[8..10].parse::<u32>().unwrap_or(0),
    );
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// A path as the user would type it: relative to the current directory when inside it.
fn display_path(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    std::env::current_dir()
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or(path)
        .display()
        .to_string()
}
