//! `cargo xtask drift` on small hand-made document pairs, operation level: parameters,
//! request bodies, media types, statuses, response headers and security.

mod common;

use common::pairs::{doc, one, OP};
use common::{differences, drift_pair};

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
