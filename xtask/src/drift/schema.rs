//! Comparing two schemas for a client, on the request or the response side: type,
//! format, enum (`x-extensible-enum` is the open form of `enum`), constraints, nullable,
//! properties and their `required`, items and compositions. Descriptions, examples,
//! titles, defaults and `x-*` extensions are not compared.
//!
//! Levels follow one rule: on the request side, upstream being stricter than the spec
//! is the risk (the server may refuse what the client sends); on the response side,
//! upstream being looser is (the server may send what the client does not decode).

use std::collections::BTreeSet;

use serde_json::Value;

use super::compare::{Diff, Doc};
use super::model::{Kind, Level, Side};
use crate::validate::pointer::escape;

/// Constraints where a larger value is stricter.
const LOWER_BOUNDS: [&str; 4] = ["minimum", "minLength", "minItems", "minProperties"];
/// Constraints where a smaller value is stricter.
const UPPER_BOUNDS: [&str; 4] = ["maximum", "maxLength", "maxItems", "maxProperties"];
/// Constraints that only restrict when present.
const RESTRICTIONS: [&str; 5] = [
    "pattern",
    "multipleOf",
    "uniqueItems",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// The level of a difference where upstream is stricter (`upstream_stricter`) or looser.
fn risk(side: Side, upstream_stricter: bool, severe: Level) -> Level {
    match (side, upstream_stricter) {
        (Side::Request, true) | (Side::Response, false) => severe,
        _ => Level::Information,
    }
}

/// An enum's values, and whether the list is open (`x-extensible-enum`).
fn values(schema: &Value) -> Option<(BTreeSet<String>, bool)> {
    let (list, open) = match (schema.get("enum"), schema.get("x-extensible-enum")) {
        (Some(list), _) => (list, false),
        (None, Some(list)) => (list, true),
        (None, None) => return None,
    };
    let set = list.as_array()?.iter().map(Value::to_string).collect();
    Some((set, open))
}

fn listed(values: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = values.iter().take(5).map(String::as_str).collect();
    let more = values.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{}{tail}", shown.join(", "))
}

impl<'a> Diff<'a> {
    /// Compares schema `ours` (at `sp` in the spec) with `theirs` (at `up` upstream).
    pub(super) fn schema(
        &mut self,
        sp: &str,
        ours: &'a Value,
        up: &str,
        theirs: &'a Value,
        side: Side,
    ) {
        let (sp, ours) = self.resolve(Doc::Spec, sp, ours);
        let (up, theirs) = self.resolve(Doc::Upstream, up, theirs);
        if !self.compared.insert((sp.clone(), up.clone(), side)) {
            return;
        }
        let text = |v: &Value, key: &str| {
            v.get(key)
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
        };
        let (sp, up) = (sp.as_str(), up.as_str());
        for (key, kind) in [("type", Kind::TypeChanged), ("format", Kind::FormatChanged)] {
            let (a, b) = (text(ours, key), text(theirs, key));
            let level = match (&a, &b) {
                _ if a == b => continue,
                (Some(_), Some(_)) => Level::Breaking,
                // Only one side says: the side that says is the stricter.
                (None, _) => risk(side, true, Level::Attention),
                (_, None) => risk(side, false, Level::Attention),
            };
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
            let message = format!("{key}: the spec says {}, upstream {}", show(&a), show(&b));
            self.add(
                kind,
                level,
                side,
                format!("{sp}/{key}"),
                format!("{up}/{key}"),
                message,
            );
        }
        self.enumeration(sp, ours, up, theirs, side);
        self.constraints(sp, ours, up, theirs, side);
        let nullable = |v: &Value| v.get("nullable").and_then(Value::as_bool) == Some(true);
        let (ns, nu) = (format!("{sp}/nullable"), format!("{up}/nullable"));
        match (nullable(ours), nullable(theirs)) {
            (false, true) => self.add(
                Kind::NullableAdded,
                risk(side, false, Level::Breaking),
                side,
                ns,
                nu,
                "upstream allows null; the spec does not".into(),
            ),
            (true, false) => self.add(
                Kind::NullableRemoved,
                risk(side, true, Level::Attention),
                side,
                ns,
                nu,
                "the spec allows null; upstream does not".into(),
            ),
            _ => {}
        }
        self.properties(sp, ours, up, theirs, side);
        for key in ["items", "additionalProperties", "not"] {
            if let (Some(a), Some(b)) = (ours.get(key), theirs.get(key)) {
                if a.is_object() && b.is_object() {
                    self.schema(&format!("{sp}/{key}"), a, &format!("{up}/{key}"), b, side);
                }
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            match (
                ours.get(key).and_then(Value::as_array),
                theirs.get(key).and_then(Value::as_array),
            ) {
                (None, None) => {}
                (Some(a), Some(b)) if a.len() == b.len() => {
                    for (i, (a, b)) in a.iter().zip(b).enumerate() {
                        self.schema(
                            &format!("{sp}/{key}/{i}"),
                            a,
                            &format!("{up}/{key}/{i}"),
                            b,
                            side,
                        );
                    }
                }
                (a, b) => {
                    let count = |v: Option<&Vec<Value>>| v.map_or(0, Vec::len);
                    let message = format!(
                        "{key}: {} branches in the spec, {} upstream",
                        count(a),
                        count(b)
                    );
                    self.add(
                        Kind::CompositionChanged,
                        Level::Attention,
                        side,
                        format!("{sp}/{key}"),
                        format!("{up}/{key}"),
                        message,
                    );
                }
            }
        }
    }

    fn enumeration(&mut self, sp: &str, ours: &Value, up: &str, theirs: &Value, side: Side) {
        let key = |v: &Value| {
            if v.get("enum").is_some() {
                "enum"
            } else {
                "x-extensible-enum"
            }
        };
        let (es, eu) = (
            format!("{sp}/{}", key(ours)),
            format!("{up}/{}", key(theirs)),
        );
        match (values(ours), values(theirs)) {
            (None, None) | (Some((_, true)), None) => {}
            (Some((_, false)), None) => {
                let level = risk(side, false, Level::Breaking);
                self.add(
                    Kind::EnumWidened,
                    level,
                    side,
                    es,
                    format!("{up}/enum"),
                    "the spec lists the values; upstream allows any".into(),
                );
            }
            (None, Some((theirs, _))) => {
                let level = risk(side, true, Level::Attention);
                self.add(
                    Kind::EnumNarrowed,
                    level,
                    side,
                    format!("{sp}/enum"),
                    eu,
                    format!(
                        "upstream allows only {}; the spec allows any value",
                        listed(&theirs)
                    ),
                );
            }
            (Some((ours, open)), Some((theirs, _))) => {
                let more: BTreeSet<String> = theirs.difference(&ours).cloned().collect();
                let fewer: BTreeSet<String> = ours.difference(&theirs).cloned().collect();
                if !more.is_empty() {
                    // An open enum takes any value already: a new one is news, not risk.
                    let level = if open {
                        Level::Information
                    } else {
                        risk(side, false, Level::Breaking)
                    };
                    self.add(
                        Kind::EnumWidened,
                        level,
                        side,
                        es.clone(),
                        eu.clone(),
                        format!("upstream adds {}", listed(&more)),
                    );
                }
                if !fewer.is_empty() {
                    let level = risk(side, true, Level::Breaking);
                    self.add(
                        Kind::EnumNarrowed,
                        level,
                        side,
                        es,
                        eu,
                        format!("upstream does not list {}", listed(&fewer)),
                    );
                }
            }
        }
    }

    fn constraints(&mut self, sp: &str, ours: &Value, up: &str, theirs: &Value, side: Side) {
        let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_f64);
        for key in LOWER_BOUNDS
            .into_iter()
            .chain(UPPER_BOUNDS)
            .chain(RESTRICTIONS)
        {
            let (a, b) = (ours.get(key), theirs.get(key));
            if a == b
                || (a.is_none() && b == Some(&Value::Bool(false)))
                || (b.is_none() && a == Some(&Value::Bool(false)))
            {
                continue;
            }
            let stricter_upstream = match (number(ours, key), number(theirs, key)) {
                (Some(x), Some(y)) if LOWER_BOUNDS.contains(&key) => Some(y > x),
                (Some(x), Some(y)) if UPPER_BOUNDS.contains(&key) => Some(y < x),
                _ => match (a, b) {
                    (None, Some(_)) => Some(true),
                    (Some(_), None) => Some(false),
                    // Two different patterns or multiples: neither is simply stricter.
                    _ => None,
                },
            };
            let show = |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), Value::to_string);
            let message = format!("{key}: the spec says {}, upstream {}", show(a), show(b));
            let (ps, pu) = (format!("{sp}/{key}"), format!("{up}/{key}"));
            match stricter_upstream {
                Some(true) => self.add(
                    Kind::ConstraintTightened,
                    risk(side, true, Level::Breaking),
                    side,
                    ps,
                    pu,
                    message,
                ),
                Some(false) => self.add(
                    Kind::ConstraintLoosened,
                    risk(side, false, Level::Attention),
                    side,
                    ps,
                    pu,
                    message,
                ),
                None => self.add(
                    Kind::ConstraintTightened,
                    Level::Attention,
                    side,
                    ps,
                    pu,
                    message,
                ),
            }
        }
    }

    fn properties(&mut self, sp: &str, ours: &'a Value, up: &str, theirs: &'a Value, side: Side) {
        let required = |v: &Value| -> BTreeSet<String> {
            v.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (req_ours, req_theirs) = (required(ours), required(theirs));
        let empty = super::compare::empty();
        let props = |v: &'a Value| v.get("properties").and_then(Value::as_object);
        let (ours, theirs) = (props(ours).unwrap_or(empty), props(theirs).unwrap_or(empty));
        // A read-only property is never sent, a write-only one never received.
        let skip = if side == Side::Request {
            "readOnly"
        } else {
            "writeOnly"
        };
        let hidden = |v: &Value| v.get(skip).and_then(Value::as_bool) == Some(true);
        let names: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
        for name in names {
            let (ps, pu) = (
                format!("{sp}/properties/{}", escape(name)),
                format!("{up}/properties/{}", escape(name)),
            );
            let (a, b) = (ours.get(name), theirs.get(name));
            if a.is_some_and(hidden) || b.is_some_and(hidden) {
                continue;
            }
            let (in_ours, in_theirs) = (req_ours.contains(name), req_theirs.contains(name));
            match (a, b) {
                (Some(a), Some(b)) => {
                    if in_theirs && !in_ours {
                        self.add(
                            Kind::PropertyNowRequired,
                            risk(side, true, Level::Breaking),
                            side,
                            ps.clone(),
                            pu.clone(),
                            format!("upstream requires `{name}`; the spec does not"),
                        );
                    } else if in_ours && !in_theirs {
                        self.add(
                            Kind::PropertyNowOptional,
                            risk(side, false, Level::Breaking),
                            side,
                            ps.clone(),
                            pu.clone(),
                            format!("the spec requires `{name}`; upstream does not"),
                        );
                    }
                    self.schema(&ps, a, &pu, b, side);
                }
                (None, Some(_)) => {
                    let level = if side == Side::Request && in_theirs {
                        Level::Breaking
                    } else {
                        Level::Information
                    };
                    let what = if in_theirs { "required" } else { "optional" };
                    self.add(
                        Kind::PropertyAdded,
                        level,
                        side,
                        ps,
                        pu,
                        format!("upstream has {what} property `{name}`; the spec does not"),
                    );
                }
                (Some(_), None) => {
                    let level = if side == Side::Response && in_ours {
                        Level::Breaking
                    } else {
                        Level::Attention
                    };
                    self.add(
                        Kind::PropertyMissing,
                        level,
                        side,
                        ps,
                        pu,
                        format!("the spec has property `{name}`; upstream does not"),
                    );
                }
                (None, None) => {}
            }
        }
    }
}
