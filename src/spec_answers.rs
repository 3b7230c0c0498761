//! The spec/code guard in `cargo test`: answers generated from the spec's own response
//! schemas (read at test time, so an edit of `openapi/flowpayroll.yaml` is what gets
//! tested) are fed to the client's decoding: the token response to `parse_issued`, each
//! management success to the type its generated method decodes, and each documented
//! error body to [`ErrorBody::decode`]. A rule the client enforces that the spec does
//! not state shows up here as a refused answer the spec allows.

use std::time::SystemTime;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use serde_json::{Map, Value};

use crate::auth::token::parse_issued;
use crate::generated::model::types::{
    ClientSettings, ConnectionToken, Disconnection, Introspection, ProviderGroup, TokenSummary,
};
use crate::generated::model::ErrorBody;
use crate::operation::Operation;

/// The tests' one reader of the spec, shared with the integration tests.
#[path = "../tests/common/spec.rs"]
mod spec_file;

use spec_file::spec;

/// `schema` with its `$ref` (local, `#/...`) followed.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(pointer) => resolve(
            spec,
            spec.pointer(&pointer[1..]).expect("a $ref that resolves"),
        ),
        None => schema,
    }
}

/// A strategy for values that `schema` accepts (the keywords the spec uses: `type`,
/// `enum`, `x-extensible-enum`, `pattern`, `minLength`/`maxLength`, `minimum`/`maximum`,
/// `minItems`/`maxItems`, `required`, `nullable`, `format: date-time`).
fn values(spec: &Value, schema: &Value) -> BoxedStrategy<Value> {
    let schema = resolve(spec, schema);
    let strategy = match schema.get("type").and_then(Value::as_str) {
        Some("object") => objects(spec, schema),
        Some("array") => arrays(spec, schema),
        Some("string") => strings(schema),
        Some("integer") => integers(schema),
        Some("boolean") => any::<bool>().prop_map(Value::from).boxed(),
        other => panic!("the guard does not know schemas of type {other:?}: {schema}"),
    };
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        prop_oneof![Just(Value::Null), strategy].boxed()
    } else {
        strategy
    }
}

fn objects(spec: &Value, schema: &Value) -> BoxedStrategy<Value> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let empty = Map::new();
    let properties = schema["properties"].as_object().unwrap_or(&empty);
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
        .iter()
        .map(|(name, property)| {
            let is_required = required.contains(&name.as_str());
            let name = name.clone();
            let value = values(spec, property).prop_map(move |v| (name.clone(), v));
            if is_required {
                value.prop_map(Some).boxed()
            } else {
                proptest::option::of(value).boxed()
            }
        })
        .collect();
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect()))
        .boxed()
}

fn arrays(spec: &Value, schema: &Value) -> BoxedStrategy<Value> {
    let min = bound(schema, "minItems").unwrap_or(0);
    let max = bound(schema, "maxItems").unwrap_or(min + 5);
    proptest::collection::vec(values(spec, &schema["items"]), min..=max)
        .prop_map(Value::Array)
        .boxed()
}

