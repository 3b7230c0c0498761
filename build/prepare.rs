//! What the generator is given, and why it differs from the spec.
//!
//! The spec stays truthful; progenitor 0.15 cannot take all of it as it is. This module
//! derives the generator's input from the spec and collects what the crate generates
//! itself instead:
//!
//! 1. **Error responses.** progenitor asserts that all error responses of an operation
//!    share one schema (`extract_responses` in `progenitor-impl/src/method.rs`); the
//!    `tokens` endpoint documents five. Every 4xx/5xx/`default` response is recorded in a
//!    [`DocumentedError`] table and removed from the generator's copy, so the generated
//!    method hands such a response back unread (`Error::UnexpectedResponse`) and the
//!    crate decodes its body by (operation, status) into the generated per-status type.
//!    The schemas themselves stay in `components`, so their types are still generated.
//! 2. **Headers the client attaches.** A header parameter marked
//!    `x-flowpayroll-attached-by-client: true` (`User-Id`) is removed, so it does not
//!    become an argument of every generated method; the auth layer sends it.
//! 3. **Open enums.** A component with `x-extensible-enum` becomes an [`OpenEnum`]; the
//!    crate generates a Rust enum with an `Unknown(String)` variant for it and tells the
//!    type generator to use that type wherever the component is referenced.

use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr, Response, StatusCode};

/// The extension that marks a header parameter the client attaches by itself.
pub const ATTACHED_BY_CLIENT: &str = "x-flowpayroll-attached-by-client";
/// The extension that lists the known values of an open string enum.
pub const EXTENSIBLE_ENUM: &str = "x-extensible-enum";

/// One documented error response of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentedError {
    /// The operation's `operationId`.
    pub operation_id: String,
    /// The lowest and highest status this response covers: one code, a range such as
    /// `4XX` (400 to 499), or `default` (100 to 599).
    pub statuses: (u16, u16),
    /// The component schema of its `application/json` body, if it documents one.
    pub schema: Option<String>,
}

/// A string component whose values are known but not closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEnum {
    /// The component name (also the Rust type name).
    pub name: String,
    /// The component's description.
    pub description: Option<String>,
    /// The values the spec lists, in order.
    pub values: Vec<String>,
}

/// The generator's input and what the crate generates beside it.
#[derive(Debug)]
pub struct Prepared {
    /// The spec as progenitor is given it.
    pub for_generator: OpenAPI,
    /// Every documented error response, in spec order.
    pub errors: Vec<DocumentedError>,
    /// Every open enum component.
    pub open_enums: Vec<OpenEnum>,
}

/// Derives the generator's input from `spec` (see the module docs for what changes).
pub fn prepare(spec: &OpenAPI) -> Result<Prepared, String> {
    let open_enums = open_enums(spec)?;
    let mut for_generator = spec.clone();
    let mut errors = Vec::new();
    for (path, item) in for_generator.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            return Err(format!(
                "path `{path}`: `$ref` path items are not supported"
            ));
        };
        for operation in operations_mut(item) {
            let operation_id = operation
                .operation_id
                .clone()
                .ok_or_else(|| format!("an operation of `{path}` has no operationId"))?;
            let context = |what: String| format!("operation `{operation_id}`: {what}");
            errors.extend(take_error_responses(spec, operation, &operation_id).map_err(context)?);
            drop_attached_headers(spec, operation).map_err(context)?;
        }
    }
    Ok(Prepared {
        for_generator,
        errors,
        open_enums,
    })
}

