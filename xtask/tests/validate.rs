//! `cargo xtask validate` end to end on the shipped spec and on fixture specs with one
//! schema defect each (under `fixtures/`): its JSON output is compared with the exact
//! findings expected.

mod common;

use std::path::Path;
use std::process::Command;

use common::{example_locations, expect, findings, fixture, scratch_dir, validate};
use serde_json::Value;

#[test]
fn the_shipped_spec_and_its_example_files_are_valid() {
    let (code, output) = validate(&[]);
    assert_eq!(code, 0, "{output:#}");
    // Counted by a second reader: the examples a plain YAML walk finds in the document,
    // and the JSON example files beside it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi");
    let text = std::fs::read_to_string(root.join("flowpayroll.yaml")).unwrap();
    let document: Value = yaml_serde::from_str(&text).unwrap();
    let mut in_document = std::collections::BTreeSet::new();
    example_locations(&document, &document, "", false, &mut in_document);
    let files = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().extension() == Some("json".as_ref()))
        .count();
    assert!(
        in_document.len() >= 20 && files >= 17,
        "{in_document:?}, {files} files"
    );
    assert_eq!(
        output["summary"]["examples_checked"],
        (in_document.len() + files) as u64,
        "{output:#}"
    );
    assert_eq!(output["summary"]["warnings"], 0, "{output:#}");
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
        &[(23, "error", "/0/valid", r#""yes" is not of type "boolean""#)],
    );
}

#[test]
fn missing_required_property() {
    expect(
        "missing_required",
        &[(48, "error", "", r#""name" is a required property"#)],
    );
}

#[test]
fn value_outside_the_enum() {
    let output = expect(
        "out_of_enum",
        &[
            (
                25,
                "error",
                "/0/scopes/0",
                r#""/2023-03-01/payroll/employees" is not one of ["/2023-03-01/official/company","/2023-03-01/xhr/employees"]"#,
            ),
            (
                26,
                "error",
                "/0/scopes/1",
                r#""/2023-03-01/payroll/identity" is not one of ["/2023-03-01/official/company","/2023-03-01/xhr/employees"]"#,
            ),
        ],
    );
    assert_eq!(
        output["findings"][0]["schema_rule"],
        "/components/schemas/Scope/enum"
    );
    assert_eq!(output["findings"][0]["operations"][0], "list_things");
    assert_eq!(output["findings"][0]["example"], "one");
}

#[test]
fn extra_property_with_additional_properties_false() {
    expect(
        "extra_property",
        &[(
            48,
            "error",
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
        &[(22, "error", "/0/name", r#"null is not of type "string""#)],
    );
}

#[test]
fn bad_date_time() {
    expect(
        "bad_date_time",
        &[(
            24,
            "error",
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
            "error",
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
            "error".to_owned(),
            "-".to_owned(),
            "maps to no documented delete_thing 204 application/json".to_owned()
        )]
    );
    assert!(output["findings"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("delete_thing.204.gone.application_json.json"));
    // The file that does map was validated too (3 examples in the spec, 1 file).
    assert_eq!(output["summary"]["examples_checked"], 4);
}

#[test]
fn documented_status_without_example() {
    expect(
        "status_without_example",
        &[(56, "warning", "-", "the documented response has no example")],
    );
}

#[test]
fn yaml_duplicate_keys_and_retyped_scalars() {
    expect(
        "yaml_hygiene",
        &[
            (
                4,
                "warning",
                "-",
                "plain `on` is a string in YAML 1.2 but a boolean to YAML 1.1 parsers; quote it",
            ),
            (
                5,
                "warning",
                "-",
                "duplicate key `title`: YAML parsers disagree on which value wins (this tool keeps the last)",
            ),
        ],
    );
}

#[test]
fn an_unresolved_ref_is_an_error_and_the_rest_is_still_checked() {
    let output = expect(
        "unresolved_ref",
        &[(
            75,
            "error",
            "-",
            "`$ref: #/components/schemas/Scopes` resolves to nothing in this document",
        )],
    );
    assert_eq!(output["findings"][0]["rule"], "unresolved-ref");
    assert_eq!(output["summary"]["examples_checked"], 3);
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
        r#"openapi.yaml:25: error[invalid-example] response 200 application/json  example one  at /0/scopes/0: "/2023-03-01/payroll/employees" is not one of ["/2023-03-01/official/company","/2023-03-01/xhr/employees"] [schema /components/schemas/Scope/enum] (used by list_things)"#
    ), "{first}");
    assert!(!text.contains('\x1b'), "no colour when not on a terminal");
    assert_eq!(
        text.lines().last().unwrap().split(" (").next().unwrap(),
        "FAILED: 2 errors, 0 warnings; 3 distinct examples checked, 1 failed"
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
        .filter(|f| f["operations"][0] == "list_tokens")
        .collect();
    assert_eq!(scope_findings.len(), 4, "{output:#}");
    let first = scope_findings[0];
    assert_eq!(first["instance_path"], "/0/scopes/0");
    assert_eq!(first["schema_rule"], "/components/schemas/Scope/enum");
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

/// A generated spec with 1,000 examples (`cargo xtask generate-spec 1000`): all are
/// checked and pass. (Its timing is measured by `xtask/bench/compare.sh`, not here.)
#[test]
fn a_thousand_generated_examples_are_checked() {
    let spec = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate-spec", "1000"])
        .output()
        .unwrap();
    assert!(spec.status.success());
    let dir = scratch_dir("thousand");
    std::fs::write(dir.join("openapi.yaml"), spec.stdout).unwrap();
    let (code, output) = validate(&[&dir]);
    assert_eq!(code, 0, "{output:#}");
    assert_eq!(output["summary"]["examples_checked"], 1000);
    assert_eq!(output["summary"]["warnings"], 0);
}

/// Two operations with the same inline schema share one compiled validator; each
/// finding still names its own operation's schema.
#[test]
fn identical_inline_schemas_report_their_own_locations() {
    let mut spec = String::from("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n");
    for path in ["a", "b"] {
        spec.push_str(&format!(
            "  /{path}:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: array}}\n              example: not a list\n"
        ));
    }
    let dir = scratch_dir("shared-validator");
    std::fs::write(dir.join("openapi.yaml"), spec).unwrap();
    let (code, output) = validate(&[&dir.join("openapi.yaml")]);
    assert_eq!(code, 1);
    let rules: Vec<&str> = output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["schema_rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "/paths/~1a/get/responses/200/content/application~1json/schema/type",
            "/paths/~1b/get/responses/200/content/application~1json/schema/type"
        ]
    );
}
