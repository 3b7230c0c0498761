//! Which operations are compared: the spec's `x-flowpayroll-upstream` maps path
//! prefixes of the upstream document to the spec's and declares the spec's own
//! operations; operations match by method and path template (parameter names ignored).
//! Also the comparison of an operation's security, by the shape of each scheme (type,
//! place, header name), not by the name a document gives it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::compare::{Diff, Doc, Operation};
use super::model::{Kind, Level, Side};
use crate::validate::pointer::escape;
use crate::validate::walk::METHODS;

/// The spec's mapping onto the upstream document.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// (upstream prefix, spec prefix).
    pub prefixes: Vec<(String, String)>,
    /// Spec operations with no upstream counterpart on purpose (`METHOD /path`).
    pub hand_only: BTreeSet<String>,
}

impl Mapping {
    /// The mapping the spec declares in `x-flowpayroll-upstream` (every path, the same
    /// on both sides, when it declares none).
    pub fn of(spec: &Value) -> Mapping {
        let config = config(spec);
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut prefixes: Vec<(String, String)> = config
            .and_then(|c| c.get("prefixes"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| Some((text(p, "upstream")?, text(p, "spec")?)))
            .collect();
        if prefixes.is_empty() {
            prefixes.push(("/".into(), "/".into()));
        }
        let hand_only = config
            .and_then(|c| c.get("hand-only"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(normalize_name)
            .collect();
        Mapping {
            prefixes,
            hand_only,
        }
    }
}

/// The spec's `x-flowpayroll-upstream`, at the top level or in `info`.
pub fn config(spec: &Value) -> Option<&Value> {
    spec.get("x-flowpayroll-upstream")
        .or_else(|| spec.pointer("/info/x-flowpayroll-upstream"))
}

/// `post /x/{id}` → `POST /x/{id}`.
fn normalize_name(name: &str) -> String {
    match name.split_once(' ') {
        Some((method, path)) => format!("{} {}", method.to_uppercase(), path.trim()),
        None => name.to_owned(),
    }
}

/// A path with every parameter name removed: `/a/{id}/b` → `/a/{}/b`.
pub fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_name = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_name = true;
                out.push_str("{}");
            }
            '}' => in_name = false,
            _ if in_name => {}
            _ => out.push(c),
        }
    }
    out
}

/// The operations of a document, in document order.
pub fn operations<'a>(diff: &mut Diff<'a>, doc: Doc) -> Vec<Operation<'a>> {
    let document = match doc {
        Doc::Spec => diff.spec,
        Doc::Upstream => diff.upstream,
    };
    let mut found = Vec::new();
    for (path, item) in document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let (item_pointer, item) = diff.resolve(doc, &format!("/paths/{}", escape(path)), item);
        for method in METHODS {
            if let Some(value) = item.get(method) {
                found.push(Operation {
                    method,
                    path: path.clone(),
                    pointer: format!("{item_pointer}/{method}"),
                    value,
                    item_pointer: item_pointer.clone(),
                    item,
                });
            }
        }
    }
    found
}

/// How the operations of the two documents pair up.
#[derive(Debug, Default)]
pub struct Matched<'a> {
    /// (spec, upstream) pairs to compare.
    pub pairs: Vec<(Operation<'a>, Operation<'a>)>,
    /// Spec operations declared hand-only (`METHOD /path`).
    pub declared: Vec<String>,
    /// Upstream operations under a mapped prefix that the spec does not cover.
    pub uncovered: Vec<String>,
}

/// Pairs the operations; a spec operation with no counterpart is a finding.
pub fn pair<'a>(diff: &mut Diff<'a>, mapping: &Mapping) -> Matched<'a> {
    let mut upstream: BTreeMap<(String, String), Operation<'a>> = BTreeMap::new();
    for op in operations(diff, Doc::Upstream) {
        let mapped = mapping.prefixes.iter().find_map(|(theirs, ours)| {
            op.path
                .strip_prefix(theirs.as_str())
                .map(|rest| format!("{ours}{rest}"))
        });
        if let Some(path) = mapped {
            upstream.insert((op.method.to_owned(), template(&path)), op);
        }
    }
    let mut matched = Matched::default();
    for op in operations(diff, Doc::Spec) {
        let name = format!("{} {}", op.method.to_uppercase(), op.path);
        if mapping.hand_only.contains(&name) {
            matched.declared.push(name);
            continue;
        }
        match upstream.remove(&(op.method.to_owned(), template(&op.path))) {
            Some(theirs) => matched.pairs.push((op, theirs)),
            None => {
                diff.operation = name.clone();
                let message = format!("upstream has no {name} (under a mapped prefix), and `x-flowpayroll-upstream` does not declare it hand-only");
                diff.add(
                    Kind::OperationMissing,
                    Level::Breaking,
                    Side::Request,
                    op.pointer.clone(),
                    format!("/paths/{}/{}", escape(&op.path), op.method),
                    message,
                );
            }
        }
    }
    matched.uncovered = upstream
        .into_values()
        .map(|op| format!("{} {}", op.method.to_uppercase(), op.path))
        .collect();
    matched
}

