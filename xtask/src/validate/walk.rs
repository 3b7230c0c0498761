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

    /// A parameter or header: examples against its `schema`, or its `content`.
    fn parameter(
        &mut self,
        pointer: &str,
        parameter: &'d Value,
        kind: &str,
        context: Context,
        users: &BTreeSet<String>,
    ) {
        let Some((pointer, parameter)) = self.resolve(pointer, parameter) else {
            return;
        };
        self.description(&pointer, parameter);
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .or_else(|| pointer.rsplit('/').next())
            .unwrap_or("?");
        let what = format!("{kind} {name}");
        if let Some(schema) = parameter.get("schema") {
            let schema_pointer = format!("{pointer}/schema");
            self.schema_tree(&schema_pointer, schema, users);
            self.examples(
                &pointer,
                parameter,
                Some(&schema_pointer),
                context,
                &what,
                users,
            );
        } else if let Some(content) = parameter.get("content") {
            self.content(
                &format!("{pointer}/content"),
                content,
                context,
                &what,
                users,
            );
        } else {
            self.examples(&pointer, parameter, None, context, &what, users);
        }
    }

    fn request_body(&mut self, pointer: &str, body: &'d Value, users: &BTreeSet<String>) {
        let Some((pointer, body)) = self.resolve(pointer, body) else {
            return;
        };
        self.description(&pointer, body);
        if let Some(content) = body.get("content") {
            self.content(
                &format!("{pointer}/content"),
                content,
                Context::Request,
                "request",
                users,
            );
        }
    }

    fn response(
        &mut self,
        pointer: &str,
        status: &str,
        response: &'d Value,
        users: &BTreeSet<String>,
    ) {
        let Some((pointer, response)) = self.resolve(pointer, response) else {
            return;
        };
        self.description(&pointer, response);
        if let Some(content) = response.get("content") {
            let what = format!("response {status}");
            let without = self.content(
                &format!("{pointer}/content"),
                content,
                Context::Response,
                &what,
                users,
            );
            if let Some(media_pointer) = without.into_iter().next() {
                self.out.findings.add(
                    super::findings::Finding {
                        pointer: media_pointer,
                        rule: Some(Rule::NoExample),
                        what,
                        message: "the documented response has no example".into(),
                        ..Default::default()
                    },
                    users,
                );
            }
        }
        for (name, header) in response
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            self.parameter(
                &format!("{pointer}/headers/{}", escape(name)),
                header,
                "header",
                Context::Response,
                users,
            );
        }
    }

    /// The media types of a `content` map; returns those with a schema but no example.
    fn content(
        &mut self,
        pointer: &str,
        content: &'d Value,
        context: Context,
        what: &str,
        users: &BTreeSet<String>,
    ) -> Vec<String> {
        let Some(media_types) = content.as_object() else {
            self.out.findings.at(
                pointer,
                Rule::Structure,
                what,
                "`content` must be a map of media types".into(),
            );
            return Vec::new();
        };
        if media_types.contains_key("$ref") {
            self.out.findings.at(pointer, Rule::Structure, what, "`content` cannot be a `$ref` (OpenAPI 3.0 has no reusable media types); what it refers to is not checked".into());
        }
        let mut without = Vec::new();
        for (media, media_type) in media_types.iter().filter(|(key, _)| *key != "$ref") {
            let media_pointer = format!("{pointer}/{}", escape(media));
            let what = format!("{what} {media}");
            if !media_type.is_object() {
                self.out.findings.at(
                    &media_pointer,
                    Rule::Structure,
                    &what,
                    "a media type must be an object".into(),
                );
                continue;
            }
            let schema = media_type.get("schema").map(|schema| {
                let schema_pointer = format!("{media_pointer}/schema");
                self.schema_tree(&schema_pointer, schema, users);
                schema_pointer
            });
            let count = self.examples(
                &media_pointer,
                media_type,
                schema.as_deref(),
                context,
                &what,
                users,
            );
            if count == 0 && schema.is_some() {
                without.push(media_pointer);
            }
        }
        without
    }

    /// The `example` and `examples` of a parameter, header or media type; returns how many.
    fn examples(
        &mut self,
        pointer: &str,
        holder: &'d Value,
        schema: Option<&str>,
        context: Context,
        what: &str,
        users: &BTreeSet<String>,
    ) -> usize {
        let mut count = 0;
        if holder.get("example").is_some() {
            self.site(
                format!("{pointer}/example"),
                schema,
                context,
                what,
                "",
                users,
            );
            count += 1;
        }
        let Some(examples) = holder.get("examples") else {
            return count;
        };
        if count > 0 {
            self.out.findings.at(
                pointer,
                Rule::Structure,
                what,
                "`example` and `examples` are mutually exclusive".into(),
            );
        }
        let Some(examples) = examples.as_object() else {
            self.out.findings.at(
                &format!("{pointer}/examples"),
                Rule::Structure,
                what,
                "`examples` must be a map of Example objects".into(),
            );
            return count;
        };
        for (name, example) in examples {
            count += 1;
            let Some((example_pointer, example)) =
                self.resolve(&format!("{pointer}/examples/{}", escape(name)), example)
            else {
                continue;
            };
            if example.get("value").is_some() {
                self.site(
                    format!("{example_pointer}/value"),
                    schema,
                    context,
                    what,
                    name,
                    users,
                );
            } else if example.get("externalValue").is_some() {
                self.out.findings.at(&example_pointer, Rule::NotChecked, what, format!("example `{name}` has only an `externalValue`, which is not fetched; not checked"));
            } else {
                self.out.findings.at(
                    &example_pointer,
                    Rule::Structure,
                    what,
                    format!("example `{name}` has neither `value` nor `externalValue`"),
                );
            }
        }
        count
    }

    pub(super) fn site(
        &mut self,
        value: String,
        schema: Option<&str>,
        context: Context,
        what: &str,
        example: &str,
        users: &BTreeSet<String>,
    ) {
        if schema.is_none() {
            self.out.findings.add(
                super::findings::Finding {
                    pointer: value.clone(),
                    rule: Some(Rule::NotChecked),
                    what: what.to_owned(),
                    example: example.to_owned(),
                    message: "there is no `schema` to check this example against".into(),
                    ..Default::default()
                },
                users,
            );
        }
        let key = (value.clone(), schema.map(str::to_owned), context);
        let site = self.out.sites.entry(key).or_insert_with(|| Site {
            value,
            schema: schema.map(str::to_owned),
            context,
            what: what.to_owned(),
            example: example.to_owned(),
            operations: BTreeSet::new(),
        });
        site.operations.extend(users.iter().cloned());
    }

    /// A `description` that is not a string.
    pub(super) fn description(&mut self, pointer: &str, object: &Value) {
        if object.get("description").is_some_and(|d| !d.is_string()) {
            self.out.findings.at(
                &format!("{pointer}/description"),
                Rule::Structure,
                "",
                "`description` must be a string".into(),
            );
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
