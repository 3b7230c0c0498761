//! SARIF 2.1.0 output: one result per finding, with its file, line and rule, so the
//! command drops into code scanning.

use serde_json::{json, Value};

use super::findings::{Rule, Severity};
use super::Outcome;

/// Every rule, in the order of their indexes in the log.
const RULES: [Rule; 7] = [
    Rule::InvalidExample,
    Rule::UnresolvedRef,
    Rule::Structure,
    Rule::NotChecked,
    Rule::NoExample,
    Rule::YamlPortability,
    Rule::RefNotAllowed,
];

/// The SARIF log of `outcome`.
pub fn log(outcome: &Outcome) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id(),
                "shortDescription": {"text": rule.description()},
                "defaultConfiguration": {"level": level(rule.severity())},
            })
        })
        .collect();
    let mut results: Vec<Value> = outcome
        .findings
        .iter()
        .map(|finding| {
            let rule = finding.rule.unwrap_or(Rule::Structure);
            let mut message = finding.message.clone();
            if let Some(path) = &finding.instance_path {
                message = format!("at {}: {message}", if path.is_empty() { "/" } else { path });
            }
            if !finding.what.is_empty() {
                message = format!("{}: {message}", finding.what);
            }
            json!({
                "ruleId": rule.id(),
                "ruleIndex": RULES.iter().position(|r| *r == rule).unwrap_or(0),
                "level": level(finding.severity()),
                "message": {"text": message},
                "locations": [location(&finding.file, finding.line)],
                "properties": {
                    "pointer": finding.pointer,
                    "example": finding.example,
                    "schemaRule": finding.schema_rule,
                    "operations": finding.operations,
                },
            })
        })
        .collect();
    results.extend(outcome.unreadable.iter().map(|(file, why)| {
        json!({
            "ruleId": Rule::Structure.id(),
            "ruleIndex": 2,
            "level": "error",
            "message": {"text": format!("cannot be checked: {why}")},
            "locations": [location(file, 1)],
        })
    }));
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cargo xtask validate",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn location(file: &str, line: usize) -> Value {
    json!({"physicalLocation": {
        "artifactLocation": {"uri": file.replace('\\', "/").replace(' ', "%20")},
        "region": {"startLine": line.max(1)},
    }})
}
