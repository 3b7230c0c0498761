//! The places of the walk that hold examples: parameters and headers, request bodies,
//! responses, media types, and their `example` / `examples`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::findings::{Finding, Rule};
use super::pointer::escape;
use super::schema::Context;
use super::walk::{Site, Walker};

impl<'d> Walker<'d> {
    /// A parameter or header: examples against its `schema`, or its `content`.
    pub(super) fn parameter(
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

    pub(super) fn request_body(
        &mut self,
        pointer: &str,
        body: &'d Value,
        users: &BTreeSet<String>,
    ) {
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

    pub(super) fn response(
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
                    Finding {
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
    /// A `content` that is a `$ref` (OpenAPI 3.0 allows none there) is followed, with a
    /// warning, so the examples behind it are checked at the place it refers to.
    fn content(
        &mut self,
        pointer: &str,
        content: &'d Value,
        context: Context,
        what: &str,
        users: &BTreeSet<String>,
    ) -> Vec<String> {
        let Some((pointer, content)) = self.content_map(pointer, content, what) else {
            return Vec::new();
        };
        let pointer = pointer.as_str();
        let Some(media_types) = content.as_object() else {
            self.out.findings.at(
                pointer,
                Rule::Structure,
                what,
                "`content` must be a map of media types".into(),
            );
            return Vec::new();
        };
        let mut without = Vec::new();
        for (media, media_type) in media_types {
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
                Finding {
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
}
