//! `cargo xtask validate` end to end: the binary is run on fixture specs (one defect
//! each, under `fixtures/`) and on the shipped spec, and its JSON output is compared
//! with the exact findings expected.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs `validate --format json` on `paths`; returns the exit code and the output.
fn validate(paths: &[&Path]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("validate")
        .args(["--format", "json"])
        .args(paths)
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&output.stderr).into_owned()));
    (code, json)
}

/// (line, instance path, message) of each finding.
fn findings(output: &Value) -> Vec<(u64, String, String)> {
    output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["instance_path"].as_str().unwrap_or("-").to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn expect(name: &str, expected: &[(u64, &str, &str)]) -> Value {
    let (code, output) = validate(&[&fixture(name)]);
    let found = findings(&output);
    let wanted: Vec<(u64, String, String)> = expected
        .iter()
        .map(|(l, p, m)| (*l, p.to_string(), m.to_string()))
        .collect();
    assert_eq!(found, wanted, "{name}: {output:#}");
    assert_eq!(code, i32::from(!expected.is_empty()), "{name}");
    output
}

#[test]
fn the_shipped_spec_and_its_example_files_are_valid() {
    let (code, output) = validate(&[]);
    assert_eq!(code, 0, "{output:#}");
    assert!(
        output["summary"]["examples_checked"].as_u64().unwrap() >= 60,
        "{output:#}"
    );
}

#[test]
fn a_clean_spec_has_no_findings() {
    let output = expect("clean", &[]);
    assert_eq!(output["summary"]["examples_checked"], 3);
}

#[test]
fn wrong_type() {
    expect(
        "wrong_type",
        &[(23, "/0/valid", r#""yes" is not of type "boolean""#)],
    );
}

#[test]
fn missing_required_property() {
    expect(
        "missing_required",
        &[(49, "", r#""name" is a required property"#)],
    );
}

#[test]
fn value_outside_the_enum() {
    let output = expect(
        "out_of_enum",
        &[
            (
                25,
                "/0/scopes/0",
                r#""/2023-03-01/payroll/employees" is not one of ["/2023-03-01/official/company","/2023-03-01/xhr/employees"]"#,
            ),
            (
                26,
                "/0/scopes/1",
                r#""/2023-03-01/payroll/identity" is not one of ["/2023-03-01/official/company","/2023-03-01/xhr/employees"]"#,
            ),
        ],
    );
    assert_eq!(
        output["findings"][0]["rule"],
        "/components/schemas/Scope/enum"
    );
    assert_eq!(output["findings"][0]["operation"], "list_things");
    assert_eq!(output["findings"][0]["example"], "one");
}

#[test]
fn extra_property_with_additional_properties_false() {
    expect(
        "extra_property",
        &[(
            49,
            "",
            "Additional properties are not allowed ('colour' was unexpected)",
        )],
    );
}

#[test]
fn null_is_refused_without_nullable_and_accepted_with_it() {
    // The example also has `note: null`, which is nullable: only `name` is reported.
    expect(
        "null_not_nullable",
        &[(22, "/0/name", r#"null is not of type "string""#)],
    );
}

#[test]
fn bad_date_time() {
    expect(
        "bad_date_time",
        &[(
            24,
            "/0/created_at",
            r#""2023-08-09 08:09:40" is not a "date-time""#,
        )],
    );
}

#[test]
fn read_only_property_in_a_request_example() {
    // The response examples omit nothing; the request example sends the readOnly `id`.
    // A request example without `id` is not told that `id` is required.
    expect(
        "read_only_in_request",
        &[(
            38,
            "/id",
            "`id` is readOnly: it is sent by the server and must not appear in a request",
        )],
    );
    expect("clean", &[]);
}

#[test]
fn orphan_example_file() {
    let (code, output) = validate(&[&fixture("orphan_example_file")]);
    assert_eq!(code, 1);
    let found = findings(&output);
    assert_eq!(
        found,
        vec![(
            1,
            "-".to_owned(),
            "maps to no documented delete_thing 204 application/json".to_owned()
        )]
    );
    assert!(output["findings"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("delete_thing.204.gone.application_json.json"));
    // The file that does map was validated too.
    assert_eq!(output["summary"]["examples_checked"], 4);
}

#[test]
fn documented_status_without_example() {
    expect(
        "status_without_example",
        &[(57, "-", "the documented status has no example")],
    );
}

#[test]
fn yaml_duplicate_keys_and_retyped_scalars() {
    expect(
        "yaml_hygiene",
        &[
            (
                4,
                "-",
                "plain `on` is a boolean to YAML 1.1 parsers; quote it",
            ),
            (
                5,
                "-",
                "duplicate key `title` (YAML parsers disagree on which value wins)",
            ),
        ],
    );
}

#[test]
fn an_unresolved_ref_means_the_spec_cannot_be_read() {
    let (code, output) = validate(&[&fixture("unresolved_ref")]);
    assert_eq!(code, 2);
    let message = output.as_str().unwrap();
    assert!(
        message.contains("openapi.yaml:75: `$ref: #/components/schemas/Scopes` does not resolve"),
        "{message}"
    );
}

#[test]
fn the_text_format_is_one_line_per_finding() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["validate"])
        .arg(fixture("out_of_enum"))
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.ends_with(
        r#"openapi.yaml:25  list_things 200 application/json  example one  at /0/scopes/0: "/2023-03-01/payroll/employees" is not one of ["/2023-03-01/official/company","/2023-03-01/xhr/employees"] [rule /components/schemas/Scope/enum]"#
    ), "{first}");
    assert!(!text.contains('\x1b'), "no colour when not on a terminal");
    assert_eq!(
        text.lines().last().unwrap().split(" (").next().unwrap(),
        "FAILED: 3 examples checked, 2 passed, 1 failed; 2 findings"
    );
}

/// The shipped spec with the `tokens` page's documented list of scopes as a closed
/// `enum`: its own 200 example must fail at `/0/scopes/0`, naming the allowed values.
#[test]
fn the_seed_example_breaks_the_documented_scope_enum() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = std::fs::read_to_string(root.join("openapi/flowpayroll.yaml")).unwrap();
    let start = spec.find("    Scope:\n").unwrap();
    let at = start + spec[start..].find("x-extensible-enum:").unwrap();
    let closed = format!(
        "{}enum:{}",
        &spec[..at],
        &spec[at + "x-extensible-enum:".len()..]
    );
    let dir = scratch_dir("seed-enum");
    std::fs::write(dir.join("openapi.yaml"), closed).unwrap();

    let (code, output) = validate(&[&dir.join("openapi.yaml")]);
    assert_eq!(code, 1);
    let scope_findings: Vec<&Value> = output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["operation"] == "list_tokens")
        .collect();
    assert_eq!(scope_findings.len(), 4, "{output:#}");
    let first = scope_findings[0];
    assert_eq!(first["instance_path"], "/0/scopes/0");
    assert_eq!(first["rule"], "/components/schemas/Scope/enum");
    let message = first["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            r#""/2023-03-01/payroll/employees" is not one of ["/2023-03-01/official/company","#
        ),
        "{message}"
    );
    assert!(
        message.contains("/2023-03-01/xhr/work-locations"),
        "{message}"
    );
}

/// A generated spec with 1,000 examples: all are checked and pass. (Its timing is
/// measured with the command itself, not asserted here.)
#[test]
fn a_thousand_examples_are_checked() {
    let dir = scratch_dir("thousand");
    std::fs::write(dir.join("openapi.yaml"), thousand_examples_spec()).unwrap();
    let (code, output) = validate(&[&dir]);
    assert_eq!(code, 0, "{output:#}");
    assert_eq!(output["summary"]["examples_checked"], 1000);
}

/// 100 operations, each with 10 named examples of a list of objects.
pub fn thousand_examples_spec() -> String {
    let mut spec =
        String::from("openapi: 3.0.3\ninfo:\n  title: Generated\n  version: \"1\"\npaths:\n");
    for operation in 0..100 {
        spec.push_str(&format!(
            "  /items/{operation}:\n    get:\n      operationId: list_items_{operation}\n      responses:\n        '200':\n          description: Items.\n          content:\n            application/json:\n              schema:\n                type: array\n                items:\n                  $ref: '#/components/schemas/Item'\n              examples:\n"
        ));
        for example in 0..10 {
            spec.push_str(&format!(
                "                e{example}:\n                  value:\n                    - id: {operation}-{example}\n                      kind: small\n                      count: {example}\n                      created_at: '2024-01-0{}T10:00:00Z'\n                      tags: [a, b]\n",
                example % 9 + 1
            ));
        }
    }
    spec.push_str("components:\n  schemas:\n    Item:\n      type: object\n      required: [id, kind, count]\n      properties:\n        id:\n          type: string\n        kind:\n          type: string\n          enum: [small, large]\n        count:\n          type: integer\n          format: int32\n        created_at:\n          type: string\n          format: date-time\n        tags:\n          type: array\n          items:\n            type: string\n");
    spec
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
