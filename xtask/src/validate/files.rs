//! Example files: `<operationId>.<status|request>.<example name>.<media type>.json`,
//! with `/` in the media type written `_` (so `application_json`). Each is validated
//! against the schema of its (operation, status, media type), compared with the spec's
//! example of the same name, and reported when it maps to nothing.

use std::path::Path;

use serde_json::Value;

use super::collect::{resolve, Label};
use super::positions::escape;
use super::schema::Context;
use super::{display_path, Counts, Engine, Finding, Unreadable};

pub fn check(
    dir: &Path,
    document: &Value,
    engine: &mut Engine,
    findings: &mut Vec<Finding>,
    counts: &mut Counts,
) -> Result<(), Unreadable> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Unreadable(format!("{}: {e}", dir.display())))?;
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let file = display_path(&path);
        let orphan = |message: String| Finding {
            file: file.clone(),
            line: 1,
            message,
            ..Finding::default()
        };
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let parts: Vec<&str> = name.split('.').collect();
        let [operation, status, example, media] = parts[..] else {
            findings.push(orphan(
                "the name is not <operationId>.<status|request>.<example>.<media type>.json".into(),
            ));
            continue;
        };
        let media = media.replacen('_', "/", 1);
        let Some((media_pointer, context)) = locate(document, operation, status, &media) else {
            findings.push(orphan(format!(
                "maps to no documented {operation} {status} {media}"
            )));
            continue;
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| Unreadable(format!("{file}: {e}")))?;
        let value: Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(e) => {
                findings.push(Finding {
                    line: e.line(),
                    ..orphan(format!("not JSON: {e}"))
                });
                continue;
            }
        };
        let label = Label {
            operation: operation.into(),
            status: status.into(),
            media: media.clone(),
            name: example.into(),
        };
        let errors = engine.validate(
            [context].into_iter(),
            &format!("{media_pointer}/schema"),
            &value,
        )?;
        counts.record(errors.is_empty());
        for error in errors {
            findings.push(Finding {
                file: file.clone(),
                line: 1,
                label: Some(label.clone()),
                ..error
            });
        }
        let named = format!("{media_pointer}/examples/{}", escape(example));
        if let Some(documented) = document.pointer(&named) {
            let (_, documented) = resolve(document, &named, documented);
            if documented.get("value") != Some(&value) {
                findings.push(Finding {
                    label: Some(label),
                    ..orphan(format!(
                        "differs from the spec's example `{example}` ({named})"
                    ))
                });
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
    for (path, item) in document["paths"].as_object()? {
        for (method, candidate) in item.as_object()? {
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
            let (owner, resolved) = resolve(document, &owner, document.pointer(&owner)?);
            resolved.get("content")?.get(media)?;
            return Some((format!("{owner}/content/{}", escape(media)), context));
        }
    }
    None
}
