//! OpenAPI 3.0 schemas as JSON Schema draft 4, for the validator.
//!
//! The rewrite touches schema positions only (`components/schemas/*` and every `schema`
//! of a parameter, header or media type), never examples or extensions, and keeps every
//! schema at its JSON pointer, so a finding names the spec location of the rule broken:
//!
//! * `nullable: true` adds `null` to `type`, not to `enum` (3.0.3: an `enum` that does
//!   not list `null` does not allow it).
//! * Local `$ref`s are re-encoded as URI fragments (any key works); one that resolves to
//!   nothing, or points into another document, becomes `{}` (the walk reports it).
//! * Keywords with a shape JSON Schema would refuse (`required: true`, an unknown
//!   `type`, draft 4's `id`) are dropped (the walk reports them).
//! * `format: int32` / `int64` become `minimum` / `maximum` (JSON Schema formats apply
//!   to strings only).
//! * `readOnly` properties are not required in a request and must not appear in one;
//!   `writeOnly` properties likewise in a response. Which applies is decided by where an
//!   example is used, so the document is rewritten once per context. A schema's own
//!   `example` is checked in [`Context::Schema`], where neither applies.
//! * `--strict` adds `additionalProperties: false` to object schemas that declare
//!   properties and say nothing about others. Off by default: it rejects valid examples
//!   of `allOf` compositions.

use serde_json::{json, Map, Value};

use super::pointer::{local_target, to_fragment};

/// Where an example is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Sent by a client: request bodies and parameters.
    Request,
    /// Sent by a server: responses and their headers.
    Response,
    /// A schema's own `example`: it describes the schema, whichever way it is sent.
    Schema,
}

impl Context {
    /// The URI the rewritten document is registered under.
    pub fn uri(self) -> &'static str {
        match self {
            Context::Request => "urn:openapi:request",
            Context::Response => "urn:openapi:response",
            Context::Schema => "urn:openapi:schema",
        }
    }
}

/// The whole document with every schema position rewritten for `context`.
pub fn rewrite_document(document: &Value, context: Context, strict: bool) -> Value {
    let rewrite = Rewrite {
        document,
        context,
        strict,
    };
    let mut rewritten = rewrite.walk(document, false);
    if let Some(root) = rewritten.as_object_mut() {
        root.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-04/schema#"),
        );
    }
    rewritten
}

struct Rewrite<'d> {
    document: &'d Value,
    context: Context,
    strict: bool,
}

impl Rewrite<'_> {
    /// Walks non-schema parts of the document (leaving out examples and extensions),
    /// rewriting what sits at schema positions.
    fn walk(&self, value: &Value, in_schemas_map: bool) -> Value {
        match value {
            Value::Object(object) => {
                let mut out = Map::new();
                for (key, child) in object {
                    let rewritten = if in_schemas_map || key == "schema" {
                        self.schema(child)
                    } else if key == "example" || key == "examples" || key.starts_with("x-") {
                        continue;
                    } else {
                        self.walk(child, key == "schemas")
                    };
                    out.insert(key.clone(), rewritten);
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.walk(item, false)).collect())
            }
            other => other.clone(),
        }
    }

    /// Rewrites one schema (see the module docs).
    fn schema(&self, schema: &Value) -> Value {
        let Some(object) = schema.as_object() else {
            return json!({});
        };
        if let Some(reference) = object.get("$ref") {
            let target = reference.as_str().and_then(local_target);
            return match target {
                Some(target) if self.document.pointer(&target).is_some() => {
                    json!({"$ref": format!("#{}", to_fragment(&target))})
                }
                _ => json!({}),
            };
        }
        let mut out = Map::new();
        for (key, child) in object {
            let rewritten = match key.as_str() {
                "properties" => Value::Object(
                    child
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, property)| (name.clone(), self.schema(property)))
                        .collect(),
                ),
                "additionalProperties" if child.is_boolean() => child.clone(),
                "items" | "additionalProperties" | "not" => self.schema(child),
                "allOf" | "oneOf" | "anyOf" => match child.as_array() {
                    Some(items) if !items.is_empty() => {
                        Value::Array(items.iter().map(|s| self.schema(s)).collect())
                    }
                    _ => continue,
                },
                "required" if !is_name_list(child) => continue,
                "type" if !is_type(child) => continue,
                "id" | "$id" | "$schema" | "definitions" | "example" => continue,
                _ if key.starts_with("x-") => continue,
                _ => child.clone(),
            };
            out.insert(key.clone(), rewritten);
        }
        if out.get("nullable") == Some(&Value::Bool(true)) {
            if let Some(Value::String(kind)) = out.get("type").cloned() {
                out.insert("type".into(), json!([kind, "null"]));
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
        forbid_context_properties(object, &mut out, self.context);
        if self.strict
            && out.contains_key("properties")
            && !out.contains_key("additionalProperties")
        {
            out.insert("additionalProperties".into(), Value::Bool(false));
        }
        Value::Object(out)
    }
}

