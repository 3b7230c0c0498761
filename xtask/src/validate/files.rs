//! Example files: `<operationId>.<status|request>.<example name>.<media type>.json`,
//! with `/` in the media type written `_` (so `application_json`). Each is validated
//! against the schema of its (operation, status, media type), compared with the spec's
//! example of the same name, and reported when it maps to nothing.

use std::path::Path;

use serde_json::Value;

use super::engine::Engine;
use super::findings::{cap, Finding, Rule};
use super::pointer::{escape, local_target};
use super::schema::Context;
use super::walk::METHODS;
use super::{display_path, read, Outcome};

/// Checks every `*.json` file in `dir` into `outcome`.
pub fn check(
    dir: &Path,
    document: &Value,
    engine: &mut Engine<'_>,
    outcome: &mut Outcome,
) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let file = display_path(&path);
        let finding = |rule: Rule, message: String| Finding {
            file: file.clone(),
            line: 1,
            rule: Some(rule),
            message: cap(message),
            ..Finding::default()
        };
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let parts: Vec<&str> = name.split('.').collect();
        let [operation, status, example, media] = parts[..] else {
            outcome.findings.push(finding(
                Rule::Structure,
                "the name is not <operationId>.<status|request>.<example>.<media type>.json".into(),
            ));
            continue;
        };
        let media = media.replacen('_', "/", 1);
        let Some((media_pointer, context)) = locate(document, operation, status, &media) else {
            outcome.findings.push(finding(
                Rule::Structure,
                format!("maps to no documented {operation} {status} {media}"),
            ));
            continue;
        };
        let text = read(&path).map_err(|e| format!("{file}: {e}"))?;
        let value: Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(e) => {
                outcome.findings.push(Finding {
                    line: e.line(),
                    ..finding(Rule::Structure, format!("not JSON: {e}"))
                });
                continue;
            }
        };
        let what = format!("{status} {media}");
        let labelled = |finding: Finding| Finding {
            what: what.clone(),
            example: example.to_owned(),
            operations: vec![operation.to_owned()],
            ..finding
        };
        match engine.check(context, &format!("{media_pointer}/schema"), &value) {
            Ok(violations) => {
                outcome.visited += 1;
                outcome.checked += 1;
                outcome.failed += usize::from(!violations.is_empty());
                for violation in violations {
                    outcome.findings.push(labelled(Finding {
                        instance_path: Some(violation.instance_path),
                        schema_rule: Some(violation.rule),
                        ..finding(Rule::InvalidExample, violation.message)
                    }));
                }
            }
            Err(why) => {
                outcome.visited += 1;
                outcome
                    .findings
                    .push(labelled(finding(Rule::NotChecked, why)));
            }
        }
        let named = format!("{media_pointer}/examples/{}", escape(example));
        let documented = document.pointer(&named).map(|example| {
            example
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(local_target)
                .and_then(|target| document.pointer(&target))
                .unwrap_or(example)
        });
        if let Some(documented) = documented {
            if documented.get("value") != Some(&value) {
                outcome.findings.push(labelled(finding(
                    Rule::Structure,
                    format!("differs from the spec's example `{example}` ({named})"),
                )));
            }
        }
    }
    Ok(())
}

/// The pointer of the media type an example file is for, and its context.
fn locate(
    document: &Value,
    operation: &str,
    status: &str,
    media: &str,
) -> Option<(String, Context)> {
    for (path, item) in document.get("paths")?.as_object()? {
        for method in METHODS {
            let Some(candidate) = item.get(method) else {
                continue;
            };
            if candidate.get("operationId").and_then(Value::as_str) != Some(operation) {
                continue;
            }
            let pointer = format!("/paths/{}/{method}", escape(path));
            let (owner, context) = if status == "request" {
                (format!("{pointer}/requestBody"), Context::Request)
            } else {
                (
                    format!("{pointer}/responses/{}", escape(status)),
                    Context::Response,
                )
            };
            let mut owner = owner;
            let mut resolved = document.pointer(&owner)?;
            if let Some(target) = resolved
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(local_target)
            {
                resolved = document.pointer(&target)?;
                owner = target;
            }
            resolved.get("content")?.get(media)?;
            return Some((format!("{owner}/content/{}", escape(media)), context));
        }
    }
    None
}
