//! The one walk of a document that every check uses: path items, operations (and their
//! callbacks), parameters, request bodies, responses, headers, media types, then the
//! components. It yields each example once, keyed by where it is after `$ref`s are
//! followed (so a shared example is one site, with every operation that reaches it),
//! and the structural findings met on the way. Schemas are walked in `schemas.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::findings::{Findings, Rule};
use super::pointer::{escape, local_target};
use super::schema::Context;

/// The HTTP methods of a path item, in the order OpenAPI lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The warning for a `content: {$ref: …}`, shared by every command that reads documents.
pub fn content_ref_message(reference: &str) -> String {
    format!("`content` is a `$ref` to `{reference}`: OpenAPI 3.0 allows `$ref` only where a Reference Object may stand, and `content` must be a map of Media Type objects; followed here (as Redocly does), but other tools may ignore what it refers to")
}

/// One example to check.
#[derive(Debug, Clone)]
pub struct Site {
    /// Where the value is (JSON pointer).
    pub value: String,
    /// Where its schema is, if it has one.
    pub schema: Option<String>,
    /// Which rules apply (request, response, or the schema's own).
    pub context: Context,
    /// What it is an example of.
    pub what: String,
    /// Its name in `examples` (empty for a single `example`).
    pub example: String,
    /// The operations that reach it.
    pub operations: BTreeSet<String>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Examples, by (value, schema, context).
    pub sites: BTreeMap<(String, Option<String>, Context), Site>,
    /// Structural findings.
    pub findings: Findings,
}

/// Walks `document`.
pub fn walk(document: &Value) -> Walk {
    let mut walker = Walker {
        doc: document,
        out: Walk::default(),
        operation_ids: HashMap::new(),
    };
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            walker.path_item(&format!("/paths/{}", escape(path)), item, path, "");
        }
    }
    walker.components();
    walker.out
}

pub(super) struct Walker<'d> {
    pub(super) doc: &'d Value,
    pub(super) out: Walk,
    operation_ids: HashMap<String, String>,
}

impl<'d> Walker<'d> {
    /// Follows local `$ref`s; an unresolved one is a finding and gives `None`.
    pub(super) fn resolve(
        &mut self,
        pointer: &str,
        value: &'d Value,
    ) -> Option<(String, &'d Value)> {
        let (mut pointer, mut value) = (pointer.to_owned(), value);
        for _ in 0..32 {
            let Some(reference) = value.get("$ref") else {
                return Some((pointer, value));
            };
            let Some(reference) = reference.as_str() else {
                self.out.findings.at(
                    &format!("{pointer}/$ref"),
                    Rule::Structure,
                    "",
                    "`$ref` must be a string".into(),
                );
                return None;
            };
            let Some(target) = local_target(reference) else {
                self.out.findings.at(
                    &format!("{pointer}/$ref"),
                    Rule::NotChecked,
                    "",
                    format!("`$ref: {reference}` points into another document, which is not read; what it holds is not checked"),
                );
                return None;
            };
            match self.doc.pointer(&target) {
                Some(next) => (pointer, value) = (target, next),
                None => {
                    self.out.findings.at(
                        &format!("{pointer}/$ref"),
                        Rule::UnresolvedRef,
                        "",
                        format!("`$ref: {reference}` resolves to nothing in this document"),
                    );
                    return None;
                }
            }
        }
        self.out.findings.at(
            &pointer,
            Rule::Structure,
            "",
            "`$ref`s go round in a loop".into(),
        );
        None
    }

    /// A `content` map, following a `$ref` in its place (which OpenAPI 3.0 does not
    /// allow) with a warning; `None` when the reference resolves to nothing.
    pub(super) fn content_map(
        &mut self,
        pointer: &str,
        content: &'d Value,
        what: &str,
    ) -> Option<(String, &'d Value)> {
        if let Some(reference) = content.get("$ref").and_then(Value::as_str) {
            self.out.findings.at(
                &format!("{pointer}/$ref"),
                Rule::RefNotAllowed,
                what,
                content_ref_message(reference),
            );
        }
        self.resolve(pointer, content)
    }

