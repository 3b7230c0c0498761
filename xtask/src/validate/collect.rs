//! Finding every example in a document and the schema it must match, and the structural
//! checks that need no schema validation (operation ids, responses without media type,
//! schema or example).

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::positions::escape;
use super::schema::Context;
use super::Finding;

/// What an example is an example of, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Label {
    /// The operation id (`-` for component schemas).
    pub operation: String,
    /// The status, `request`, or `-`.
    pub status: String,
    /// The media type, `parameter <name>`, `header <name>` or `schema <name>`.
    pub media: String,
    /// The example's name (`example` for a single `example`).
    pub name: String,
}

/// One example to validate.
#[derive(Debug, Clone)]
pub struct Example {
    /// Where the value is in the document (JSON pointer).
    pub pointer: String,
    /// The value.
    pub value: Value,
    /// Where its schema is in the document (JSON pointer).
    pub schema: String,
    /// Request or response rules.
    pub contexts: Vec<Context>,
    /// What it is an example of.
    pub label: Label,
}

/// A local `$ref` that points nowhere: the document cannot be validated.
#[derive(Debug)]
pub struct Unresolved {
    /// Where the `$ref` is.
    pub pointer: String,
    /// What it says.
    pub reference: String,
}

/// Everything found in one document.
#[derive(Debug, Default)]
pub struct Collected {
    pub examples: Vec<Example>,
    pub findings: Vec<(String, Finding)>,
    pub unresolved: Vec<Unresolved>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Walks `document` for examples and structural problems.
pub fn collect(document: &Value) -> Collected {
    let mut collected = Collected::default();
    check_refs(document, document, "", &mut collected.unresolved);
    if !collected.unresolved.is_empty() {
        return collected;
    }
    let mut operation_ids: HashMap<String, String> = HashMap::new();
    let mut request_refs = BTreeSet::new();
    let mut response_refs = BTreeSet::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        let item_pointer = format!("/paths/{}", escape(path));
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let pointer = format!("{item_pointer}/{method}");
            let id = operation["operationId"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            if let Some(first) = operation_ids.insert(id.clone(), pointer.clone()) {
                collected.findings.push((
                    pointer.clone(),
                    finding(
                        &id,
                        "-",
                        "-",
                        &format!("operationId `{id}` is also used at {first}"),
                    ),
                ));
            }
            let parameters = item["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, p)| (format!("{item_pointer}/parameters/{i}"), p));
            let own = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, p)| (format!("{pointer}/parameters/{i}"), p));
            for (parameter_pointer, parameter) in parameters.chain(own) {
                let (parameter_pointer, parameter) =
                    resolve(document, &parameter_pointer, parameter);
                let name = format!("parameter {}", parameter["name"].as_str().unwrap_or("?"));
                let schema = format!("{parameter_pointer}/schema");
                refs_under(document, &parameter["schema"], &mut request_refs);
                let label = Label {
                    operation: id.clone(),
                    status: "request".into(),
                    media: name,
                    name: String::new(),
                };
                examples_of(
                    document,
                    &parameter_pointer,
                    parameter,
                    &schema,
                    Context::Request,
                    &label,
                    &mut collected,
                );
            }
            if let Some(body) = operation.get("requestBody") {
                let (body_pointer, body) =
                    resolve(document, &format!("{pointer}/requestBody"), body);
                for (media, content) in body["content"].as_object().into_iter().flatten() {
                    let media_pointer = format!("{body_pointer}/content/{}", escape(media));
                    refs_under(document, &content["schema"], &mut request_refs);
                    let label = Label {
                        operation: id.clone(),
                        status: "request".into(),
                        media: media.clone(),
                        name: String::new(),
                    };
                    media_examples(
                        document,
                        &media_pointer,
                        content,
                        Context::Request,
                        &label,
                        &mut collected,
                    );
                }
            }
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                let (response_pointer, response) = resolve(
                    document,
                    &format!("{pointer}/responses/{}", escape(status)),
                    response,
                );
                let content = response["content"].as_object();
                if content.is_none_or(|c| c.is_empty()) && !matches!(status.as_str(), "204" | "304")
                {
                    collected.findings.push((
                        response_pointer.clone(),
                        finding(&id, status, "-", "the response declares no media type"),
                    ));
                }
                for (media, body) in content.into_iter().flatten() {
                    let media_pointer = format!("{response_pointer}/content/{}", escape(media));
                    if body.get("schema").is_none() {
                        collected.findings.push((
                            media_pointer.clone(),
                            finding(&id, status, media, "the media type declares no schema"),
                        ));
                        continue;
                    }
                    refs_under(document, &body["schema"], &mut response_refs);
                    let label = Label {
                        operation: id.clone(),
                        status: status.clone(),
                        media: media.clone(),
                        name: String::new(),
                    };
                    let own = media_examples(
                        document,
                        &media_pointer,
                        body,
                        Context::Response,
                        &label,
                        &mut collected,
                    );
                    if own == 0 {
                        collected.findings.push((
                            media_pointer.clone(),
                            finding(&id, status, media, "the documented status has no example"),
                        ));
                    }
                }
                for (name, header) in response["headers"].as_object().into_iter().flatten() {
                    let header_pointer = format!("{response_pointer}/headers/{}", escape(name));
                    let (header_pointer, header) = resolve(document, &header_pointer, header);
                    let label = Label {
                        operation: id.clone(),
                        status: status.clone(),
                        media: format!("header {name}"),
                        name: String::new(),
                    };
                    examples_of(
                        document,
                        &header_pointer,
                        header,
                        &format!("{header_pointer}/schema"),
                        Context::Response,
                        &label,
                        &mut collected,
                    );
                }
            }
        }
    }
    schema_examples(document, &request_refs, &response_refs, &mut collected);
    collected
}

