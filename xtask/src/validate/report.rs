//! Printing findings: one line each and a summary, or one JSON document. Colour only
//! when standard output is a terminal and `NO_COLOR` is unset.

use std::io::IsTerminal as _;
use std::time::Duration;

use serde_json::json;

use super::{Counts, Finding, Format};

pub fn print(format: Format, findings: &[Finding], counts: Counts, elapsed: Duration) {
    match format {
        Format::Json => {
            let findings: Vec<_> = findings.iter().map(to_json).collect();
            let document = json!({
                "findings": findings,
                "summary": {
                    "examples_checked": counts.checked,
                    "examples_passed": counts.passed,
                    "examples_failed": counts.failed,
                    "findings": findings.len(),
                    "seconds": elapsed.as_secs_f64(),
                }
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&document).expect("JSON values serialize")
            );
        }
        Format::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for finding in findings {
                println!("{}", line(finding, colour));
            }
            let verdict = if findings.is_empty() { "ok" } else { "FAILED" };
            println!(
                "{verdict}: {} examples checked, {} passed, {} failed; {} findings ({:.3} s)",
                counts.checked,
                counts.passed,
                counts.failed,
                findings.len(),
                elapsed.as_secs_f64()
            );
        }
    }
}

/// `<file>:<line>  <operationId> <status> <media type>  example <name>  at <path>: <message>`
pub fn line(finding: &Finding, colour: bool) -> String {
    let (bold, red, reset) = if colour {
        ("\x1b[1m", "\x1b[31m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut out = format!("{bold}{}:{}{reset}", finding.file, finding.line);
    if let Some(label) = &finding.label {
        out.push_str(&format!(
            "  {} {} {}",
            label.operation, label.status, label.media
        ));
        if !label.name.is_empty() {
            out.push_str(&format!("  example {}", label.name));
        }
    }
    out.push_str("  ");
    if let Some(path) = &finding.instance_path {
        let path = if path.is_empty() { "/" } else { path };
        out.push_str(&format!("at {path}: "));
    }
    out.push_str(&format!("{red}{}{reset}", finding.message));
    if let Some(rule) = &finding.rule {
        out.push_str(&format!(" [rule {rule}]"));
    }
    out
}

fn to_json(finding: &Finding) -> serde_json::Value {
    let label = finding.label.clone().unwrap_or_default();
    json!({
        "file": finding.file,
        "line": finding.line,
        "operation": label.operation,
        "status": label.status,
        "media_type": label.media,
        "example": label.name,
        "instance_path": finding.instance_path,
        "rule": finding.rule,
        "message": finding.message,
    })
}
