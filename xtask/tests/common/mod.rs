//! Running the `xtask` binary on fixtures and corpus documents, and reading its JSON.
#![allow(dead_code)] // Each test file uses its own part of these helpers.

pub mod pairs;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A fixture folder under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A corpus document under `tests/corpus/`.
pub fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

/// Runs `validate` with `args`; returns the exit code and standard output.
pub fn run(args: &[&str], paths: &[&Path]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("validate")
        .args(args)
        .args(paths)
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    (code, String::from_utf8(output.stdout).unwrap())
}

/// Runs `validate --format json` on `paths`; returns the exit code and the output.
pub fn validate(paths: &[&Path]) -> (i32, Value) {
    let (code, stdout) = run(&["--format", "json"], paths);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    (code, json)
}

/// (line, severity, instance path or `-`, message) of each finding.
pub fn findings(output: &Value) -> Vec<(u64, String, String, String)> {
    output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_owned(),
                f["instance_path"].as_str().unwrap_or("-").to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Runs a fixture and compares its findings and exit code with `expected`
/// (line, severity, instance path, message).
pub fn expect(name: &str, expected: &[(u64, &str, &str, &str)]) -> Value {
    let (code, output) = validate(&[&fixture(name)]);
    let found = findings(&output);
    let wanted: Vec<(u64, String, String, String)> = expected
        .iter()
        .map(|(l, s, p, m)| (*l, s.to_string(), p.to_string(), m.to_string()))
        .collect();
    assert_eq!(found, wanted, "{name}: {output:#}");
    let errors = expected.iter().any(|(_, s, ..)| *s == "error");
    assert_eq!(code, i32::from(errors), "{name}");
    output
}

/// A scratch folder in the target directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `drift` with `args`; returns the exit code and standard output.
pub fn run_drift(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("drift")
        .args(args)
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    (code, String::from_utf8(output.stdout).unwrap())
}

/// Writes `spec` and `upstream` into a scratch folder `name` and runs `drift --format
/// json` on them (with `args` too); returns the exit code and the output.
pub fn drift_pair(name: &str, spec: &str, upstream: &str, args: &[&str]) -> (i32, Value) {
    let dir = scratch_dir(&format!("drift-{name}"));
    let (spec_path, upstream_path) = (dir.join("spec.yaml"), dir.join("upstream.yaml"));
    std::fs::write(&spec_path, spec).unwrap();
    std::fs::write(&upstream_path, upstream).unwrap();
    let mut all = vec![
        "--format",
        "json",
        "--spec",
        spec_path.to_str().unwrap(),
        "--upstream",
        upstream_path.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let (code, stdout) = run_drift(&all);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    (code, json)
}

/// (kind, level, spec pointer, upstream pointer) of each finding.
pub fn differences(output: &Value) -> Vec<(String, String, String, String)> {
    let text = |f: &Value, key: &str| f[key].as_str().unwrap_or("-").to_owned();
    output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                text(f, "kind"),
                text(f, "level"),
                text(f, "spec_pointer"),
                text(f, "upstream_pointer"),
            )
        })
        .collect()
}

/// Collects into `found` every example location under `value` in `document`, by a
/// plain walk (an independent second reader, not the command's): `example` keys outside
/// extensions and example values, and `examples` entries with a `value`, after `$ref`.
pub fn example_locations(
    document: &Value,
    value: &Value,
    pointer: &str,
    in_properties: bool,
    found: &mut BTreeSet<String>,
) {
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", escape(key));
                if in_properties {
                    example_locations(document, child, &child_pointer, false, found);
                } else if key.starts_with("x-") || key == "enum" || key == "default" {
                    continue;
                } else if key == "example" {
                    found.insert(child_pointer);
                } else if let (true, Some(examples)) = (key == "examples", child.as_object()) {
                    for (name, example) in examples {
                        let (mut at, mut example) =
                            (format!("{child_pointer}/{}", escape(name)), example);
                        while let Some(target) =
                            example["$ref"].as_str().and_then(|r| r.strip_prefix('#'))
                        {
                            at = target.to_owned();
                            example = document.pointer(target).unwrap();
                        }
                        if example.get("value").is_some() {
                            found.insert(format!("{at}/value"));
                        }
                    }
                } else {
                    example_locations(document, child, &child_pointer, key == "properties", found);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                example_locations(document, item, &format!("{pointer}/{index}"), false, found);
            }
        }
        _ => {}
    }
}
