//! The sandbox keeps the state the API describes, and every stateful answer is checked
//! against the spec's schema (strict JSON Schema, `common/spec_schema.rs`): tokens listed
//! after a mint, after a disconnect and after expiry; introspect consistent with the
//! list; update then get; secret rotation; scopes (code exchanges: `connect_exchange.rs`).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::sandbox_http::{call, mint, request_token};
use common::spec_schema::SpecSchemas;
use flowpayroll::clock::{Clock, ManualClock};
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::types::TokenSummary;
use flowpayroll::ErrorBody;
use serde_json::{json, Value};

const EMPLOYEES: &str = "/2023-03-01/xhr/employees";
const PAYRUNS: &str = "/2023-03-01/xhr/payruns";

/// The list as plain HTTP returns it with `token`, checked against the spec.
async fn listed(sandbox: &Sandbox, token: &str) -> Vec<TokenSummary> {
    let answer = call(sandbox, Operation::ListTokens, Some(token), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    SpecSchemas::load().check("list_tokens", 200, &answer.body);
    serde_json::from_value(answer.body).unwrap()
}

fn validity(tokens: &[TokenSummary]) -> Vec<(String, bool)> {
    tokens.iter().map(|t| (t.token.clone(), t.valid)).collect()
}

#[tokio::test]
async fn the_list_shows_the_minted_token_and_introspect_agrees() {
    let clock = Arc::new(ManualClock::new());
    let sandbox = Sandbox::start_with(SandboxConfig::default().with_clock(clock.clone()))
        .await
        .unwrap();
    let fp = sandbox
        .client_builder()
        .scope([EMPLOYEES, PAYRUNS])
        .build()
        .unwrap();
    let token = fp.access_token().await.unwrap();
    let jti = fp.token_status().token_id.unwrap().to_string();

    let tokens = fp.management().tokens().await.unwrap();
    assert_eq!(tokens.len(), 1);
    let listed_token = &tokens[0];
    assert_eq!(listed_token.token, jti);
    let scopes: Vec<&str> = listed_token.scopes.iter().map(|s| s.as_str()).collect();
    assert_eq!(scopes, [EMPLOYEES, PAYRUNS]);
    assert_eq!(
        (listed_token.mode.as_str(), listed_token.provider.as_str()),
        ("xhr", "sandbox")
    );
    assert!(listed_token.valid);
    let created = listed_token.created_at.unwrap();
    assert_eq!(
        created.timestamp(),
        chrono::DateTime::<chrono::Utc>::from(clock.system_now()).timestamp()
    );
    assert_eq!(listed(&sandbox, token.expose_secret()).await, tokens);

    let answer = call(
        &sandbox,
        Operation::IntrospectToken,
        Some(token.expose_secret()),
        None,
    )
    .await;
    SpecSchemas::load().check("introspect_token", 200, &answer.body);
    let me = fp.management().introspect().await.unwrap();
    assert_eq!(me.client_id, sandbox.client_id());
    assert_eq!(
        (&me.scopes, &me.mode, &me.provider),
        (
            &listed_token.scopes,
            &listed_token.mode,
            &listed_token.provider
        )
    );
}

#[tokio::test]
async fn after_disconnect_the_token_is_listed_invalid_and_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let old = fp.access_token().await.unwrap();
    let old_jti = fp.token_status().token_id.unwrap().to_string();

    let answer = call(
        &sandbox,
        Operation::DisconnectToken,
        Some(old.expose_secret()),
        None,
    )
    .await;
    assert_eq!(answer.status, 200);
    SpecSchemas::load().check("disconnect_token", 200, &answer.body);

    let refused = call(
        &sandbox,
        Operation::ListTokens,
        Some(old.expose_secret()),
        None,
    )
    .await;
    assert_eq!(refused.status, 403);
    SpecSchemas::load().check("introspect_token", 403, &refused.body);

    // The client sees the 403, which re-minting does not fix; a client that forgets the
    // token through `disconnect` mints a new one and sees both.
    let other = sandbox.client_builder().build().unwrap();
    other.management().disconnect().await.unwrap();
    let tokens = other.management().tokens().await.unwrap();
    let new_jti = other.token_status().token_id.unwrap().to_string();
    let validity = validity(&tokens);
    assert_eq!(validity.len(), 3, "{validity:?}");
    assert_eq!(validity[0], (old_jti, false));
    assert!(
        !validity[1].1,
        "the second client's first token is disconnected"
    );
    assert_eq!(validity[2], (new_jti, true));
    assert_eq!(sandbox.tokens_issued(), 3);
}

#[tokio::test]
async fn after_expiry_the_token_is_listed_invalid_then_forgotten() {
    let clock = Arc::new(ManualClock::new());
    let sandbox = Sandbox::start_with(
        SandboxConfig::default()
            .with_clock(clock.clone())
            .with_token_lifetime(Duration::from_secs(60))
            .with_eviction_grace(Duration::from_secs(300)),
    )
    .await
    .unwrap();
    let fp = sandbox
        .client_builder()
        .clock(clock.clone())
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    let first = fp.token_status().token_id.unwrap().to_string();
    let first_token = fp.access_token().await.unwrap();

    clock.advance(Duration::from_secs(61));
    // The first token now gets 401 from the sandbox...
    let expired = call(
        &sandbox,
        Operation::ListTokens,
        Some(first_token.expose_secret()),
        None,
    )
    .await;
    assert_eq!(expired.status, 401);
    // ...and the client, whose copy expired too, mints a second one.
    let tokens = fp.management().tokens().await.unwrap();
    let second = fp.token_status().token_id.unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(
        validity(&tokens),
        [(first.clone(), false), (second.clone(), true)]
    );
    let token = fp.access_token().await.unwrap();
    listed(&sandbox, token.expose_secret()).await;

    // 60 s of life and 300 s of grace after its mint, the first token is forgotten.
    clock.advance(Duration::from_secs(300));
    let tokens = fp.management().tokens().await.unwrap();
    let third = fp.token_status().token_id.unwrap().to_string();
    assert_eq!(validity(&tokens), [(second, false), (third, true)]);
    let stats = sandbox.stats();
    assert_eq!((stats.tokens_kept, stats.tokens_evicted), (2, 1));
    assert_eq!(stats.tokens_issued, 3);
}

