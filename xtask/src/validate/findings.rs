//! What a run reports: findings (with a severity and a rule id), collected once per
//! location however many operations reach that location.

use std::collections::{BTreeMap, BTreeSet};

/// How bad a finding is. Only errors fail a run (unless `--deny-warnings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The document is wrong: an example breaks its schema, a `$ref` points nowhere.
    Error,
    /// Policy, portability, or a place that cannot be checked (and why).
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The kind of problem, a stable id for SARIF and annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An example does not match its schema.
    InvalidExample,
    /// A local `$ref` resolves to nothing.
    UnresolvedRef,
    /// The document breaks an OpenAPI 3.0 rule the examples do not depend on.
    Structure,
    /// An example (or schema) that cannot be checked, with the reason.
    NotChecked,
    /// A documented status or media type without an example.
    NoExample,
    /// A YAML construct that parsers read differently.
    YamlPortability,
    /// A `$ref` where OpenAPI 3.0 allows none, followed anyway (as Redocly does).
    RefNotAllowed,
}

impl Rule {
    /// The rule id printed in every format.
    pub fn id(self) -> &'static str {
        match self {
            Rule::InvalidExample => "invalid-example",
            Rule::UnresolvedRef => "unresolved-ref",
            Rule::Structure => "structure",
            Rule::NotChecked => "not-checked",
            Rule::NoExample => "no-example",
            Rule::YamlPortability => "yaml-portability",
            Rule::RefNotAllowed => "ref-not-allowed",
        }
    }

    /// What the rule is about, for SARIF's rule descriptors.
    pub fn description(self) -> &'static str {
        match self {
            Rule::InvalidExample => "An example does not match the schema it documents.",
            Rule::UnresolvedRef => "A local $ref points to nothing in the document.",
            Rule::Structure => "The document breaks an OpenAPI 3.0 rule.",
            Rule::NotChecked => "An example or schema that cannot be checked, and why.",
            Rule::NoExample => "A documented response or media type has no example.",
            Rule::YamlPortability => {
                "A YAML construct that YAML 1.1 and 1.2 parsers read differently."
            }
            Rule::RefNotAllowed => {
                "A $ref where OpenAPI 3.0 allows none; followed, but other tools may not."
            }
        }
    }

    /// Its severity.
    pub fn severity(self) -> Severity {
        match self {
            Rule::InvalidExample | Rule::UnresolvedRef | Rule::Structure => Severity::Error,
            Rule::NotChecked | Rule::NoExample | Rule::YamlPortability | Rule::RefNotAllowed => {
                Severity::Warning
            }
        }
    }
}

/// One problem, reported once at its location.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finding {
    /// The file it is in.
    pub file: String,
    /// Its line in that file.
    pub line: usize,
    /// Where it is in the document (JSON pointer).
    pub pointer: String,
    /// Its kind.
    pub rule: Option<Rule>,
    /// What the place is (`request application/json`, `parameter limit`, `schema Pet`).
    pub what: String,
    /// The example's name, when it is about a named example.
    pub example: String,
    /// Where in the example value (JSON pointer), when it is about a value.
    pub instance_path: Option<String>,
    /// Where the broken schema rule is in the document (JSON pointer).
    pub schema_rule: Option<String>,
    /// What is wrong (capped at a readable length).
    pub message: String,
    /// The operations that reach this place, sorted.
    pub operations: Vec<String>,
}

impl Finding {
    /// Its severity (a finding without a rule is an error).
    pub fn severity(&self) -> Severity {
        self.rule.map_or(Severity::Error, Rule::severity)
    }
}

/// What makes a finding distinct: its pointer, instance path and message.
type Key = (String, Option<String>, String);

/// Findings keyed by what makes them distinct; the operations that reach each are merged.
#[derive(Debug, Default)]
pub struct Findings {
    found: BTreeMap<Key, (Finding, BTreeSet<String>)>,
}

impl Findings {
    /// Adds `finding` reached by `operations`, or adds those operations to the same
    /// finding reported before.
    pub fn add<'a>(&mut self, finding: Finding, operations: impl IntoIterator<Item = &'a String>) {
        let key = (
            finding.pointer.clone(),
            finding.instance_path.clone(),
            finding.message.clone(),
        );
        let entry = self
            .found
            .entry(key)
            .or_insert_with(|| (finding, BTreeSet::new()));
        entry.1.extend(operations.into_iter().cloned());
    }

    /// Adds a finding about a place, not about an example's value.
    pub fn at(&mut self, pointer: &str, rule: Rule, what: &str, message: String) {
        self.add(
            Finding {
                pointer: pointer.to_owned(),
                rule: Some(rule),
                what: what.to_owned(),
                message: cap(message),
                ..Finding::default()
            },
            [],
        );
    }

    /// The findings, in document order of their pointers, with their operations.
    pub fn into_vec(self) -> Vec<Finding> {
        self.found
            .into_values()
            .map(|(mut finding, operations)| {
                finding.operations = operations.into_iter().collect();
                finding
            })
            .collect()
    }
}

/// The longest message printed, in characters (room for a long `enum` list in full).
pub const MESSAGE_CAP: usize = 1000;

/// Cuts `message` to [`MESSAGE_CAP`] characters, marking the cut.
pub fn cap(message: String) -> String {
    match message.char_indices().nth(MESSAGE_CAP) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_reached_twice_is_kept_once_with_both_operations() {
        let mut findings = Findings::default();
        let finding = Finding {
            pointer: "/components/responses/E/content/application~1json/example".into(),
            message: "wrong".into(),
            ..Finding::default()
        };
        let (a, b) = ("a".to_owned(), "b".to_owned());
        findings.add(finding.clone(), [&b]);
        findings.add(finding, [&a, &b]);
        let all = findings.into_vec();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].operations, ["a", "b"]);
    }

    #[test]
    fn messages_are_capped_on_a_character_boundary() {
        let long = "é".repeat(3000);
        let capped = cap(long);
        assert_eq!(capped.chars().count(), MESSAGE_CAP + 1);
        assert!(capped.ends_with('…'));
        assert_eq!(cap("short".into()), "short");
    }
}
