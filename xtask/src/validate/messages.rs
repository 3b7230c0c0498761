//! Wording validation errors: what failed and where, never the whole value. A failed
//! `oneOf`/`anyOf` says, per branch, the first thing that failed in it.

use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use serde_json::Value;

use super::pointer::local_target;

/// The most characters of a value quoted in a message.
const VALUE_CAP: usize = 60;

/// The message for `error`; `forbidden` names the flag of a property the rewrite forbade.
pub fn describe(error: &ValidationError<'_>, forbidden: &dyn Fn(&str) -> Option<String>) -> String {
    let rule = error.absolute_keyword_location().and_then(|uri| {
        uri.as_str()
            .split_once('#')
            .map(|(_, f)| super::pointer::from_fragment(f))
    });
    if let Some(flag) = rule.as_deref().and_then(forbidden) {
        let name = error
            .instance_path()
            .to_string()
            .rsplit('/')
            .next()
            .map(|n| n.replace("~1", "/").replace("~0", "~"))
            .unwrap_or_default();
        return if flag == "readOnly" {
            format!(
                "`{name}` is readOnly: it is sent by the server and must not appear in a request"
            )
        } else {
            format!(
                "`{name}` is writeOnly: it is sent by the client and must not appear in a response"
            )
        };
    }
    match error.kind() {
        ValidationErrorKind::Enum { options } => {
            format!("{} is not one of {}", short(error.instance()), options)
        }
        ValidationErrorKind::OneOfNotValid { context } => branches("oneOf", context),
        ValidationErrorKind::AnyOf { context } => branches("anyOf", context),
        ValidationErrorKind::OneOfMultipleValid { context } => {
            let valid: Vec<String> = context
                .iter()
                .enumerate()
                .filter(|(_, errors)| errors.is_empty())
                .map(|(i, _)| i.to_string())
                .collect();
            if valid.len() > 1 {
                format!(
                    "matches more than one branch of oneOf ({}); oneOf needs exactly one",
                    valid.join(", ")
                )
            } else {
                "matches more than one branch of oneOf; oneOf needs exactly one".to_owned()
            }
        }
        _ => error.masked_with(short(error.instance())).to_string(),
    }
}

/// `matches no branch of oneOf: [0] at /a: …; [1] …`
fn branches(keyword: &str, context: &[Vec<ValidationError<'static>>]) -> String {
    let parts: Vec<String> = context
        .iter()
        .enumerate()
        .map(|(index, errors)| match errors.first() {
            Some(first) => {
                let path = first.instance_path().to_string();
                let at = if path.is_empty() {
                    "/".to_owned()
                } else {
                    path
                };
                format!("[{index}] at {at}: {}", describe(first, &|_| None))
            }
            None => format!("[{index}] passes"),
        })
        .collect();
    format!("matches no branch of {keyword}: {}", parts.join("; "))
}

/// `value` as JSON, cut to [`VALUE_CAP`] characters.
pub fn short(value: &Value) -> String {
    let text = match value {
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => format!("an array of {}", items.len()),
        other => other.to_string(),
    };
    match text.char_indices().nth(VALUE_CAP) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// When a `null` fails at a schema reached through a `$ref` that has `nullable: true`
/// beside it, says that sibling is ignored (empty otherwise).
pub fn nullable_beside_ref(document: &Value, schema: &str, error: &ValidationError<'_>) -> String {
    if !error.instance().is_null() {
        return String::new();
    }
    let path = error.evaluation_path().to_string();
    let mut segments = path.split('/').skip(1).take(256).peekable();
    // The first segment is the root `$ref` to `schema`.
    segments.next_if_eq(&"$ref");
    let mut current = schema.to_owned();
    let mut found = None;
    while let Some(segment) = segments.next() {
        let Some(node) = document.pointer(&current) else {
            break;
        };
        if segment == "$ref" {
            if node.get("nullable") == Some(&Value::Bool(true)) {
                found = Some(current.clone());
            }
            match node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(local_target)
            {
                Some(target) => current = target,
                None => break,
            }
        } else if segments.peek().is_some() {
            current = format!("{current}/{segment}");
        }
    }
    match found {
        Some(at) => format!(
            " (`nullable: true` beside the `$ref` at {at} is ignored in OpenAPI 3.0; wrap the `$ref` in `allOf` to allow null)"
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_shortened_never_dumped() {
        assert_eq!(short(&json!({"a": 1})), "an object");
        assert_eq!(short(&json!([1, 2])), "an array of 2");
        let long = short(&json!("x".repeat(500)));
        assert_eq!(long.chars().count(), VALUE_CAP + 1);
    }

    #[test]
    fn each_failed_branch_is_named() {
        let schema = json!({"oneOf": [
            {"type": "object", "required": ["a"]},
            {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]}]});
        let validator = jsonschema::draft4::new(&schema).unwrap();
        let value = json!({"b": "x", "padding": "y".repeat(4000)});
        let error = validator.iter_errors(&value).next().unwrap();
        let message = describe(&error, &|_| None);
        assert_eq!(
            message,
            r#"matches no branch of oneOf: [0] at /: "a" is a required property; [1] at /b: "x" is not of type "integer""#
        );
    }
}