fn operations_mut(item: &mut openapiv3::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn take_error_responses(
    spec: &OpenAPI,
    operation: &mut Operation,
    operation_id: &str,
) -> Result<Vec<DocumentedError>, String> {
    let mut found = Vec::new();
    let responses = &mut operation.responses;
    for (code, response) in &responses.responses {
        let statuses = match *code {
            StatusCode::Code(code) if code >= 400 => (code, code),
            StatusCode::Range(range) if range >= 4 => (range * 100, range * 100 + 99),
            _ => continue,
        };
        found.push(DocumentedError {
            operation_id: operation_id.to_owned(),
            statuses,
            schema: json_body_schema(spec, response, &code.to_string())?,
        });
    }
    if let Some(response) = &responses.default {
        found.push(DocumentedError {
            operation_id: operation_id.to_owned(),
            statuses: (100, 599),
            schema: json_body_schema(spec, response, "default")?,
        });
    }
    responses.responses.retain(|code, _| match *code {
        StatusCode::Code(code) => code < 400,
        StatusCode::Range(range) => range < 4,
    });
    responses.default = None;
    Ok(found)
}

/// The component schema named by a response's `application/json` body.
fn json_body_schema(
    spec: &OpenAPI,
    response: &ReferenceOr<Response>,
    status: &str,
) -> Result<Option<String>, String> {
    let response = resolve_response(spec, response)
        .ok_or_else(|| format!("response {status}: its `$ref` does not resolve"))?;
    let Some(media) = response.content.get("application/json") else {
        return Ok(None);
    };
    match &media.schema {
        None => Ok(None),
        Some(ReferenceOr::Reference { reference }) => component_name(reference, "schemas")
            .map(|name| Some(name.to_owned()))
            .ok_or_else(|| format!("response {status}: `{reference}` is not a component schema")),
        Some(ReferenceOr::Item(_)) => Err(format!(
            "response {status}: an error body must `$ref` a named component schema \
             (inline schemas are merged by name by the generator)"
        )),
    }
}

fn resolve_response<'a>(
    spec: &'a OpenAPI,
    response: &'a ReferenceOr<Response>,
) -> Option<&'a Response> {
    match response {
        ReferenceOr::Item(response) => Some(response),
        ReferenceOr::Reference { reference } => {
            let name = component_name(reference, "responses")?;
            match spec.components.as_ref()?.responses.get(name)? {
                ReferenceOr::Item(response) => Some(response),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn drop_attached_headers(spec: &OpenAPI, operation: &mut Operation) -> Result<(), String> {
    let mut failure = None;
    operation.parameters.retain(|parameter| {
        let parameter = match parameter {
            ReferenceOr::Item(parameter) => Some(parameter),
            ReferenceOr::Reference { reference } => component_name(reference, "parameters")
                .and_then(|name| spec.components.as_ref()?.parameters.get(name))
                .and_then(ReferenceOr::as_item),
        };
        match parameter {
            Some(Parameter::Header { parameter_data, .. }) => {
                parameter_data.extensions.get(ATTACHED_BY_CLIENT) != Some(&true.into())
            }
            Some(_) => true,
            None => {
                failure = Some("a parameter `$ref` does not resolve".to_owned());
                true
            }
        }
    });
    failure.map_or(Ok(()), Err)
}

fn open_enums(spec: &OpenAPI) -> Result<Vec<OpenEnum>, String> {
    let Some(components) = &spec.components else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let Some(listed) = schema.schema_data.extensions.get(EXTENSIBLE_ENUM) else {
            continue;
        };
        let is_string = matches!(
            &schema.schema_kind,
            openapiv3::SchemaKind::Type(openapiv3::Type::String(_))
        );
        let values = listed
            .as_array()
            .and_then(|values| values.iter().map(|v| v.as_str().map(str::to_owned)).collect())
            .filter(|_| is_string)
            .ok_or_else(|| {
                format!(
                    "schema `{name}`: `{EXTENSIBLE_ENUM}` needs `type: string` and a list of strings"
                )
            })?;
        found.push(OpenEnum {
            name: name.clone(),
            description: schema.schema_data.description.clone(),
            values,
        });
    }
    Ok(found)
}

/// `#/components/<kind>/<name>` → `name`.
fn component_name<'a>(reference: &'a str, kind: &str) -> Option<&'a str> {
    reference
        .strip_prefix("#/components/")?
        .strip_prefix(kind)?
        .strip_prefix('/')
}

/// One documented response example: operation id, status, example name, JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseExample {
    pub operation_id: String,
    pub status: String,
    pub name: String,
    pub json: String,
}

/// Every `application/json` response example of every operation (shared responses
/// resolved), for the embedded sandbox.
pub fn response_examples(spec: &OpenAPI) -> Vec<ResponseExample> {
    let mut found = Vec::new();
    for (_, item) in spec.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (_, operation) in item.iter() {
            let Some(operation_id) = &operation.operation_id else {
                continue;
            };
            for (status, response) in &operation.responses.responses {
                let Some(response) = resolve_response(spec, response) else {
                    continue;
                };
                let Some(media) = response.content.get("application/json") else {
                    continue;
                };
                let named = media.examples.iter().filter_map(|(name, example)| {
                    Some((name.clone(), example.as_item()?.value.clone()?))
                });
                for (name, value) in media
                    .example
                    .clone()
                    .map(|v| ("example".to_owned(), v))
                    .into_iter()
                    .chain(named)
                {
                    found.push(ResponseExample {
                        operation_id: operation_id.clone(),
                        status: status.to_string(),
                        name,
                        json: value.to_string(),
                    });
                }
            }
        }
    }
    found
}
