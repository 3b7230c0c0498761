//! Request bodies built with their generated builders (`types::X::builder()`): what goes
//! over the wire is exactly the spec's example, an optional field left unset is left out,
//! and a single-value field (a grant type) is filled in. That a missing required field
//! or a struct literal does not compile is shown by the `compile_fail` doc tests of
//! `Management::update_client`.

mod common;

use common::*;
use flowpayroll::types::{
    AuthorizationCodeExchange, AuthorizationCodeGrantType, ClientCredentialsGrant,
    ClientCredentialsGrantType, ClientUpdate,
};
use flowpayroll::{RetryPolicy, SecretString};
use httpmock::prelude::*;
use serde_json::{json, Value};

const PATH: &str = "/2023-03-01/management/client";

/// The spec's `update_client` request example, built with the builder from its values.
fn update_from_example(example: &Value) -> ClientUpdate {
    let strings = |key: &str| -> Vec<String> {
        example[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    ClientUpdate::builder()
        .name(example["name"].as_str().unwrap())
        .client_secret(strings("client_secret"))
        .redirect_uris(strings("redirect_uris"))
        .webhook_uri(example["webhook_uri"].as_str().unwrap())
        .build()
}

/// Sends `update` to a mock that accepts only exactly `expected` as the JSON body;
/// returns how many requests it matched.
async fn sent_exactly(update: &ClientUpdate, expected: &Value) -> usize {
    let server = MockServer::start_async().await;
    token_endpoint(&server, &jwt("jti-builders"), 3600).await;
    let fp = builder(&server)
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap();
    let exact = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(PATH)
                .header("content-type", "application/json")
                .json_body(expected.clone());
            then.status(200)
                .json_body(example("get_client.200.reference.application_json.json"));
        })
        .await;
    fp.management().update_client(update).await.unwrap();
    exact.calls_async().await
}

#[tokio::test]
async fn a_built_client_update_goes_over_the_wire_as_the_spec_example() {
    let request = example("update_client.request.reference.application_json.json");
    let update = update_from_example(&request);
    assert_eq!(serde_json::to_value(&update).unwrap(), request);
    assert_eq!(sent_exactly(&update, &request).await, 1);
}

#[tokio::test]
async fn an_optional_field_left_unset_is_left_out() {
    let update = ClientUpdate::builder()
        .client_secret([SecretString::new("s-1")])
        .name("Payroll sync")
        .redirect_uris(Vec::<String>::new())
        .build();
    assert_eq!(update.webhook_uri, None);
    let expected = json!({"client_secret": ["s-1"], "name": "Payroll sync", "redirect_uris": []});
    assert_eq!(sent_exactly(&update, &expected).await, 1);
}

#[tokio::test]
async fn clear_webhook_uri_sends_null_and_a_value_replaces_it() {
    let builder = || {
        ClientUpdate::builder()
            .client_secret([SecretString::new("s-1")])
            .name("Payroll sync")
            .redirect_uris(Vec::<String>::new())
    };
    let cleared = builder().clear_webhook_uri().build();
    assert_eq!(cleared.webhook_uri, Some(None));
    assert_eq!(
        serde_json::to_string(&cleared).unwrap(),
        r#"{"client_secret":["s-1"],"name":"Payroll sync","redirect_uris":[],"webhook_uri":null}"#
    );
    let expected = json!({"client_secret": ["s-1"], "name": "Payroll sync", "redirect_uris": [], "webhook_uri": null});
    assert_eq!(sent_exactly(&cleared, &expected).await, 1);

    let set = builder()
        .clear_webhook_uri()
        .webhook_uri("https://hooks.example.com/a")
        .build();
    assert_eq!(
        set.webhook_uri,
        Some(Some("https://hooks.example.com/a".to_owned()))
    );

    // Decoding keeps the three states apart too.
    let decode = |json: serde_json::Value| {
        serde_json::from_value::<ClientUpdate>(json)
            .unwrap()
            .webhook_uri
    };
    let base = json!({"client_secret": [], "name": "n", "redirect_uris": []});
    assert_eq!(decode(base.clone()), None);
    let mut with_null = base.clone();
    with_null["webhook_uri"] = serde_json::Value::Null;
    assert_eq!(decode(with_null), Some(None));
}

#[test]
fn setters_accept_borrowed_and_owned_values_in_any_order() {
    let from_str = ClientUpdate::builder()
        .redirect_uris(["https://a.example/cb"])
        .name("n")
        .client_secret(["s"])
        .build();
    let from_owned = ClientUpdate::builder()
        .client_secret(vec![SecretString::new("s")])
        .name(String::from("n"))
        .redirect_uris(vec![String::from("https://a.example/cb")])
        .build();
    assert_eq!(from_str, from_owned);
    // A second call replaces the value.
    let replaced = ClientUpdate::builder()
        .name("first")
        .name("second")
        .client_secret(["s"])
        .redirect_uris(["u"])
        .build();
    assert_eq!(replaced.name, "second");
}

#[test]
fn a_single_value_grant_type_is_filled_in() {
    let exchange = AuthorizationCodeExchange::builder()
        .client_id("client-1")
        .client_secret("secret-1")
        .code("code-1")
        .redirect_uri("https://a.example/cb")
        .build();
    assert_eq!(
        exchange.grant_type,
        AuthorizationCodeGrantType::AuthorizationCode
    );
    assert_eq!(
        serde_json::to_value(&exchange).unwrap(),
        json!({
            "client_id": "client-1",
            "client_secret": "secret-1",
            "code": "code-1",
            "grant_type": "authorization_code",
            "redirect_uri": "https://a.example/cb",
        })
    );

    let grant = ClientCredentialsGrant::builder().scope("a b").build();
    assert_eq!(
        grant.grant_type,
        ClientCredentialsGrantType::ClientCredentials
    );
    assert_eq!((grant.client_id, grant.client_secret), (None, None));
    assert_eq!(grant.scope.as_deref(), Some("a b"));
}

#[test]
fn a_builder_redacts_secrets_in_debug() {
    let builder = ClientUpdate::builder().client_secret(["secret-never-printed"]);
    let text = format!(
        "{builder:?} {:?}",
        builder.clone().name("n").redirect_uris(["u"]).build()
    );
    assert!(!text.contains("secret-never-printed"), "{text}");
}
