//! Printing a run: one line per finding and a summary (text), one JSON document,
//! GitHub Actions annotations, or SARIF (`sarif.rs`). Colour only when standard output
//! is a terminal and `NO_COLOR` is unset.

use std::io::IsTerminal as _;
use std::time::Duration;

use serde_json::json;

use super::findings::{Finding, Severity};
use super::{Format, Outcome};

/// How many operations a text line names before `+N more`.
const OPERATIONS_SHOWN: usize = 3;

/// Prints `outcome` to standard output.
pub fn print(format: Format, outcome: &Outcome, elapsed: Duration, deny_warnings: bool) {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&to_json(outcome, elapsed))
                .expect("JSON values serialize")
        ),
        Format::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&super::sarif::log(outcome))
                .expect("JSON values serialize")
        ),
        Format::Github => {
            for finding in &outcome.findings {
                println!("{}", annotation(finding));
            }
            for (file, why) in &outcome.unreadable {
                println!("::error file={}::{}", property(file), data(why));
            }
            println!("{}", summary(outcome, elapsed, deny_warnings));
        }
        Format::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for finding in &outcome.findings {
                println!("{}", line(finding, colour));
            }
            for (file, why) in &outcome.unreadable {
                println!("{file}: cannot be checked: {why}");
            }
            println!("{}", summary(outcome, elapsed, deny_warnings));
        }
    }
}

/// `ok|FAILED: E errors, W warnings; N distinct examples checked, F failed (T s)`
pub fn summary(outcome: &Outcome, elapsed: Duration, deny_warnings: bool) -> String {
    let errors = outcome.count(Severity::Error);
    let warnings = outcome.count(Severity::Warning);
    let passed = errors == 0 && outcome.unreadable.is_empty() && !(deny_warnings && warnings > 0);
    let verdict = if passed { "ok" } else { "FAILED" };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut text = format!(
        "{verdict}: {}, {}; {} checked, {} failed",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(outcome.checked, "distinct example"),
        outcome.failed
    );
    if !outcome.unreadable.is_empty() {
        text.push_str(&format!(
            "; {} unreadable",
            plural(outcome.unreadable.len(), "file")
        ));
    }
    text.push_str(&format!(" ({:.3} s)", elapsed.as_secs_f64()));
    text
}

/// `<file>:<line>: <severity>[<rule>] <what>  example <name>  at <path>: <message> …`
pub fn line(finding: &Finding, colour: bool) -> String {
    let (bold, tint, reset) = match (colour, finding.severity()) {
        (false, _) => ("", "", ""),
        (true, Severity::Error) => ("\x1b[1m", "\x1b[31m", "\x1b[0m"),
        (true, Severity::Warning) => ("\x1b[1m", "\x1b[33m", "\x1b[0m"),
    };
    let rule = finding.rule.map_or("", |r| r.id());
    let mut out = format!(
        "{bold}{}:{}{reset}: {tint}{}{reset}[{rule}]",
        finding.file,
        finding.line,
        finding.severity().as_str()
    );
    if !finding.what.is_empty() {
        out.push_str(&format!(" {}", finding.what));
    }
    if !finding.example.is_empty() {
        out.push_str(&format!("  example {}", finding.example));
    }
    out.push_str("  ");
    if let Some(path) = &finding.instance_path {
        let path = if path.is_empty() { "/" } else { path };
        out.push_str(&format!("at {path}: "));
    }
    out.push_str(&finding.message);
    if let Some(rule) = &finding.schema_rule {
        out.push_str(&format!(" [schema {rule}]"));
    }
    out.push_str(&used_by(&finding.operations));
    out
}

/// ` (used by a, b, c +2 more)`, or nothing.
fn used_by(operations: &[String]) -> String {
    if operations.is_empty() {
        return String::new();
    }
    let shown = operations
        .iter()
        .take(OPERATIONS_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = operations.len().saturating_sub(OPERATIONS_SHOWN);
    if more == 0 {
        format!(" (used by {shown})")
    } else {
        format!(" (used by {shown} +{more} more)")
    }
}

/// A GitHub Actions workflow command for `finding`.
pub fn annotation(finding: &Finding) -> String {
    let level = match finding.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut message = String::new();
    if let Some(path) = &finding.instance_path {
        message.push_str(&format!(
            "at {}: ",
            if path.is_empty() { "/" } else { path }
        ));
    }
    message.push_str(&finding.message);
    message.push_str(&used_by(&finding.operations));
    format!(
        "::{level} file={},line={},title={}::{}",
        property(&finding.file),
        finding.line,
        property(&title(finding)),
        data(&message)
    )
}

fn title(finding: &Finding) -> String {
    let rule = finding.rule.map_or("", |r| r.id());
    match (finding.what.is_empty(), finding.example.is_empty()) {
        (true, _) => rule.to_owned(),
        (false, true) => format!("{rule}: {}", finding.what),
        (false, false) => format!("{rule}: {} example {}", finding.what, finding.example),
    }
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

fn to_json(outcome: &Outcome, elapsed: Duration) -> serde_json::Value {
    let findings: Vec<_> = outcome
        .findings
        .iter()
        .map(|finding| {
            json!({
                "file": finding.file,
                "line": finding.line,
                "severity": finding.severity().as_str(),
                "rule": finding.rule.map(|r| r.id()),
                "pointer": finding.pointer,
                "what": finding.what,
                "example": finding.example,
                "instance_path": finding.instance_path,
                "schema_rule": finding.schema_rule,
                "message": finding.message,
                "operations": finding.operations,
            })
        })
        .collect();
    let unreadable: Vec<_> = outcome
        .unreadable
        .iter()
        .map(|(file, why)| json!({"file": file, "message": why}))
        .collect();
    json!({
        "findings": findings,
        "unreadable": unreadable,
        "summary": {
            "errors": outcome.count(Severity::Error),
            "warnings": outcome.count(Severity::Warning),
            "examples_visited": outcome.visited,
            "examples_checked": outcome.checked,
            "examples_failed": outcome.failed,
            "seconds": elapsed.as_secs_f64(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::findings::Rule;

    #[test]
    fn annotations_escape_their_fields() {
        let finding = Finding {
            file: "a,b:c.yaml".into(),
            line: 7,
            rule: Some(Rule::NoExample),
            what: "response 200 application/json".into(),
            message: "100% wrong\nreally".into(),
            operations: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            ..Finding::default()
        };
        assert_eq!(
            annotation(&finding),
            "::warning file=a%2Cb%3Ac.yaml,line=7,title=no-example%3A response 200 application/json::100%25 wrong%0Areally (used by a, b, c +1 more)"
        );
    }
}
