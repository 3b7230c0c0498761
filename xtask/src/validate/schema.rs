//! OpenAPI 3.0 schemas as JSON Schema draft 4, for the validator.
//!
//! The rewrite touches schema positions only (`components/schemas/*` and every `schema`
//! of a parameter, header or media type), never examples or extensions, and keeps every
//! schema at its JSON pointer, so a finding names the spec location of the rule broken:
//!
//! * `nullable: true` adds `null` to `type` (and to `enum`).
//! * `format: int32` / `int64` become `minimum` / `maximum` (JSON Schema formats apply
//!   to strings only).
//! * `readOnly` properties are not required in a request and must not appear in one;
//!   `writeOnly` properties likewise in a response. Which applies is decided by where an
//!   example is used, so the document is rewritten once per context.
//! * `--strict` adds `additionalProperties: false` to object schemas that declare
//!   properties and say nothing about others. Off by default: it rejects valid examples
//!   of `allOf` compositions.

use serde_json::{json, Map, Value};

/// Where an example is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Sent by a client: request bodies and parameters.
    Request,
    /// Sent by a server: responses and their headers.
    Response,
}

impl Context {
    /// The URI the rewritten document is registered under.
    pub fn uri(self) -> &'static str {
        match self {
            Context::Request => "urn:openapi:request",
            Context::Response => "urn:openapi:response",
        }
    }
}

/// The whole document with every schema position rewritten for `context`.
pub fn rewrite_document(document: &Value, context: Context, strict: bool) -> Value {
    let mut rewritten = walk(document, context, strict, false);
    if let Some(root) = rewritten.as_object_mut() {
        root.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-04/schema#"),
        );
    }
    rewritten
}

/// Walks non-schema parts of the document, rewriting what sits at schema positions.
fn walk(value: &Value, context: Context, strict: bool, in_schemas_map: bool) -> Value {
    let Some(object) = value.as_object() else {
        return value.clone();
    };
    let mut out = Map::new();
    for (key, child) in object {
        let rewritten = if in_schemas_map || key == "schema" {
            rewrite_schema(child, context, strict)
        } else if key == "example" || key == "examples" || key.starts_with("x-") {
            child.clone()
        } else if let Some(items) = child.as_array() {
            Value::Array(
                items
                    .iter()
                    .map(|item| walk(item, context, strict, false))
                    .collect(),
            )
        } else {
            walk(child, context, strict, key == "schemas")
        };
        out.insert(key.clone(), rewritten);
    }
    Value::Object(out)
}

/// Rewrites one schema (see the module docs).
pub fn rewrite_schema(schema: &Value, context: Context, strict: bool) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    if object.contains_key("$ref") {
        return schema.clone();
    }
    let mut out = Map::new();
    for (key, child) in object {
        let rewritten = match key.as_str() {
            "properties" => Value::Object(
                child
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, property)| {
                        (name.clone(), rewrite_schema(property, context, strict))
                    })
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => rewrite_schema(child, context, strict),
            "allOf" | "oneOf" | "anyOf" => Value::Array(
                child
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| rewrite_schema(s, context, strict))
                    .collect(),
            ),
            _ => child.clone(),
        };
        out.insert(key.clone(), rewritten);
    }
    if out.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::String(kind)) = out.get("type").cloned() {
            out.insert("type".into(), json!([kind, "null"]));
        }
        if let Some(Value::Array(values)) = out.get_mut("enum") {
            if !values.contains(&Value::Null) {
                values.push(Value::Null);
            }
        }
    }
    let range = match out.get("format").and_then(Value::as_str) {
        Some("int32") => Some((i32::MIN as f64, i32::MAX as f64)),
        Some("int64") => Some((i64::MIN as f64, i64::MAX as f64)),
        _ => None,
    };
    if let Some((low, high)) = range {
        out.entry("minimum").or_insert(json!(low));
        out.entry("maximum").or_insert(json!(high));
    }
    forbid_context_properties(object, &mut out, context);
    if strict && out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

/// `readOnly` properties in a request (or `writeOnly` ones in a response): not required,
/// and not allowed.
fn forbid_context_properties(
    original: &Map<String, Value>,
    out: &mut Map<String, Value>,
    context: Context,
) {
    let flag = match context {
        Context::Request => "readOnly",
        Context::Response => "writeOnly",
    };
    let Some(properties) = original.get("properties").and_then(Value::as_object) else {
        return;
    };
    let forbidden: Vec<&String> = properties
        .iter()
        .filter(|(_, p)| p.get(flag) == Some(&Value::Bool(true)))
        .map(|(name, _)| name)
        .collect();
    if forbidden.is_empty() {
        return;
    }
    if let Some(Value::Array(required)) = out.get_mut("required") {
        required.retain(|name| !forbidden.iter().any(|f| name.as_str() == Some(f.as_str())));
    }
    if let Some(Value::Object(rewritten)) = out.get_mut("properties") {
        for name in forbidden {
            rewritten.insert(
                name.clone(),
                json!({"not": {}, "x-forbidden-because": flag}),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_and_integer_formats() {
        let schema = json!({"type": "string", "nullable": true, "enum": ["a"]});
        let rewritten = rewrite_schema(&schema, Context::Response, false);
        assert_eq!(rewritten["type"], json!(["string", "null"]));
        assert_eq!(rewritten["enum"], json!(["a", null]));
        let int = rewrite_schema(
            &json!({"type": "integer", "format": "int32"}),
            Context::Response,
            false,
        );
        assert_eq!(int["maximum"], json!(2147483647.0));
    }

    #[test]
    fn read_only_depends_on_the_context() {
        let schema = json!({"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}});
        let request = rewrite_schema(&schema, Context::Request, false);
        assert_eq!(request["required"], json!(["name"]));
        assert_eq!(request["properties"]["id"]["not"], json!({}));
        let response = rewrite_schema(&schema, Context::Response, false);
        assert_eq!(response["required"], json!(["id", "name"]));
    }

    #[test]
    fn examples_and_extensions_are_left_alone() {
        let document = json!({"paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"type": "string", "nullable": true},
            "example": {"schema": {"nullable": true, "type": "string"}}}}}}}}}});
        let rewritten = rewrite_document(&document, Context::Response, false);
        let media =
            &rewritten["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"]["type"], json!(["string", "null"]));
        assert_eq!(media["example"]["schema"]["type"], json!("string"));
    }
}