fn strings(schema: &Value) -> BoxedStrategy<Value> {
    if let Some(closed) = schema["enum"].as_array() {
        return proptest::sample::select(closed.clone()).boxed();
    }
    if schema["format"] == "date-time" {
        return (0i64..4_102_444_800, 0u32..1_000_000_000)
            .prop_map(|(seconds, nanos)| {
                let time = chrono::DateTime::from_timestamp(seconds, nanos).expect("in range");
                Value::from(time.to_rfc3339())
            })
            .boxed();
    }
    let min = bound(schema, "minLength").unwrap_or(0);
    let max = bound(schema, "maxLength").unwrap_or(min.max(1) * 40);
    // Any character, or the pattern's (anchors dropped: the generator anchors anyway).
    let regex = match schema["pattern"].as_str() {
        Some(pattern) => pattern
            .trim_start_matches('^')
            .trim_end_matches('$')
            .to_owned(),
        None => "\\PC*".to_owned(),
    };
    let free = proptest::string::string_regex(&regex)
        .expect("the spec's patterns are regexes")
        .prop_filter("within the schema's lengths", move |s| {
            (min..=max).contains(&s.chars().count())
        });
    let known: Vec<Value> = schema["x-extensible-enum"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let free = free.prop_map(Value::from).boxed();
    if known.is_empty() {
        return free;
    }
    prop_oneof![proptest::sample::select(known), free].boxed()
}

fn integers(schema: &Value) -> BoxedStrategy<Value> {
    let min = schema["minimum"].as_i64().unwrap_or(i64::MIN);
    let max = schema["maximum"].as_i64().unwrap_or(i64::MAX);
    prop_oneof![
        Just(min),
        Just(max),
        (min..=max),
        (min..=max.min(min.saturating_add(100_000))),
    ]
    .prop_map(Value::from)
    .boxed()
}

fn bound(schema: &Value, keyword: &str) -> Option<usize> {
    schema[keyword]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
}

/// Decodes a success body of `operation` the way its generated method does (into the
/// type the spec names), or validates it as the token endpoint's answer.
fn decode_success(operation: Operation, body: &[u8]) -> Result<(), String> {
    fn into<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<(), String> {
        serde_json::from_slice::<T>(body)
            .map(drop)
            .map_err(|e| e.to_string())
    }
    match operation {
        Operation::RequestToken => parse_issued(body, SystemTime::UNIX_EPOCH).map(drop),
        Operation::ListTokens => into::<Vec<TokenSummary>>(body),
        Operation::IntrospectToken => into::<Introspection>(body),
        Operation::DisconnectToken => into::<Disconnection>(body),
        Operation::GetClient | Operation::UpdateClient => into::<ClientSettings>(body),
        Operation::ExchangeAuthorizationCode => into::<ConnectionToken>(body),
        Operation::ListProviders => into::<Vec<ProviderGroup>>(body),
    }
}

/// Every documented response with a JSON body: (operation, status, strategy).
fn answers() -> Vec<(Operation, u16, BoxedStrategy<Value>)> {
    let spec = spec();
    let mut answers = Vec::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for (method, op) in item.as_object().expect("a path item") {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                assert!(!op.is_object() || method == "parameters", "{method}");
                continue;
            };
            let operation = Operation::ALL
                .iter()
                .copied()
                .find(|o| o.id() == id)
                .expect("every operation of the spec is an Operation");
            for (status, response) in op["responses"].as_object().expect("responses") {
                let response = resolve(&spec, response);
                let schema = &response["content"]["application/json"]["schema"];
                if !schema.is_null() {
                    let status = status.parse().expect("statuses are numbers");
                    answers.push((operation, status, values(&spec, schema)));
                }
            }
        }
    }
    answers
}

/// Exists for the branch where the client refuses an answer the spec allows (a rule
/// of the code the spec does not state). The generators follow each schema's own
/// keywords: integers at their `minimum` and `maximum` as often as between them,
/// strings within their lengths and patterns, documented `x-extensible-enum` values by
/// name beside free ones, optional members present or absent.
#[test]
fn every_answer_the_spec_allows_decodes() {
    let answers = answers();
    assert!(answers.len() >= 40, "only {} answers found", answers.len());
    let config = proptest::test_runner::Config {
        cases: 64,
        failure_persistence: None,
        ..Default::default()
    };
    for (operation, status, strategy) in answers {
        let mut runner = proptest::test_runner::TestRunner::new(config.clone());
        let outcome = runner.run(&strategy, |value| {
            let body = serde_json::to_vec(&value).expect("JSON");
            let decoded = if (200..300).contains(&status) {
                decode_success(operation, &body)
            } else {
                match ErrorBody::decode(operation, status, &body) {
                    Some(Ok(_)) => Ok(()),
                    Some(Err(e)) => Err(e.to_string()),
                    None => Err("no documented error body".to_owned()),
                }
            };
            prop_assert!(decoded.is_ok(), "{}", decoded.unwrap_err());
            Ok(())
        });
        if let Err(failure) = outcome {
            panic!(
                "{} {status}: an answer the spec allows is refused: {failure}",
                operation.id()
            );
        }
    }
}

/// The guard can fail: a token answer the spec refuses (lifetime 0) is refused.
#[test]
fn an_answer_outside_the_spec_is_refused() {
    let body = br#"{"access_token":"t","token_type":"Bearer","expires_in":0}"#;
    assert!(decode_success(Operation::RequestToken, body).is_err());
}
