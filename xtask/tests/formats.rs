//! The output formats: SARIF 2.1.0 for code scanning, GitHub Actions annotations, and
//! the summary line (errors, warnings, distinct examples, time).

mod common;

use common::{fixture, run};
use serde_json::Value;

#[test]
fn sarif_has_one_result_per_finding_with_file_line_and_rule() {
    let (code, stdout) = run(
        &["--format", "sarif"],
        &[&fixture("warnings_only"), &fixture("out_of_enum")],
    );
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let summary: Vec<(String, String, u64, String)> = results
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], r["ruleId"]);
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["level"].as_str().unwrap().to_owned(),
                location["region"]["startLine"].as_u64().unwrap(),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .nth(1)
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let expected = [
        ("invalid-example", "error", 25, "out_of_enum"),
        ("invalid-example", "error", 26, "out_of_enum"),
        ("no-example", "warning", 22, "warnings_only"),
        ("yaml-portability", "warning", 25, "warnings_only"),
    ];
    let expected: Vec<(String, String, u64, String)> = expected
        .iter()
        .map(|(r, l, n, f)| (r.to_string(), l.to_string(), *n, f.to_string()))
        .collect();
    assert_eq!(summary, expected);
    assert!(results[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("at /0/scopes/0: "));
}

#[test]
fn github_annotations_one_per_finding_then_the_summary() {
    let (code, stdout) = run(&["--format", "github"], &[&fixture("warnings_only")]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("::warning file="), "{}", lines[0]);
    assert!(lines[0].contains("warnings_only/openapi.yaml,line=22,title=no-example%3A response 400::the documented response has no example (used by list_things)"), "{}", lines[0]);
    assert!(
        lines[2].starts_with("ok: 0 errors, 2 warnings; 1 distinct example checked, 0 failed (")
    );
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let (code, _) = run(&["--format", "xml"], &[&fixture("clean")]);
    assert_eq!(code, 2);
}