    fn path_item(&mut self, pointer: &str, item: &'d Value, path: &str, prefix: &str) {
        let Some((pointer, item)) = self.resolve(pointer, item) else {
            return;
        };
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                self.operation(&pointer, item, method, operation, path, prefix);
            }
        }
    }

    fn operation(
        &mut self,
        item_pointer: &str,
        item: &'d Value,
        method: &str,
        operation: &'d Value,
        path: &str,
        prefix: &str,
    ) {
        let pointer = format!("{item_pointer}/{method}");
        let id = match operation.get("operationId").and_then(Value::as_str) {
            Some(id) => {
                if let Some(first) = self.operation_ids.insert(id.to_owned(), pointer.clone()) {
                    self.out.findings.at(
                        &format!("{pointer}/operationId"),
                        Rule::Structure,
                        "",
                        format!("operationId `{id}` is also used at {first}; it must be unique"),
                    );
                }
                id.to_owned()
            }
            None => format!("{} {path}", method.to_uppercase()),
        };
        let id = format!("{prefix}{id}");
        let users = BTreeSet::from([id.clone()]);
        self.description(&pointer, operation);
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| (format!("{item_pointer}/parameters/{i}"), p));
        let own = operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| (format!("{pointer}/parameters/{i}"), p));
        for (parameter_pointer, parameter) in shared.chain(own).collect::<Vec<_>>() {
            self.parameter(
                &parameter_pointer,
                parameter,
                "parameter",
                Context::Request,
                &users,
            );
        }
        if let Some(body) = operation.get("requestBody") {
            self.request_body(&format!("{pointer}/requestBody"), body, &users);
        }
        for (status, response) in operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            self.response(
                &format!("{pointer}/responses/{}", escape(status)),
                status,
                response,
                &users,
            );
        }
        for (name, callback) in operation
            .get("callbacks")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some((callback_pointer, callback)) =
                self.resolve(&format!("{pointer}/callbacks/{}", escape(name)), callback)
            else {
                continue;
            };
            for (expression, item) in callback.as_object().into_iter().flatten() {
                let prefix = format!("{id} callback {name} ");
                self.path_item(
                    &format!("{callback_pointer}/{}", escape(expression)),
                    item,
                    expression,
                    &prefix,
                );
            }
        }
    }

    /// Everything under `components`, also what no operation uses.
    fn components(&mut self) {
        let none = BTreeSet::new();
        let components = self.doc.get("components");
        let section = |name: &str| {
            components
                .and_then(|c| c.get(name))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
        };
        for (name, schema) in section("schemas") {
            self.schema_tree(
                &format!("/components/schemas/{}", escape(name)),
                schema,
                &none,
            );
        }
        for (name, parameter) in section("parameters") {
            self.parameter(
                &format!("/components/parameters/{}", escape(name)),
                parameter,
                "parameter",
                Context::Request,
                &none,
            );
        }
        for (name, header) in section("headers") {
            self.parameter(
                &format!("/components/headers/{}", escape(name)),
                header,
                "header",
                Context::Response,
                &none,
            );
        }
        for (name, body) in section("requestBodies") {
            self.request_body(
                &format!("/components/requestBodies/{}", escape(name)),
                body,
                &none,
            );
        }
        for (name, response) in section("responses") {
            self.response(
                &format!("/components/responses/{}", escape(name)),
                name,
                response,
                &none,
            );
        }
        let used: BTreeSet<&str> = self
            .out
            .sites
            .values()
            .map(|site| site.value.as_str())
            .collect();
        let mut unused = Vec::new();
        for (name, example) in section("examples") {
            let pointer = format!("/components/examples/{}", escape(name));
            if example.get("value").is_some() && !used.contains(format!("{pointer}/value").as_str())
            {
                unused.push((pointer, name.clone()));
            }
        }
        for (pointer, name) in unused {
            self.out.findings.at(&pointer, Rule::NotChecked, "", format!("example `{name}` is not used by any media type, parameter or header, so it has no schema to be checked against"));
        }
    }
}