fn finding(operation: &str, status: &str, media: &str, message: &str) -> Finding {
    Finding {
        label: Some(Label {
            operation: operation.into(),
            status: status.into(),
            media: media.into(),
            name: String::new(),
        }),
        message: message.into(),
        ..Finding::default()
    }
}

/// A media type's examples: those written inside its schema, then its own `example`
/// and `examples`. Returns how many of the latter there are (only they count as the
/// media type having an example).
fn media_examples(
    document: &Value,
    media_pointer: &str,
    media: &Value,
    context: Context,
    label: &Label,
    collected: &mut Collected,
) -> usize {
    let schema = format!("{media_pointer}/schema");
    let inline = Label {
        name: "schema example".into(),
        ..label.clone()
    };
    in_schema(&media["schema"], &schema, &[context], &inline, collected);
    let before = collected.examples.len();
    examples_of(
        document,
        media_pointer,
        media,
        &schema,
        context,
        label,
        collected,
    );
    collected.examples.len() - before
}

/// The `example` and `examples` of a parameter, header or media type.
fn examples_of(
    document: &Value,
    owner_pointer: &str,
    owner: &Value,
    schema: &str,
    context: Context,
    label: &Label,
    collected: &mut Collected,
) {
    let mut push = |pointer: String, value: Value, name: &str| {
        let label = Label {
            name: name.to_owned(),
            ..label.clone()
        };
        collected.examples.push(Example {
            pointer,
            value,
            schema: schema.to_owned(),
            contexts: vec![context],
            label,
        });
    };
    if let Some(value) = owner.get("example") {
        push(format!("{owner_pointer}/example"), value.clone(), "example");
    }
    for (name, example) in owner["examples"].as_object().into_iter().flatten() {
        let (pointer, example) = resolve(
            document,
            &format!("{owner_pointer}/examples/{}", escape(name)),
            example,
        );
        match example.get("value") {
            Some(value) => push(format!("{pointer}/value"), value.clone(), name),
            None => collected.findings.push((
                pointer,
                Finding {
                    label: Some(Label {
                        name: name.clone(),
                        ..label.clone()
                    }),
                    message: "the example has no `value` (`externalValue` is not checked)".into(),
                    ..Finding::default()
                },
            )),
        }
    }
}

