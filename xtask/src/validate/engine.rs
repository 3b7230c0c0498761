//! Checking values against the document's schemas: the document is rewritten once per
//! context (`schema.rs`) and registered with the `jsonschema` crate; a validator is
//! compiled on first use by a `$ref` to the schema's pointer, so errors name the spec
//! location of the rule they broke. Schemas with the same content (the same inline
//! schema on a thousand operations) share one validator; a rule found under the first
//! one's pointer is reported under the pointer being checked.

use std::collections::HashMap;

use jsonschema::{Draft, Registry, Validator};
use serde_json::{json, Value};

use super::messages;
use super::pointer::{from_fragment, to_fragment};
use super::schema::{rewrite_document, Context};

/// One way a value breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where in the value (JSON pointer).
    pub instance_path: String,
    /// Where the broken rule is in the document (JSON pointer).
    pub rule: String,
    /// What is wrong, without dumping the value.
    pub message: String,
}

/// Compiled validators over the rewritten document.
pub struct Engine<'d> {
    document: &'d Value,
    registry: Registry<'static>,
    contexts: Vec<Context>,
    /// By (context, content id): the pointer it was compiled for, and the validator.
    validators: HashMap<(Context, usize), (String, Result<Validator, String>)>,
    /// The content id of each schema pointer checked so far.
    content_ids: HashMap<String, usize>,
    /// Content ids by the schema's JSON text.
    contents: HashMap<String, usize>,
}

impl<'d> Engine<'d> {
    /// Rewrites and registers `document` for the given contexts.
    pub fn new(document: &'d Value, contexts: &[Context], strict: bool) -> Result<Self, String> {
        let mut builder = Registry::new();
        for &context in contexts {
            builder = builder
                .add(context.uri(), rewrite_document(document, context, strict))
                .map_err(|e| format!("the rewritten schemas are not usable: {e}"))?;
        }
        let registry = builder
            .prepare()
            .map_err(|e| format!("the rewritten schemas are not usable: {e}"))?;
        Ok(Self {
            document,
            registry,
            contexts: contexts.to_vec(),
            validators: HashMap::new(),
            content_ids: HashMap::new(),
            contents: HashMap::new(),
        })
    }

    /// The ways `value` breaks the schema at `schema` in `context`, or why that schema
    /// cannot be used.
    pub fn check(
        &mut self,
        context: Context,
        schema: &str,
        value: &Value,
    ) -> Result<Vec<Violation>, String> {
        let id = self.content_id(schema);
        if !self.validators.contains_key(&(context, id)) {
            let compiled = self.compile(context, schema);
            self.validators
                .insert((context, id), (schema.to_owned(), compiled));
        }
        let (first, validator) = &self.validators[&(context, id)];
        let validator = validator.as_ref().map_err(Clone::clone)?;
        let mut violations = Vec::new();
        for error in validator.iter_errors(value) {
            let rule = error
                .absolute_keyword_location()
                .and_then(|uri| {
                    uri.as_str()
                        .split_once('#')
                        .map(|(_, fragment)| from_fragment(fragment))
                })
                .unwrap_or_else(|| format!("{first}{}", error.evaluation_path()));
            let rule = match rule.strip_prefix(first.as_str()) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{schema}{rest}"),
                _ => rule,
            };
            let message = messages::describe(&error, &|rule| self.forbidden_because(context, rule))
                + &messages::nullable_beside_ref(self.document, schema, &error);
            let violation = Violation {
                instance_path: error.instance_path().to_string(),
                rule,
                message,
            };
            if !violations.contains(&violation) {
                violations.push(violation);
            }
        }
        Ok(violations)
    }

    /// The same id for schemas with the same content.
    fn content_id(&mut self, schema: &str) -> usize {
        if let Some(id) = self.content_ids.get(schema) {
            return *id;
        }
        let text = self
            .document
            .pointer(schema)
            .map(Value::to_string)
            .unwrap_or_default();
        let next = self.contents.len();
        let id = *self.contents.entry(text).or_insert(next);
        self.content_ids.insert(schema.to_owned(), id);
        id
    }

    fn compile(&self, context: Context, schema: &str) -> Result<Validator, String> {
        if !self.contexts.contains(&context) {
            return Err(format!("no rules registered for {context:?}"));
        }
        let root = json!({"$ref": format!("{}#{}", context.uri(), to_fragment(schema))});
        jsonschema::options()
            .with_draft(Draft::Draft4)
            .should_validate_formats(true)
            .with_format("uuid", is_uuid)
            .with_format("date", is_date)
            .with_registry(&self.registry)
            .build(&root)
            .map_err(|e| {
                format!(
                    "the schema cannot be compiled, so examples against it are not checked: {e}"
                )
            })
    }

    /// `readOnly` or `writeOnly` when `rule` is a property the rewrite forbade (the
    /// `not: {}` that replaced a property flagged so, for this context).
    fn forbidden_because(&self, context: Context, rule: &str) -> Option<String> {
        let property = rule.strip_suffix("/not")?;
        let flag = match context {
            Context::Request => "readOnly",
            Context::Response => "writeOnly",
            Context::Schema => return None,
        };
        let (parent, _) = property.rsplit_once('/')?;
        if !parent.ends_with("/properties") {
            return None;
        }
        (self.document.pointer(property)?.get(flag) == Some(&Value::Bool(true)))
            .then(|| flag.to_owned())
    }
}

fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `YYYY-MM-DD` naming a day that exists (leap years included).
pub fn is_date(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let number = |range: std::ops::Range<usize>| value[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist() {
        for good in ["2024-02-29", "2000-02-29", "2023-12-31", "2023-04-30"] {
            assert!(is_date(good), "{good}");
        }
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2023-02-30",
            "2023-04-31",
            "2023-13-01",
            "2023-00-10",
            "2023-01-00",
            "2023-1-01",
            "２０２３-01-01",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_uuid("123e4567e89b12d3a456426614174000"));
    }
}
