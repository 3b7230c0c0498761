//! The spec's examples against the generated types: every example in the spec decodes
//! into the type generated for its operation and status and serializes back to the same
//! JSON; every file under `openapi/examples/` is one of those examples, verbatim.

mod common;

use std::collections::BTreeMap;

use flowpayroll::types::*;
use flowpayroll::ErrorBody;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use common::spec::spec;

/// (operation, status or "request", example name, media type) → example value.
type Examples = BTreeMap<(String, String, String, String), Value>;

/// Every operation object of the spec.
fn operations(spec: &Value) -> impl Iterator<Item = &Value> {
    spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|v| v.get("operationId").is_some())
}

fn spec_examples(spec: &Value) -> Examples {
    let mut found = Examples::new();
    let resolve = |value: &Value| -> Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap();
                spec["components"]["responses"][name].clone()
            }
            None => value.clone(),
        }
    };
    let mut collect = |operation: &str, status: &str, content: &Value| {
        for (media, body) in content.as_object().into_iter().flatten() {
            for (name, example) in body["examples"].as_object().into_iter().flatten() {
                let key = (
                    operation.to_owned(),
                    status.to_owned(),
                    name.clone(),
                    media.clone(),
                );
                found.insert(key, example["value"].clone());
            }
        }
    };
    for operation in operations(spec) {
        let id = operation["operationId"].as_str().unwrap();
        collect(id, "request", &operation["requestBody"]["content"]);
        for (status, response) in operation["responses"].as_object().unwrap() {
            collect(id, status, &resolve(response)["content"]);
        }
    }
    found
}

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Value {
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {value}"));
    serde_json::to_value(typed).unwrap()
}

fn error_round_trip(operation: &str, status: u16, value: &Value) -> Value {
    let bytes = serde_json::to_vec(value).unwrap();
    let operation = flowpayroll::operation::Operation::from_id(operation)
        .unwrap_or_else(|| panic!("`{operation}` is not an Operation"));
    let body = ErrorBody::decode(operation, status, &bytes)
        .unwrap_or_else(|| panic!("{operation} {status} is not in the error table"))
        .unwrap_or_else(|e| panic!("{operation} {status}: {e}"));
    serde_json::to_value(body).unwrap()
}

/// Decodes `value` into the type generated for (operation, status) and back.
fn decode_as_documented(operation: &str, status: &str, value: &Value) -> Value {
    match (operation, status) {
        ("request_token", "200") => round_trip::<AccessTokenResponse>(value),
        ("list_tokens", "200") => round_trip::<Vec<TokenSummary>>(value),
        ("introspect_token", "200") => round_trip::<Introspection>(value),
        ("disconnect_token", "200") => round_trip::<Disconnection>(value),
        ("get_client" | "update_client", "200") => round_trip::<ClientSettings>(value),
        ("update_client", "request") => round_trip::<ClientUpdate>(value),
        ("exchange_authorization_code", "request") => {
            round_trip::<AuthorizationCodeExchange>(value)
        }
        ("exchange_authorization_code", "201") => round_trip::<ConnectionToken>(value),
        ("list_providers", "200") => round_trip::<Vec<ProviderGroup>>(value),
        (operation, status) => error_round_trip(operation, status.parse().unwrap(), value),
    }
}

#[test]
fn every_spec_example_decodes_into_its_generated_type_and_back() {
    let examples = spec_examples(&spec());
    assert!(
        examples.len() >= 40,
        "found only {} examples",
        examples.len()
    );
    for ((operation, status, name, _media), value) in &examples {
        let again = decode_as_documented(operation, status, value);
        assert_eq!(
            &again, value,
            "{operation} {status} example `{name}` changed in a round trip"
        );
    }
}

/// Each file is a named example of the spec, verbatim; and each named example of the
/// spec has a file (an example of a shared response, `components/responses`, once,
/// under one of the operations that use it), as `docs/spec.md` says.
#[test]
fn every_example_file_is_a_spec_example_verbatim_and_every_example_has_a_file() {
    let examples = spec_examples(&spec());
    let mut filed = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(common::examples_dir()).unwrap() {
        let file_name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = file_name.strip_suffix(".json") else {
            continue;
        };
        let parts: Vec<&str> = stem.split('.').collect();
        let [operation, status, name, media] = parts[..] else {
            panic!("{file_name}: expected <operation>.<status|request>.<example>.<media>.json");
        };
        let key = (
            operation.to_owned(),
            status.to_owned(),
            name.to_owned(),
            media.replacen('_', "/", 1),
        );
        let documented = examples
            .get(&key)
            .unwrap_or_else(|| panic!("{file_name} maps to no example of the spec"));
        assert_eq!(
            &common::example(&file_name),
            documented,
            "{file_name} differs from the spec"
        );
        filed.insert(key);
    }
    // A shared response's example sits under every operation using it, with the same
    // status, name, media type and value: one file covers them all.
    let covered = |(operation, status, name, media): &(String, String, String, String)| {
        filed.iter().any(|(o, s, n, m)| {
            (o == operation
                || examples.get(&(o.clone(), s.clone(), n.clone(), m.clone()))
                    == examples.get(&(
                        operation.clone(),
                        status.clone(),
                        name.clone(),
                        media.clone(),
                    )))
                && (s, n, m) == (status, name, media)
        })
    };
    let missing: Vec<_> = examples.keys().filter(|key| !covered(key)).collect();
    assert!(missing.is_empty(), "examples without a file: {missing:?}");
}

/// A second reader of the error responses: for each operation, every 4xx/5xx status
/// (`4XX` as 400..=499, `default` as 100..=599) with the component schema its
/// `application/json` body `$ref`s, read from the YAML as plain values (the build reads
/// it with `openapiv3`).
fn documented_errors(spec: &Value) -> Vec<(String, u16, u16, Option<String>)> {
    let mut rows = Vec::new();
    for operation in operations(spec) {
        let id = operation["operationId"].as_str().unwrap();
        for (key, response) in operation["responses"].as_object().unwrap() {
            let statuses = match key.as_str() {
                "default" => (100, 599),
                range if range.ends_with("XX") => {
                    let class: u16 = range[..1].parse().unwrap();
                    (class * 100, class * 100 + 99)
                }
                code => {
                    let code: u16 = code.parse().unwrap();
                    (code, code)
                }
            };
            if statuses.1 < 400 {
                continue;
            }
            let response = match response["$ref"].as_str() {
                Some(reference) => {
                    let name = reference.strip_prefix("#/components/responses/").unwrap();
                    &spec["components"]["responses"][name]
                }
                None => response,
            };
            let schema = response["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|r| r.strip_prefix("#/components/schemas/").unwrap().to_owned());
            rows.push((id.to_owned(), statuses.0, statuses.1, schema));
        }
    }
    rows.sort();
    rows
}

#[test]
fn the_error_table_is_what_a_second_reader_finds_in_the_spec() {
    let documented = documented_errors(&spec());
    let mut table: Vec<(String, u16, u16, Option<String>)> =
        flowpayroll::operation::DOCUMENTED_ERRORS
            .iter()
            .map(|(op, low, high, schema)| (op.to_string(), *low, *high, schema.map(str::to_owned)))
            .collect();
    table.sort();
    assert_eq!(table, documented);
    // Every operation documents at least one error (the reader found the responses).
    let operations = operations(&spec()).count();
    let with_errors: std::collections::BTreeSet<&str> =
        documented.iter().map(|(op, ..)| op.as_str()).collect();
    assert_eq!(with_errors.len(), operations);
}