impl<'a> Diff<'a> {
    /// The security an operation takes: each alternative as the set of its schemes'
    /// shapes, with the pointer of the scheme when there is exactly one.
    fn security_of(
        &mut self,
        doc: Doc,
        op: &Operation<'a>,
    ) -> (BTreeSet<BTreeSet<String>>, Option<String>) {
        let document = match doc {
            Doc::Spec => self.spec,
            Doc::Upstream => self.upstream,
        };
        let list = op
            .value
            .get("security")
            .or_else(|| document.get("security"));
        let mut alternatives = BTreeSet::new();
        let mut pointers = BTreeSet::new();
        for requirement in list.and_then(Value::as_array).into_iter().flatten() {
            let mut shapes = BTreeSet::new();
            for name in requirement
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                let pointer = format!("/components/securitySchemes/{}", escape(name));
                let scheme = document.pointer(&pointer).unwrap_or(&Value::Null);
                let (pointer, scheme) = self.resolve(doc, &pointer, scheme);
                let field = |key: &str| {
                    scheme
                        .get(key)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned()
                };
                let shape = match field("type").as_str() {
                    "apiKey" => format!(
                        "apiKey {} {}",
                        field("in"),
                        field("name").to_ascii_lowercase()
                    ),
                    "http" => format!("http {}", field("scheme").to_ascii_lowercase()),
                    other => other.to_owned(),
                };
                shapes.insert(shape);
                pointers.insert(pointer);
            }
            alternatives.insert(shapes);
        }
        if alternatives.is_empty() {
            alternatives.insert(BTreeSet::new());
        }
        let single = (pointers.len() == 1)
            .then(|| pointers.into_iter().next())
            .flatten();
        (alternatives, single)
    }

    /// Compares the credentials two operations take.
    pub(super) fn security(&mut self, spec: &Operation<'a>, upstream: &Operation<'a>) {
        let (ours, our_scheme) = self.security_of(Doc::Spec, spec);
        let (theirs, their_scheme) = self.security_of(Doc::Upstream, upstream);
        if ours == theirs {
            return;
        }
        let show = |s: &BTreeSet<BTreeSet<String>>| {
            let alternatives: Vec<String> = s
                .iter()
                .map(|a| {
                    if a.is_empty() {
                        "none".into()
                    } else {
                        a.iter().cloned().collect::<Vec<_>>().join(" + ")
                    }
                })
                .collect();
            alternatives.join(" or ")
        };
        // Breaking when no way upstream accepts a call is one the spec makes (a call
        // upstream takes without credentials is made, with extra headers or not).
        let unmet = theirs.iter().all(|a| !a.is_empty() && !ours.contains(a));
        let level = if unmet {
            Level::Breaking
        } else {
            Level::Information
        };
        let message = format!(
            "credentials: the spec sends {}, upstream takes {}",
            show(&ours),
            show(&theirs)
        );
        let (sp, up) = match (
            our_scheme,
            their_scheme,
            ours.len() == 1 && theirs.len() == 1,
        ) {
            (Some(a), Some(b), true) => (a, b),
            _ => (spec.pointer.clone(), upstream.pointer.clone()),
        };
        self.add(Kind::SecurityChanged, level, Side::Request, sp, up, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_ignore_parameter_names() {
        assert_eq!(template("/a/{id}/b/{x_y}"), "/a/{}/b/{}");
        assert_eq!(template("/a/{payrun_id}"), template("/a/{id}"));
        assert_ne!(template("/a/{id}"), template("/a/id"));
    }
}
