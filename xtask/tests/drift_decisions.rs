//! `cargo xtask drift`: decisions (acknowledged, stale), matching (path templates,
//! prefixes, hand-only operations), output formats and exit codes, and the real
//! vendored upstream document against the shipped spec.

mod common;

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

use common::pairs::{doc, RESP};
use common::{differences, drift_pair, run_drift};

const DECISIONS: &str = "  x-flowpayroll-decisions:
    - topic: strings
      decision: kept
      reason: because
      covers:
        - /paths/~1things~1{id}/post/responses/200/content/application~1json/schema/type
        - /components/schemas/Gone
";

#[test]
fn decisions_acknowledge_their_differences_and_stale_ones_are_reported() {
    let (string, integer) = (r#"{"type": "string"}"#, r#"{"type": "integer"}"#);
    let spec = doc("{}", string, "").replace(
        "info: {title: t, version: '1'}\n",
        &format!("info:\n  title: t\n  version: '1'\n{DECISIONS}"),
    );
    let (code, output) = drift_pair("decided", &spec, &doc("{}", integer, ""), &[]);
    assert_eq!(output["findings"][0]["decided_by"], "topic `strings`");
    assert_eq!(output["summary"]["undecided"], 0);
    // The second entry covers nothing: stale, which fails `--fail-on any`...
    assert_eq!(output["stale"][0]["covers"], "/components/schemas/Gone");
    assert_eq!(
        output["stale"][0]["pointer"],
        "/info/x-flowpayroll-decisions/0/covers/1"
    );
    assert_eq!(output["stale"][0]["line"], 11);
    assert_eq!(code, 1);
    // ...and not `--fail-on breaking`.
    let (code, _) = drift_pair(
        "decided",
        &spec,
        &doc("{}", integer, ""),
        &["--fail-on", "breaking"],
    );
    assert_eq!(code, 0);
    // Without the difference, the first entry is stale too.
    let (_, output) = drift_pair("decided-gone", &spec, &doc("{}", string, ""), &[]);
    assert_eq!(output["stale"].as_array().unwrap().len(), 2);
}

#[test]
fn a_decision_on_a_node_acknowledges_the_differences_at_it() {
    let ours = r#"{"type": "boolean", "x-flowpayroll-decision": "kept open"}"#;
    let theirs = r#"{"type": "boolean", "enum": [true]}"#;
    let (code, output) = drift_pair("node", &doc("{}", ours, ""), &doc("{}", theirs, ""), &[]);
    assert_eq!(
        differences(&output),
        vec![(
            "enum-narrowed".into(),
            "information".into(),
            format!("{RESP}/enum"),
            format!("{RESP}/enum")
        )]
    );
    assert_eq!(
        output["findings"][0]["decided_by"],
        format!("x-flowpayroll-decision at {RESP}")
    );
    assert_eq!(code, 0);
}

#[test]
fn parameter_names_and_prefixes_do_not_matter_for_matching() {
    let spec = doc("{}", "{}", "").replace(
        "paths:\n",
        "  x-flowpayroll-upstream:\n    prefixes:\n      - {upstream: /v2/, spec: /}\n    hand-only: [post /mine]\npaths:\n  /mine:\n    post:\n      responses: {'200': {description: ok}}\n",
    );
    let spec = spec.replace(
        "info: {title: t, version: '1'}\n",
        "info:\n  title: t\n  version: '1'\n",
    );
    let upstream = doc("{}", "{}", "")
        .replace("/things/{id}:", "/v2/things/{thing_id}:")
        .replace("paths:\n", "paths:\n  /v2/other:\n    get:\n      responses: {'200': {description: ok}}\n  /v3/elsewhere:\n    get:\n      responses: {'200': {description: ok}}\n");
    let (code, output) = drift_pair("matching", &spec, &upstream, &[]);
    assert_eq!(output["findings"], serde_json::json!([]), "{output:#}");
    assert_eq!(output["compared"], serde_json::json!(["POST /things/{id}"]));
    assert_eq!(output["declared"], serde_json::json!(["POST /mine"]));
    // Under the mapped prefix but not in the spec: listed; outside it: not.
    assert_eq!(output["uncovered"], serde_json::json!(["GET /v2/other"]));
    assert_eq!(code, 0);
}

#[test]
fn formats_carry_fingerprints_lines_and_tables() {
    let (spec, upstream) = (
        doc("{}", r#"{"type": "string"}"#, ""),
        doc("{}", r#"{"type": "integer"}"#, ""),
    );
    let (_, first) = drift_pair("formats", &spec, &upstream, &[]);
    let fingerprint = first["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fingerprint.len(), 16);
    // The same difference on another line keeps its fingerprint.
    let moved = spec.replace("paths:\n", "tags: []\npaths:\n");
    let (_, second) = drift_pair("formats-moved", &moved, &upstream, &[]);
    assert_eq!(second["findings"][0]["fingerprint"], fingerprint.as_str());
    assert_ne!(second["findings"][0]["line"], first["findings"][0]["line"]);
    let line = first["findings"][0]["line"].as_u64().unwrap();
    let dir = common::scratch_dir("drift-formats");
    let (s, u) = (dir.join("spec.yaml"), dir.join("upstream.yaml"));
    let paths = [
        "--spec",
        s.to_str().unwrap(),
        "--upstream",
        u.to_str().unwrap(),
    ];
    let (code, github) = run_drift(&[&paths[..], &["--format", "github"]].concat());
    assert_eq!(code, 1);
    assert!(github.starts_with("::error file="), "{github}");
    assert!(
        github.contains(&format!(
            "spec.yaml,line={line},title=drift type-changed::response "
        )),
        "{github}"
    );
    let (_, markdown) = run_drift(&[&paths[..], &["--format", "markdown"]].concat());
    assert!(
        markdown.contains("| breaking | `type-changed` | response |"),
        "{markdown}"
    );
    let (_, text) = run_drift(&paths);
    assert!(
        text.contains(&format!(
            "spec.yaml:{line}: breaking[type-changed] response "
        )),
        "{text}"
    );
    assert!(
        text.contains("DRIFT: 1 differences (1 breaking, 0 attention, 0 information)"),
        "{text}"
    );
}

#[test]
fn only_an_unreadable_document_exits_2() {
    let (code, output) = drift_pair(
        "unreadable",
        "openapi: 3.0.3\npaths: [",
        &doc("{}", "{}", ""),
        &[],
    );
    assert_eq!(code, 2);
    assert!(output["unreadable"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not YAML or JSON"));
    let (code, output) = drift_pair("swagger", &doc("{}", "{}", ""), "swagger: '2.0'\n", &[]);
    assert_eq!(code, 2);
    assert!(output["unreadable"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("upstream.yaml"));
}

#[test]
fn help_prints_usage_and_exits_0() {
    for args in [
        &["--help"][..],
        &["validate", "--help"],
        &["drift", "--help"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains("Usage: cargo xtask"), "{args:?}: {text}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["drift", "--fail-on", "some"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

fn workspace(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

#[test]
fn the_vendored_upstream_is_the_recorded_one() {
    let bytes = std::fs::read(workspace("openapi/upstream/affix-openapi.yaml")).unwrap();
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let source = std::fs::read_to_string(workspace("openapi/upstream/SOURCE.md")).unwrap();
    assert!(
        source.contains(&format!("SHA-256: {hash}")),
        "recorded hash differs from {hash}"
    );
}

/// Against the real upstream document, the differences it reports today, each decided
/// in the spec (so `cargo xtask drift` is clean).
#[test]
fn the_spec_decides_every_difference_from_the_vendored_upstream() {
    let (code, stdout) = run_drift(&["--format", "json"]);
    let output: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(code, 0, "{output:#}");
    let mut found: Vec<(String, String, String)> = differences(&output)
        .into_iter()
        .map(|(k, l, s, _)| (k, l, s))
        .collect();
    found.dedup();
    // The pointers' common starts: management paths, component schemas.
    const M: &str = "/paths/~12023-03-01~1management~1";
    const C: &str = "/components/schemas/";
    // What the spec adds on purpose: the X-Auth-Token scheme, the guide's statuses on
    // every authenticated operation, and the client's rules (issue 22).
    let expected: [(&str, &str, &str); 30] = [
        (
            "security-changed",
            "breaking",
            "/components/securitySchemes/xAuthToken",
        ),
        (
            "constraint-loosened",
            "attention",
            "/components/headers/RetryAfter/schema/minimum",
        ),
        (
            "parameter-missing-upstream",
            "attention",
            "/components/parameters/UserId",
        ),
        (
            "constraint-loosened",
            "attention",
            &format!("{C}ClientSettings/properties/client_secret/maxItems"),
        ),
        (
            "constraint-loosened",
            "attention",
            &format!("{C}ClientSettings/properties/client_secret/minItems"),
        ),
        (
            "format-changed",
            "attention",
            &format!("{C}SecretString/format"),
        ),
        (
            "constraint-loosened",
            "attention",
            &format!("{C}SecretString/minLength"),
        ),
        (
            "constraint-loosened",
            "attention",
            &format!("{C}TokenType/pattern"),
        ),
        (
            "enum-widened",
            "information",
            &format!("{C}AuthenticationErrorCode/x-extensible-enum"),
        ),
        (
            "enum-narrowed",
            "information",
            &format!("{C}AuthenticationErrorCode/x-extensible-enum"),
        ),
        (
            "constraint-loosened",
            "information",
            &format!("{C}ClientUpdate/properties/client_secret/maxItems"),
        ),
        (
            "constraint-loosened",
            "information",
            &format!("{C}ClientUpdate/properties/client_secret/minItems"),
        ),
        (
            "enum-narrowed",
            "information",
            &format!("{C}Disconnection/properties/disconnected/enum"),
        ),
        (
            "format-changed",
            "information",
            &format!("{C}SecretString/format"),
        ),
        (
            "constraint-loosened",
            "information",
            &format!("{C}SecretString/minLength"),
        ),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}client/get/responses/403"),
        ),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}client/post/responses/403"),
        ),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}disconnect/post/responses/400"),
        ),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}disconnect/post/responses/401"),
        ),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}introspect/get/responses/401"),
        ),
        ("security-changed", "information", &format!("{M}token/post")),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}token/post/responses/401"),
        ),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}token/post/responses/403"),
        ),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}tokens/get/responses/401"),
        ),
        (
            "status-missing-upstream",
            "information",
            &format!("{M}tokens/get/responses/403"),
        ),
        ("security-changed", "information", "/paths/~1providers/get"),
        (
            "status-missing-upstream",
            "information",
            "/paths/~1providers/get/responses/400",
        ),
        (
            "status-missing-upstream",
            "information",
            "/paths/~1providers/get/responses/401",
        ),
        (
            "status-missing-upstream",
            "information",
            "/paths/~1providers/get/responses/403",
        ),
        (
            "status-missing-upstream",
            "information",
            "/paths/~1providers/get/responses/429",
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(k, l, s)| (k.to_string(), l.to_string(), s.to_string()))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(output["summary"]["differences"], 46);
    assert_eq!(output["summary"]["undecided"], 0);
    assert_eq!(output["stale"], serde_json::json!([]));
    assert_eq!(
        output["declared"],
        serde_json::json!(["POST /oauth2/token"])
    );
    assert_eq!(output["uncovered"], serde_json::json!([]));
    assert_eq!(output["compared"].as_array().unwrap().len(), 7);
}