/// Follows local `$ref`s (already checked to resolve) to the object and its pointer.
pub fn resolve<'a>(document: &'a Value, pointer: &str, value: &'a Value) -> (String, &'a Value) {
    let (mut pointer, mut value) = (pointer.to_owned(), value);
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = reference.strip_prefix('#') else {
            break;
        };
        match document.pointer(target) {
            Some(next) => {
                pointer = target.to_owned();
                value = next;
            }
            None => break,
        }
    }
    (pointer, value)
}

/// Records every `$ref` that does not resolve (examples' contents are data, not refs).
fn check_refs(document: &Value, value: &Value, pointer: &str, unresolved: &mut Vec<Unresolved>) {
    match value {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let resolves = reference
                    .strip_prefix('#')
                    .is_some_and(|target| document.pointer(target).is_some());
                if !resolves {
                    unresolved.push(Unresolved {
                        pointer: format!("{pointer}/$ref"),
                        reference: reference.to_owned(),
                    });
                }
            }
            for (key, child) in object {
                if key == "example" || key == "value" || key.starts_with("x-") {
                    continue;
                }
                check_refs(
                    document,
                    child,
                    &format!("{pointer}/{}", escape(key)),
                    unresolved,
                );
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                check_refs(document, child, &format!("{pointer}/{index}"), unresolved);
            }
        }
        _ => {}
    }
}

/// Component schemas reachable from `schema` through `$ref`s.
fn refs_under(document: &Value, schema: &Value, found: &mut BTreeSet<String>) {
    match schema {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                    if found.insert(name.to_owned()) {
                        refs_under(document, &document["components"]["schemas"][name], found);
                    }
                }
            }
            for (key, child) in object {
                if key != "example" && !key.starts_with("x-") {
                    refs_under(document, child, found);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| refs_under(document, item, found)),
        _ => {}
    }
}

/// `example`s written inside schemas: on components (checked in the contexts the
/// component is used in) and on inline schemas of operations.
fn schema_examples(
    document: &Value,
    request: &BTreeSet<String>,
    response: &BTreeSet<String>,
    collected: &mut Collected,
) {
    for (name, schema) in document["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let mut contexts = Vec::new();
        if request.contains(name) {
            contexts.push(Context::Request);
        }
        if response.contains(name) || contexts.is_empty() {
            contexts.push(Context::Response);
        }
        let label = Label {
            operation: "-".into(),
            status: "-".into(),
            media: format!("schema {name}"),
            name: "example".into(),
        };
        in_schema(
            schema,
            &format!("/components/schemas/{}", escape(name)),
            &contexts,
            &label,
            collected,
        );
    }
}

fn in_schema(
    schema: &Value,
    pointer: &str,
    contexts: &[Context],
    label: &Label,
    collected: &mut Collected,
) {
    let Some(object) = schema.as_object() else {
        return;
    };
    if let Some(value) = object.get("example") {
        collected.examples.push(Example {
            pointer: format!("{pointer}/example"),
            value: value.clone(),
            schema: pointer.to_owned(),
            contexts: contexts.to_vec(),
            label: label.clone(),
        });
    }
    for (name, property) in object
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        in_schema(
            property,
            &format!("{pointer}/properties/{}", escape(name)),
            contexts,
            label,
            collected,
        );
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = object.get(key) {
            in_schema(
                child,
                &format!("{pointer}/{key}"),
                contexts,
                label,
                collected,
            );
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (index, child) in object
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            in_schema(
                child,
                &format!("{pointer}/{key}/{index}"),
                contexts,
                label,
                collected,
            );
        }
    }
}
