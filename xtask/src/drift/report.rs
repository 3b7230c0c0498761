//! Printing a drift run: text for people, JSON (with a fingerprint per finding),
//! markdown for a pull-request comment, and GitHub Actions annotations at the line of
//! the hand spec.

use std::time::Duration;

use serde_json::json;

use super::model::{Finding, Level};
use super::{Format, Outcome};

/// Prints `outcome` in `format`.
pub fn print(format: Format, outcome: &Outcome, elapsed: Duration) {
    let text = match format {
        Format::Text => text(outcome, elapsed),
        Format::Json => serde_json::to_string_pretty(&to_json(outcome)).unwrap_or_default(),
        Format::Markdown => markdown(outcome),
        Format::Github => github(outcome),
    };
    println!("{}", text.trim_end());
}

/// Prints why `file` cannot be read.
pub fn unreadable(format: Format, file: &str, message: &str) {
    match format {
        Format::Json => println!(
            "{}",
            json!({"unreadable": [{"file": file, "message": message}]})
        ),
        Format::Github => println!("::error file={file}::{}", escape_github(message)),
        Format::Text | Format::Markdown => eprintln!("error: {file}: {message}"),
    }
}

fn acknowledged(finding: &Finding) -> String {
    match &finding.decision {
        Some(decision) => format!(" [decided: {decision}]"),
        None => String::new(),
    }
}

fn summary(outcome: &Outcome) -> String {
    let count = |level: Level| outcome.findings.iter().filter(|f| f.level == level).count();
    let open = outcome
        .findings
        .iter()
        .filter(|f| f.decision.is_none())
        .count();
    let verdict = if open == 0 && outcome.stale.is_empty() {
        "CLEAN"
    } else {
        "DRIFT"
    };
    format!(
        "{verdict}: {} differences ({} breaking, {} attention, {} information), {} decided in the spec, {open} undecided; {} stale decisions",
        outcome.findings.len(),
        count(Level::Breaking),
        count(Level::Attention),
        count(Level::Information),
        outcome.findings.len() - open,
        outcome.stale.len()
    )
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn text(outcome: &Outcome, elapsed: Duration) -> String {
    let mut out = format!(
        "{} against {}\ncompared: {}\nhand-only (declared): {}\nupstream operations not covered: {}\n",
        outcome.spec,
        outcome.upstream,
        list(&outcome.compared),
        list(&outcome.declared),
        list(&outcome.uncovered)
    );
    for f in &outcome.findings {
        out.push_str(&format!(
            "{}:{}: {}[{}] {} {}: {} (upstream {}; {}){}\n",
            outcome.spec,
            f.line,
            f.level.as_str(),
            f.kind,
            f.side.as_str(),
            f.spec,
            f.message,
            f.upstream,
            f.operations.iter().cloned().collect::<Vec<_>>().join(", "),
            acknowledged(f)
        ));
    }
    for (stale, line) in &outcome.stale {
        out.push_str(&format!(
            "{}:{line}: stale decision: topic `{}` covers {}, where upstream no longer differs\n",
            outcome.spec, stale.topic, stale.covers
        ));
    }
    for (document, pointer, message) in &outcome.warnings {
        out.push_str(&format!("warning: {document} {pointer}: {message}\n"));
    }
    out.push_str(&format!(
        "{} ({:.3} s)\n",
        summary(outcome),
        elapsed.as_secs_f64()
    ));
    out
}

fn to_json(outcome: &Outcome) -> serde_json::Value {
    let findings: Vec<_> = outcome
        .findings
        .iter()
        .map(|f| {
            json!({
                "fingerprint": f.fingerprint(),
                "kind": f.kind.id(),
                "level": f.level.as_str(),
                "side": f.side.as_str(),
                "spec_pointer": f.spec,
                "upstream_pointer": f.upstream,
                "line": f.line,
                "message": f.message,
                "operations": f.operations,
                "decided_by": f.decision,
            })
        })
        .collect();
    let stale: Vec<_> = outcome
        .stale
        .iter()
        .map(|(s, line)| json!({"topic": s.topic, "pointer": s.pointer, "covers": s.covers, "line": line}))
        .collect();
    let warnings: Vec<_> = outcome
        .warnings
        .iter()
        .map(|(d, p, m)| json!({"document": d, "pointer": p, "message": m}))
        .collect();
    let open = outcome
        .findings
        .iter()
        .filter(|f| f.decision.is_none())
        .count();
    json!({
        "spec": outcome.spec,
        "upstream": outcome.upstream,
        "compared": outcome.compared,
        "declared": outcome.declared,
        "uncovered": outcome.uncovered,
        "findings": findings,
        "stale": stale,
        "warnings": warnings,
        "summary": {
            "differences": outcome.findings.len(),
            "decided": outcome.findings.len() - open,
            "undecided": open,
            "stale": outcome.stale.len(),
        },
    })
}

fn markdown(outcome: &Outcome) -> String {
    let mut out = format!(
        "### API drift: `{}` against `{}`\n\n{}\n\n",
        outcome.spec,
        outcome.upstream,
        summary(outcome)
    );
    if !outcome.findings.is_empty() {
        out.push_str("| level | kind | side | spec | upstream | what | decided |\n|---|---|---|---|---|---|---|\n");
        for f in &outcome.findings {
            out.push_str(&format!(
                "| {} | `{}` | {} | [`{}`]({}#L{}) | `{}` | {} | {} |\n",
                f.level.as_str(),
                f.kind,
                f.side.as_str(),
                f.spec,
                outcome.spec,
                f.line,
                f.upstream,
                f.message.replace('|', "\\|"),
                f.decision.as_deref().unwrap_or("**no**")
            ));
        }
    }
    for (stale, line) in &outcome.stale {
        out.push_str(&format!(
            "\n* stale decision (line {line}): topic `{}` covers `{}`, where upstream no longer differs",
            stale.topic, stale.covers
        ));
    }
    if !outcome.uncovered.is_empty() {
        out.push_str(&format!(
            "\n\nUpstream operations not covered: {}",
            list(&outcome.uncovered)
        ));
    }
    out
}

/// `%`, CR and LF escaped as GitHub's workflow commands require.
fn escape_github(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn github(outcome: &Outcome) -> String {
    let mut out = String::new();
    for f in outcome.findings.iter().filter(|f| f.decision.is_none()) {
        let command = match f.level {
            Level::Breaking => "error",
            Level::Attention => "warning",
            Level::Information => "notice",
        };
        out.push_str(&format!(
            "::{command} file={},line={},title=drift {}::{}\n",
            outcome.spec,
            f.line,
            f.kind,
            escape_github(&format!(
                "{} {}: {} (upstream {})",
                f.side.as_str(),
                f.spec,
                f.message,
                f.upstream
            ))
        ));
    }
    for (stale, line) in &outcome.stale {
        out.push_str(&format!(
            "::warning file={},line={line},title=stale drift decision::{}\n",
            outcome.spec,
            escape_github(&format!(
                "topic `{}` covers {}, where upstream no longer differs",
                stale.topic, stale.covers
            ))
        ));
    }
    out.push_str(&summary(outcome));
    out
}
