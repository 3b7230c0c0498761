//! Comparing one operation of the hand spec with its upstream counterpart: parameters,
//! request body, responses (statuses, headers, media types) and security. Schemas are
//! compared in `schema.rs`. Every difference is recorded once, keyed by kind, side and
//! both pointers (after `$ref`s are followed), with the operations that reach it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::model::{Finding, Kind, Level, Side};
use crate::validate::pointer::local_target;

/// An empty map, for an object that lacks one.
pub(super) fn empty() -> &'static Map<String, Value> {
    static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);
    &EMPTY
}

/// Which document a pointer is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// The hand-maintained spec.
    Spec,
    /// The vendor's document.
    Upstream,
}

/// The comparison of two documents, operation by operation.
pub struct Diff<'a> {
    pub(super) spec: &'a Value,
    pub(super) upstream: &'a Value,
    /// The operation being compared (`METHOD /path` of the spec).
    pub(super) operation: String,
    pub(super) findings: BTreeMap<(Kind, Side, String, String), Finding>,
    /// Schema pairs already compared (spec, upstream, side): shared schemas and cycles.
    pub(super) compared: HashSet<(String, String, Side)>,
    /// Warnings about the documents themselves, by (document, pointer).
    pub warnings: BTreeSet<(String, String, String)>,
}

/// One operation of a document.
#[derive(Debug, Clone)]
pub struct Operation<'a> {
    /// `get`, `post`, …
    pub method: &'static str,
    /// The path as the document writes it.
    pub path: String,
    /// Where it is (`/paths/~1x/get`).
    pub pointer: String,
    /// The operation object.
    pub value: &'a Value,
    /// Where its path item is, after a `$ref`.
    pub item_pointer: String,
    /// Its path item.
    pub item: &'a Value,
}

impl<'a> Diff<'a> {
    /// A comparison of `spec` with `upstream`.
    pub fn new(spec: &'a Value, upstream: &'a Value) -> Self {
        Diff {
            spec,
            upstream,
            operation: String::new(),
            findings: BTreeMap::new(),
            compared: HashSet::new(),
            warnings: BTreeSet::new(),
        }
    }

