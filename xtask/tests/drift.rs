//! `cargo xtask drift` on small hand-made document pairs: one pair per kind of change,
//! each asserting the finding, its level and both pointers.

mod common;

use common::{differences, drift_pair};

/// A document with one operation, `POST /things/{id}`: its request body schema `request`,
/// its 200 response schema `response` (both JSON, inline), and `extra` appended to the
/// operation (parameters, security, more responses: YAML at the operation's indentation).
fn doc(request: &str, response: &str, extra: &str) -> String {
    format!(
        "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /things/{{id}}:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {request}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {response}
{extra}"
    )
}

const REQ: &str = "/paths/~1things~1{id}/post/requestBody/content/application~1json/schema";
const RESP: &str = "/paths/~1things~1{id}/post/responses/200/content/application~1json/schema";
const OP: &str = "/paths/~1things~1{id}/post";

/// Compares `spec` with `upstream` and asserts the one difference found:
/// (kind, level, spec pointer, upstream pointer).
fn one(name: &str, spec: &str, upstream: &str, expected: (&str, &str, &str, &str)) {
    let (code, output) = drift_pair(name, spec, upstream, &[]);
    let (kind, level, sp, up) = expected;
    let wanted = vec![(kind.into(), level.into(), sp.into(), up.into())];
    assert_eq!(differences(&output), wanted, "{name}: {output:#}");
    assert_eq!(code, 1, "{name}: an undecided difference fails");
}

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

#[test]
fn parameters_added_required_or_undocumented() {
    let query = |required: bool| {
        format!("      parameters:\n        - {{name: q, in: query, required: {required}, schema: {{type: string}}}}\n")
    };
    let (plain, required, optional) = (
        doc("{}", "{}", ""),
        doc("{}", "{}", &query(true)),
        doc("{}", "{}", &query(false)),
    );
    let param = format!("{OP}/parameters/0");
    one(
        "param-required",
        &plain,
        &required,
        (
            "parameter-added",
            "breaking",
            &format!("{OP}/parameters"),
            &param,
        ),
    );
    one(
        "param-optional",
        &plain,
        &optional,
        (
            "parameter-added",
            "information",
            &format!("{OP}/parameters"),
            &param,
        ),
    );
    one(
        "param-now-required",
        &optional,
        &required,
        (
            "now-required",
            "breaking",
            &format!("{param}/required"),
            &format!("{param}/required"),
        ),
    );
    one(
        "param-undocumented",
        &optional,
        &plain,
        (
            "parameter-missing-upstream",
            "attention",
            &param,
            &format!("{OP}/parameters"),
        ),
    );
}

#[test]
fn request_bodies_and_media_types() {
    let no_body = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /things/{id}:\n    post:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {}\n";
    let body = format!("{OP}/requestBody");
    one(
        "body-added",
        no_body,
        &doc("{}", "{}", ""),
        ("request-body-added", "breaking", &body, &body),
    );
    one(
        "body-missing",
        &doc("{}", "{}", ""),
        no_body,
        ("request-body-missing-upstream", "attention", &body, &body),
    );
    let xml = doc("{}", "{}", "").replace(
        "application/json:\n            schema: {}\n      responses",
        "application/xml:\n            schema: {}\n      responses",
    );
    let (json_media, xml_media) = (
        format!("{body}/content/application~1json"),
        format!("{body}/content/application~1xml"),
    );
    let (_, output) = drift_pair("media-request", &doc("{}", "{}", ""), &xml, &[]);
    assert_eq!(
        differences(&output),
        vec![
            (
                "media-type-missing-upstream".into(),
                "breaking".into(),
                json_media.clone(),
                json_media
            ),
            (
                "media-type-added".into(),
                "information".into(),
                xml_media.clone(),
                xml_media
            ),
        ]
    );
}

#[test]
fn statuses_headers_and_security() {
    let status = "        '404':\n          description: missing\n";
    let at = format!("{OP}/responses/404");
    one(
        "status-added",
        &doc("{}", "{}", ""),
        &doc("{}", "{}", status),
        ("status-added", "attention", &at, &at),
    );
    one(
        "status-removed",
        &doc("{}", "{}", status),
        &doc("{}", "{}", ""),
        ("status-missing-upstream", "information", &at, &at),
    );
    let header = |name: &str| {
        doc("{}", "{}", "").replace("          description: ok\n", &format!("          description: ok\n          headers:\n            {name}:\n              schema: {{type: integer}}\n"))
    };
    let h = format!("{OP}/responses/200/headers/Retry-After");
    one(
        "header-missing",
        &header("Retry-After"),
        &doc("{}", "{}", ""),
        ("header-missing-upstream", "attention", &h, &h),
    );
    one(
        "header-added",
        &doc("{}", "{}", ""),
        &header("Retry-After"),
        ("header-added", "information", &h, &h),
    );
    let secured = |name: &str| {
        format!("{}components:\n  securitySchemes:\n    key:\n      type: apiKey\n      in: header\n      name: {name}\nsecurity:\n  - key: []\n", doc("{}", "{}", ""))
    };
    let scheme = "/components/securitySchemes/key";
    one(
        "security",
        &secured("X-Token"),
        &secured("Authorization"),
        ("security-changed", "breaking", scheme, scheme),
    );
    one(
        "security-added",
        &doc("{}", "{}", ""),
        &secured("X-Token"),
        ("security-changed", "breaking", OP, OP),
    );
}