#[tokio::test]
async fn an_update_persists_and_rotates_the_secrets() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = mint(&sandbox).await;
    let old_secret = sandbox.client_secret().expose_secret().to_owned();

    let answer = call(&sandbox, Operation::GetClient, Some(&token), None).await;
    SpecSchemas::load().check("get_client", 200, &answer.body);
    assert_eq!(answer.body["client_id"], sandbox.client_id());
    assert_eq!(answer.body["client_secret"], json!([old_secret]));

    // Rotation, step 1: accept the old and the new secret.
    let update = json!({
        "name": "Payroll sync",
        "client_secret": [old_secret, "new-secret-7f3a"],
        "redirect_uris": ["https://app.example.com/callback"],
        "webhook_uri": null,
    });
    let answer = call(
        &sandbox,
        Operation::UpdateClient,
        Some(&token),
        Some(&update),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    SpecSchemas::load().check("update_client", 200, &answer.body);
    let read = call(&sandbox, Operation::GetClient, Some(&token), None).await;
    SpecSchemas::load().check("get_client", 200, &read.body);
    assert_eq!(read.body, answer.body);
    assert_eq!(read.body["name"], "Payroll sync");
    assert_eq!(
        read.body["redirect_uris"],
        json!(["https://app.example.com/callback"])
    );
    assert!(read.body.get("webhook_uri").is_none());
    assert_eq!(request_token(&sandbox, &old_secret, None).await.status, 200);
    assert_eq!(
        request_token(&sandbox, "new-secret-7f3a", None)
            .await
            .status,
        200
    );

    // Step 2, through the typed client: only the new secret.
    let fp = flowpayroll::FlowPayroll::builder()
        .credentials(sandbox.client_id(), "new-secret-7f3a")
        .environment(sandbox.environment())
        .build()
        .unwrap();
    let mut settings = fp.management().client().await.unwrap();
    settings.client_secret.remove(0);
    let update = flowpayroll::types::ClientUpdate::builder()
        .client_secret(settings.client_secret)
        .name(settings.name)
        .redirect_uris(settings.redirect_uris)
        .webhook_uri("https://hooks.example.com/flow")
        .build();
    let updated = fp.management().update_client(&update).await.unwrap();
    assert_eq!(fp.management().client().await.unwrap(), updated);
    assert_eq!(
        updated.webhook_uri.as_deref(),
        Some("https://hooks.example.com/flow")
    );
    let refused = request_token(&sandbox, &old_secret, None).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body["error"], "invalid_client");

    // No secret at all would lock every caller out: refused.
    let lockout = json!({"name": "x", "client_secret": [], "redirect_uris": []});
    let answer = call(
        &sandbox,
        Operation::UpdateClient,
        Some(&token),
        Some(&lockout),
    )
    .await;
    assert_eq!(answer.status, 400);
    SpecSchemas::load().check("update_client", 400, &answer.body);
}

#[tokio::test]
async fn scopes_are_honoured_and_unknown_ones_refused() {
    let sandbox = Sandbox::start_with(
        SandboxConfig::default().with_scopes(vec![EMPLOYEES.into(), PAYRUNS.into()]),
    )
    .await
    .unwrap();
    let secret = sandbox.client_secret().expose_secret().to_owned();

    let granted = request_token(&sandbox, &secret, Some(PAYRUNS)).await;
    assert_eq!(granted.status, 200);
    SpecSchemas::load().check("request_token", 200, &granted.body);
    assert_eq!(granted.body["scope"], PAYRUNS);
    assert_eq!(
        granted.headers["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let all = request_token(&sandbox, &secret, None).await;
    assert_eq!(all.body["scope"], format!("{EMPLOYEES} {PAYRUNS}"));

    for refused in [
        "census",
        "/2023-03-01/official/company",
        "/2023-03-01/xhr/payruns census",
    ] {
        let answer = request_token(&sandbox, &secret, Some(refused)).await;
        assert_eq!(answer.status, 400, "{refused}");
        SpecSchemas::load().check("request_token", 400, &answer.body);
        assert_eq!(answer.body["error"], "invalid_scope", "{refused}");
    }
    assert_eq!(sandbox.tokens_issued(), 2);

    // Through the client: the error names the RFC 6749 code.
    let fp = sandbox.client_builder().scope(["census"]).build().unwrap();
    let error = fp.authenticate().await.unwrap_err();
    match error.as_api().and_then(|api| api.body()) {
        Some(ErrorBody::OAuthError(body)) => assert_eq!(body.error.as_str(), "invalid_scope"),
        other => panic!("{other:?}: {error}"),
    }
    let listed: Value = call(
        &sandbox,
        Operation::ListTokens,
        Some(&mint(&sandbox).await),
        None,
    )
    .await
    .body;
    assert_eq!(listed.as_array().unwrap().len(), 3);
}
