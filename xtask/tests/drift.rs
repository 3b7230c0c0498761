//! `cargo xtask drift` on small hand-made document pairs: one pair per kind of change,
//! each asserting the finding, its level and both pointers.

mod common;

use common::pairs::{doc, one, REQ, RESP};
use common::{differences, drift_pair};

fn schema_case(name: &str, side: &str, ours: &str, theirs: &str, expected: (&str, &str, &str)) {
    let base = if side == "request" { REQ } else { RESP };
    let (spec, upstream) = if side == "request" {
        (doc(ours, "{}", ""), doc(theirs, "{}", ""))
    } else {
        (doc("{}", ours, ""), doc("{}", theirs, ""))
    };
    let (kind, level, at) = expected;
    one(
        name,
        &spec,
        &upstream,
        (kind, level, &format!("{base}{at}"), &format!("{base}{at}")),
    );
}

#[test]
fn a_document_and_its_copy_do_not_differ() {
    let spec = doc(r#"{"type": "object"}"#, r#"{"type": "string"}"#, "");
    let (code, output) = drift_pair("same", &spec, &spec, &[]);
    assert_eq!(code, 0);
    assert_eq!(output["findings"], serde_json::json!([]));
    assert_eq!(output["compared"], serde_json::json!(["POST /things/{id}"]));
}

#[test]
fn types_and_formats() {
    let (s, i) = (r#"{"type": "string"}"#, r#"{"type": "integer"}"#);
    schema_case(
        "type-request",
        "request",
        s,
        i,
        ("type-changed", "breaking", "/type"),
    );
    schema_case(
        "type-response",
        "response",
        s,
        i,
        ("type-changed", "breaking", "/type"),
    );
    let (plain, date) = (
        r#"{"type": "string"}"#,
        r#"{"type": "string", "format": "date"}"#,
    );
    // Upstream demands a format the client does not: a risk for requests only.
    schema_case(
        "format-request",
        "request",
        plain,
        date,
        ("format-changed", "attention", "/format"),
    );
    schema_case(
        "format-response",
        "response",
        plain,
        date,
        ("format-changed", "information", "/format"),
    );
    schema_case(
        "format-response-spec",
        "response",
        date,
        plain,
        ("format-changed", "attention", "/format"),
    );
}

#[test]
fn enums_narrowed_and_widened() {
    let (ab, abc) = (r#"{"enum": ["a", "b"]}"#, r#"{"enum": ["a", "b", "c"]}"#);
    schema_case(
        "enum-widened-response",
        "response",
        ab,
        abc,
        ("enum-widened", "breaking", "/enum"),
    );
    schema_case(
        "enum-widened-request",
        "request",
        ab,
        abc,
        ("enum-widened", "information", "/enum"),
    );
    schema_case(
        "enum-narrowed-request",
        "request",
        abc,
        ab,
        ("enum-narrowed", "breaking", "/enum"),
    );
    schema_case(
        "enum-narrowed-response",
        "response",
        abc,
        ab,
        ("enum-narrowed", "information", "/enum"),
    );
}

#[test]
fn an_open_enum_is_the_open_form_of_enum() {
    // A superset written as `x-extensible-enum` is not drift.
    let open = r#"{"type": "string", "x-extensible-enum": ["a", "b", "c"]}"#;
    let closed = r#"{"type": "string", "enum": ["a", "b"]}"#;
    let (code, output) = drift_pair(
        "open-superset",
        &doc("{}", open, ""),
        &doc("{}", closed, ""),
        &[],
    );
    assert_eq!(
        differences(&output),
        vec![(
            "enum-narrowed".into(),
            "information".into(),
            format!("{RESP}/x-extensible-enum"),
            format!("{RESP}/enum")
        )]
    );
    assert_eq!(code, 1);
    // A value upstream adds is news for an open enum, not a break.
    let upstream = r#"{"type": "string", "enum": ["a", "b", "c", "d"]}"#;
    let (_, output) = drift_pair(
        "open-widened",
        &doc("{}", open, ""),
        &doc("{}", upstream, ""),
        &[],
    );
    assert_eq!(
        differences(&output),
        vec![(
            "enum-widened".into(),
            "information".into(),
            format!("{RESP}/x-extensible-enum"),
            format!("{RESP}/enum")
        )]
    );
}

#[test]
fn constraints_tightened_and_loosened() {
    let (loose, tight) = (
        r#"{"type": "string", "maxLength": 10}"#,
        r#"{"type": "string", "maxLength": 5}"#,
    );
    schema_case(
        "tight-request",
        "request",
        loose,
        tight,
        ("constraint-tightened", "breaking", "/maxLength"),
    );
    schema_case(
        "tight-response",
        "response",
        loose,
        tight,
        ("constraint-tightened", "information", "/maxLength"),
    );
    let (none, min) = (
        r#"{"type": "integer"}"#,
        r#"{"type": "integer", "minimum": 0}"#,
    );
    schema_case(
        "loose-response",
        "response",
        min,
        none,
        ("constraint-loosened", "attention", "/minimum"),
    );
    schema_case(
        "pattern-request",
        "request",
        none,
        r#"{"type": "integer", "pattern": "x"}"#,
        ("constraint-tightened", "breaking", "/pattern"),
    );
}

#[test]
fn fields_removed_made_optional_or_required() {
    let a = r#"{"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}"#;
    let a_optional = r#"{"type": "object", "properties": {"a": {"type": "string"}}}"#;
    let empty = r#"{"type": "object"}"#;
    schema_case(
        "removed-response",
        "response",
        a,
        empty,
        ("property-missing-upstream", "breaking", "/properties/a"),
    );
    schema_case(
        "removed-optional-response",
        "response",
        a_optional,
        empty,
        ("property-missing-upstream", "attention", "/properties/a"),
    );
    schema_case(
        "optional-response",
        "response",
        a,
        a_optional,
        ("property-now-optional", "breaking", "/properties/a"),
    );
    schema_case(
        "required-request",
        "request",
        a_optional,
        a,
        ("property-now-required", "breaking", "/properties/a"),
    );
    schema_case(
        "new-required-field",
        "request",
        empty,
        a,
        ("property-added", "breaking", "/properties/a"),
    );
    schema_case(
        "new-response-field",
        "response",
        empty,
        a_optional,
        ("property-added", "information", "/properties/a"),
    );
}

#[test]
fn nullable_added_and_removed() {
    let (plain, nullable) = (
        r#"{"type": "string"}"#,
        r#"{"type": "string", "nullable": true}"#,
    );
    schema_case(
        "nullable-response",
        "response",
        plain,
        nullable,
        ("nullable-added", "breaking", "/nullable"),
    );
    schema_case(
        "nullable-request",
        "request",
        plain,
        nullable,
        ("nullable-added", "information", "/nullable"),
    );
    schema_case(
        "nullable-removed-request",
        "request",
        nullable,
        plain,
        ("nullable-removed", "attention", "/nullable"),
    );
}

#[test]
fn compositions_differ() {
    let one_of = r#"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"#;
    schema_case(
        "composition",
        "response",
        r#"{"oneOf": [{"type": "string"}]}"#,
        one_of,
        ("composition-changed", "attention", "/oneOf"),
    );
}