fn is_name_list(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|names| !names.is_empty() && names.iter().all(Value::is_string))
}

fn is_type(value: &Value) -> bool {
    let known = ["string", "number", "integer", "boolean", "array", "object"];
    value.as_str().is_some_and(|kind| known.contains(&kind))
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
        Context::Schema => return,
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

    fn rewrite(schema: &Value, context: Context) -> Value {
        let document = json!({"components": {"schemas": {"A": {"type": "string"}}}});
        Rewrite {
            document: &document,
            context,
            strict: false,
        }
        .schema(schema)
    }

    #[test]
    fn nullable_adds_null_to_the_type_but_not_to_the_enum() {
        let schema = json!({"type": "string", "nullable": true, "enum": ["a"]});
        let rewritten = rewrite(&schema, Context::Response);
        assert_eq!(rewritten["type"], json!(["string", "null"]));
        assert_eq!(rewritten["enum"], json!(["a"]));
        let int = rewrite(
            &json!({"type": "integer", "format": "int32"}),
            Context::Response,
        );
        assert_eq!(int["maximum"], json!(2147483647.0));
    }

    #[test]
    fn read_only_depends_on_the_context() {
        let schema = json!({"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}});
        let request = rewrite(&schema, Context::Request);
        assert_eq!(request["required"], json!(["name"]));
        assert_eq!(request["properties"]["id"]["not"], json!({}));
        let response = rewrite(&schema, Context::Response);
        assert_eq!(response["required"], json!(["id", "name"]));
        let own = rewrite(&schema, Context::Schema);
        assert_eq!(own["properties"]["id"]["type"], "string");
    }

    #[test]
    fn refs_are_encoded_and_bad_shapes_dropped() {
        let schema = json!({"properties": {
            "a": {"$ref": "#/components/schemas/A"},
            "b": {"$ref": "#/components/schemas/Missing"},
            "c": {"type": "file", "required": true, "id": "x"},
            "d": {"$ref": "#/paths/~1users~1{id}/get"}}});
        let rewritten = rewrite(&schema, Context::Request);
        assert_eq!(
            rewritten["properties"]["a"],
            json!({"$ref": "#/components/schemas/A"})
        );
        assert_eq!(rewritten["properties"]["b"], json!({}));
        assert_eq!(rewritten["properties"]["c"], json!({}));
        assert_eq!(rewritten["properties"]["d"], json!({}));
    }

    #[test]
    fn examples_and_extensions_are_left_out() {
        let document = json!({"paths": {"/a": {"get": {"x-y": 1, "responses": {"200": {"content": {"application/json": {
            "schema": {"type": "string", "nullable": true},
            "example": {"schema": {"nullable": true, "type": "string"}}}}}}}}}});
        let rewritten = rewrite_document(&document, Context::Response, false);
        let media =
            &rewritten["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"]["type"], json!(["string", "null"]));
        assert!(media.get("example").is_none());
        assert!(rewritten["paths"]["/a"]["get"].get("x-y").is_none());
    }
}
