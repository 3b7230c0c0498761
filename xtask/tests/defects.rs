//! One fixture per class of defect that real-world documents exposed (issue 8): each
//! is a small document with the construct, and the exact findings it must give.

mod common;

use common::{expect, fixture, run, validate};

/// Class 1: pointers with `{id}`, a media type with parameters, a property name with a
/// space, `%` and brackets are all usable as schema locations.
#[test]
fn locations_that_are_not_uri_safe_are_checked() {
    let output = expect(
        "uri_unsafe_locations",
        &[
            (25, "error", "", r#"7 is not of type "string""#),
            (
                30,
                "error",
                "/100% [sure]",
                r#""maybe" is not of type "boolean""#,
            ),
        ],
    );
    assert_eq!(
        output["findings"][1]["schema_rule"],
        "/paths/~1things~1{id}/get/responses/200/content/application~1json; charset=utf-8/schema/properties/100% [sure]/type"
    );
    assert_eq!(output["summary"]["examples_checked"], 2);
}

/// Class 2: an unresolved `$ref` in an unused schema, a media type without `schema`,
/// `required: true` on a property, a non-string `description` and `content: {$ref}` (a
/// warning; followed, so the example behind it is checked) are findings at their lines.
#[test]
fn one_problem_does_not_stop_the_rest() {
    let output = expect(
        "one_problem_does_not_stop_the_rest",
        &[
            (9, "error", "-", "`description` must be a string"),
            (20, "error", "-", "`required` must list property names; `required: true` on a property is Swagger 2 style and is ignored (list the name in the parent's `required`)"),
            (22, "error", "/name", r#"5 is not of type "string""#),
            (24, "warning", "-", "there is no `schema` to check this example against"),
            (29, "warning", "-", "`content` is a `$ref` to `#/components/requestBodies/Thing/content`: OpenAPI 3.0 allows `$ref` only where a Reference Object may stand, and `content` must be a map of Media Type objects; followed here (as Redocly does), but other tools may ignore what it refers to"),
            (39, "error", "-", "`$ref: #/components/schemas/Missing` resolves to nothing in this document"),
            (46, "error", "", r#"7 is not of type "string""#),
        ],
    );
    // Three examples in the file (lines 21, 24, 46); the one without a schema is not
    // checked; the one behind the `content` `$ref` is, and reaches `create_thing`.
    assert_eq!(output["summary"]["examples_visited"], 3);
    assert_eq!(output["summary"]["examples_checked"], 2);
    assert_eq!(output["summary"]["examples_failed"], 2);
    assert_eq!(
        output["findings"][6]["operations"],
        serde_json::json!(["create_thing"])
    );
}

/// Class 2, the other side: only a file that is not YAML/JSON or not OpenAPI 3.0.x
/// exits 2, and `--format json` still prints JSON saying why.
#[test]
fn only_an_unreadable_file_exits_2_and_json_says_why() {
    for (file, why) in [
        ("broken.yaml", "line 3, column 1: not YAML or JSON"),
        (
            "swagger2.yaml",
            "is Swagger 2; this command reads OpenAPI 3.0.x",
        ),
    ] {
        let (code, output) = validate(&[&fixture("not_openapi").join(file)]);
        assert_eq!(code, 2, "{file}");
        let message = output["unreadable"][0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{message}");
        assert_eq!(output["summary"]["examples_checked"], 0);
    }
    // The readable document given with them is still checked.
    let (code, output) = validate(&[
        &fixture("not_openapi").join("broken.yaml"),
        &fixture("clean").join("openapi.yaml"),
    ]);
    assert_eq!(code, 2);
    assert_eq!(output["summary"]["examples_checked"], 3);
}

/// Class 3: `parameters[].schema.example`, parameters and headers with `content`, and
/// examples brought in by a YAML merge key are checked; an unused component example
/// is a finding saying why it is not.
#[test]
fn examples_in_every_place_are_visited() {
    let output = expect(
        "unvisited_places",
        &[
            (26, "error", "", r#""ten" is not of type "integer""#),
            (34, "error", "", r#""field" is a required property"#),
            (37, "error", "/count", r#""many" is not of type "integer""#),
            (45, "error", "", r#""fast" is not of type "integer""#),
            (48, "warning", "-", "example `Orphan` is not used by any media type, parameter or header, so it has no schema to be checked against"),
        ],
    );
    assert_eq!(output["summary"]["examples_checked"], 4);
    assert_eq!(output["findings"][3]["what"], "header X-Rate text/plain");
}

/// Class 4: a readOnly property's own example is valid; `nullable` does not add `null`
/// to an `enum`; `format: date` needs a real day; `nullable` beside `$ref` is named.
#[test]
fn openapi_3_0_semantics() {
    let output = expect(
        "openapi_3_0_semantics",
        &[
            (16, "error", "/colour", r#"null is not one of ["red","blue"]"#),
            (17, "error", "/born", r#""2023-02-30" is not a "date""#),
            (18, "error", "/parent", r#"null is not of type "object" (`nullable: true` beside the `$ref` at /components/schemas/Thing/properties/parent is ignored in OpenAPI 3.0; wrap the `$ref` in `allOf` to allow null)"#),
            (42, "warning", "-", "`nullable: true` beside `$ref` is ignored in OpenAPI 3.0 (siblings of `$ref` are); to allow null, write `nullable: true` with `allOf: [{$ref: …}]`"),
        ],
    );
    // The request example and the readOnly `id`'s own example (valid).
    assert_eq!(output["summary"]["examples_checked"], 2);
    assert_eq!(output["summary"]["examples_failed"], 1);
}

/// Class 5: YAML 1.2 reads `090` and `007` as integers (so a string schema rejects
/// `090`); both get a portability warning worded for what each version reads.
#[test]
fn yaml_1_2_scalars() {
    expect(
        "yaml_1_2",
        &[
            (22, "warning", "-", r#"plain `090` is the integer 90 in YAML 1.2 but the string "090" to YAML 1.1 parsers (8 and 9 are not octal digits); write 90, or quote it if it is a string"#),
            (22, "error", "/postcode", r#"90 is not of type "string""#),
            (23, "warning", "-", "plain `007` is the integer 7 in YAML 1.2 and octal 7 to YAML 1.1 parsers; write 7 or quote it"),
        ],
    );
}

/// Class 6: a shared example used by three operations is one finding naming them; a
/// schema example reached by all three is counted once.
#[test]
fn a_shared_example_is_reported_once_with_its_operations() {
    let output = expect(
        "shared_example_reported_once",
        &[(33, "error", "/code", r#"404 is not of type "string""#)],
    );
    assert_eq!(
        output["findings"][0]["operations"],
        serde_json::json!(["get_a", "get_b", "get_c"])
    );
    assert_eq!(output["summary"]["examples_checked"], 2);
}

/// Class 6: policy and YAML findings are warnings: exit 0, unless `--deny-warnings`.
#[test]
fn warnings_fail_only_when_denied() {
    expect(
        "warnings_only",
        &[
            (22, "warning", "-", "the documented response has no example"),
            (
                25,
                "warning",
                "-",
                "plain `on` is a string in YAML 1.2 but a boolean to YAML 1.1 parsers; quote it",
            ),
        ],
    );
    let (code, text) = run(&["--deny-warnings"], &[&fixture("warnings_only")]);
    assert_eq!(code, 1, "{text}");
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with("FAILED: 0 errors, 2 warnings; 1 distinct example checked, 0 failed ("));
}

/// Class 7: a failed `oneOf` says per branch what failed first, and never prints the
/// (4,800-character) example.
#[test]
fn a_failed_one_of_names_each_branch() {
    let output = expect(
        "failed_branches",
        &[(
            16,
            "error",
            "",
            r#"matches no branch of oneOf: [0] at /lives: "nine" is not of type "integer"; [1] at /: "barks" is a required property"#,
        )],
    );
    let (_, text) = run(&[], &[&fixture("failed_branches")]);
    assert!(text.lines().all(|line| line.len() < 400), "{text}");
    assert!(!text.contains("xxxxxxxx"), "{text}");
    assert_eq!(
        output["findings"][0]["schema_rule"],
        "/paths/~1pets/post/requestBody/content/application~1json/schema/oneOf"
    );
}
