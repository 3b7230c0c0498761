//! The schema part of the walk: every schema node under a schema position, following
//! `$ref`s (once per operation) so each schema-level `example` knows the operations
//! that reach it, and the structural problems of schemas (unresolved `$ref`,
//! `nullable` beside `$ref`, Swagger 2 `required: true`, a `description` that is not
//! a string).

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::findings::Rule;
use super::pointer::{escape, local_target};
use super::schema::Context;
use super::walk::Walker;

/// Siblings of `$ref` that are usual and harmless to ignore.
const HARMLESS: [&str; 3] = ["$ref", "description", "summary"];

/// Keywords holding one subschema.
const ONE: [&str; 3] = ["items", "additionalProperties", "not"];
/// Keywords holding a list of subschemas.
const MANY: [&str; 3] = ["allOf", "oneOf", "anyOf"];

impl<'d> Walker<'d> {
    /// Walks the schema at `pointer` and everything it refers to.
    pub(super) fn schema_tree(
        &mut self,
        pointer: &str,
        schema: &'d Value,
        users: &BTreeSet<String>,
    ) {
        let mut seen = HashSet::new();
        self.schema_node(pointer, schema, users, &mut seen, 0);
    }

    fn schema_node(
        &mut self,
        pointer: &str,
        schema: &'d Value,
        users: &BTreeSet<String>,
        seen: &mut HashSet<String>,
        depth: usize,
    ) {
        if depth > 200 || !seen.insert(pointer.to_owned()) {
            return;
        }
        let Some(object) = schema.as_object() else {
            self.out.findings.at(
                pointer,
                Rule::Structure,
                "",
                "a schema must be an object".into(),
            );
            return;
        };
        if let Some(reference) = object.get("$ref") {
            self.ref_siblings(pointer, object, users);
            let resolved = reference
                .as_str()
                .and_then(local_target)
                .and_then(|target| self.doc.pointer(&target).map(|next| (target, next)));
            match resolved {
                Some((target, next)) => self.schema_node(&target, next, users, seen, depth + 1),
                // Reported (with the reason) by `resolve`.
                None => {
                    self.resolve(pointer, schema);
                }
            }
            return;
        }
        self.description(pointer, schema);
        if let Some(required) = object.get("required") {
            if required.is_boolean() {
                self.out.findings.at(
                    &format!("{pointer}/required"),
                    Rule::Structure,
                    "",
                    "`required` must list property names; `required: true` on a property is Swagger 2 style and is ignored (list the name in the parent's `required`)".into(),
                );
            } else if !required
                .as_array()
                .is_some_and(|names| names.iter().all(Value::is_string))
            {
                self.out.findings.at(
                    &format!("{pointer}/required"),
                    Rule::Structure,
                    "",
                    "`required` must be a list of property names; it is ignored".into(),
                );
            }
        }
        if let Some(kind) = object.get("type") {
            let known = ["string", "number", "integer", "boolean", "array", "object"];
            if !kind.as_str().is_some_and(|k| known.contains(&k)) {
                self.out.findings.at(
                    &format!("{pointer}/type"),
                    Rule::Structure,
                    "",
                    format!("`type: {kind}` is not an OpenAPI 3.0 type; it is ignored"),
                );
            }
        }
        if object.contains_key("example") {
            let what = match pointer.strip_prefix("/components/schemas/") {
                Some(rest) => format!("schema {rest}"),
                None => "inline schema".to_owned(),
            };
            self.site(
                format!("{pointer}/example"),
                Some(pointer),
                Context::Schema,
                &what,
                "",
                users,
            );
        }
        if let Some(properties) = object.get("properties") {
            match properties.as_object() {
                Some(properties) => {
                    for (name, property) in properties {
                        self.schema_node(
                            &format!("{pointer}/properties/{}", escape(name)),
                            property,
                            users,
                            seen,
                            depth + 1,
                        );
                    }
                }
                None => self.out.findings.at(
                    &format!("{pointer}/properties"),
                    Rule::Structure,
                    "",
                    "`properties` must be a map of schemas".into(),
                ),
            }
        }
        for key in ONE {
            match object.get(key) {
                Some(Value::Bool(_)) if key == "additionalProperties" => {}
                Some(child) => {
                    self.schema_node(&format!("{pointer}/{key}"), child, users, seen, depth + 1)
                }
                None => {}
            }
        }
        for key in MANY {
            match object.get(key) {
                Some(Value::Array(children)) => {
                    for (index, child) in children.iter().enumerate() {
                        self.schema_node(
                            &format!("{pointer}/{key}/{index}"),
                            child,
                            users,
                            seen,
                            depth + 1,
                        );
                    }
                }
                Some(_) => self.out.findings.at(
                    &format!("{pointer}/{key}"),
                    Rule::Structure,
                    "",
                    format!("`{key}` must be a list of schemas"),
                ),
                None => {}
            }
        }
    }

    /// Siblings of `$ref` are ignored in OpenAPI 3.0: say so (`nullable` on its own, as
    /// it changes what validates); an `example` beside it is still checked against the
    /// referenced schema, as its author meant.
    fn ref_siblings(
        &mut self,
        pointer: &str,
        object: &serde_json::Map<String, Value>,
        users: &BTreeSet<String>,
    ) {
        if object.get("nullable") == Some(&Value::Bool(true)) {
            self.out.findings.at(
                &format!("{pointer}/nullable"),
                Rule::NotChecked,
                "",
                "`nullable: true` beside `$ref` is ignored in OpenAPI 3.0 (siblings of `$ref` are); to allow null, write `nullable: true` with `allOf: [{$ref: …}]`".into(),
            );
        }
        let ignored: Vec<String> = object
            .keys()
            .filter(|key| {
                !HARMLESS.contains(&key.as_str())
                    && *key != "nullable"
                    && *key != "example"
                    && !key.starts_with("x-")
            })
            .map(|key| format!("`{key}`"))
            .collect();
        if !ignored.is_empty() {
            self.out.findings.at(
                pointer,
                Rule::NotChecked,
                "",
                format!("siblings of `$ref` are ignored in OpenAPI 3.0, so examples are not checked against {}; to apply them, put the `$ref` in `allOf`", ignored.join(", ")),
            );
        }
        if object.contains_key("example") {
            self.site(
                format!("{pointer}/example"),
                Some(pointer),
                Context::Schema,
                "schema ($ref)",
                "",
                users,
            );
        }
    }
}
