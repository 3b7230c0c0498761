//! Acknowledgement: which differences the spec decided on purpose. A topic of
//! `x-flowpayroll-decisions` lists in `covers` the spec pointers of the differences it
//! decides; an `x-flowpayroll-decision` on a node decides the differences at that node
//! (or at one of its keywords: `type`, `enum`, `nullable`, …). A `covers` entry that no
//! difference is at any more is stale.

use serde_json::Value;

use super::model::Finding;
use crate::validate::pointer::escape;

/// Where the spec keeps its list of decisions (the top level or `info`).
const TOPIC_LISTS: [&str; 2] = ["/x-flowpayroll-decisions", "/info/x-flowpayroll-decisions"];

/// Children of a node that are places of their own, not keywords of the node: a
/// decision on an operation does not decide its parameters or responses.
const PLACES: [&str; 8] = [
    "parameters",
    "requestBody",
    "responses",
    "headers",
    "content",
    "properties",
    "items",
    "schema",
];

/// A `covers` entry that no difference is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// The topic's name.
    pub topic: String,
    /// Where the entry is in the spec.
    pub pointer: String,
    /// The spec pointer it names.
    pub covers: String,
}

/// Marks each finding a decision covers (`Finding::decision`); returns the stale entries.
pub fn acknowledge(spec: &Value, findings: &mut [Finding]) -> Vec<Stale> {
    let mut stale = Vec::new();
    for list_pointer in TOPIC_LISTS {
        let topics = spec.pointer(list_pointer).and_then(Value::as_array);
        for (i, topic) in topics.into_iter().flatten().enumerate() {
            let name = topic.get("topic").and_then(Value::as_str).unwrap_or("?");
            let covers = topic.get("covers").and_then(Value::as_array);
            for (j, entry) in covers.into_iter().flatten().enumerate() {
                let Some(covered) = entry.as_str() else {
                    continue;
                };
                let mut used = false;
                for finding in findings.iter_mut().filter(|f| f.spec == covered) {
                    finding.decision = Some(format!("topic `{name}`"));
                    used = true;
                }
                if !used {
                    stale.push(Stale {
                        topic: name.to_owned(),
                        pointer: format!("{list_pointer}/{i}/covers/{j}"),
                        covers: covered.to_owned(),
                    });
                }
            }
        }
    }
    let mut nodes = Vec::new();
    decision_nodes(spec, String::new(), &mut nodes);
    for finding in findings.iter_mut().filter(|f| f.decision.is_none()) {
        let decided = nodes.iter().find(|node| {
            finding.spec == **node
                || finding
                    .spec
                    .strip_prefix(node.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                    .is_some_and(|key| !key.contains('/') && !PLACES.contains(&key))
        });
        if let Some(node) = decided {
            finding.decision = Some(format!("x-flowpayroll-decision at {node}"));
        }
    }
    stale
}

/// The pointers of every node that carries an `x-flowpayroll-decision`.
fn decision_nodes(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("x-flowpayroll-decision") {
                out.push(pointer.clone());
            }
            for (key, child) in map {
                decision_nodes(child, format!("{pointer}/{}", escape(key)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                decision_nodes(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}
