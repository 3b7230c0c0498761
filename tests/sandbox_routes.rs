//! The embedded sandbox's routes: every operation of the spec is routed (refused without
//! credentials, never "no such route"), and the operations without state answer with the
//! spec's examples.

mod common;

use common::example;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;

#[tokio::test]
async fn operations_without_state_answer_with_the_spec_examples() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let providers = fp.providers().await.unwrap();
    assert_eq!(
        serde_json::to_value(&providers).unwrap(),
        example("list_providers.200.reference.application_json.json")
    );
    assert_eq!(sandbox.api_requests(Operation::ListProviders), 1);
}

#[tokio::test]
async fn every_operation_of_the_spec_is_routed() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    for &operation in Operation::ALL {
        let method = reqwest::Method::from_bytes(operation.method().as_bytes()).unwrap();
        let url = sandbox.url().join(operation.path()).unwrap();
        let answer = http.request(method, url).send().await.unwrap();
        assert!(answer.headers().contains_key("x-request-id"), "{operation}");
        let status = answer.status();
        // Without credentials: refused, never "no such route".
        assert!(
            [400, 401].contains(&status.as_u16()),
            "{operation}: {status}"
        );
        assert_eq!(sandbox.api_requests(operation), 1, "{operation}");
    }
}
