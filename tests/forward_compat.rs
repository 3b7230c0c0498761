//! Values and fields the spec does not list must not break decoding: known values stay
//! typed, unknown ones are kept verbatim and serialize back unchanged.

mod common;

use common::*;
use flowpayroll::types::{Introspection, Mode, OAuthErrorCode, Provider, Scope, TokenSummary};
use httpmock::prelude::*;
use serde_json::json;

#[test]
fn an_unknown_provider_is_kept_as_its_string() {
    let summary: TokenSummary = serde_json::from_value(json!({
        "token": "t", "scopes": [], "mode": "official", "provider": "acme payroll", "valid": false
    }))
    .unwrap();
    assert_eq!(summary.provider, Provider::Unknown("acme payroll".into()));
    assert!(!summary.provider.is_known());
    assert_eq!(summary.provider.to_string(), "acme payroll");
    assert_eq!(
        serde_json::to_value(&summary).unwrap()["provider"],
        "acme payroll"
    );
}

#[test]
fn listed_values_get_their_own_variant_however_they_are_built() {
    assert_eq!(Provider::from("iris cascade"), Provider::IrisCascade);
    assert_eq!("xhr".parse::<Mode>().unwrap(), Mode::Xhr);
    assert_eq!(
        Scope::from("/2023-03-01/xhr/payruns/:payrun_id"),
        Scope::XhrPayrunsPayrunId
    );
    assert_eq!(
        Scope::XhrPayrunsPayrunId.as_str(),
        "/2023-03-01/xhr/payruns/:payrun_id"
    );
    assert_eq!(Scope::KNOWN.len(), 20);
    assert_eq!(Provider::KNOWN.len(), 40);
    assert!(OAuthErrorCode::from("invalid_client").is_known());
}

#[test]
fn unlisted_scopes_and_modes_decode() {
    let introspection: Introspection = serde_json::from_value(json!({
        "client_id": "c", "mode": "partner-api", "provider": "sandbox",
        "scopes": ["/2023-03-01/payroll/employees", "/2023-03-01/official/company"]
    }))
    .unwrap();
    assert_eq!(introspection.mode, Mode::Unknown("partner-api".into()));
    assert_eq!(
        introspection.scopes[0],
        Scope::Unknown("/2023-03-01/payroll/employees".into())
    );
    assert_eq!(introspection.scopes[1], Scope::OfficialCompany);
}

#[test]
fn new_fields_from_the_server_are_ignored() {
    let summary: TokenSummary = serde_json::from_value(json!({
        "token": "t", "scopes": [], "mode": "xhr", "provider": "gusto", "valid": true,
        "expires_at": "2030-01-01T00:00:00Z", "labels": {"team": "payroll"}
    }))
    .unwrap();
    assert_eq!(summary.provider, Provider::Gusto);
}

#[tokio::test]
async fn the_client_decodes_unknown_values_end_to_end() {
    let server = MockServer::start_async().await;
    token_endpoint(&server, &jwt("jti-fc"), 3600).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/2023-03-01/management/tokens");
            then.status(200).json_body(json!([{
                "token": "t-1", "scopes": ["/2024-01-01/new/scope"], "mode": "hybrid",
                "provider": "brand-new-hr", "valid": true, "region": "eu"
            }]));
        })
        .await;
    let fp = builder(&server).build().unwrap();
    let tokens = fp.management().tokens().await.unwrap();
    assert_eq!(tokens[0].provider.as_str(), "brand-new-hr");
    assert_eq!(tokens[0].mode, Mode::Unknown("hybrid".into()));
    assert_eq!(tokens[0].scopes[0].as_str(), "/2024-01-01/new/scope");
}