    /// Records a difference (once; later operations that reach it are added to it).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add(
        &mut self,
        kind: Kind,
        level: Level,
        side: Side,
        spec: String,
        upstream: String,
        message: String,
    ) {
        let key = (kind, side, spec.clone(), upstream.clone());
        let finding = self.findings.entry(key).or_insert_with(|| Finding {
            kind,
            level,
            side,
            spec,
            upstream,
            message,
            operations: BTreeSet::new(),
            decision: None,
            line: 0,
        });
        if !self.operation.is_empty() {
            finding.operations.insert(self.operation.clone());
        }
    }

    /// Follows local `$ref`s in `doc`; what cannot be followed stays as it is, with a
    /// warning.
    pub(super) fn resolve(
        &mut self,
        doc: Doc,
        pointer: &str,
        value: &'a Value,
    ) -> (String, &'a Value) {
        let document = match doc {
            Doc::Spec => self.spec,
            Doc::Upstream => self.upstream,
        };
        let (mut pointer, mut value) = (pointer.to_owned(), value);
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return (pointer, value);
            };
            match local_target(reference)
                .and_then(|target| Some((document.pointer(&target)?, target)))
            {
                Some((next, target)) => (pointer, value) = (target, next),
                None => {
                    self.warn(doc, &pointer, format!("`$ref: {reference}` is not followed (not in this document or resolves to nothing); compared as written"));
                    return (pointer, value);
                }
            }
        }
        self.warn(doc, &pointer, "`$ref`s go round in a loop".into());
        (pointer, value)
    }

    pub(super) fn warn(&mut self, doc: Doc, pointer: &str, message: String) {
        let name = match doc {
            Doc::Spec => "spec",
            Doc::Upstream => "upstream",
        };
        self.warnings.insert((name.into(), pointer.into(), message));
    }

    /// Compares operation `spec` with `upstream`.
    pub fn operation(&mut self, spec: &Operation<'a>, upstream: &Operation<'a>) {
        self.operation = format!("{} {}", spec.method.to_uppercase(), spec.path);
        self.parameters(spec, upstream);
        self.request_body(spec, upstream);
        self.responses(spec, upstream);
        self.security(spec, upstream);
    }

    /// An operation's parameters (its path item's, overridden by its own), resolved,
    /// by `in` and name (header names in lower case).
    fn parameter_map(
        &mut self,
        doc: Doc,
        op: &Operation<'a>,
    ) -> BTreeMap<(String, String), (String, &'a Value)> {
        let mut map = BTreeMap::new();
        for (owner, holder) in [(&op.item_pointer, op.item), (&op.pointer, op.value)] {
            let list = holder.get("parameters").and_then(Value::as_array);
            for (i, parameter) in list.into_iter().flatten().enumerate() {
                let (pointer, parameter) =
                    self.resolve(doc, &format!("{owner}/parameters/{i}"), parameter);
                let place = parameter
                    .get("in")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                let mut name = parameter
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                if place == "header" {
                    name = name.to_ascii_lowercase();
                }
                map.insert((place, name), (pointer, parameter));
            }
        }
        map
    }

    fn parameters(&mut self, spec: &Operation<'a>, upstream: &Operation<'a>) {
        let ours = self.parameter_map(Doc::Spec, spec);
        let theirs = self.parameter_map(Doc::Upstream, upstream);
        let required = |p: &Value| p.get("required").and_then(Value::as_bool) == Some(true);
        for ((place, name), (up, parameter)) in &theirs {
            match ours.get(&(place.clone(), name.clone())) {
                None => {
                    let level = if required(parameter) {
                        Level::Breaking
                    } else {
                        Level::Information
                    };
                    let message = format!(
                        "upstream has {} {place} parameter `{name}`",
                        if required(parameter) {
                            "a required"
                        } else {
                            "an optional"
                        }
                    );
                    self.add(
                        Kind::ParameterAdded,
                        level,
                        Side::Request,
                        format!("{}/parameters", spec.pointer),
                        up.clone(),
                        message,
                    );
                }
                Some((sp, ours_parameter)) => {
                    self.required(
                        Side::Request,
                        sp,
                        up,
                        required(ours_parameter),
                        required(parameter),
                        &format!("{place} parameter `{name}`"),
                    );
                    if let (Some(a), Some(b)) =
                        (ours_parameter.get("schema"), parameter.get("schema"))
                    {
                        self.schema(
                            &format!("{sp}/schema"),
                            a,
                            &format!("{up}/schema"),
                            b,
                            Side::Request,
                        );
                    }
                }
            }
        }
        for ((place, name), (sp, _)) in &ours {
            if !theirs.contains_key(&(place.clone(), name.clone())) {
                let message = format!(
                    "the spec sends {place} parameter `{name}`, which upstream does not document"
                );
                self.add(
                    Kind::ParameterMissing,
                    Level::Attention,
                    Side::Request,
                    sp.clone(),
                    format!("{}/parameters", upstream.pointer),
                    message,
                );
            }
        }
    }

    /// A `required` flag of a parameter or request body that differs.
    fn required(&mut self, side: Side, sp: &str, up: &str, ours: bool, theirs: bool, what: &str) {
        let (sp, up) = (format!("{sp}/required"), format!("{up}/required"));
        if theirs && !ours {
            self.add(
                Kind::NowRequired,
                Level::Breaking,
                side,
                sp,
                up,
                format!("upstream requires {what}; the spec does not"),
            );
        } else if ours && !theirs {
            self.add(
                Kind::NowOptional,
                Level::Information,
                side,
                sp,
                up,
                format!("the spec requires {what}; upstream does not"),
            );
        }
    }

    fn request_body(&mut self, spec: &Operation<'a>, upstream: &Operation<'a>) {
        let sp = format!("{}/requestBody", spec.pointer);
        let up = format!("{}/requestBody", upstream.pointer);
        let required = |b: &Value| b.get("required").and_then(Value::as_bool) == Some(true);
        match (
            spec.value.get("requestBody"),
            upstream.value.get("requestBody"),
        ) {
            (None, None) => {}
            (None, Some(body)) => {
                let (up, body) = self.resolve(Doc::Upstream, &up, body);
                let level = if required(body) {
                    Level::Breaking
                } else {
                    Level::Information
                };
                self.add(
                    Kind::BodyAdded,
                    level,
                    Side::Request,
                    sp,
                    up,
                    "upstream takes a request body; the spec sends none".into(),
                );
            }
            (Some(body), None) => {
                let (sp, _) = self.resolve(Doc::Spec, &sp, body);
                self.add(
                    Kind::BodyMissing,
                    Level::Attention,
                    Side::Request,
                    sp,
                    up,
                    "the spec sends a request body; upstream documents none".into(),
                );
            }
            (Some(ours), Some(theirs)) => {
                let (sp, ours) = self.resolve(Doc::Spec, &sp, ours);
                let (up, theirs) = self.resolve(Doc::Upstream, &up, theirs);
                self.required(
                    Side::Request,
                    &sp,
                    &up,
                    required(ours),
                    required(theirs),
                    "the request body",
                );
                self.content(&sp, ours, &up, theirs, Side::Request);
            }
        }
    }
}
