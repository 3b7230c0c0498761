//! The spec's response schemas as strict JSON Schema (draft 4, the dialect OpenAPI 3.0
//! schemas extend), to check what the sandbox answers. Independent of `cargo xtask
//! validate`; stricter than the spec where a fake server should be:
//!
//! * objects with listed properties refuse others (`additionalProperties: false`);
//! * `x-extensible-enum` values are a closed `enum` (the sandbox only says known values);
//! * `nullable: true` adds `null` to the type; `writeOnly` properties may not appear;
//! * formats (`date-time`) are checked.

use jsonschema::{Draft, Validator};
use serde_json::{json, Map, Value};

/// The spec, read once per test binary.
pub struct SpecSchemas {
    spec: Value,
    components: Value,
}

impl SpecSchemas {
    pub fn load() -> Self {
        let spec = super::spec::spec();
        let mut schemas = spec["components"]["schemas"].clone();
        strict(&mut schemas);
        Self {
            components: json!({ "schemas": schemas }),
            spec,
        }
    }

    /// The validator for the `application/json` body of `operation`'s `status` answer.
    pub fn validator(&self, operation: &str, status: u16) -> Validator {
        let operation_object = self.spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .find(|op| op["operationId"] == operation)
            .unwrap_or_else(|| panic!("no operation `{operation}` in the spec"));
        let mut response = &operation_object["responses"][status.to_string()];
        if let Some(reference) = response["$ref"].as_str() {
            let name = reference.rsplit('/').next().unwrap();
            response = &self.spec["components"]["responses"][name];
        }
        let mut schema = response["content"]["application/json"]["schema"].clone();
        assert!(
            !schema.is_null(),
            "{operation} {status} documents no JSON body"
        );
        strict(&mut schema);
        let root = json!({ "allOf": [schema], "components": self.components });
        jsonschema::options()
            .with_draft(Draft::Draft4)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("the schema of {operation} {status} does not compile: {e}"))
    }

    /// Panics, listing every problem, unless `body` is what the spec documents for
    /// `operation`'s `status` answer.
    pub fn check(&self, operation: &str, status: u16, body: &Value) {
        let validator = self.validator(operation, status);
        let problems: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect();
        assert!(
            problems.is_empty(),
            "{operation} {status} answered outside its schema:\n{}\n{body:#}",
            problems.join("\n")
        );
    }
}

/// Rewrites every schema under `value` into its strict JSON Schema form.
fn strict(value: &mut Value) {
    match value {
        Value::Object(object) => {
            strict_schema(object);
            object.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

fn strict_schema(object: &mut Map<String, Value>) {
    if object.remove("nullable") == Some(Value::Bool(true)) {
        if let Some(kind) = object.get("type").cloned() {
            object.insert("type".into(), json!([kind, "null"]));
        }
    }
    if let Some(values) = object.get("x-extensible-enum").cloned() {
        object.insert("enum".into(), values);
    }
    if object.get("format") == Some(&json!("password")) {
        object.remove("format");
    }
    let Some(Value::Object(properties)) = object.get_mut("properties") else {
        return;
    };
    let write_only: Vec<String> = properties
        .iter()
        .filter(|(_, p)| p["writeOnly"] == true)
        .map(|(name, _)| name.clone())
        .collect();
    for name in &write_only {
        properties.remove(name);
    }
    if let Some(Value::Array(required)) = object.get_mut("required") {
        required.retain(|r| !write_only.iter().any(|w| r == w));
    }
    object
        .entry("additionalProperties")
        .or_insert(Value::Bool(false));
}
